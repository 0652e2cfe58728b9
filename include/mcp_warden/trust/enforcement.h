// Enforcement: how a server's trust tier tightens the policy's decision on
// one tools/call, whatever the policy preset.
//
//   trusted, standard  no change
//   probation          tools that are not read-only and are destructive are denied
//   quarantined        only read-only tools are allowed
//   blocked            every call is denied
//
// Tightening only: a deny stays a deny (with the policy's reason), and a
// tier never turns a deny into anything else. Kept free of policy types:
// the proxy maps policy::Action to CallAction (same four values, same
// names) and passes the tool's effective annotations (MCP defaults when
// absent or when the tool was never listed: read_only=false,
// destructive=true — the cautious reading).
//
// Thread safety: pure functions. Nothing here touches disk.
#pragma once

#include <string>
#include <string_view>

#include "mcp_warden/trust/tier.h"

namespace mcp_warden::trust {

// The rule names a decision carries when trust itself denied a call: a
// lowered tier, or a tool blocked by an unreviewed change or a held server.
// Such a denial is never a trust event (the keeper drops it): trust must not
// feed on its own denials.
inline constexpr std::string_view kTierDenialRule = "trust-tier";
inline constexpr std::string_view kCatalogDenialRule = "trust-catalog-changed";
inline constexpr std::string_view kHeldDenialRule = "trust-held";
bool is_trust_denial_rule(std::string_view rule);

// Mirrors policy::Action: allow forwards, log/warn forward and mark, deny
// answers locally.
enum class CallAction { kAllow, kLog, kWarn, kDeny };

struct TierCheck {
  std::string server;
  std::string tool;
  int score = 0;  // displayed points; the tier is derived from it
  bool read_only = false;
  bool destructive = true;
  CallAction action = CallAction::kAllow;  // what the policy decided
};

struct TierVerdict {
  CallAction action = CallAction::kDeny;
  // True when the tier changed the policy's action (then `reason` explains
  // the tier rule: server, score, tier, what is denied, how it recovers by
  // itself, and the commands a person runs to review or reset it).
  bool tightened = false;
  std::string reason;  // empty when not tightened
};

// Applies the tier rules above to `check`.
TierVerdict enforce_tier(const TierCheck& check);

// Whether `tier` permits a tool with these effective annotations.
bool tier_permits(Tier tier, bool read_only, bool destructive);

}  // namespace mcp_warden::trust
