#include "mcp_warden/proxy/pipeline.h"

#include <spdlog/spdlog.h>

namespace mcp_warden::proxy {

RequestPipeline::RequestPipeline(std::vector<std::unique_ptr<RequestStep>> judges,
                                 std::unique_ptr<RequestStep> record, Finish finish)
    : judges_(std::move(judges)), record_(std::move(record)), finish_(std::move(finish)) {}

void RequestPipeline::run(std::unique_ptr<GovernedRequest> request) {
  request->next_step = 0;
  advance(std::move(request));
}

// Steps 0..judges_.size()-1 are the judges, judges_.size() the record step.
void RequestPipeline::advance(std::unique_ptr<GovernedRequest> request) {
  while (request->next_step < judges_.size()) {
    RequestStep& step = *judges_[request->next_step++];
    StepResult result = run_step(step, request);
    if (result == StepResult::kPending) return;
    if (result == StepResult::kStop) request->next_step = judges_.size();
  }
  if (request->next_step == judges_.size()) {
    ++request->next_step;
    if (run_step(*record_, request) == StepResult::kPending) return;
  }
  finish_(*request);
}

// A pending step parks the request under a key its resume callback holds.
// A step may also resume before on_request returns (an auditor that
// completes at once): then the request simply goes on. The steps running
// now (more than one when a step's work runs another request's steps) are
// on running_, so an early resume is told from a late one without an
// allocation per step.
StepResult RequestPipeline::run_step(RequestStep& step, std::unique_ptr<GovernedRequest>& request) {
  const uint64_t key = next_key_++;
  running_.push_back(Running{key, false});
  StepResult result = step.on_request(*request, [this, key] { on_resume(key); });
  bool resumed_early = false;
  for (auto it = running_.begin(); it != running_.end(); ++it) {
    if (it->key != key) continue;
    resumed_early = it->resumed;
    running_.erase(it);
    break;
  }
  if (result != StepResult::kPending) return result;
  if (resumed_early) return StepResult::kContinue;
  parked_.emplace(key, std::move(request));
  return StepResult::kPending;
}

void RequestPipeline::on_resume(uint64_t key) {
  for (Running& r : running_) {
    if (r.key != key) continue;
    r.resumed = true;  // still inside on_request: run_step goes on
    return;
  }
  resume(key);
}

void RequestPipeline::resume(uint64_t key) {
  auto it = parked_.find(key);
  if (it == parked_.end()) {
    spdlog::error("pipeline: a step resumed a request that is not parked; ignored");
    return;
  }
  std::unique_ptr<GovernedRequest> request = std::move(it->second);
  parked_.erase(it);
  advance(std::move(request));
}

}  // namespace mcp_warden::proxy
