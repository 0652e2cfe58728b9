// Tier: the band a trust score falls in, which decides how much enforcement
// tightens (see enforcement.h).
//
// trusted ≥ 800, standard ≥ 600, probation ≥ 400, quarantined ≥ 200,
// blocked < 200, on the displayed integer score (0..1000), so the tier
// printed next to a score always agrees with it.
//
// Thread safety: constants and pure functions. Nothing here touches disk.
#pragma once

#include <optional>
#include <string_view>

namespace mcp_warden::trust {

inline constexpr int kMinScore = 0;
inline constexpr int kMaxScore = 1000;

// Ordered from most to least trusted.
enum class Tier { kTrusted, kStandard, kProbation, kQuarantined, kBlocked };

inline constexpr int kTrustedFloor = 800;
inline constexpr int kStandardFloor = 600;
inline constexpr int kProbationFloor = 400;
inline constexpr int kQuarantinedFloor = 200;

// The tier of `score` (points); scores outside 0..1000 are clamped first.
Tier tier_for_score(int score);
// The lowest score of `tier` (0 for blocked).
int tier_floor(Tier tier);
// "trusted", "standard", "probation", "quarantined", "blocked".
std::string_view tier_name(Tier tier);
// Inverse of tier_name(); nullopt for anything else.
std::optional<Tier> parse_tier(std::string_view name);

}  // namespace mcp_warden::trust
