// A keyed hash of a finding's value, so the same secret or card seen twice
// can be linked in the audit log without the log holding the value.
//
// value_hash() is HMAC-SHA256 (OpenSSL) under a key the caller owns — one per
// audit database, kept beside it, never in the log — over the value's
// canonical form: digits only for payment cards, SSNs, IBANs (upper-cased
// alphanumerics) and phone numbers, lower case for e-mail addresses, the
// bytes as they are for everything else. So "4111 1111 1111 1111" and
// "4111-1111-1111-1111" hash alike. Without the key, a hash cannot be tested
// against guesses (an SSN has only 10^9 values; a bare SHA-256 would not
// protect it).
//
// Thread safety: a ValueHasher is immutable; hash() may be called from any
// thread.
#pragma once

#include <string>
#include <string_view>

#include "mcp_warden/base/status.h"
#include "mcp_warden/inspect/finding.h"

namespace mcp_warden::inspect {

// The form a value is hashed in (rules above).
std::string canonical_value(Kind kind, std::string_view value);

class ValueHasher {
 public:
  // `key` should be at least 32 random bytes; an empty key is refused.
  static Result<ValueHasher> create(std::string key);

  // "hmac-sha256:" + 64 lower-case hex digits of HMAC(key, canonical value).
  std::string hash(Kind kind, std::string_view value) const;

 private:
  explicit ValueHasher(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace mcp_warden::inspect
