// The trust step: tightens (never loosens) the policy's decision by what
// trust knows about the server. See governance_steps.h.
#include "mcp_warden/proxy/governance_steps.h"
#include "mcp_warden/trust/enforcement.h"

namespace mcp_warden::proxy {
namespace {

using policy::Action;

trust::CallAction to_call_action(Action action) {
  switch (action) {
    case Action::kAllow: return trust::CallAction::kAllow;
    case Action::kLog: return trust::CallAction::kLog;
    case Action::kWarn: return trust::CallAction::kWarn;
    case Action::kAsk: return trust::CallAction::kWarn;  // a person may allow it: the tier checks it as a call
    case Action::kDeny: return trust::CallAction::kDeny;
  }
  return trust::CallAction::kDeny;
}

// Effective (read_only, destructive) of what a request does. Reading a
// resource or prompt, completing and following tasks read; a server's own
// request (sampling, elicitation, roots) neither reads the server's data nor
// destroys any, so only the tiers that deny everything refuse it.
std::pair<bool, bool> effect_of(const GovernedRequest& request) {
  if (request.spec->id == GovernedMethod::kToolsCall) {
    policy::ToolAnnotations defaults;
    const policy::ToolAnnotations& hints = request.tool_info != nullptr ? request.tool_info->annotations : defaults;
    return {hints.read_only(), hints.destructive()};
  }
  if (request.spec->direction == Direction::kServerToClient) return {false, false};
  return {true, false};
}

class TrustStep final : public RequestStep {
 public:
  explicit TrustStep(const StepServices& services) : services_(services) {}
  std::string_view name() const override { return "trust"; }

  StepResult on_request(GovernedRequest& request, Resume) override {
    policy::Decision& decision = request.decision;
    if (services_.trust == nullptr || decision.action == Action::kDeny) return StepResult::kContinue;
    if (request.spec->id == GovernedMethod::kToolsCall) {
      if (auto blocked = services_.trust->blocked_reason(request.subject)) {
        return deny(decision, "trust-catalog-changed", *blocked);
      }
    } else if (auto held = services_.trust->is_held()) {  // an upgrade awaiting review holds every channel
      return deny(decision, std::string(trust::kHeldDenialRule), *held);
    }
    auto [read_only, destructive] = effect_of(request);
    trust::TierCheck check{services_.server_name, request.subject, services_.trust->score(), read_only, destructive,
                           to_call_action(decision.action)};
    trust::TierVerdict verdict = trust::enforce_tier(check);
    if (!verdict.tightened) return StepResult::kContinue;
    // A server the tier denies this call is never asked about: no person can override its tier here.
    if (decision.asks()) return deny(decision, "trust-tier", "Not asked: the tier denies it. " + verdict.reason);
    return deny(decision, "trust-tier", verdict.reason);
  }

 private:
  static StepResult deny(policy::Decision& decision, std::string rule, std::string reason) {
    decision.action = Action::kDeny;
    decision.rule = std::move(rule);
    decision.reason = std::move(reason);
    decision.credential_denial = false;
    return StepResult::kStop;
  }

  StepServices services_;
};

}  // namespace

std::unique_ptr<RequestStep> make_trust_step(const StepServices& services) {
  return std::make_unique<TrustStep>(services);
}

}  // namespace mcp_warden::proxy
