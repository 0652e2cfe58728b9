// Internal to mcp_warden_inspect: the pieces the detector families share.
// Each family's check_* function is called at a trigger position `i` (the
// first byte of a trigger pair) and returns the position the scan resumes at,
// always > i, so the pass over a text always ends.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mcp_warden/inspect/finding.h"

namespace re2 {
class RE2;
}

namespace mcp_warden::inspect::internal {

// The text being scanned; at() is 0 outside it, so validators may look
// around a position without bounds checks of their own.
struct Text {
  const unsigned char* p;
  std::size_t n;
  unsigned char at(std::size_t i) const { return i < n ? p[i] : 0; }
  unsigned char before(std::size_t i) const { return i > 0 && i <= n ? p[i - 1] : 0; }
  bool starts_with(std::size_t i, std::string_view lit) const {
    return i <= n && n - i >= lit.size() && std::string_view(reinterpret_cast<const char*>(p) + i, lit.size()) == lit;
  }
  // Case-insensitive for ASCII letters in `lower_lit` (which is lower case).
  bool starts_with_nocase(std::size_t i, std::string_view lower_lit) const {
    if (i > n || n - i < lower_lit.size()) return false;
    for (std::size_t k = 0; k < lower_lit.size(); ++k) {
      unsigned char c = p[i + k];
      if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != static_cast<unsigned char>(lower_lit[k])) return false;
    }
    return true;
  }
  std::string_view view(std::size_t b, std::size_t e) const {
    return {reinterpret_cast<const char*>(p) + b, e - b};
  }
};

// What the tag family learnt about closing tags, so a text full of opening
// tags is not searched again and again (see check_tag): no closing tag
// starts in [from, to) except at `next`, the first one at or after `from`
// (npos when none was found there).
struct TagMemo {
  std::size_t from = 0;
  std::size_t to = 0;
  std::size_t next = static_cast<std::size_t>(-1);
};

// Where findings go; filters by kind and confidence.
struct Sink {
  KindSet kinds;
  Confidence min_confidence;
  std::vector<Finding>* out;
  bool stop_at_first = false;
  bool done = false;
  std::array<TagMemo, 10> tag_memo{};

  bool wants(Kind k) const { return kinds.contains(k); }
  void add(DetectorId id, Confidence c, std::size_t begin, std::size_t end);
};

inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
inline bool is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
inline bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
inline unsigned char to_lower(unsigned char c) { return is_upper(c) ? c + 32 : c; }
// Characters of base64url / vendor tokens: [A-Za-z0-9_-].
inline bool is_token_char(unsigned char c) { return is_alnum(c) || c == '_' || c == '-'; }

// Length of the run of bytes satisfying `pred` starting at i (at most max).
template <typename Pred>
std::size_t run_length(const Text& t, std::size_t i, std::size_t max, Pred pred) {
  std::size_t k = 0;
  while (k < max && i + k < t.n && pred(t.p[i + k])) ++k;
  return k;
}

// Shannon entropy of `s` in bits per byte.
double shannon_entropy(std::string_view s);

// The families (one bit each in the trigger table).
enum Family : uint16_t {
  kFamNumber = 1 << 0,   // two digits, "+d", "(d": cards, SSNs, phones, IBANs
  kFamAt = 1 << 1,       // '@' + alnum: e-mail, credentials in URLs
  kFamAssign = 1 << 2,   // x followed by '=' or ':': password=... assignments
  kFamToken = 1 << 3,    // a vendor prefix's first two bytes
  kFamPem = 1 << 4,      // "-B" of -----BEGIN
  kFamHidden = 1 << 5,   // the first two bytes of an invisible code point
  kFamTag = 1 << 6,      // '<' + letter, "<|": instruction tags
  kFamPhrase = 1 << 7,   // first two letters of an instruction verb
  kFamJwt = 1 << 8,      // "yJ" of eyJ
};

// The compiled regular expressions the phrase family uses.
struct PhraseRegexes {
  const re2::RE2* override_instructions;  // "ignore all previous instructions"
  const re2::RE2* conceal_from_user;      // "do not tell the user"
};

std::size_t check_number(const Text& t, std::size_t i, Sink& sink);
// At two digits at `i` that start a digit run of `run` bytes: false when no
// number shape can start there (a card's first group has 4 digits, or all 13
// to 19 ungrouped; an SSN's and a North American phone's 3; an IBAN has two
// capitals before), so check_number would resume at the run's last digit.
inline bool number_may_start(const Text& t, std::size_t i, std::size_t run) {
  return run == 3 || run == 4 || (run >= 13 && run <= 19) || (i >= 2 && is_upper(t.p[i - 2]) && is_upper(t.p[i - 1]));
}
// The first pass's filter at two digits at `i` that start a digit run of
// `run` bytes: false when check_number cannot find anything there and would
// resume at the run's last digit. Besides number_may_start's rule it asks
// for what each shape needs next: inside a run nothing starts; a 3-digit
// group (SSN, phone) is followed by ' ', '-' or '.' and two digits; a 4-digit
// group (a card's) by ' ' or '-' and four digits; an ungrouped card has 13 to
// 19 digits; an IBAN has two capitals before.
inline bool digit_run_may_hold_number(const Text& t, std::size_t i, std::size_t run) {
  if (i >= 1 && is_digit(t.p[i - 1])) return false;
  if (i >= 2 && is_upper(t.p[i - 2]) && is_upper(t.p[i - 1])) return true;
  auto digits = [&](std::size_t from, std::size_t count) {
    for (std::size_t k = from; k < from + count; ++k) {
      if (!is_digit(t.at(k))) return false;
    }
    return true;
  };
  unsigned char after = t.at(i + run);
  if (run == 3) return (after == ' ' || after == '-' || after == '.') && digits(i + 4, 2);
  if (run == 4) return (after == ' ' || after == '-') && digits(i + 5, 4);
  return run >= 13 && run <= 19;
}
std::size_t check_at(const Text& t, std::size_t i, Sink& sink);
std::size_t check_assign(const Text& t, std::size_t i, Sink& sink);
std::size_t check_token(const Text& t, std::size_t i, Sink& sink);
std::size_t check_jwt(const Text& t, std::size_t i, Sink& sink);
std::size_t check_pem(const Text& t, std::size_t i, Sink& sink);
std::size_t check_hidden(const Text& t, std::size_t i, Sink& sink);
std::size_t check_tag(const Text& t, std::size_t i, Sink& sink);
// The names whose value is a secret when they end an assignment's key
// (lower case; each at least three letters long, ending in two letters).
std::span<const std::string_view> secret_names();
bool check_url_credentials(const Text& t, std::size_t at, Sink& sink);
std::size_t check_phrase(const Text& t, std::size_t i, const PhraseRegexes& re, Sink& sink);

// Vendor-token prefixes, and the offset of the byte pair that triggers each
// (the pair just before its first '_', '-' or '.', else its first two bytes:
// "p_" of ghp_, "AK" of AKIA), so common letter pairs do not wake the check.
std::vector<std::string_view> token_prefixes();
std::size_t token_anchor(std::string_view prefix);

// Validators shared with tests.
bool luhn_valid(std::string_view digits);
bool iban_valid(std::string_view compact);  // upper-case, no spaces
bool card_issuer_known(std::string_view digits);

}  // namespace mcp_warden::inspect::internal
