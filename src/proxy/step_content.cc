// The content step: inspects a governed request's arguments before the
// policy judges them. See governance_steps.h and content_inspection.h.
#include <spdlog/spdlog.h>

#include "mcp_warden/proxy/governance_steps.h"

namespace mcp_warden::proxy {
namespace {

class ContentStep final : public RequestStep {
 public:
  explicit ContentStep(const StepServices& services) : services_(services) {}
  std::string_view name() const override { return "content"; }

  StepResult on_request(GovernedRequest& request, Resume) override {
    if (request.arguments == nullptr || request.arguments->is_null()) return StepResult::kContinue;
    // The arguments are part of the request's line: a line that certainly
    // holds no finding spares the walk (ContentInspection::raw_is_clean).
    if (services_.content->raw_is_clean(request.message.raw)) {
      request.content_clean = true;
      return StepResult::kContinue;
    }
    request.content = services_.content->scan_arguments(*request.arguments);
    if (!request.content.incomplete) return StepResult::kContinue;
    spdlog::warn("the content of {} {} could not be inspected ({}); denied", request.spec->name, request.subject,
                 request.content.error);
    deny_uninspectable(request);
    return StepResult::kStop;
  }

 private:
  void deny_uninspectable(GovernedRequest& request) const {
    policy::Decision& decision = request.decision;
    decision.action = policy::Action::kDeny;
    decision.policy = services_.policy->name();
    decision.rule = std::string(kContentIncompleteRule);
    decision.credential_denial = false;
    decision.reason = "mcp-warden could not inspect the content of the " + std::string(request.spec->name) +
                      " request completely (" +
                      (request.content.error.empty() ? std::string("too large or too deep") : request.content.error) +
                      "), so it was not carried out; send smaller arguments.";
  }

  StepServices services_;
};

}  // namespace

std::unique_ptr<RequestStep> make_content_step(const StepServices& services) {
  return std::make_unique<ContentStep>(services);
}

}  // namespace mcp_warden::proxy
