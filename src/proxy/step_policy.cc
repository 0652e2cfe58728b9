// The policy step: judges a governed request by the loaded policy.
#include "mcp_warden/proxy/governance_steps.h"
#include "mcp_warden/trust/tier.h"

namespace mcp_warden::proxy {
namespace {

class PolicyStep final : public RequestStep {
 public:
  explicit PolicyStep(const StepServices& services) : services_(services) {}
  std::string_view name() const override { return "policy"; }

  StepResult on_request(GovernedRequest& request, Resume) override {
    policy::CallContext context{services_.server_name, request.subject, request.arguments, request.tool_info, {}, {}};
    context.method = request.spec->name;
    context.solicited = request.solicited;
    context.url_host = request.url_host;
    context.path_bases = services_.path_bases;
    context.content_found = request.content.kinds();
    if (services_.trust != nullptr) {
      context.trust_score = services_.trust->score();
      context.trust_tier = std::string(trust::tier_name(trust::tier_for_score(*context.trust_score)));
      request.trust_score = context.trust_score;
      request.trust_tier = context.trust_tier;
    }
    request.decision = services_.policy->evaluate(context, *services_.clock);
    return request.decision.action == policy::Action::kDeny ? StepResult::kStop : StepResult::kContinue;
  }

 private:
  StepServices services_;
};

}  // namespace

std::unique_ptr<RequestStep> make_policy_step(const StepServices& services) {
  return std::make_unique<PolicyStep>(services);
}

}  // namespace mcp_warden::proxy
