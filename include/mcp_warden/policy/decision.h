// Decision: what the policy concluded about one tools/call, and why.
//
// Produced by Policy::evaluate(); consumed by the proxy (deny → local
// CallToolResult with isError, warn → forward and mark), the trust module
// (credential denials weigh more) and the audit record (to_json()).
//
// Thread safety: plain values; safe to copy and move between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcp_warden::policy {

// What happens to the call. allow: forward. warn: forward, marked in the
// audit record and reply. log: forward and record (permissive). ask: held
// until a person decides (the proxy's ask step turns it into allow or deny;
// a decision still `ask` when the pipeline finishes is a denial). deny:
// answer locally; the server never sees the call.
enum class Action { kAllow, kLog, kWarn, kAsk, kDeny };

// "allow", "log", "warn", "ask", "deny".
const char* action_name(Action action);
// Inverse of action_name(); nullopt for anything else.
std::optional<Action> parse_action(std::string_view text);
// Precedence among matching rules: deny > ask > warn > log > allow.
inline int action_rank(Action action) { return static_cast<int>(action); }

// What another policy (permissive's shadow, normally strict) would decide.
struct ShadowDecision {
  Action action = Action::kDeny;
  std::string policy;
  std::string rule;
  std::string reason;

  bool operator==(const ShadowDecision&) const = default;
};

struct Decision {
  Action action = Action::kDeny;
  std::string policy;  // the policy's name, e.g. "strict"
  std::string rule;    // the deciding rule's name; "default" when none matched
  // A sentence a person and a model can act on: which policy and rule, why,
  // and what to do instead. Never empty.
  std::string reason;
  // True when a rule marked `secret: true` denied the call (a credential or
  // private-key path); the trust module penalises these more.
  bool credential_denial = false;
  // Set when a rate limit denied the call: when the window resets
  // (microseconds since the Unix epoch, from the Clock's wall time).
  std::optional<int64_t> rate_limit_reset_unix_micros;
  // Set in shadow mode (permissive): what the shadow policy decided.
  std::optional<ShadowDecision> shadow;
  // An `ask` whose client cannot show a question: the rule's `fallback:`
  // action (allow, log, warn or deny); unset, a one-time grant code.
  std::optional<Action> ask_fallback;

  // True only for a decision that lets the request through as it stands:
  // `ask` does not forward until a person has turned it into allow.
  bool forwards() const { return action != Action::kDeny && action != Action::kAsk; }
  bool asks() const { return action == Action::kAsk; }
  bool operator==(const Decision&) const = default;
};

// {"action","policy","rule","reason","credential_denial",
//  "rate_limit_reset_unix_micros"?, "shadow"?: {...}, "ask_fallback"?} for
// _meta and audit.
nlohmann::json to_json(const Decision& decision);

}  // namespace mcp_warden::policy
