#include "mcp_warden/policy/decision.h"

namespace mcp_warden::policy {

const char* action_name(Action action) {
  switch (action) {
    case Action::kAllow: return "allow";
    case Action::kLog: return "log";
    case Action::kWarn: return "warn";
    case Action::kAsk: return "ask";
    case Action::kDeny: return "deny";
  }
  return "deny";
}

std::optional<Action> parse_action(std::string_view text) {
  for (Action a : {Action::kAllow, Action::kLog, Action::kWarn, Action::kAsk, Action::kDeny}) {
    if (text == action_name(a)) return a;
  }
  return std::nullopt;
}

nlohmann::json to_json(const Decision& decision) {
  nlohmann::json out = {{"action", action_name(decision.action)},
                        {"policy", decision.policy},
                        {"rule", decision.rule},
                        {"reason", decision.reason},
                        {"credential_denial", decision.credential_denial}};
  if (decision.rate_limit_reset_unix_micros) {
    out["rate_limit_reset_unix_micros"] = *decision.rate_limit_reset_unix_micros;
  }
  if (decision.shadow) {
    const ShadowDecision& s = *decision.shadow;
    out["shadow"] = {{"action", action_name(s.action)}, {"policy", s.policy},
                     {"rule", s.rule}, {"reason", s.reason}};
  }
  if (decision.ask_fallback) out["ask_fallback"] = action_name(*decision.ask_fallback);
  return out;
}

}  // namespace mcp_warden::policy
