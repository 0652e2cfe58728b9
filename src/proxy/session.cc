#include "mcp_warden/proxy/session.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "mcp_warden/rpc/reply.h"
#include "method_names.h"
#include "random_id.h"

namespace mcp_warden::proxy {

using nlohmann::json;
using rpc::Message;
using rpc::MessageError;
using rpc::MessageKind;
using method::kCancelled;
using method::kInitialize;
using method::kProgress;
using method::kToolsCall;
using method::kToolsList;
using method::kToolsListChanged;
using method::kTaskStatus;

namespace {

constexpr std::size_t kLogPreviewBytes = 200;
// How many settled (timed-out, cancelled) request ids are remembered so
// their late answers are dropped quietly rather than as forgeries.
constexpr std::size_t kMaxSettledIds = 4096;
// Protocol versions are dates ("2025-11-25"); longer values are cut.
constexpr std::size_t kMaxVersionBytes = 64;


std::string preview(std::string_view line) {
  if (line.size() <= kLogPreviewBytes) return std::string(line);
  return std::string(line.substr(0, kLogPreviewBytes)) + "...";
}

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The identifying strings of a clientInfo / serverInfo object (name,
// title, version), each cut to 256 bytes: the other side chooses these
// values, so the audit entry keeps what names it and nothing it could bloat.
json implementation_summary(const json& info) {
  json out = json::object();
  if (!info.is_object()) return out;
  for (const char* key : {"name", "title", "version"}) {
    std::string value = string_at(info, key);
    if (value.size() > 256) value.resize(256);
    if (!value.empty()) out[key] = std::move(value);
  }
  return out;
}

// The `handshake` entry: who the client and the server said they were.
audit::NewEntry handshake_entry(const Handshake& hs) {
  audit::NewEntry entry;
  entry.kind = audit::EntryKind::kHandshake;
  json payload = {{"client_info", hs.client_info},
                  {"requested_version", hs.requested_version},
                  {"protocol_version", hs.negotiated_version},
                  {"server_info", hs.server_info}};
  entry.payload = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  return entry;
}

}  // namespace

Session::Session(SessionOptions options, SessionOutput& output, const Clock& clock, Governance governance)
    : options_(std::move(options)),
      output_(output),
      clock_(clock),
      governance_(governance),
      outbox_([this](std::string line) { output_.send_to_server(std::move(line)); },
              [this](const json& id) {
                if (PendingRequest* pending = client_pending_.find(id)) pending->forwarded = true;
              }),
      recorder_(governance.auditor, options_.session_id, options_.server_name),
      internal_nonce_(random_hex128()) {
  if (governed()) build_pipeline();
}

std::string Session::oversize_text(std::size_t size) const {
  return "message of " + std::to_string(size) + " bytes exceeds mcp-warden's limit of " +
         std::to_string(options_.max_message_bytes) + " bytes (--max-message-bytes); it was dropped";
}

void Session::reply_to_client(const json& id, int code, std::string_view message) {
  ++counters_.client_errors_answered;
  output_.send_to_client(rpc::make_error_reply(id, code, message));
}

// ---- client → server ------------------------------------------------------

// Which lines are read whole at once and which are skimmed (header only,
// just as strictly; see rpc::skim_message): a governed tools/call is
// always read whole, so one that is likely (its method name appears in the
// line) is parsed whole straight away instead of skimmed and then parsed.
// The guess only picks the faster path; needs_body() decides what is read.
bool Session::parse_client_line_whole(std::string_view raw) const {
  return governed() && raw.find("tools/call") != std::string_view::npos;
}

// True when the Session will look into `m`'s body. A response is decided
// in handle_server_response(), once its request is known.
bool Session::needs_body(const Message& m, bool from_client) const {
  if (m.body_parsed) return false;
  switch (m.kind) {
    case MessageKind::kRequest:
      // An ungoverned request is relayed as it came (a tools/call's tool is m.params_name).
      if (!from_client) return governed_spec(m, Direction::kServerToClient) != nullptr;
      return governed_spec(m, Direction::kClientToServer) != nullptr || m.method == kInitialize ||
             m.method == kToolsList;
    case MessageKind::kNotification:
      return m.method == kCancelled || (!from_client && (m.method == kProgress || (governed() && m.method == kTaskStatus)));
    case MessageKind::kResponse:
    case MessageKind::kBatch:  // skim_message() parses batches whole
      return false;
  }
  return true;
}

void Session::on_client_line(std::string raw) {
  ++counters_.client_messages;
  auto parsed = parse_client_line_whole(raw) ? rpc::parse_message(std::move(raw), options_.json)
                                             : rpc::skim_message(std::move(raw), options_.json);
  if (auto* error = std::get_if<MessageError>(&parsed)) {
    spdlog::warn("client sent an invalid message: {}", error->message);
    reply_to_client(error->id, error->code, error->message);
    return;
  }
  Message& m = std::get<Message>(parsed);
  if (needs_body(m, true) && !load_body(m)) {
    if (m.kind == MessageKind::kRequest) reply_to_client(m.id, rpc::kInternalError, "mcp-warden could not read this message");
    return;
  }
  handle_client_message(m);
}

bool Session::load_body(Message& m) {
  Status built = rpc::ensure_body(m);
  if (!built) spdlog::error("could not build a message's body ({}); the message is not relayed", built.to_string());
  return built.is_ok();
}

void Session::handle_client_message(Message& m) {
  if (!unavailable_reason_.empty()) return answer_unavailable(m);
  switch (m.kind) {
    case MessageKind::kRequest:
      return handle_client_request(m);
    case MessageKind::kNotification:
      if (governed() && m.method == kToolsCall) {
        // A call without an id cannot be answered; some servers would still run it.
        spdlog::warn("dropped a tools/call sent as a notification (no id): it is never forwarded");
        return;
      }
      if (m.method == kCancelled) note_cancellation(m, client_pending_);
      return outbox_.push(std::move(m.raw));
    case MessageKind::kResponse:
      return on_client_answer(m);
    case MessageKind::kBatch:
      return handle_client_batch(m);
  }
}

void Session::handle_client_request(Message& m) {
  if (const MethodSpec* spec = governed_spec(m, Direction::kClientToServer)) return start_governed(*spec, m);
  if (governed() && client_pending_.contains(m.id)) return refuse_reused_id(nullptr, m);
  if (m.method == kInitialize) note_initialize_request(m);
  if (m.method == kToolsList) note_tools_list_request(m);
  PendingRequest pending(m.id, m.method, clock_.now_steady_nanos());
  if (m.method == kToolsCall) pending.tool = std::move(m.params_name);
  // Governed, the outbox reports when the line leaves; a plain relay keeps no watch.
  pending.forwarded = !governed();
  if (!client_pending_.insert(std::move(pending))) {
    spdlog::warn("client reused request id {} while it is still pending", rpc::id_key(m.id));
  }
  if (!governed()) return outbox_.push(std::move(m.raw));
  outbox_.push(std::move(m.raw), m.id);
}

// A batch (protocol 2025-03-26) is relayed as one line; each request in it
// is tracked so its response can be paired.
void Session::handle_client_batch(Message& m) {
  if (governed()) {
    for (const Message& element : m.batch) {
      if (governed_spec(element, Direction::kClientToServer) != nullptr || element.kind == MessageKind::kBatch ||
          (element.kind == MessageKind::kRequest && client_pending_.contains(element.id))) {
        return refuse_governed_batch(m);
      }
    }
  }
  for (const Message& element : m.batch) {
    if (element.kind == MessageKind::kRequest) {
      PendingRequest pending(element.id, element.method, clock_.now_steady_nanos());
      pending.forwarded = true;  // the batch is written at once or behind earlier lines, never judged
      client_pending_.insert(std::move(pending));
    }
  }
  outbox_.push(std::move(m.raw));
}

void Session::on_client_oversized(const io::OversizedFrame& frame) {
  ++counters_.client_messages;
  rpc::RecoveredHeader header = rpc::recover_header(frame.head, frame.tail);
  json id = header.id.value_or(nullptr);
  spdlog::warn("client sent a message of {} bytes, over the {} byte limit; dropped", frame.size,
               options_.max_message_bytes);
  if (header.has_result_or_error && !header.has_method && header.id) {
    // The client's answer to a server request: the server must not wait forever.
    auto request = server_pending_.take(id);
    if (request && request->spec != nullptr) record_outcome(*request, Outcome::kDroppedOversize, nullptr);
    if (request || !governed()) output_.send_to_server(rpc::make_error_reply(id, rpc::kInternalError, oversize_text(frame.size)));
    return;
  }
  reply_to_client(id, rpc::kInvalidRequest, oversize_text(frame.size));
}

// A cancelled request is settled: a governed one that reached the other
// side gets its outcome recorded, and a late answer to it is dropped quietly.
void Session::note_cancellation(const Message& m, PendingRequests& table) {
  auto params = m.body.find("params");
  if (params == m.body.end() || !params->is_object()) return;
  auto request_id = params->find("requestId");
  if (request_id == params->end()) return;
  auto request = table.take(*request_id);
  if (request && &table == &client_pending_ && !request->forwarded && ask_step_ != nullptr) {
    ask_step_->withdraw_for(*request_id);  // nobody needs to decide on it any more
  }
  if (!request || request->spec == nullptr || !request->forwarded || request->audit_seq < 0) return;
  record_outcome(*request, Outcome::kCancelled, nullptr);
  if (&table == &client_pending_ && expired_ids_.size() < kMaxSettledIds) expired_ids_.insert(rpc::id_key(request->id));
}

void Session::note_initialize_request(const Message& m) {
  auto params = m.body.find("params");
  if (params == m.body.end() || !params->is_object()) return;
  handshake_.client_info = implementation_summary(params->value("clientInfo", json()));
  handshake_.requested_version = string_at(*params, "protocolVersion").substr(0, kMaxVersionBytes);
  handshake_.client_capabilities = params->value("capabilities", json());
}

bool Handshake::client_can_elicit_form() const {
  if (!client_capabilities.is_object()) return false;
  auto elicitation = client_capabilities.find("elicitation");
  if (elicitation == client_capabilities.end() || !elicitation->is_object()) return false;
  if (elicitation->empty()) return true;  // before modes existed, elicitation meant form
  auto form = elicitation->find("form");
  return form != elicitation->end() && form->is_object();
}

// ---- server → client ------------------------------------------------------

void Session::on_server_line(std::string raw) {
  ++counters_.server_messages;
  auto parsed = rpc::skim_message(std::move(raw), options_.json);
  if (auto* error = std::get_if<MessageError>(&parsed)) return on_server_noise(*error);
  server_noise_burst_ = false;
  Message& m = std::get<Message>(parsed);
  if (m.kind == MessageKind::kResponse) return handle_server_response(m);
  if (needs_body(m, false) && !load_body(m)) return;
  handle_server_message(m);
}

// A line from the server's stdout that is not a JSON-RPC message.
void Session::on_server_noise(const MessageError& error) {
  ++counters_.server_non_protocol_lines;
  spdlog::warn("server wrote non-protocol output to stdout ({}); dropped: {}", error.message, preview(error.line));
  if (!server_noise_burst_) report_trust(trust::EventKind::kStdoutNoise, {}, "non-protocol output on stdout");
  server_noise_burst_ = true;
  std::string_view line = error.line;
  answer_garbled_response(line.substr(0, io::FrameReader::kKeptHeadBytes),
                          line.substr(line.size() - std::min(line.size(), io::FrameReader::kKeptTailBytes)));
}

// The request is taken from the table first: whether the body is read
// depends on what was asked.
void Session::handle_server_response(Message& m) {
  if (!internal_server_ids_.empty() && m.id.is_string() &&
      internal_server_ids_.erase(m.id.get_ref<const std::string&>()) > 0) {
    if (load_body(m)) on_internal_response(m);
    return;
  }
  auto request = client_pending_.take(m.id);
  if (!request) {
    if (!expired_ids_.empty() && expired_ids_.erase(rpc::id_key(m.id)) > 0) {
      spdlog::info("dropped the server's late response to settled request {}", rpc::id_key(m.id));
      return;  // the client already has its answer (a timeout error) or gave up
    }
    if (governed()) return drop_forged_response(m, "a request it never received");
    return output_.send_to_client(std::move(m.raw));
  }
  if (!request->forwarded) {  // held, denied or answered by mcp-warden: the server cannot know it
    client_pending_.insert(std::move(*request));
    return drop_forged_response(m, "a request mcp-warden had not forwarded to it");
  }
  if (request->method == kInitialize || request->method == kToolsList) {
    if (!load_body(m)) {
      return reply_to_client(request->id, rpc::kInternalError, "mcp-warden could not read the server's response");
    }
    if (request->method == kInitialize) note_initialize_result(m, *request);
    if (request->method == kToolsList) on_tools_list_result(m);
  }
  if (governed() && request->spec != nullptr && !handle_governed_response(*request, m)) return;
  output_.send_to_client(std::move(m.raw));
}

// Requests, notifications and batches from the server.
void Session::handle_server_message(Message& m) {
  switch (m.kind) {
    case MessageKind::kRequest:
      if (const MethodSpec* spec = governed_spec(m, Direction::kServerToClient)) return start_server_request(*spec, m);
      if (!server_pending_.insert(PendingRequest(m.id, m.method, clock_.now_steady_nanos())) && governed()) {
        spdlog::warn("server reused request id {} while it is still pending; refused", rpc::id_key(m.id));
        return output_.send_to_server(rpc::make_error_reply(m.id, rpc::kInvalidRequest,
                                                            "request id " + rpc::id_key(m.id) + " is already in use"));
      }
      break;
    case MessageKind::kNotification:
      if (m.method == kCancelled) note_cancellation(m, server_pending_);
      if (m.method == kProgress) note_progress(m);
      if (m.method == kTaskStatus && governed()) {
        auto params = m.body.find("params");
        if (params != m.body.end()) note_task_status(*params);
      }
      if (m.method == kToolsListChanged && governed()) {
        catalog_.invalidate();
        if (!catalog_.fetch_in_flight()) fetch_catalog(nullptr);
      }
      break;
    case MessageKind::kBatch:
      if (governed()) return split_server_batch(m);
      note_server_batch(m);
      break;
    case MessageKind::kResponse:
      break;  // handle_server_response()
  }
  output_.send_to_client(std::move(m.raw));
}

// A batch from the server (protocol 2025-03-26) is relayed as one line, as
// it came. Its responses settle the client's pending requests — a request
// answered here must not be answered again by a timeout or the server's
// exit — and a governed tools/call answered here has its outcome recorded
// (no footer: the batch is not rewritten). Its requests are tracked.
void Session::note_server_batch(const Message& m) {
  for (const Message& element : m.batch) {
    if (element.kind == MessageKind::kRequest) {
      server_pending_.insert(PendingRequest(element.id, element.method, clock_.now_steady_nanos()));
      continue;
    }
    if (element.kind != MessageKind::kResponse) continue;
    auto request = client_pending_.take(element.id);
    if (!request) {
      expired_ids_.erase(rpc::id_key(element.id));
      continue;
    }
    if (request->spec != nullptr && governed()) {
      Message answer = element;
      answer.raw = rpc::dump_wire(element.body);
      Outcome outcome = answer.body.contains("error") ? Outcome::kError : Outcome::kOk;
      record_outcome(*request, outcome, &answer);
    }
  }
}

// Governed, a server's batch (protocol 2025-03-26) is taken apart: each
// element passes the pipeline as if it had come alone (a request is judged,
// a response paired), and what passes reaches the client as single lines.
void Session::split_server_batch(Message& m) {
  for (Message& element : m.batch) {
    element.raw = rpc::dump_wire(element.body);
    if (element.kind == MessageKind::kResponse) {
      handle_server_response(element);
    } else if (element.kind == MessageKind::kBatch) {
      spdlog::warn("server sent a nested batch; dropped");
    } else {
      handle_server_message(element);
    }
  }
}

// A response the client waits for arrived garbled (e.g. invalid UTF-8): if
// its id can still be read, the client gets an error instead of waiting forever.
void Session::answer_garbled_response(std::string_view head, std::string_view tail) {
  rpc::RecoveredHeader header = rpc::recover_header(head, tail);
  if (!header.id || header.has_method || !client_pending_.take(*header.id)) return;
  reply_to_client(*header.id, rpc::kInternalError, "the MCP server's response was not valid JSON-RPC (see mcp-warden's log)");
}

void Session::note_initialize_result(const Message& m, const PendingRequest&) {
  auto result = m.body.find("result");
  if (result == m.body.end() || !result->is_object()) return;
  handshake_.negotiated_version = string_at(*result, "protocolVersion").substr(0, kMaxVersionBytes);
  handshake_.server_info = implementation_summary(result->value("serverInfo", json()));
  handshake_.initialized = true;
  if (recorder_.recording()) recorder_.record(handshake_entry(handshake_), [](Result<int64_t>) {}, /*deferred=*/true);
}

void Session::on_server_oversized(const io::OversizedFrame& frame) {
  ++counters_.server_messages;
  rpc::RecoveredHeader header = rpc::recover_header(frame.head, frame.tail);
  spdlog::warn("server sent a message of {} bytes, over the {} byte limit; dropped", frame.size,
               options_.max_message_bytes);
  if (!header.id) return;
  if (header.has_method) {  // a server request: tell the server it failed
    output_.send_to_server(rpc::make_error_reply(*header.id, rpc::kInternalError, oversize_text(frame.size)));
    return;
  }
  if (const PendingRequest* held = client_pending_.find(*header.id); held != nullptr && !held->forwarded) {
    spdlog::warn("the server answered request {}, which mcp-warden had not forwarded or whose answer is held; dropped",
                 rpc::id_key(*header.id));
    return;  // the held request goes on
  }
  if (auto request = client_pending_.take(*header.id)) {
    if (request->spec != nullptr && request->audit_seq >= 0) record_outcome(*request, Outcome::kDroppedOversize, nullptr);
    reply_to_client(*header.id, rpc::kInternalError, "the server's response: " + oversize_text(frame.size));
  }
}

// ---- the server is gone -----------------------------------------------------

void Session::fail_pending_client_requests(std::string_view reason) {
  client_pending_.drain([&](const PendingRequest& request) {
    if (request.spec != nullptr && request.forwarded && request.audit_seq >= 0) {
      record_outcome(request, Outcome::kNoReply, nullptr, /*deferred=*/false);
    }
    reply_to_client(request.id, rpc::kInternalError, reason);
  });
  // The server is gone: what mcp-warden asked the client on behalf of a
  // request can no longer matter; each asker hears so once.
  auto own = std::move(own_client_requests_);
  own_client_requests_.clear();
  for (auto& [id, answer] : own) answer(nullptr);
}

void Session::set_server_unavailable(std::string reason) {
  unavailable_reason_ = std::move(reason);
  fail_pending_client_requests(unavailable_reason_);
}

void Session::answer_unavailable(const Message& m) {
  if (m.kind != MessageKind::kRequest) return;
  reply_to_client(m.id, rpc::kInternalError, unavailable_reason_);
  if (m.method == kInitialize) unavailable_initialize_answered_ = true;
}

}  // namespace mcp_warden::proxy
