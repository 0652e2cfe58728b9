// TrustLevel: what a server is declared to be before it has done anything,
// and the score it starts from (its "base").
//
// The level comes from configuration (the proxy's --trust-level or, later,
// the policy's `servers:` section); the trust module only maps it to a base
// score. Levels and bases are the ones IATP uses: verified_partner 950,
// trusted 850, standard 700 (the default), unknown 500, untrusted 200.
//
// Thread safety: constants and pure functions. Nothing here touches disk.
#pragma once

#include <optional>
#include <string_view>

namespace mcp_warden::trust {

enum class TrustLevel { kVerifiedPartner, kTrusted, kStandard, kUnknown, kUntrusted };

// A server nobody declared anything about: neither favoured nor restricted.
inline constexpr TrustLevel kDefaultTrustLevel = TrustLevel::kStandard;

// The base score of `level` in points (0..1000).
int base_score(TrustLevel level);
// "verified_partner", "trusted", "standard", "unknown", "untrusted".
std::string_view trust_level_name(TrustLevel level);
// Inverse of trust_level_name(); nullopt for anything else.
std::optional<TrustLevel> parse_trust_level(std::string_view name);

}  // namespace mcp_warden::trust
