// One-time grant codes: what a person types to allow one call that
// mcp-warden could not ask them about (`mcp-warden grant CODE`).
//
// A code is 10 characters of Crockford's base32 (digits and capitals without
// I, L, O, U: 50 bits from OpenSSL's RAND_bytes), shown as two groups of five
// ("7QK2M-XW4RD"). Reading one forgives what people mistype: case, spaces and
// dashes are ignored, O reads as 0, I and L as 1. Only the code's SHA-256 is
// stored (grant_store.h), never the code.
//
// Thread safety: pure functions (RAND_bytes is thread-safe).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcp_warden/base/status.h"

namespace mcp_warden::approval {

inline constexpr std::size_t kGrantCodeLength = 10;

// A fresh code in display form ("XXXXX-XXXXX"); fails only if the random
// generator does.
Result<std::string> new_grant_code();
// The code's canonical 10 characters, or nullopt when `typed` is not a code.
std::optional<std::string> parse_grant_code(std::string_view typed);
// What the store keeps of a canonical code: hex SHA-256 under a domain tag.
std::string grant_code_hash(std::string_view canonical);
// A random grant id ("g-" and 12 hex digits) for lists and revocation.
Result<std::string> new_grant_id();

}  // namespace mcp_warden::approval
