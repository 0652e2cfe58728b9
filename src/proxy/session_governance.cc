// The governed half of the Session: tools/call judging, recording and
// answering; the tool catalog; tools/list filtering. See session.h.
#include <optional>

#include <spdlog/spdlog.h>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/audit/redact.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"
#include "mcp_warden/rpc/result_layout.h"
#include "mcp_warden/trust/enforcement.h"
#include "mcp_warden/trust/footer.h"
#include "mcp_warden/trust/tier.h"

namespace mcp_warden::proxy {

using nlohmann::json;
using policy::Action;
using policy::Decision;
using rpc::Message;

namespace {

// The rule name of a denial caused by the audit log, not by the policy.
constexpr const char* kAuditUnavailableRule = "audit-unavailable";

trust::CallAction to_call_action(Action action) {
  switch (action) {
    case Action::kAllow: return trust::CallAction::kAllow;
    case Action::kLog: return trust::CallAction::kLog;
    case Action::kWarn: return trust::CallAction::kWarn;
    case Action::kDeny: return trust::CallAction::kDeny;
  }
  return trust::CallAction::kDeny;
}

const json* call_arguments(const Message& m) {
  const json& params = m.body["params"];
  auto it = params.find("arguments");
  return it == params.end() ? nullptr : &*it;
}

// The tool of a tools/call that passed has_tool_name(): the classifier kept
// params.name (Message::params_name), the same string as in the body.
const std::string& call_tool(const Message& m) { return m.params_name; }

// params._meta.progressToken of a request (a string or an integer), or null.
json progress_token_of(const Message& m) {
  const json& params = m.body["params"];
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return nullptr;
  auto token = meta->find("progressToken");
  if (token == meta->end() || !(token->is_string() || token->is_number_integer())) return nullptr;
  return *token;
}

bool has_tool_name(const Message& m) {
  auto params = m.body.find("params");
  if (params == m.body.end() || !params->is_object()) return false;
  auto name = params->find("name");
  return name != params->end() && name->is_string();
}

json redacted_arguments(const json* arguments) {
  if (arguments == nullptr) return nullptr;
  auto redacted = audit::redact_secrets(*arguments);
  return redacted ? std::move(redacted).value() : json("[unrecordable arguments]");
}

// The CallToolResult mcp-warden answers a denied call with.
json denial_result(const Decision& decision, int64_t seq) {
  json details = policy::to_json(decision);
  if (seq >= 0) details["audit_seq"] = seq;
  return json{{"content", json::array({json{{"type", "text"}, {"text", "mcp-warden blocked this call. " + decision.reason}}})},
              {"isError", true},
              {"_meta", json{{"mcp-warden", std::move(details)}}}};
}

// A CallToolResult marked as an error. isError must be a boolean; one that
// is anything but `false` (a string, a number, null) is taken as an error:
// the outcome is recorded as is_error and no footer is added.
bool flagged_as_error(const json& result) {
  auto it = result.find("isError");
  return it != result.end() && !(it->is_boolean() && !it->get<bool>());
}

std::string outcome_of(const Message& response) {
  if (response.body.contains("error")) return "error";
  auto result = response.body.find("result");
  if (result != response.body.end() && result->is_object() && flagged_as_error(*result)) return "is_error";
  return "ok";
}

// The tool_result payload: exactly the bytes dump_wire() makes of
// {"call_seq","error"?,"latency_us","outcome","result_bytes","result_sha256"}
// (keys sorted), written directly unless there is an error object to embed.
std::string outcome_payload(int64_t call_seq, const std::string& outcome, int64_t latency_us, const Message& response) {
  std::string sha256 = audit::to_hex(audit::sha256(response.raw));
  auto error = response.body.find("error");
  if (error != response.body.end()) {
    return rpc::dump_wire(json{{"call_seq", call_seq}, {"error", *error}, {"latency_us", latency_us},
                               {"outcome", outcome}, {"result_bytes", response.raw.size()},
                               {"result_sha256", sha256}});
  }
  std::string out;
  out.reserve(160);
  out += "{\"call_seq\":";
  out += std::to_string(call_seq);
  out += ",\"latency_us\":";
  out += std::to_string(latency_us);
  out += ",\"outcome\":\"";
  out += outcome;  // "ok" or "is_error": nothing to escape
  out += "\",\"result_bytes\":";
  out += std::to_string(response.raw.size());
  out += ",\"result_sha256\":\"";
  out += sha256;
  out += "\"}";
  return out;
}

}  // namespace

const std::string& Session::decision_text(const Decision& decision) {
  if (!decision_text_ || decision_text_->first != decision) {
    decision_text_.emplace(decision, rpc::dump_wire(policy::to_json(decision)));
  }
  return decision_text_->second;
}

// `deferred`: nobody waits for the commit (CallAuditor::record_deferred).
void Session::record(audit::NewEntry entry, CallAuditor::Done done, bool deferred) {
  if (governance_.auditor == nullptr) return done(int64_t{0});
  entry.session_id = options_.session_id;
  entry.server = options_.server_name;
  if (deferred) return governance_.auditor->record_deferred(std::move(entry), std::move(done));
  governance_.auditor->record(std::move(entry), std::move(done));
}

// ---- trust ------------------------------------------------------------------------

void Session::report_trust(trust::EventKind kind, const std::string& tool, const std::string& reason) {
  if (governance_.trust != nullptr) governance_.trust->record(kind, tool, reason);
}

// Tightens (never loosens) the policy's decision by what trust knows: a tool
// whose definition changed since it was approved is denied; a low tier
// denies destructive or non-read-only tools, or everything.
void Session::apply_trust(Decision& decision, const policy::ToolInfo* tool, const std::string& name) {
  if (governance_.trust == nullptr || decision.action == Action::kDeny) return;
  if (auto blocked = governance_.trust->blocked_reason(name)) {
    decision.action = Action::kDeny;
    decision.rule = "trust-catalog-changed";
    decision.reason = *blocked;
    return;
  }
  policy::ToolAnnotations defaults;
  const policy::ToolAnnotations& hints = tool != nullptr ? tool->annotations : defaults;
  trust::TierCheck check{options_.server_name, name, governance_.trust->score(), hints.read_only(),
                         hints.destructive(), to_call_action(decision.action)};
  trust::TierVerdict verdict = trust::enforce_tier(check);
  if (!verdict.tightened) return;
  decision.action = Action::kDeny;
  decision.rule = "trust-tier";
  decision.reason = verdict.reason;
}

// ---- tools/call ---------------------------------------------------------------

void Session::start_tool_call(Message m) {
  if (!has_tool_name(m)) {
    return reply_to_client(m.id, rpc::kInvalidParams, "tools/call needs params.name, a string naming the tool");
  }
  PendingRequest pending(m.id, m.method, clock_.now_steady_nanos());
  pending.tool = call_tool(m);
  pending.progress_token = progress_token_of(m);
  if (!client_pending_.insert(std::move(pending))) {
    return reply_to_client(m.id, rpc::kInvalidRequest, "request id " + rpc::id_key(m.id) + " is already in use by a pending request");
  }
  uint64_t ticket = outbox_.reserve();
  if (catalog_usable()) return judge_tool_call(std::move(m), ticket);
  awaiting_catalog_.emplace_back(std::move(m), ticket);
  if (!catalog_.fetch_in_flight()) fetch_catalog(nullptr);
}

void Session::judge_tool_call(Message m, uint64_t ticket) {
  const json* arguments = call_arguments(m);
  const policy::ToolInfo* tool = catalog_.find(call_tool(m));
  policy::CallContext context{options_.server_name, call_tool(m), arguments, tool, {}, {}};
  if (governance_.trust != nullptr) {
    context.trust_score = governance_.trust->score();
    context.trust_tier = std::string(trust::tier_name(trust::tier_for_score(*context.trust_score)));
  }
  Decision decision = governance_.policy->evaluate(context, clock_);
  apply_trust(decision, tool, call_tool(m));
  audit::NewEntry entry{audit::EntryKind::kToolCall, 0, {}, {}, call_tool(m), rpc::id_key(m.id),
                        policy::action_name(decision.action), {}};
  if (recording()) {
    // {"arguments","decision","trust"?} with sorted keys, as dump_wire() would
    // write the object, without copying the arguments into one.
    entry.payload = "{\"arguments\":" + rpc::dump_wire(redacted_arguments(arguments)) +
                    ",\"decision\":" + decision_text(decision);
    if (context.trust_score) {
      entry.payload += ",\"trust\":{\"score\":" + std::to_string(*context.trust_score) + ",\"tier\":" +
                       rpc::dump_wire(*context.trust_tier) + "}";
    }
    entry.payload += "}";
  }
  auto shared = std::make_shared<Message>(std::move(m));
  record(std::move(entry), [this, shared, decision = std::move(decision), ticket](Result<int64_t> seq) {
    on_call_recorded(*shared, decision, ticket, std::move(seq));
  });
}

void Session::on_call_recorded(Message& m, const Decision& decision, uint64_t ticket, Result<int64_t> seq) {
  PendingRequest* pending = client_pending_.find(m.id);
  if (pending == nullptr) return outbox_.settle(ticket, std::nullopt);  // cancelled or already answered
  int64_t audit_seq = seq.is_ok() ? seq.value() : -1;
  std::optional<Decision> refused;  // what the call becomes when it could not be recorded
  if (!seq.is_ok()) refused = after_audit_failure(m, decision, seq.status());
  const Decision& effective = refused ? *refused : decision;
  if (!effective.forwards()) {
    deny_tool_call(m, effective, audit_seq);
    return outbox_.settle(ticket, std::nullopt);
  }
  pending->audit_seq = audit_seq;
  pending->active_nanos = clock_.now_steady_nanos();
  pending->action = policy::action_name(effective.action);
  pending->reason = effective.reason;
  outbox_.settle(ticket, std::move(m.raw));
}

// What an unrecorded call becomes: denied (fail closed), unless the user
// chose --audit-fail-open and the policy allowed it.
Decision Session::after_audit_failure(const Message& m, const Decision& decision, const Status& error) const {
  spdlog::error("audit log write failed for tools/call {}: {}", call_tool(m), error.to_string());
  if (options_.audit_fail_open && decision.forwards()) return decision;
  Decision refused = decision;
  refused.action = Action::kDeny;
  refused.rule = kAuditUnavailableRule;
  refused.reason = "The call could not be recorded in mcp-warden's audit log (" + error.message() +
                   "), so it was not run. Check the audit database, then retry.";
  return refused;
}

void Session::deny_tool_call(const Message& m, const Decision& decision, int64_t seq) {
  client_pending_.take(m.id);
  if (decision.rule != kAuditUnavailableRule) {  // not the server's doing
    report_trust(decision.credential_denial ? trust::EventKind::kCredentialDenied : trust::EventKind::kCallDenied,
                 call_tool(m), decision.rule);
  }
  spdlog::info("denied tools/call {} ({}: {})", call_tool(m), decision.policy, decision.rule);
  output_.send_to_client(rpc::make_result_reply(m.id, denial_result(decision, seq)));
}

void Session::refuse_governed_batch(const Message& m) {
  json replies = json::array();
  for (const Message& element : m.batch) {
    if (element.kind != rpc::MessageKind::kRequest) continue;
    replies.push_back(json::parse(rpc::make_error_reply(element.id, rpc::kInvalidRequest,
        "mcp-warden does not relay JSON-RPC batches that contain tools/call; send each call as its own message")));
  }
  ++counters_.client_errors_answered;
  output_.send_to_client(rpc::dump_wire(replies));
}

// ---- outcomes -------------------------------------------------------------------

void Session::record_outcome(const PendingRequest& request, const Message& response) {
  record_outcome_as(request, outcome_of(response), response);
}

// The common case of an allowed call's result, read from its raw text
// (rpc::locate_result) instead of a built body: the outcome recorded and the
// footer spliced in as the last item of result.content. False — nothing
// done — whenever the DOM path is needed: a JSON-RPC error (its object is
// recorded), a warned call (its _meta mark), a layout the scanner cannot
// read simply, or a body that is already built.
bool Session::relay_result_fast(const PendingRequest& request, Message& response) {
  if (response.body_parsed || response.has_error || request.action == "warn") return false;
  std::optional<rpc::ResultLayout> layout = rpc::locate_result(response.raw);
  if (!layout) return false;
  bool flagged = layout->result_is_object && layout->is_error_flagged;
  record_outcome_as(request, flagged ? "is_error" : "ok", response);
  if (!options_.footer || !layout->result_is_object || flagged || !layout->content_end) return true;
  // {"text":…,"type":"text"} as dump_wire() writes the object, without building one.
  std::string item = "{\"text\":" + footer_json(request) + ",\"type\":\"text\"}";
  response.raw.insert(*layout->content_end, layout->content_empty ? item : "," + item);
  return true;
}

// The body of a result could not be built (memory): the client still gets
// an answer, and the outcome is recorded.
void Session::fail_unreadable_result(const PendingRequest& request) {
  json payload = {{"call_seq", request.audit_seq}, {"outcome", "unreadable"}};
  audit::NewEntry entry{audit::EntryKind::kToolResult, 0, {}, {}, request.tool, rpc::id_key(request.id), {},
                        rpc::dump_wire(payload)};
  record(std::move(entry), [](Result<int64_t>) {}, /*deferred=*/true);
  reply_to_client(request.id, rpc::kInternalError, "mcp-warden could not read the MCP server's result");
}

void Session::record_outcome_as(const PendingRequest& request, const std::string& outcome, const Message& response) {
  int64_t latency_us = (clock_.now_steady_nanos() - request.started_nanos) / 1000;
  audit::NewEntry entry{audit::EntryKind::kToolResult, 0, {}, {}, request.tool, rpc::id_key(request.id), {}, {}};
  if (recording()) entry.payload = outcome_payload(request.audit_seq, outcome, latency_us, response);
  record(
      std::move(entry),
      [](Result<int64_t> seq) {
        if (!seq.is_ok()) spdlog::error("audit log write failed for a tool result: {}", seq.status().to_string());
      },
      /*deferred=*/true);
  // After the result's entry, so the trust event that follows from it comes after it in the log.
  report_trust(outcome == "ok" ? trust::EventKind::kCallSucceeded
               : outcome == "error" ? trust::EventKind::kRpcError : trust::EventKind::kToolError,
               request.tool, {});
}

// `outcome` is "no_reply" (the server died with the call pending) or
// "timeout" (expire_overdue_calls gave up on it).
void Session::record_no_reply(const PendingRequest& request, std::string_view outcome) {
  json payload = {{"call_seq", request.audit_seq}, {"outcome", outcome},
                  {"latency_us", (clock_.now_steady_nanos() - request.started_nanos) / 1000}};
  audit::NewEntry entry{audit::EntryKind::kToolResult, 0, {}, {}, request.tool, rpc::id_key(request.id), {}, rpc::dump_wire(payload)};
  record(std::move(entry), [](Result<int64_t>) {});
  if (outcome == "timeout") {
    report_trust(trust::EventKind::kCallTimedOut, request.tool, "no answer within " +
                 std::to_string(options_.call_timeout_ms) + " ms");
  } else {
    report_trust(trust::EventKind::kServerDied, request.tool, "the server exited with the call pending");
  }
}

// ---- what the client sees of an allowed call's result -------------------------------

std::string Session::footer_text(const PendingRequest& request) const {
  return footer_from(governance_.policy->name(), request.reason, request);
}

std::string Session::footer_from(std::string_view policy_name, std::string_view reason,
                                 const PendingRequest& request) const {
  std::string text;
  if (governance_.trust != nullptr) {
    text = trust::footer_text(policy_name, governance_.trust->score(), request.audit_seq);
  } else {
    text = "\xF0\x9F\x94\x92 mcp-warden \xC2\xB7 policy ";
    text.append(policy_name);
    if (request.audit_seq >= 0) text += " \xC2\xB7 audit #" + std::to_string(request.audit_seq);
  }
  if (request.action == "warn") text.append(" \xC2\xB7 warning: ").append(reason);
  return text;
}

// JSON escaping is per character, so the footer's JSON is its pieces
// escaped one by one: only the policy's name and a warning's reason can hold
// anything to escape, and the name's escaping is kept from call to call.
std::string Session::footer_json(const PendingRequest& request) {
  const std::string& name = governance_.policy->name();
  if (escaped_policy_name_.first != name || escaped_policy_name_.second.empty()) {
    const std::string quoted = rpc::dump_wire(name);
    escaped_policy_name_ = {name, quoted.substr(1, quoted.size() - 2)};
  }
  std::string reason;
  if (request.action == "warn") {
    reason = rpc::dump_wire(request.reason);
    reason = reason.substr(1, reason.size() - 2);
  }
  return "\"" + footer_from(escaped_policy_name_.second, reason, request) + "\"";
}

// Marks a warned call's result under _meta["mcp-warden"] and appends the
// verification footer as one more text item of `content` — never to an error
// result, never inside structuredContent. Returns true if it changed anything.
bool Session::decorate_result(const PendingRequest& request, Message& response) {
  auto result = response.body.find("result");
  if (result == response.body.end() || !result->is_object() || flagged_as_error(*result)) return false;
  bool changed = false;
  if (request.action == "warn") {
    json& meta = (*result)["_meta"];
    if (meta.is_null()) meta = json::object();
    if (meta.is_object()) {
      meta["mcp-warden"] = json{{"action", "warn"}, {"reason", request.reason}, {"audit_seq", request.audit_seq}};
      changed = true;
    }
  }
  auto content = result->find("content");
  if (options_.footer && content != result->end() && content->is_array()) {
    content->push_back(json{{"type", "text"}, {"text", footer_text(request)}});
    changed = true;
  }
  return changed;
}

// ---- the tool catalog -------------------------------------------------------------

void Session::fetch_catalog(const json& cursor) {
  if (cursor.is_null()) catalog_.begin_listing();
  catalog_.set_fetch_in_flight(true);
  std::string id = std::string(kInternalIdPrefix) + "tools/list:" + std::to_string(++internal_ids_);
  json params = json::object();
  if (!cursor.is_null()) params["cursor"] = cursor;
  output_.send_to_server(rpc::make_request(id, "tools/list", params));
}

void Session::on_internal_response(const Message& m) {
  const json& result = m.body.contains("result") ? m.body["result"] : json();
  if (!result.is_object()) {
    spdlog::warn("the server did not list its tools for mcp-warden; unknown tools are judged as not read-only");
    catalog_.add_page(json::object());
  } else if (!catalog_.add_page(result)) {
    return fetch_catalog(result["nextCursor"]);
  }
  catalog_.set_fetch_in_flight(false);
  on_catalog_complete();
}

// A listing is complete: record it, let the trust keeper compare it with
// the last one, and only then judge the calls that waited for it.
void Session::on_catalog_complete() {
  record_catalog();
  if (governance_.trust == nullptr) return release_held_calls();
  json tools = json::array();
  for (const auto& [name, tool] : catalog_.raw_tools()) tools.push_back(tool);
  catalog_checking_ = true;
  governance_.trust->observe_catalog(std::move(tools), [this] {
    catalog_checking_ = false;
    if (catalog_.ready()) release_held_calls();
  });
}

void Session::release_held_calls() {
  auto held = std::move(awaiting_catalog_);
  awaiting_catalog_.clear();
  for (auto& [message, ticket] : held) judge_tool_call(std::move(message), ticket);
}

void Session::note_tools_list_request(const Message& m) {
  if (!governed()) return;
  auto params = m.body.find("params");
  bool first_page = params == m.body.end() || !params->is_object() || !params->contains("cursor");
  if (first_page) catalog_.begin_listing();
}

void Session::on_tools_list_result(Message& m) {
  if (!governed() || !m.body.contains("result")) return;
  bool complete = catalog_.add_page(m.body["result"]);
  if (!options_.show_denied_tools && hide_denied_tools(m)) m.raw = rpc::dump_wire(m.body);
  if (complete && !catalog_.fetch_in_flight()) on_catalog_complete();
}

// Removes the tools the policy denies whatever the call; true if any was removed.
bool Session::hide_denied_tools(Message& m) {
  auto result = m.body.find("result");
  if (result == m.body.end() || !result->is_object()) return false;
  auto found = result->find("tools");
  if (found == result->end() || !found->is_array()) return false;
  json& tools = *found;
  std::size_t before = tools.size();
  json kept = json::array();
  for (json& tool : tools) {
    auto info = policy::parse_tool_info(tool);
    if (info && governance_.policy->always_denies(options_.server_name, *info)) continue;
    kept.push_back(std::move(tool));
  }
  tools = std::move(kept);
  return tools.size() != before;
}

void Session::record_catalog() {
  json names = json::array();
  json raw = json::object();
  for (const auto& [name, tool] : catalog_.raw_tools()) {
    names.push_back(name);
    raw[name] = tool;
  }
  std::string digest = audit::to_hex(audit::sha256(rpc::dump_wire(raw)));
  if (digest == last_catalog_digest_) return;  // unchanged since last recorded
  last_catalog_digest_ = digest;
  json payload = {{"tools", names}, {"catalog_sha256", digest}};
  audit::NewEntry entry{audit::EntryKind::kCatalog, 0, {}, {}, {}, {}, {}, rpc::dump_wire(payload)};
  record(std::move(entry), [](Result<int64_t>) {});
}

}  // namespace mcp_warden::proxy
