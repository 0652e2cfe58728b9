#include "mcp_warden/trust/tier.h"

#include <algorithm>
#include <array>

namespace mcp_warden::trust {
namespace {

struct TierInfo {
  Tier tier;
  std::string_view name;
  int floor;
};

// Ordered from the highest floor down; tier_for_score() relies on it.
constexpr std::array<TierInfo, 5> kTiers{{
    {Tier::kTrusted, "trusted", kTrustedFloor},
    {Tier::kStandard, "standard", kStandardFloor},
    {Tier::kProbation, "probation", kProbationFloor},
    {Tier::kQuarantined, "quarantined", kQuarantinedFloor},
    {Tier::kBlocked, "blocked", kMinScore},
}};

const TierInfo& info(Tier tier) { return kTiers[static_cast<std::size_t>(tier)]; }

}  // namespace

Tier tier_for_score(int score) {
  int clamped = std::clamp(score, kMinScore, kMaxScore);
  for (const TierInfo& entry : kTiers) {
    if (clamped >= entry.floor) return entry.tier;
  }
  return Tier::kBlocked;
}

int tier_floor(Tier tier) { return info(tier).floor; }

std::string_view tier_name(Tier tier) { return info(tier).name; }

std::optional<Tier> parse_tier(std::string_view name) {
  for (const TierInfo& entry : kTiers) {
    if (entry.name == name) return entry.tier;
  }
  return std::nullopt;
}

}  // namespace mcp_warden::trust
