// The governed pipeline: the steps every governed request passes before it
// takes effect, in the spirit of Envoy's filters.
//
// A GovernedRequest (one per governed request, either direction) carries
// the parsed request and what the steps learn about it. Judging steps run in
// order — content inspection, policy, uri, task, trust, then asking the
// person (ask_step.h) — and each returns
//   kContinue  go on with the next step;
//   kStop      the decision is final (a denial): skip the remaining judging
//              steps, but still record it;
//   kPending   the step keeps going and calls `resume` once, later, on the
//              relay thread (a person's answer).
// The record step always runs last: it commits the decision to the audit
// log (kPending until the commit is reported) so nothing takes effect
// unrecorded. Then the pipeline hands the request to its Finish callback,
// which forwards it or answers it locally, as the decision says.
//
// The fast raw path of the relay is an optimisation inside the steps (they
// read what the skim kept), never a way around them: every governed method
// of governed_methods() enters here.
//
// Owned by the Session; used only on the relay thread. A request parked by a
// pending step is owned by the pipeline until it resumes; nothing here
// survives a crash (what must, the record step commits first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/scan.h"
#include "mcp_warden/policy/decision.h"
#include "mcp_warden/policy/tool_info.h"
#include "mcp_warden/proxy/governed_methods.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {

enum class StepResult : uint8_t { kContinue, kStop, kPending };

struct GovernedRequest {
  const MethodSpec* spec = nullptr;
  rpc::Message message;  // the request as received, its body built
  std::string subject;   // see governed_methods.h
  // What `args:` conditions see: params.arguments for tools/call, the
  // params object for every other method; null when absent.
  const nlohmann::json* arguments = nullptr;
  const policy::ToolInfo* tool_info = nullptr;  // tools/call: the catalog's entry, if listed
  std::optional<bool> solicited;                // server→client requests
  std::string url_host;                         // URL-mode elicitation, lower case
  std::string task_id;                          // tasks/*: the task asked about
  bool task_augmented = false;                  // tools/call with params.task
  int64_t first_round_seq = -1;                 // a retried input-required request's first round
  inspect::Report content;                      // the content step's findings in `arguments`
  bool content_clean = false;                   // the content step found the raw line clean: no finding anywhere
  // Set by the first judging step; steps after it only tighten it.
  policy::Decision decision;
  std::optional<int> trust_score;
  std::optional<std::string> trust_tier;
  bool asked = false;           // the decision was `ask`: a person (or their grant) settled it
  int64_t audit_seq = -1;       // the committed decision's entry; -1 when unrecorded
  std::optional<Status> audit_error;  // the commit failed
  uint64_t ticket = 0;          // client→server: its place in the ServerOutbox
  std::size_t next_step = 0;    // internal to the pipeline
};

class RequestStep {
 public:
  using Resume = std::function<void()>;
  virtual ~RequestStep() = default;
  virtual std::string_view name() const = 0;
  // Whether the step reads the request's body (every current step does; a
  // step that does not may run on the skim's header alone).
  virtual bool needs_body() const { return true; }
  // See the file comment. `request` stays valid until `resume` is called.
  virtual StepResult on_request(GovernedRequest& request, Resume resume) = 0;
};

class RequestPipeline {
 public:
  using Finish = std::function<void(GovernedRequest& request)>;

  // `judges` run in order, then `record` (which must not return kStop).
  RequestPipeline(std::vector<std::unique_ptr<RequestStep>> judges, std::unique_ptr<RequestStep> record,
                  Finish finish);
  RequestPipeline(const RequestPipeline&) = delete;
  RequestPipeline& operator=(const RequestPipeline&) = delete;

  // Runs `request` through the steps; Finish is called (now or later) once.
  void run(std::unique_ptr<GovernedRequest> request);
  // Requests parked by a pending step.
  std::size_t parked() const { return parked_.size(); }
  const std::vector<std::unique_ptr<RequestStep>>& judges() const { return judges_; }

 private:
  void advance(std::unique_ptr<GovernedRequest> request);
  StepResult run_step(RequestStep& step, std::unique_ptr<GovernedRequest>& request);
  void on_resume(uint64_t key);
  void resume(uint64_t key);

  struct Running {
    uint64_t key;
    bool resumed;  // its resume came before on_request returned
  };

  std::vector<std::unique_ptr<RequestStep>> judges_;
  std::unique_ptr<RequestStep> record_;
  Finish finish_;
  std::unordered_map<uint64_t, std::unique_ptr<GovernedRequest>> parked_;
  std::vector<Running> running_;  // steps inside on_request now, innermost last
  uint64_t next_key_ = 1;
};

}  // namespace mcp_warden::proxy
