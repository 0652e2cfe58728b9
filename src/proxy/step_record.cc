// The record step: commits a governed request's decision to the audit log
// before it takes effect. See governance_steps.h.
#include <optional>

#include <spdlog/spdlog.h>

#include "mcp_warden/proxy/audit_records.h"
#include "mcp_warden/proxy/governance_steps.h"
#include "mcp_warden/rpc/message.h"
#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::proxy {
namespace {

using policy::Action;
using policy::Decision;

class RecordStep final : public RequestStep {
 public:
  explicit RecordStep(const StepServices& services) : services_(services) {}
  std::string_view name() const override { return "record"; }

  StepResult on_request(GovernedRequest& request, Resume resume) override {
    audit::NewEntry entry;
    if (services_.recorder->recording()) {
      entry = record_of(request).to_entry();
    } else {
      entry.kind = request.spec->request_kind;
    }
    services_.recorder->record(std::move(entry), [this, &request, resume = std::move(resume)](Result<int64_t> seq) {
      if (seq.is_ok()) {
        request.audit_seq = seq.value();
      } else {
        after_audit_failure(request, seq.status());
      }
      resume();
    });
    return StepResult::kPending;
  }

 private:
  RequestRecord record_of(const GovernedRequest& request) {
    RequestRecord record;
    record.spec = request.spec;
    record.subject = request.subject;
    record.request_id = rpc::id_key(request.message.id);
    record.arguments = request.arguments;
    record.decision_json = decision_text(request.decision);
    record.action = policy::action_name(request.decision.action);
    record.trust_score = request.trust_score;
    record.trust_tier = request.trust_tier;
    record.solicited = request.solicited;
    record.url_host = request.url_host;
    record.first_round_seq = request.first_round_seq;
    record.task_id = request.task_id;
    record.content = &request.content;
    record.arguments_clean = request.content_clean;
    return record;
  }

  // Consecutive requests mostly get the same decision, which is then not
  // serialized again.
  const std::string& decision_text(const Decision& decision) {
    if (!decision_text_ || decision_text_->first != decision) {
      decision_text_.emplace(decision, rpc::dump_wire(policy::to_json(decision)));
    }
    return decision_text_->second;
  }

  // What an unrecorded request becomes: denied (fail closed), unless the
  // user chose --audit-fail-open and the policy let it through.
  void after_audit_failure(GovernedRequest& request, const Status& error) const {
    spdlog::error("audit log write failed for {} {}: {}", request.spec->name, request.subject, error.to_string());
    request.audit_error = error;
    if (services_.audit_fail_open && request.decision.forwards()) return;
    Decision& decision = request.decision;
    decision.action = Action::kDeny;
    decision.rule = std::string(kAuditUnavailableRule);
    decision.credential_denial = false;
    decision.reason = "The request could not be recorded in mcp-warden's audit log (" + error.message() +
                      "), so it was not carried out. Check the audit database, then retry.";
  }

  StepServices services_;
  std::optional<std::pair<Decision, std::string>> decision_text_;
};

}  // namespace

std::unique_ptr<RequestStep> make_record_step(const StepServices& services) {
  return std::make_unique<RecordStep>(services);
}

}  // namespace mcp_warden::proxy
