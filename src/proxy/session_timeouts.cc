// Timeouts of forwarded tools/call requests: the server that never answers.
// See SessionOptions::call_timeout_ms and Session::expire_overdue_calls().
#include <spdlog/spdlog.h>

#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"
#include "method_names.h"

namespace mcp_warden::proxy {

using nlohmann::json;

namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;
constexpr std::string_view kCatalogTimeoutRule = "catalog-timeout";

}  // namespace

void Session::expire_overdue_calls() {
  if (ask_step_ != nullptr) ask_step_->expire_overdue();
  if (!governed() || options_.call_timeout_ms <= 0) return;
  int64_t deadline = clock_.now_steady_nanos() - options_.call_timeout_ms * kNanosPerMilli;
  expire_held_calls(deadline);
  client_pending_.take_if(
      [&](const PendingRequest& r) {
        return r.spec != nullptr && r.forwarded && r.audit_seq >= 0 && r.active_nanos <= deadline;
      },
      [&](const PendingRequest& r) { expire_call(r); });
}

void Session::expire_call(const PendingRequest& request) {
  std::string why = "the MCP server did not answer " + request.method + " " + request.tool + " within " +
                    std::to_string(options_.call_timeout_ms) + " ms; mcp-warden cancelled it";
  spdlog::warn("{}", why);
  if (expired_ids_.size() < 4096) expired_ids_.insert(rpc::id_key(request.id));
  json params = {{"requestId", request.id}, {"reason", why}};
  output_.send_to_server(rpc::dump_wire(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", params}}));
  record_outcome(request, Outcome::kTimeout, nullptr, /*deferred=*/false);
  reply_to_client(request.id, rpc::kRequestTimeout, why);
}

// Calls held for the catalog since before `deadline`, oldest first (they
// are held in arrival order).
void Session::expire_held_calls(int64_t deadline) {
  while (!awaiting_catalog_.empty()) {
    const PendingRequest* pending = client_pending_.find(awaiting_catalog_.front()->message.id);
    if (pending != nullptr && pending->started_nanos > deadline) return;
    std::unique_ptr<GovernedRequest> request = std::move(awaiting_catalog_.front());
    awaiting_catalog_.pop_front();
    held_call_bytes_ -= request->message.raw.size();
    expire_held_call(*request);
  }
}

// The call was never judged, so it is refused (fail closed): recorded as a
// denial, answered with the timeout error, its place in the outbox freed.
void Session::expire_held_call(GovernedRequest& request) {
  if (!client_pending_.take(request.message.id)) return outbox_.settle(request.ticket, std::nullopt);  // cancelled
  std::string why = "the MCP server did not list its tools within " + std::to_string(options_.call_timeout_ms) +
                    " ms, so mcp-warden could not judge " + std::string(request.spec->name) + " " + request.subject +
                    "; it was not forwarded";
  spdlog::warn("{}", why);
  policy::Decision decision;
  decision.action = policy::Action::kDeny;
  decision.policy = governance_.policy->name();
  decision.rule = std::string(kCatalogTimeoutRule);
  decision.reason = why;
  record_denial(*request.spec, request.message, decision);
  report_trust(trust::EventKind::kCallTimedOut, request.subject, why);
  outbox_.settle(request.ticket, std::nullopt);
  reply_to_client(request.message.id, rpc::kRequestTimeout, why);
}

// A progress notification from the server for a pending call restarts that
// call's timeout, as the SDK clients' resetTimeoutOnProgress does.
void Session::note_progress(const rpc::Message& m) {
  auto params = m.body.find("params");
  if (params == m.body.end() || !params->is_object()) return;
  auto token = params->find("progressToken");
  if (token == params->end()) return;
  int64_t now = clock_.now_steady_nanos();
  client_pending_.for_each([&](PendingRequest& request) {
    if (!request.progress_token.is_null() && request.progress_token == *token && request.audit_seq >= 0) {
      request.active_nanos = now;
    }
  });
}

}  // namespace mcp_warden::proxy
