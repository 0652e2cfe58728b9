#include "mcp_warden/approval/grant_code.h"

#include <openssl/rand.h>

#include <array>
#include <cctype>

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::approval {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford's base32

template <std::size_t N>
Result<std::array<unsigned char, N>> random_bytes() {
  std::array<unsigned char, N> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Status::internal("the random number generator failed");
  }
  return bytes;
}

// The canonical character for one typed character; '\0' when it is none.
char canonical_char(char typed) {
  char c = static_cast<char>(std::toupper(static_cast<unsigned char>(typed)));
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  return kAlphabet.find(c) == std::string_view::npos ? '\0' : c;
}

}  // namespace

Result<std::string> new_grant_code() {
  auto bytes = random_bytes<kGrantCodeLength>();
  if (!bytes) return bytes.status();
  std::string code;
  for (std::size_t i = 0; i < kGrantCodeLength; ++i) {
    if (i == kGrantCodeLength / 2) code.push_back('-');
    code.push_back(kAlphabet[(*bytes)[i] & 31u]);  // 256 is a multiple of 32: uniform
  }
  return code;
}

std::optional<std::string> parse_grant_code(std::string_view typed) {
  std::string code;
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    char canonical = canonical_char(c);
    if (canonical == '\0' || code.size() == kGrantCodeLength) return std::nullopt;
    code.push_back(canonical);
  }
  if (code.size() != kGrantCodeLength) return std::nullopt;
  return code;
}

std::string grant_code_hash(std::string_view canonical) {
  return audit::to_hex(audit::sha256("mcp-warden.grant-code.v1:" + std::string(canonical)));
}

Result<std::string> new_grant_id() {
  auto bytes = random_bytes<6>();
  if (!bytes) return bytes.status();
  std::string_view raw(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return "g-" + audit::bytes_to_hex(raw);
}

}  // namespace mcp_warden::approval
