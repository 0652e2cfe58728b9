// What a content detector reports: a Finding is one match of one detector in
// one decoded string — its detector, its kind, its byte span and how sure the
// detector is. Findings never carry the matched value; a caller that needs to
// link equal values uses a keyed hash of the span (value_hash.h).
//
// The sets here are closed and stable: kind and detector names are part of the
// audit format and the policy language (`content: [secret, payment_card]`),
// and the text "[REDACTED:<kind>]" is what a redacted string shows.
//
// Thread safety: value types and constant tables; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace mcp_warden::inspect {

// What was found. secret and payment_card are what presets act on; ssn, iban,
// email and phone are personal data (detected; acted on where a policy asks);
// hidden_instruction is text aimed at the model rather than the person.
enum class Kind : uint8_t {
  kSecret,
  kPaymentCard,
  kSsn,
  kIban,
  kEmail,
  kPhone,
  kHiddenInstruction,
};
inline constexpr std::size_t kKindCount = 7;

// "secret", "payment_card", "ssn", "iban", "email", "phone",
// "hidden_instruction".
std::string_view kind_name(Kind kind);
std::optional<Kind> parse_kind(std::string_view name);
// True for ssn, iban, email and phone (the policy word `personal_data`).
bool is_personal_data(Kind kind);

// A set of kinds (a bit mask); what to look for, or what to redact.
class KindSet {
 public:
  constexpr KindSet() = default;
  constexpr KindSet(std::initializer_list<Kind> kinds) {
    for (Kind k : kinds) bits_ |= bit(k);
  }
  static constexpr KindSet all() { return KindSet(static_cast<uint8_t>((1u << kKindCount) - 1)); }
  static constexpr KindSet none() { return KindSet(); }
  static KindSet personal_data() { return {Kind::kSsn, Kind::kIban, Kind::kEmail, Kind::kPhone}; }

  constexpr bool contains(Kind k) const { return (bits_ & bit(k)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr KindSet& add(Kind k) { bits_ |= bit(k); return *this; }
  constexpr bool operator==(const KindSet&) const = default;

 private:
  constexpr explicit KindSet(uint8_t bits) : bits_(bits) {}
  static constexpr uint8_t bit(Kind k) { return static_cast<uint8_t>(1u << static_cast<unsigned>(k)); }
  uint8_t bits_ = 0;
};

// How sure a detector is that the span is what its kind says.
//  high:   a vendor format with a fixed prefix, a checksum (Luhn, mod-97), a
//          key block, invisible tag characters;
//  medium: a shape with weaker evidence (an SSN-shaped number without
//          context, a `password=` assignment with a high-entropy value, a
//          phone number, zero-width characters);
//  low:    plausible but often innocent; never reported unless asked for.
enum class Confidence : uint8_t { kLow, kMedium, kHigh };
std::string_view confidence_name(Confidence c);  // "low", "medium", "high"

// Every detector. Names (detector_info().name) are stable snake_case.
enum class DetectorId : uint8_t {
  kPrivateKey,
  kAwsAccessKeyId,
  kAwsSecretAccessKey,
  kGithubToken,
  kGitlabToken,
  kSlackToken,
  kSlackWebhook,
  kStripeKey,
  kOpenaiKey,
  kAnthropicKey,
  kNpmToken,
  kPypiToken,
  kGoogleApiKey,
  kHuggingfaceToken,
  kJwt,
  kUrlCredentials,
  kSecretAssignment,
  kPaymentCard,
  kSsn,
  kIban,
  kEmail,
  kPhone,
  kInvisibleUnicode,
  kInstructionPhrase,
  kInstructionTag,
};
inline constexpr std::size_t kDetectorCount = 25;

struct DetectorInfo {
  DetectorId id;
  std::string_view name;         // e.g. "aws_access_key_id"
  Kind kind;
  std::string_view description;  // one line for `mcp-warden inspect` and docs
};
const DetectorInfo& detector_info(DetectorId id);
std::optional<DetectorId> parse_detector(std::string_view name);

// One match: bytes [begin, end) of the decoded string it was found in.
struct Finding {
  DetectorId detector;
  Kind kind;
  Confidence confidence;
  std::size_t begin;
  std::size_t end;

  std::size_t size() const { return end - begin; }
  bool operator==(const Finding&) const = default;
};

}  // namespace mcp_warden::inspect
