// What became of governed requests: the pipeline's response steps —
// pairing is done by the caller (handle_server_response / on_client_answer),
// then the outcome is recorded, tasks are bound, and a tool result gets its
// footer. See session.h.
#include <spdlog/spdlog.h>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"
#include "mcp_warden/rpc/result_layout.h"

namespace mcp_warden::proxy {

using nlohmann::json;
using rpc::Message;

namespace {

constexpr std::size_t kMaxInputRounds = 4096;

const json* result_of(const Message& m) {
  auto it = m.body.find("result");
  return it == m.body.end() || !it->is_object() ? nullptr : &*it;
}

const json* error_of(const Message& m) {
  auto it = m.body.find("error");
  return it == m.body.end() ? nullptr : &*it;
}

Outcome outcome_of(const Message& response) {
  if (response.body.contains("error")) return Outcome::kError;
  const json* result = result_of(response);
  if (result != nullptr && flagged_as_error(*result)) return Outcome::kIsError;
  return Outcome::kOk;
}

std::string string_member(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

// False when the response must not reach the client (it was consumed or
// answered otherwise).
bool Session::handle_governed_response(PendingRequest& request, Message& m) {
  // What the inspection found belongs to this response's outcome entry only.
  struct Forget {
    json& content;
    ~Forget() { content = nullptr; }
  } forget{result_content_};
  if (ContentInspection::inspects_results_of(request.spec->id) && !m.has_error && !inspect_result(request, m)) {
    return false;
  }
  return deliver_governed_response(request, m);
}

// The response steps after inspection (also for an answer a person let through).
bool Session::deliver_governed_response(PendingRequest& request, Message& m) {
  switch (request.spec->id) {
    case GovernedMethod::kToolsCall: return handle_tool_result(request, m);
    case GovernedMethod::kTasksResult: return handle_task_result(request, m);
    case GovernedMethod::kTasksList:
    case GovernedMethod::kTasksGet:
    case GovernedMethod::kTasksCancel:
      if (!load_body(m)) return fail_unreadable_result(request), false;
      record_outcome(request, outcome_of(m), &m);
      if (const json* task = result_of(m)) note_task_status(*task);
      if (request.spec->id == GovernedMethod::kTasksList && filter_task_list(m)) m.raw = rpc::dump_wire(m.body);
      return true;
    default:
      if (!m.has_error && m.raw.find("\"requestState\"") != std::string::npos) {
        if (!load_body(m)) return fail_unreadable_result(request), false;
        note_input_required(request, m);
      }
      record_outcome(request, m.has_error ? Outcome::kError : Outcome::kOk, &m);
      return true;
  }
}

// A tools/call's result. The common case is read from its raw text
// (rpc::locate_result) instead of a built body: the outcome recorded and
// the footer spliced in. The DOM path serves a JSON-RPC error (its object is
// recorded), a warned call (its _meta mark), a task-augmented call, an
// input-required round, and layouts the scanner cannot read simply.
bool Session::handle_tool_result(PendingRequest& request, Message& m) {
  // (The body may be built by the content inspection; m.raw still says the same.)
  const bool simple = !m.has_error && request.action != policy::Action::kWarn &&
                      !request.task_augmented && m.raw.find("\"requestState\"") == std::string::npos;
  if (simple) {
    if (std::optional<rpc::ResultLayout> layout = rpc::locate_result(m.raw)) {
      bool flagged = layout->result_is_object && layout->is_error_flagged;
      record_outcome(request, flagged ? Outcome::kIsError : Outcome::kOk, &m);
      footer_->splice_raw(request, *layout, m.raw);
      return true;
    }
  }
  if (!load_body(m)) return fail_unreadable_result(request), false;
  if (request.task_augmented) {
    note_task_created(request, m);
    return true;
  }
  note_input_required(request, m);
  record_outcome(request, outcome_of(m), &m);
  auto result = m.body.find("result");
  if (result != m.body.end() && footer_->decorate(request, *result)) m.raw = rpc::dump_wire(m.body);
  return true;
}

// A task-augmented call answered with a CreateTaskResult: the task is bound
// to the call, and the call's entry records the task and its first status.
void Session::note_task_created(const PendingRequest& request, const Message& m) {
  const json* result = result_of(m);
  const json* task = result != nullptr && result->contains("task") ? &(*result)["task"] : nullptr;
  std::string task_id = task != nullptr ? string_member(*task, "taskId") : std::string();
  if (!task_id.empty()) tasks_.bind(task_id, TaskBinding{request.audit_seq, request.tool});
  OutcomeRecord record{request.spec, request.tool, rpc::id_key(request.id), request.audit_seq, outcome_of(m),
                       (clock_.now_steady_nanos() - request.started_nanos) / 1000, m.raw, error_of(m), task_id,
                       task != nullptr ? string_member(*task, "status") : std::string()};
  recorder_.record(record.to_entry(), [](Result<int64_t>) {}, /*deferred=*/true);
}

// tasks/result carries the task's real outcome: recorded as the creating
// call's tool_result, and shown with the footer like any tool result.
bool Session::handle_task_result(PendingRequest& request, Message& m) {
  if (!load_body(m)) return fail_unreadable_result(request), false;
  TaskBinding* binding = tasks_.find(request.task_id);
  Outcome outcome = outcome_of(m);
  if (binding != nullptr) binding->final_recorded = true;
  OutcomeRecord record{request.spec, binding != nullptr ? binding->tool : request.tool, rpc::id_key(request.id),
                       binding != nullptr ? binding->call_seq : request.audit_seq, outcome,
                       (clock_.now_steady_nanos() - request.started_nanos) / 1000, m.raw, error_of(m),
                       request.task_id, outcome == Outcome::kOk ? "completed" : "failed"};
  record.content = &result_content_;
  recorder_.record(record.to_entry(), [](Result<int64_t>) {}, /*deferred=*/true);
  report_outcome_trust(request, outcome);
  auto result = m.body.find("result");
  if (result != m.body.end() && footer_->decorate(request, *result)) m.raw = rpc::dump_wire(m.body);
  return true;
}

// A task seen in a terminal status (tasks/get, tasks/cancel, or the
// server's notifications/tasks/status) has its real outcome recorded once,
// as the creating call's tool_result: a client that never asks tasks/result
// (the SDK does not for a failed task) still leaves it in the log.
void Session::note_task_status(const json& task) {
  std::string status = string_member(task, "status");
  if (!is_terminal_task_status(status)) return;
  std::string task_id = string_member(task, "taskId");
  TaskBinding* binding = tasks_.find(task_id);
  if (binding == nullptr || binding->final_recorded) return;
  binding->final_recorded = true;
  Outcome outcome = status == "completed" ? Outcome::kOk : status == "failed" ? Outcome::kIsError : Outcome::kCancelled;
  OutcomeRecord record{&spec_of(GovernedMethod::kToolsCall), binding->tool, {}, binding->call_seq, outcome, -1, {},
                       nullptr, task_id, status};
  recorder_.record(record.to_entry(), [](Result<int64_t>) {}, /*deferred=*/true);
}

// tasks/list shows only the tasks created through this proxy.
bool Session::filter_task_list(Message& m) {
  auto result = m.body.find("result");
  if (result == m.body.end() || !result->is_object()) return false;
  auto tasks = result->find("tasks");
  if (tasks == result->end() || !tasks->is_array()) return false;
  json kept = json::array();
  for (json& task : *tasks) {
    if (tasks_.find(string_member(task, "taskId")) != nullptr) kept.push_back(std::move(task));
  }
  bool changed = kept.size() != tasks->size();
  *tasks = std::move(kept);
  return changed;
}

// MCP 2026-07-28: an input-required result names the state the retry will
// echo; its first round is remembered so the retry's entry links to it.
void Session::note_input_required(const PendingRequest& request, const Message& m) {
  const json* result = result_of(m);
  if (result == nullptr) return;
  std::string state = string_member(*result, "requestState");
  if (state.empty()) return;
  std::string key = audit::to_hex(audit::sha256(state));
  if (input_rounds_.count(key) != 0) return;
  input_rounds_.emplace(key, request.first_round_seq >= 0 ? request.first_round_seq : request.audit_seq);
  input_round_order_.push_back(std::move(key));
  if (input_round_order_.size() <= kMaxInputRounds) return;
  input_rounds_.erase(input_round_order_.front());
  input_round_order_.pop_front();
}

void Session::record_outcome(const PendingRequest& request, Outcome outcome, const Message* response, bool deferred) {
  if (recorder_.recording()) {
    OutcomeRecord record{request.spec, request.tool, rpc::id_key(request.id), request.audit_seq, outcome,
                         (clock_.now_steady_nanos() - request.started_nanos) / 1000,
                         response != nullptr ? std::string_view(response->raw) : std::string_view(),
                         response != nullptr && response->body_parsed ? error_of(*response) : nullptr,
                         request.task_id, {}};
    record.content = &result_content_;
    if (outcome == Outcome::kNoReply || outcome == Outcome::kCancelled || outcome == Outcome::kDroppedOversize) {
      record.raw = {};
    }
    recorder_.record(record.to_entry(), [](Result<int64_t> seq) {
      if (!seq.is_ok()) spdlog::error("audit log write failed for an outcome: {}", seq.status().to_string());
    }, deferred);
  }
  // After the outcome's entry, so the trust event that follows from it comes after it in the log.
  report_outcome_trust(request, outcome);
}

// What the server's answer says about the server. Answers the client gave
// (to the server's own requests) say nothing about it.
void Session::report_outcome_trust(const PendingRequest& request, Outcome outcome) {
  if (request.spec->direction != Direction::kClientToServer) return;
  switch (outcome) {
    case Outcome::kOk: return report_trust(trust::EventKind::kCallSucceeded, request.tool, {});
    case Outcome::kError: return report_trust(trust::EventKind::kRpcError, request.tool, {});
    case Outcome::kIsError: return report_trust(trust::EventKind::kToolError, request.tool, {});
    case Outcome::kTimeout:
      return report_trust(trust::EventKind::kCallTimedOut, request.tool,
                          "no answer within " + std::to_string(options_.call_timeout_ms) + " ms");
    case Outcome::kNoReply:
      return report_trust(trust::EventKind::kServerDied, request.tool, "the server exited with the request pending");
    case Outcome::kCancelled:
    case Outcome::kDroppedOversize:
    case Outcome::kUnreadable: return;
  }
}

// The body of a result could not be built (memory): the client still gets
// an answer, and the outcome is recorded.
void Session::fail_unreadable_result(const PendingRequest& request) {
  record_outcome(request, Outcome::kUnreadable, nullptr);
  reply_to_client(request.id, rpc::kInternalError, "mcp-warden could not read the MCP server's result");
}

}  // namespace mcp_warden::proxy
