// Secrets: private-key blocks, vendor tokens, JWTs, assignments.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>
#include <vector>
#include <string_view>

#include "text_scan.h"

namespace mcp_warden::inspect::internal {
namespace {

using D = DetectorId;
using C = Confidence;

bool is_base64_char(unsigned char c) { return is_alnum(c) || c == '+' || c == '/' || c == '='; }
bool is_alnum_char(unsigned char c) { return is_alnum(c); }
bool is_upper_or_digit(unsigned char c) { return is_upper(c) || is_digit(c); }

// The token's first byte starts a word: nothing token-like before it.
bool word_start(const Text& t, std::size_t i) { return !is_token_char(t.before(i)); }
// Nothing token-like (or '.' continuing a token) after `end`.
bool word_end(const Text& t, std::size_t end) { return !is_token_char(t.at(end)); }

// ---- private keys -------------------------------------------------------

// Finds "-----END <label>-----" after `from`; the end of the marker, or 0.
std::size_t find_end_marker(const Text& t, std::size_t from, std::string_view label) {
  std::string_view rest = t.view(std::min(from, t.n), t.n);
  std::size_t at = 0;
  while ((at = rest.find("-----END ", at)) != std::string_view::npos) {
    std::string_view tail = rest.substr(at + 9);
    if (tail.substr(0, label.size()) == label && tail.substr(label.size(), 5) == "-----") {
      return from + at + 9 + label.size() + 5;
    }
    at += 9;
  }
  return 0;
}

// True when the block's body holds at least 40 base64 characters in its
// first lines (a real key, not "..." in documentation).
bool has_key_body(const Text& t, std::size_t from, std::size_t to) {
  std::size_t count = 0;
  for (std::size_t k = from; k < to && k < from + 400; ++k) {
    if (is_base64_char(t.p[k])) ++count;
    if (count >= 40) return true;
  }
  return false;
}

}  // namespace

std::size_t check_pem(const Text& t, std::size_t i, Sink& sink) {
  if (i < 4 || !t.starts_with(i - 4, "-----BEGIN ")) return i + 1;
  std::size_t label_begin = i + 7;
  std::size_t label_len = run_length(t, label_begin, 48, [](unsigned char c) { return is_upper(c) || is_digit(c) || c == ' '; });
  std::string_view label = t.view(label_begin, label_begin + label_len);
  bool is_key = label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK");
  std::size_t header_end = label_begin + label_len + 5;
  if (!is_key || !t.starts_with(label_begin + label_len, "-----")) return i + 1;
  std::size_t end = find_end_marker(t, header_end, label);
  std::size_t body_end = end ? end : t.n;
  if (!has_key_body(t, header_end, body_end)) return header_end;
  sink.add(D::kPrivateKey, C::kHigh, i - 4, body_end);
  return body_end;
}

// ---- vendor tokens ------------------------------------------------------

namespace {

struct TokenRule {
  std::string_view prefix;
  D detector;
  std::size_t min_tail;
  std::size_t max_tail;
  bool (*tail_char)(unsigned char);
  C confidence;
};

bool tail_alnum(unsigned char c) { return is_alnum(c); }
bool tail_token(unsigned char c) { return is_token_char(c); }
bool tail_token_dot(unsigned char c) { return is_token_char(c) || c == '.'; }
bool tail_letters(unsigned char c) { return is_alpha(c); }

constexpr std::array<TokenRule, 30> kTokenRules = {{
    {"AKIA", D::kAwsAccessKeyId, 16, 16, is_upper_or_digit, C::kHigh},
    {"ASIA", D::kAwsAccessKeyId, 16, 16, is_upper_or_digit, C::kHigh},
    {"AIza", D::kGoogleApiKey, 35, 35, tail_token, C::kHigh},
    {"ghp_", D::kGithubToken, 36, 251, tail_alnum, C::kHigh},
    {"gho_", D::kGithubToken, 36, 251, tail_alnum, C::kHigh},
    {"ghu_", D::kGithubToken, 36, 251, tail_alnum, C::kHigh},
    {"ghs_", D::kGithubToken, 36, 251, tail_alnum, C::kHigh},
    {"ghr_", D::kGithubToken, 36, 251, tail_alnum, C::kHigh},
    {"github_pat_", D::kGithubToken, 82, 240, tail_token, C::kHigh},
    {"glpat-", D::kGitlabToken, 20, 80, tail_token_dot, C::kHigh},
    {"gldt-", D::kGitlabToken, 20, 80, tail_token_dot, C::kHigh},
    {"glrt-", D::kGitlabToken, 20, 80, tail_token_dot, C::kHigh},
    {"glptt-", D::kGitlabToken, 20, 80, tail_token_dot, C::kHigh},
    {"xoxb-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"xoxp-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"xoxa-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"xoxr-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"xoxs-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"xoxe-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"xapp-", D::kSlackToken, 20, 250, tail_token, C::kHigh},
    {"sk_live_", D::kStripeKey, 20, 247, tail_alnum, C::kHigh},
    {"rk_live_", D::kStripeKey, 20, 247, tail_alnum, C::kHigh},
    {"sk_test_", D::kStripeKey, 20, 247, tail_alnum, C::kMedium},
    {"rk_test_", D::kStripeKey, 20, 247, tail_alnum, C::kMedium},
    {"whsec_", D::kStripeKey, 32, 128, tail_alnum, C::kHigh},
    {"npm_", D::kNpmToken, 36, 36, tail_alnum, C::kHigh},
    {"pypi-AgEIcHlwaS5vcmc", D::kPypiToken, 50, 400, tail_token, C::kHigh},
    {"pypi-AgENdGVzdC5weXBpLm9yZw", D::kPypiToken, 50, 400, tail_token, C::kHigh},
    {"hf_", D::kHuggingfaceToken, 34, 34, tail_letters, C::kHigh},
    {"sk-ant-", D::kAnthropicKey, 40, 200, tail_token, C::kHigh},
}};

// Slack tokens carry digit groups: xoxb-<digits>-<digits>-<alnum>.
bool slack_shape(std::string_view tail) {
  return !tail.empty() && is_digit(static_cast<unsigned char>(tail[0])) &&
         std::count(tail.begin(), tail.end(), '-') >= 1;
}

std::size_t try_rule(const Text& t, std::size_t i, const TokenRule& rule, Sink& sink) {
  if (!t.starts_with(i, rule.prefix)) return 0;
  std::size_t tail_begin = i + rule.prefix.size();
  std::size_t len = run_length(t, tail_begin, rule.max_tail + 1, rule.tail_char);
  if (len < rule.min_tail || len > rule.max_tail) return 0;
  std::size_t end = tail_begin + len;
  if (rule.tail_char != tail_token && !word_end(t, end)) return 0;
  if (rule.detector == D::kSlackToken && !slack_shape(t.view(tail_begin, end))) return 0;
  sink.add(rule.detector, rule.confidence, i, end);
  return end;
}

// OpenAI: sk-proj-/sk-svcacct-/sk-admin- + 40 or more, or the legacy
// sk- + 20 + "T3BlbkFJ" + 20 (T3BlbkFJ is base64 of "OpenAI").
std::size_t try_openai(const Text& t, std::size_t i, Sink& sink) {
  if (!t.starts_with(i, "sk-") || t.starts_with(i, "sk-ant-")) return 0;
  for (std::string_view kind : {"proj-", "svcacct-", "admin-"}) {
    if (!t.starts_with(i + 3, kind)) continue;
    std::size_t begin = i + 3 + kind.size();
    std::size_t len = run_length(t, begin, 300, is_token_char);
    if (len < 40) return 0;
    sink.add(D::kOpenaiKey, C::kHigh, i, begin + len);
    return begin + len;
  }
  std::size_t len = run_length(t, i + 3, 200, is_alnum_char);
  if (len < 40 || !word_end(t, i + 3 + len)) return 0;
  bool marked = t.view(i + 3, i + 3 + len).find("T3BlbkFJ") != std::string_view::npos;
  sink.add(D::kOpenaiKey, marked ? C::kHigh : C::kMedium, i, i + 3 + len);
  return i + 3 + len;
}

// Slack incoming webhooks: https://hooks.slack.com/services/T.../B.../xxxx
std::size_t try_slack_webhook(const Text& t, std::size_t i, Sink& sink) {
  constexpr std::string_view kPrefix = "hooks.slack.com/services/";
  if (!t.starts_with(i, kPrefix)) return 0;
  std::size_t k = i + kPrefix.size();
  std::size_t len = run_length(t, k, 200, [](unsigned char c) { return is_alnum(c) || c == '/'; });
  if (len < 30 || std::count(t.p + k, t.p + k + len, '/') < 2) return 0;
  sink.add(D::kSlackWebhook, C::kHigh, i, k + len);
  return k + len;
}

}  // namespace

namespace {

// Where a token with `prefix` starts when the trigger pair at `i` is the
// prefix's anchor pair (token_anchor): i - anchor, or npos.
std::size_t anchored_start(const Text& t, std::size_t i, std::string_view prefix, std::size_t anchor) {
  bool pair = i >= anchor && t.p[i] == static_cast<unsigned char>(prefix[anchor]) &&
              t.at(i + 1) == static_cast<unsigned char>(prefix[anchor + 1]);
  if (!pair) return std::string_view::npos;
  std::size_t s = i - anchor;
  return word_start(t, s) || prefix.starts_with("hooks.") ? s : std::string_view::npos;
}

const std::array<std::size_t, kTokenRules.size()>& rule_anchors() {
  static const auto anchors = [] {
    std::array<std::size_t, kTokenRules.size()> a{};
    for (std::size_t k = 0; k < a.size(); ++k) a[k] = token_anchor(kTokenRules[k].prefix);
    return a;
  }();
  return anchors;
}

// For each byte, the rules (bit k for kTokenRules[k]) whose anchor pair
// starts with it: a trigger tries only those, in the rules' order.
const std::array<uint32_t, 256>& rules_by_anchor_byte() {
  static_assert(kTokenRules.size() <= 32);
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    const auto& anchors = rule_anchors();
    for (std::size_t k = 0; k < kTokenRules.size(); ++k) {
      t[static_cast<unsigned char>(kTokenRules[k].prefix[anchors[k]])] |= uint32_t{1} << k;
    }
    return t;
  }();
  return table;
}

}  // namespace

std::vector<std::string_view> token_prefixes() {
  std::vector<std::string_view> out;
  for (const TokenRule& rule : kTokenRules) out.push_back(rule.prefix);
  out.push_back("sk-");
  out.push_back("hooks.slack.com/");
  return out;
}

std::size_t token_anchor(std::string_view prefix) {
  std::size_t punct = prefix.find_first_of("_-.");
  return punct == std::string_view::npos || punct == 0 ? 0 : punct - 1;
}

// The trigger is a prefix's anchor pair (token_anchor), so the token starts
// a few bytes before it.
std::size_t check_token(const Text& t, std::size_t i, Sink& sink) {
  if (!sink.wants(Kind::kSecret)) return i + 1;
  const auto& anchors = rule_anchors();
  for (uint32_t rules = rules_by_anchor_byte()[t.p[i]]; rules != 0; rules &= rules - 1) {
    std::size_t k = static_cast<std::size_t>(std::countr_zero(rules));
    std::size_t s = anchored_start(t, i, kTokenRules[k].prefix, anchors[k]);
    if (s == std::string_view::npos) continue;
    if (std::size_t end = try_rule(t, s, kTokenRules[k], sink)) return end;
  }
  std::size_t s = anchored_start(t, i, "sk-", 1);
  if (s != std::string_view::npos) {
    if (std::size_t end = try_openai(t, s, sink)) return end;
  }
  s = anchored_start(t, i, "hooks.slack.com/", 4);
  if (s != std::string_view::npos) {
    if (std::size_t end = try_slack_webhook(t, s, sink)) return end;
  }
  return i + 1;
}

// ---- JWT ----------------------------------------------------------------

namespace {

int base64url_value(unsigned char c) {
  if (is_upper(c)) return c - 'A';
  if (is_lower(c)) return c - 'a' + 26;
  if (is_digit(c)) return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

// Decodes at most the first 96 bytes of a base64url segment.
std::string decode_prefix(std::string_view segment) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : segment.substr(0, 128)) {
    int v = base64url_value(c);
    if (v < 0) break;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::size_t segment_length(const Text& t, std::size_t i) { return run_length(t, i, 1 << 16, is_token_char); }

}  // namespace

std::size_t check_jwt(const Text& t, std::size_t i, Sink& sink) {
  if (i == 0 || t.p[i - 1] != 'e') return i + 1;
  std::size_t begin = i - 1;
  if (!word_start(t, begin) || !sink.wants(Kind::kSecret)) return i + 1;
  std::size_t header = segment_length(t, begin);
  if (header < 10 || t.at(begin + header) != '.') return begin + header;
  std::size_t payload_at = begin + header + 1;
  std::size_t payload = segment_length(t, payload_at);
  if (payload < 10 || t.at(payload_at + payload) != '.') return payload_at + payload;
  std::size_t sig_at = payload_at + payload + 1;
  std::size_t end = sig_at + segment_length(t, sig_at);
  std::string decoded = decode_prefix(t.view(begin, begin + header));
  if (decoded.find("\"alg\"") == std::string::npos && decoded.find("\"typ\"") == std::string::npos) return end;
  sink.add(D::kJwt, end > sig_at ? C::kHigh : C::kMedium, begin, end);
  return end;
}

}  // namespace mcp_warden::inspect::internal
