#include "mcp_warden/trust/enforcement.h"

#include <cstdint>

namespace mcp_warden::trust {
namespace {

// What `tier` takes away, as the middle of a denial sentence.
const char* restriction(Tier tier) {
  switch (tier) {
    case Tier::kProbation: return "destructive tools are denied";
    case Tier::kQuarantined: return "only read-only tools are allowed";
    default: return "every call is denied";
  }
}

// The tier a server must climb back to for the restriction to lift.
Tier next_tier_up(Tier tier) {
  return tier == Tier::kTrusted ? tier : static_cast<Tier>(static_cast<int>(tier) - 1);
}

// How long recovery alone takes to lift the restriction, in whole hours.
int64_t hours_to(int score, int target) {
  if (score >= target) return 0;
  return (target - score + 4) / 5;  // the default 5 points an hour (docs/trust.md)
}

std::string denial_reason(const TierCheck& check, Tier tier) {
  const std::string& s = check.server;
  int target = tier_floor(next_tier_up(tier));
  return "mcp-warden denied '" + check.tool + "': server '" + s + "' is in trust tier " +
         std::string(tier_name(tier)) + " (trust " + std::to_string(check.score) + "/1000), where " +
         restriction(tier) + " until its trust recovers to " + std::to_string(target) + " (about " +
         std::to_string(hours_to(check.score, target)) + " h at the default rate)." +
         (tier == Tier::kQuarantined || tier == Tier::kProbation ? " Use a read-only tool if one fits." : "") +
         " A person can see why with `mcp-warden trust history " + s + "`, review a pending change with "
         "`mcp-warden trust review " + s + "`, or set the score back to its base with `mcp-warden trust reset " +
         s + "`.";
}

}  // namespace

bool is_trust_denial_rule(std::string_view rule) {
  return rule == kTierDenialRule || rule == kCatalogDenialRule || rule == kHeldDenialRule;
}

bool tier_permits(Tier tier, bool read_only, bool destructive) {
  switch (tier) {
    case Tier::kTrusted:
    case Tier::kStandard: return true;
    case Tier::kProbation: return read_only || !destructive;
    case Tier::kQuarantined: return read_only;
    case Tier::kBlocked: return false;
  }
  return false;
}

TierVerdict enforce_tier(const TierCheck& check) {
  if (check.action == CallAction::kDeny) return TierVerdict{CallAction::kDeny, false, {}};
  Tier tier = tier_for_score(check.score);
  if (tier_permits(tier, check.read_only, check.destructive)) {
    return TierVerdict{check.action, false, {}};
  }
  return TierVerdict{CallAction::kDeny, true, denial_reason(check, tier)};
}

}  // namespace mcp_warden::trust
