#include "mcp_warden/inspect/finding.h"

#include <array>

namespace mcp_warden::inspect {
namespace {

constexpr std::array<std::string_view, kKindCount> kKindNames = {
    "secret", "payment_card", "ssn", "iban", "email", "phone", "hidden_instruction"};

using D = DetectorId;
using K = Kind;
constexpr std::array<DetectorInfo, kDetectorCount> kDetectors = {{
    {D::kPrivateKey, "private_key", K::kSecret, "PEM, OpenSSH or PGP private-key block"},
    {D::kAwsAccessKeyId, "aws_access_key_id", K::kSecret, "AWS access key id (AKIA/ASIA + 16)"},
    {D::kAwsSecretAccessKey, "aws_secret_access_key", K::kSecret,
     "40-character AWS secret key assigned to an aws_secret_access_key-like name"},
    {D::kGithubToken, "github_token", K::kSecret, "GitHub token (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_)"},
    {D::kGitlabToken, "gitlab_token", K::kSecret, "GitLab token (glpat-, gldt-, glrt-, glptt-)"},
    {D::kSlackToken, "slack_token", K::kSecret, "Slack token (xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxe-, xapp-)"},
    {D::kSlackWebhook, "slack_webhook", K::kSecret, "Slack incoming-webhook URL"},
    {D::kStripeKey, "stripe_key", K::kSecret, "Stripe secret/restricted key or webhook secret"},
    {D::kOpenaiKey, "openai_key", K::kSecret, "OpenAI API key (sk-proj-, sk-svcacct-, sk-admin-, legacy)"},
    {D::kAnthropicKey, "anthropic_key", K::kSecret, "Anthropic API key (sk-ant-...)"},
    {D::kNpmToken, "npm_token", K::kSecret, "npm access token (npm_ + 36)"},
    {D::kPypiToken, "pypi_token", K::kSecret, "PyPI API token (pypi-AgEIcHlwaS5vcmc...)"},
    {D::kGoogleApiKey, "google_api_key", K::kSecret, "Google API key (AIza + 35)"},
    {D::kHuggingfaceToken, "huggingface_token", K::kSecret, "Hugging Face token (hf_ + 34 letters)"},
    {D::kJwt, "jwt", K::kSecret, "JSON Web Token whose header decodes to a JOSE header"},
    {D::kUrlCredentials, "url_credentials", K::kSecret, "password in a URL's user-info (scheme://user:password@host)"},
    {D::kSecretAssignment, "secret_assignment", K::kSecret,
     "password=/secret:/token= style assignment whose value passes the placeholder and entropy checks"},
    {D::kPaymentCard, "payment_card", K::kPaymentCard, "13-19 digit card number, Luhn-valid, known issuer prefix"},
    {D::kSsn, "us_ssn", K::kSsn, "US social security number outside the never-issued ranges"},
    {D::kIban, "iban", K::kIban, "IBAN with the country's length and a valid mod-97 check"},
    {D::kEmail, "email", K::kEmail, "e-mail address"},
    {D::kPhone, "phone", K::kPhone, "phone number (+country code, or North American format)"},
    {D::kInvisibleUnicode, "invisible_unicode", K::kHiddenInstruction,
     "tag characters, bidi controls, zero-width characters"},
    {D::kInstructionPhrase, "instruction_phrase", K::kHiddenInstruction,
     "text addressed to the model: ignore previous instructions, do not tell the user"},
    {D::kInstructionTag, "instruction_tag", K::kHiddenInstruction,
     "<IMPORTANT>, <system>, <instructions>, chat-template tokens"},
}};

}  // namespace

std::string_view kind_name(Kind kind) { return kKindNames[static_cast<std::size_t>(kind)]; }

std::optional<Kind> parse_kind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<Kind>(i);
  }
  return std::nullopt;
}

bool is_personal_data(Kind kind) {
  return kind == Kind::kSsn || kind == Kind::kIban || kind == Kind::kEmail || kind == Kind::kPhone;
}

std::string_view confidence_name(Confidence c) {
  switch (c) {
    case Confidence::kLow: return "low";
    case Confidence::kMedium: return "medium";
    case Confidence::kHigh: return "high";
  }
  return "low";
}

const DetectorInfo& detector_info(DetectorId id) { return kDetectors[static_cast<std::size_t>(id)]; }

std::optional<DetectorId> parse_detector(std::string_view name) {
  for (const DetectorInfo& info : kDetectors) {
    if (info.name == name) return info.id;
  }
  return std::nullopt;
}

}  // namespace mcp_warden::inspect
