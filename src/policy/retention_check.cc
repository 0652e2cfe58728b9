// Policy::apply_retention and the accessors of the content sections: a
// request whose arguments carry content the server's declared retention may
// not receive is denied (retention_rules.h).
#include <algorithm>

#include "mcp_warden/policy/policy.h"
#include "policy_impl.h"

namespace mcp_warden::policy {
namespace {

// The methods whose arguments reach the server to be kept.
bool carries_arguments_to_server(std::string_view method) {
  return method == kToolsCallMethod || method == "prompts/get" || method == "completion/complete";
}

std::string what_of(const CallContext& call) {
  if (call.method == kToolsCallMethod) return "the call to tool \"" + call.tool + "\"";
  return "the " + std::string(call.method) + " request for \"" + call.tool + "\"";
}

std::string retention_reason(const std::string& policy, inspect::Kind kind, RetentionClass r, const CallContext& call,
                             const std::string& origin) {
  std::string declared = r == RetentionClass::kUndeclared
                             ? "declares no retention (no servers: entry gives one)"
                             : "declares retention " + std::string(retention_class_name(r));
  return "mcp-warden policy \"" + policy + "\" (rule \"retention:" + std::string(inspect::kind_name(kind)) +
         "\", " + origin + ") denied " + what_of(call) + ": its arguments carry content of kind " +
         std::string(inspect::kind_name(kind)) + " and server \"" + call.server + "\" " + declared +
         ", to which the policy's retention_rules do not let it go; remove it from the arguments, or use a server "
         "whose retention allows it.";
}

}  // namespace

void Policy::apply_retention(Decision& d, const CallContext& call) const {
  const RetentionRules& rules = impl_->model.retention;
  if (call.content_found.empty() || !carries_arguments_to_server(call.method) || !rules.any()) return;
  RetentionClass r = retention_class_of(ServerSettings::for_server(call.server, impl_->servers).manifest().retention);
  std::optional<inspect::Kind> kind = rules.first_denied(call.content_found, r);
  if (!kind) return;
  d.action = Action::kDeny;
  d.rule = "retention:" + std::string(inspect::kind_name(*kind));
  d.credential_denial = false;
  d.rate_limit_reset_unix_micros.reset();
  d.reason = retention_reason(d.policy, *kind, r, call, rules.origin(*kind));
}

const ResponseRules& Policy::response_rules() const { return impl_->model.responses; }
const RetentionRules& Policy::retention_rules() const { return impl_->model.retention; }

}  // namespace mcp_warden::policy
