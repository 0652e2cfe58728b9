#include "mcp_warden/inspect/value_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace mcp_warden::inspect {
namespace {

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string canonical_value(Kind kind, std::string_view value) {
  std::string out;
  out.reserve(value.size());
  switch (kind) {
    case Kind::kPaymentCard:
    case Kind::kSsn:
    case Kind::kPhone:
      for (char c : value) {
        if (c >= '0' && c <= '9') out.push_back(c);
      }
      return out;
    case Kind::kIban:
      for (char c : value) {
        if (is_ascii_alnum(c)) out.push_back(ascii_upper(c));
      }
      return out;
    case Kind::kEmail:
      for (char c : value) out.push_back(ascii_lower(c));
      return out;
    default:
      return std::string(value);
  }
}

Result<ValueHasher> ValueHasher::create(std::string key) {
  if (key.empty()) return Status::invalid_argument("the value-hash key is empty");
  return ValueHasher(std::move(key));
}

std::string ValueHasher::hash(Kind kind, std::string_view value) const {
  std::string canonical = canonical_value(kind, value);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "hmac-sha256:";
  for (unsigned int k = 0; k < len; ++k) {
    out.push_back(kHex[mac[k] >> 4]);
    out.push_back(kHex[mac[k] & 15]);
  }
  return out;
}

}  // namespace mcp_warden::inspect
