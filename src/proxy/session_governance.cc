// The governed half of the Session: every governed request enters the
// RequestPipeline here and is forwarded or answered when it finishes. See
// session.h and pipeline.h.
#include <cstdlib>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "mcp_warden/approval/call_digest.h"
#include "mcp_warden/approval/receipt.h"
#include "mcp_warden/audit/digest.h"
#include "mcp_warden/proxy/governance_steps.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"
#include "mcp_warden/trust/enforcement.h"
#include "method_names.h"

namespace mcp_warden::proxy {

using nlohmann::json;
using policy::Decision;
using rpc::Message;

namespace {

// How many input-required rounds are remembered for linking their retries.
constexpr std::size_t kMaxInputRounds = 4096;

const json& params_of(const Message& m) {
  static const json kNone;
  auto it = m.body.find("params");
  return it == m.body.end() ? kNone : *it;
}

bool has_tool_name(const Message& m) {
  const json& params = params_of(m);
  if (!params.is_object()) return false;
  auto name = params.find("name");
  return name != params.end() && name->is_string();
}

// params._meta.progressToken of a request (a string or an integer), or null.
json progress_token_of(const Message& m) {
  const json& params = params_of(m);
  if (!params.is_object()) return nullptr;
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object()) return nullptr;
  auto token = meta->find("progressToken");
  if (token == meta->end() || !(token->is_string() || token->is_number_integer())) return nullptr;
  return *token;
}

std::string string_member(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The host of an absolute URL, lower case, without user info or port; ""
// when there is none. Only for recording and `url_host:` matches: the
// person's client opens the URL, mcp-warden never does.
std::string url_host_of(std::string_view url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#\\"));
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    rest = rest.substr(0, rest.find(']') + 1);
  } else if (std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
    rest = rest.substr(0, colon);
  }
  std::string host(rest);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

// The CallToolResult mcp-warden answers a denied tools/call with.
json denial_result(const json& details, const Decision& decision) {
  return json{{"content", json::array({json{{"type", "text"}, {"text", "mcp-warden blocked this call. " + decision.reason}}})},
              {"isError", true},
              {"_meta", json{{"mcp-warden", details}}}};
}

bool trust_caused(const Decision& decision) {
  return decision.rule == "trust-tier" || decision.rule == "trust-catalog-changed" ||
         decision.rule == trust::kHeldDenialRule || decision.rule == kAuditUnavailableRule;
}

}  // namespace

void Session::build_pipeline() {
  std::error_code ignored;
  std::string cwd = std::filesystem::current_path(ignored).string();
  const char* home = std::getenv("HOME");
  path_bases_ = policy::PathBases::from_command_line(options_.server_argv, cwd, home != nullptr ? home : "");
  content_ = std::make_unique<ContentInspection>(*governance_.policy, options_.server_name, governance_.finding_hasher);
  StepServices services{options_.server_name, &clock_, governance_.policy, governance_.trust, &recorder_,
                        options_.audit_fail_open, &path_bases_, content_.get()};
  std::vector<std::unique_ptr<RequestStep>> judges;
  judges.push_back(make_content_step(services));
  judges.push_back(make_policy_step(services));
  judges.push_back(make_uri_step());
  judges.push_back(make_task_step(tasks_));
  judges.push_back(make_trust_step(services));
  AskSettings ask{options_.session_id, options_.ask_timeout_ms, AskSettings{}.code_ttl_us, options_.grant_command};
  auto ask_step = make_ask_step(services, ask_channel(), governance_.grants, std::move(ask));
  ask_step_ = ask_step.get();
  judges.push_back(std::move(ask_step));  // after every other judge: nobody is asked about what they deny
  pipeline_ = std::make_unique<RequestPipeline>(std::move(judges), make_record_step(services),
                                                [this](GovernedRequest& request) { finish_governed(request); });
  footer_ = std::make_unique<ResultFooter>(*governance_.policy, governance_.trust, options_.footer);
}

const MethodSpec* Session::governed_spec(const Message& m, Direction direction) const {
  if (!governed()) return nullptr;
  return find_governed_method(m.method, direction);
}

std::unique_ptr<GovernedRequest> Session::make_governed(const MethodSpec& spec, Message& m) {
  auto request = std::make_unique<GovernedRequest>();
  request->spec = &spec;
  request->message = std::move(m);
  const json& params = params_of(request->message);
  if (spec.id == GovernedMethod::kToolsCall) {
    request->subject = request->message.params_name;
    auto arguments = params.find("arguments");
    request->arguments = arguments == params.end() ? nullptr : &*arguments;
    request->task_augmented = params.contains("task");
  } else {
    request->subject = subject_of(spec, params);
    request->arguments = params.is_null() ? nullptr : &params;
  }
  if (spec.subject == SubjectKind::kTaskId) request->task_id = string_member(params, "taskId");
  return request;
}

// ---- client → server --------------------------------------------------------------

void Session::start_governed(const MethodSpec& spec, Message& m) {
  if (spec.id == GovernedMethod::kToolsCall && !has_tool_name(m)) {
    return reply_to_client(m.id, rpc::kInvalidParams, "tools/call needs params.name, a string naming the tool");
  }
  note_stateless_meta(m);
  std::unique_ptr<GovernedRequest> request = make_governed(spec, m);
  PendingRequest pending(request->message.id, request->message.method, clock_.now_steady_nanos());
  pending.spec = &spec;
  pending.tool = request->subject;
  pending.progress_token = progress_token_of(request->message);
  pending.task_augmented = request->task_augmented;
  pending.task_id = request->task_id;
  if (content_->may_ask(spec.name, request->subject)) {
    pending.result_digest = approval::result_digest(options_.server_name, request->subject, request->arguments);
  }
  if (!client_pending_.insert(std::move(pending))) return refuse_reused_id(&spec, request->message);
  link_retry(*request);
  if (PendingRequest* stored = client_pending_.find(request->message.id)) stored->first_round_seq = request->first_round_seq;
  request->ticket = outbox_.reserve(request->message.id);
  if (spec.catalog == CatalogKind::kTools) {
    if (!catalog_usable()) {
      held_call_bytes_ += request->message.raw.size();
      awaiting_catalog_.push_back(std::move(request));
      if (!catalog_.fetch_in_flight()) fetch_catalog(nullptr);
      return;
    }
    request->tool_info = catalog_.find(request->subject);
  }
  pipeline_->run(std::move(request));
}

// MCP 2026-07-28: a request answered with an input-required result is sent
// again, under a new id, with the server's requestState echoed untouched.
// Each round is judged on its own; the log links it to the first round.
void Session::link_retry(GovernedRequest& request) {
  if (input_rounds_.empty()) return;
  std::string state = string_member(params_of(request.message), "requestState");
  if (state.empty()) return;
  auto it = input_rounds_.find(audit::to_hex(audit::sha256(state)));
  if (it != input_rounds_.end()) request.first_round_seq = it->second;
}

void Session::finish_governed(GovernedRequest& request) {
  if (request.spec->direction == Direction::kServerToClient) return finish_server_request(request);
  finish_client_request(request);
}

void Session::finish_client_request(GovernedRequest& request) {
  PendingRequest* pending = client_pending_.find(request.message.id);
  if (pending == nullptr) return outbox_.settle(request.ticket, std::nullopt);  // cancelled meanwhile
  if (!request.decision.forwards()) {
    deny_client_request(request);
    return outbox_.settle(request.ticket, std::nullopt);
  }
  pending->audit_seq = request.audit_seq;
  pending->active_nanos = clock_.now_steady_nanos();
  pending->action = request.decision.action;
  pending->reason = request.decision.reason;
  if (request.ticket == 0) return outbox_.push(std::move(request.message.raw), request.message.id);  // waited on a person
  outbox_.settle(request.ticket, std::move(request.message.raw));
}

// A denied tools/call is answered with an isError CallToolResult the model
// reads; a task-augmented call and every other request with a JSON-RPC
// error (the task client accepts only a CreateTaskResult or an error).
void Session::deny_client_request(const GovernedRequest& request) {
  const Decision& decision = request.decision;
  client_pending_.take(request.message.id);
  if (!trust_caused(decision) && !request.asked) {  // a person's no says nothing about the server
    report_trust(decision.credential_denial ? trust::EventKind::kCredentialDenied : trust::EventKind::kCallDenied,
                 request.subject, decision.rule);
  }
  spdlog::info("denied {} {} ({}: {})", request.spec->name, request.subject, decision.policy, decision.rule);
  json details = policy::to_json(decision);
  if (request.audit_seq >= 0) details["audit_seq"] = request.audit_seq;
  if (request.spec->id == GovernedMethod::kToolsCall && !request.task_augmented) {
    return output_.send_to_client(rpc::make_result_reply(request.message.id, denial_result(details, decision)));
  }
  ++counters_.client_errors_answered;
  output_.send_to_client(rpc::make_error_reply(request.message.id, kPolicyDenied,
                                               "mcp-warden blocked this request. " + decision.reason,
                                               json{{"mcp-warden", std::move(details)}}));
}

void Session::refuse_governed_batch(const Message& m) {
  json replies = json::array();
  for (const Message& element : m.batch) {
    if (element.kind != rpc::MessageKind::kRequest) continue;
    replies.push_back(json::parse(rpc::make_error_reply(element.id, rpc::kInvalidRequest,
        "mcp-warden does not relay JSON-RPC batches that contain governed requests (tools/call, resources/read, "
        "prompts/get, ...), nested batches, or a request whose id is already in use by a pending request; send each "
        "request as its own message under an id of its own")));
  }
  ++counters_.client_errors_answered;
  if (replies.empty()) return;  // only notifications: nothing to answer, nothing forwarded
  output_.send_to_client(rpc::dump_wire(replies));
}

// ---- server → client --------------------------------------------------------------

// True when a request of the client's is at the server now: a server
// request then serves it (it is solicited).
bool Session::solicited_now() const {
  return client_pending_.any_of([](const PendingRequest& r) { return r.forwarded; });
}

void Session::start_server_request(const MethodSpec& spec, Message& m) {
  if (server_pending_.contains(m.id)) {
    return record_refusal(spec, m, "request-id-in-use",
                          "the server reused request id " + rpc::id_key(m.id) + " while it is still pending");
  }
  std::unique_ptr<GovernedRequest> request = make_governed(spec, m);
  request->solicited = solicited_now();
  const json& params = params_of(request->message);
  if (spec.id == GovernedMethod::kElicitationCreate && string_member(params, "mode") == "url") {
    request->url_host = url_host_of(string_member(params, "url"));
  }
  pipeline_->run(std::move(request));
}

void Session::finish_server_request(GovernedRequest& request) {
  const Message& m = request.message;
  const Decision& decision = request.decision;
  if (decision.forwards() && server_pending_.contains(m.id)) {
    return record_refusal(*request.spec, request.message, "request-id-in-use",
                          "the server reused request id " + rpc::id_key(m.id) + " while it is still pending");
  }
  if (!decision.forwards()) {
    spdlog::info("denied the server's {} ({}: {})", request.spec->name, decision.policy, decision.rule);
    if (request.solicited == false && !trust_caused(decision) && !request.asked) {
      report_trust(trust::EventKind::kServerRequestDenied, request.subject, decision.rule);
    }
    json details = policy::to_json(decision);
    if (request.audit_seq >= 0) details["audit_seq"] = request.audit_seq;
    return output_.send_to_server(rpc::make_error_reply(m.id, kPolicyDenied,
                                                        "mcp-warden blocked this request. " + decision.reason,
                                                        json{{"mcp-warden", std::move(details)}}));
  }
  PendingRequest pending(m.id, m.method, clock_.now_steady_nanos());
  pending.spec = request.spec;
  pending.forwarded = true;
  pending.tool = request.subject;
  pending.audit_seq = request.audit_seq;
  pending.action = decision.action;
  server_pending_.insert(std::move(pending));
  output_.send_to_client(std::move(request.message.raw));
}

// A request refused before judging (its id collides): recorded as a denial
// and answered with an error; nothing is forwarded.
void Session::record_refusal(const MethodSpec& spec, Message& m, std::string rule, std::string reason) {
  spdlog::warn("{}; refused", reason);
  Decision decision;
  decision.action = policy::Action::kDeny;
  decision.policy = governance_.policy->name();
  decision.rule = std::move(rule);
  decision.reason = std::move(reason);
  record_denial(spec, m, decision);
  output_.send_to_server(rpc::make_error_reply(m.id, rpc::kInvalidRequest, "mcp-warden refused this request: " + decision.reason));
}

// The client sent a request under the id of one still pending (held for a
// person, the catalog or the audit commit, or at the server): pairing by id
// would confuse the two, so the newcomer is refused, recorded, never
// forwarded; the pending request goes on untouched.
void Session::refuse_reused_id(const MethodSpec* spec, const Message& m) {
  const std::string id = rpc::id_key(m.id);
  spdlog::warn("client reused request id {} while a request with that id is pending; refused", id);
  Decision decision;
  decision.action = policy::Action::kDeny;
  decision.policy = governance_.policy->name();
  decision.rule = "request-id-in-use";
  decision.reason = "request id " + id + " is already in use by a pending request";
  if (spec != nullptr) {
    record_denial(*spec, m, decision);
  } else if (recorder_.recording()) {
    audit::NewEntry entry;
    entry.kind = audit::EntryKind::kRequest;
    entry.tool = m.method;
    entry.request_id = id;
    entry.decision = "deny";
    entry.payload = rpc::dump_wire(json{{"decision", policy::to_json(decision)}, {"direction", "client_to_server"},
                                        {"method", m.method}});
    recorder_.record(std::move(entry), [](Result<int64_t>) {});
  }
  reply_to_client(m.id, rpc::kInvalidRequest, decision.reason + "; send it again under an id of its own");
}

// Records a decision made outside the pipeline (a refusal before judging).
void Session::record_denial(const MethodSpec& spec, const Message& m, const Decision& decision) {
  if (!recorder_.recording()) return;
  RequestRecord record;
  record.spec = &spec;
  record.subject = spec.id == GovernedMethod::kToolsCall ? m.params_name : subject_of(spec, params_of(m));
  record.request_id = rpc::id_key(m.id);
  const std::string decision_json = rpc::dump_wire(policy::to_json(decision));
  record.decision_json = decision_json;
  record.action = policy::action_name(decision.action);
  const json& params = params_of(m);
  auto arguments = spec.id == GovernedMethod::kToolsCall && params.is_object() ? params.find("arguments") : params.end();
  record.arguments = spec.id != GovernedMethod::kToolsCall ? &params : arguments != params.end() ? &*arguments : nullptr;
  if (spec.direction == Direction::kServerToClient) record.solicited = solicited_now();
  recorder_.record(record.to_entry(), [](Result<int64_t>) {});
}

// ---- mcp-warden's own requests to the client --------------------------------------

std::string Session::request_client(std::string_view method, json params, ClientAnswer on_answer) {
  std::string id = next_internal_id(method);
  own_client_requests_.emplace(rpc::id_key(json(id)), std::move(on_answer));
  output_.send_to_client(rpc::make_request(id, method, params));
  return id;
}

void Session::cancel_client_request(const std::string& id, const std::string& reason) {
  if (own_client_requests_.erase(rpc::id_key(json(id))) == 0) return;
  note_settled_own_id(id);
  json params = {{"requestId", id}, {"reason", reason}};
  output_.send_to_client(rpc::dump_wire(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", params}}));
}

// How the ask step reaches the person. A request waiting on a person gives
// up its place in the outbox, so what the client sends meanwhile flows; it
// is queued anew once the person allowed it.
AskChannel Session::ask_channel() {
  AskChannel channel;
  channel.can_elicit = [this] { return handshake_.client_can_elicit_form(); };
  channel.ask = [this](json params, AskChannel::OnAnswer on_answer) {
    return request_client("elicitation/create", std::move(params), std::move(on_answer));
  };
  channel.withdraw = [this](const std::string& id, const std::string& reason) { cancel_client_request(id, reason); };
  channel.on_waiting = [this](GovernedRequest& request) {
    if (request.spec->direction != Direction::kClientToServer || request.ticket == 0) return;
    outbox_.settle(request.ticket, std::nullopt);
    request.ticket = 0;
  };
  return channel;
}

// The client's answer: to mcp-warden's own request (consumed), or to a
// server request it was shown (recorded, forwarded). Governed, an answer to
// a request the client never received is dropped.
void Session::on_client_answer(Message& m) {
  if (!own_client_requests_.empty() && m.id.is_string()) {
    auto it = own_client_requests_.find(rpc::id_key(m.id));
    if (it != own_client_requests_.end()) {
      ClientAnswer answer = std::move(it->second);
      own_client_requests_.erase(it);
      note_settled_own_id(m.id.get_ref<const std::string&>());
      return answer(load_body(m) ? &m : nullptr);
    }
  }
  auto request = server_pending_.take(m.id);
  if (!request) {
    if (governed() && m.id.is_string() && m.id.get_ref<const std::string&>().starts_with(kInternalIdPrefix)) {
      return note_stray_answer(m);  // of mcp-warden's form, but not open: settles nothing, never forwarded
    }
    if (governed()) {
      spdlog::warn("client answered server request {}, which it was never sent; dropped", rpc::id_key(m.id));
      return;
    }
    spdlog::debug("client answered unknown server request {}", rpc::id_key(m.id));
  } else if (request->spec != nullptr) {
    if (request->spec->id == GovernedMethod::kRootsList && !m.has_error) note_roots(m);
    record_outcome(*request, m.has_error ? Outcome::kError : Outcome::kOk, &m);
  }
  output_.send_to_server(std::move(m.raw));
}

void Session::note_settled_own_id(const std::string& id) {
  if (settled_own_ids_.size() < kMaxSettledOwnIds) settled_own_ids_.insert(id);
}

// An answer to an id of mcp-warden's form that is not open: a second answer,
// an answer after the question was withdrawn, or one to a question never
// asked. It settles nothing; it is recorded, as every answer is.
void Session::note_stray_answer(const Message& m) {
  const std::string& id = m.id.get_ref<const std::string&>();
  const bool settled = settled_own_ids_.count(id) != 0;
  spdlog::warn("client answered mcp-warden's request {}, which is {}; ignored", id,
               settled ? "already answered or withdrawn" : "one it never asked");
  if (!recorder_.recording()) return;
  approval::Receipt receipt;
  receipt.kind = audit::EntryKind::kApproval;
  receipt.request_id = rpc::id_key(m.id);
  receipt.how = "elicitation";
  receipt.answer = "ignored";
  receipt.policy = governance_.policy->name();
  receipt.reason = settled ? "an answer to a question already answered or withdrawn; it changes nothing"
                           : "an answer to a question mcp-warden never asked; it changes nothing";
  recorder_.record(receipt.to_entry(), [](Result<int64_t>) {});
}

// The client's roots are where the server may resolve relative paths too.
void Session::note_roots(Message& m) {
  if (!load_body(m)) return;
  auto result = m.body.find("result");
  if (result == m.body.end() || !result->is_object()) return;
  auto roots = result->find("roots");
  if (roots == result->end() || !roots->is_array()) return;
  for (const json& root : *roots) {
    std::string uri = string_member(root, "uri");
    if (!uri.empty()) path_bases_.add_root(uri);
  }
}

void Session::drop_forged_response(const Message& m, std::string_view why) {
  ++counters_.forged_responses_dropped;
  spdlog::warn("the server answered {} (id {}); the answer was dropped", why, rpc::id_key(m.id));
  report_trust(trust::EventKind::kUnpairedResponse, {}, "answered " + std::string(why));
}

void Session::report_trust(trust::EventKind kind, const std::string& tool, const std::string& reason) {
  if (governance_.trust != nullptr) governance_.trust->record(kind, tool, reason);
}

}  // namespace mcp_warden::proxy
