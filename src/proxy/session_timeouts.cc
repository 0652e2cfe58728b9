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

}  // namespace

void Session::expire_overdue_calls() {
  if (ask_step_ != nullptr) ask_step_->expire_overdue();
  if (!governed() || options_.call_timeout_ms <= 0) return;
  int64_t deadline = clock_.now_steady_nanos() - options_.call_timeout_ms * kNanosPerMilli;
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
