// Session: the protocol brain of one proxied connection, free of any I/O.
//
// The runner feeds it every line read from the client and from the server;
// it decides what to forward (byte for byte unless it must change something),
// what to answer itself, and keeps the state that later decisions need: the
// handshake (client info, negotiated protocol version) and one table of
// pending requests per direction. Lines it writes go through SessionOutput.
//
// Bad input never ends a session: an unparsable client line is answered with
// -32700 (id null), a malformed request with -32600, an oversized line with an
// error naming the limit; non-protocol bytes on the server's stdout are logged
// and dropped, never passed to the client.
//
// Governance (when a Policy is given): every tools/call is judged by the
// policy, recorded through the CallAuditor, and only then forwarded — or
// answered by mcp-warden itself with a CallToolResult `isError: true` whose
// text says which policy and rule denied it. Messages the client sent after
// a call wait behind it (ServerOutbox), so order is preserved. The tool
// catalog comes from tools/list results; when a call arrives before any
// listing, the Session lists the tools itself (ids "mcp-warden:tools/list:N",
// responses consumed) and holds the call until the list is in. tools/list
// responses lose the tools the policy always denies (unless
// show_denied_tools). A JSON-RPC batch containing a tools/call is refused
// whole: nothing in it is forwarded.
//
// Used only on the relay thread; not thread-safe. Nothing here survives a
// crash: what must be durable goes to the audit log first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_set>
#include <utility>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/io/frame_reader.h"
#include "mcp_warden/policy/decision.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/call_auditor.h"
#include "mcp_warden/proxy/pending_requests.h"
#include "mcp_warden/proxy/server_outbox.h"
#include "mcp_warden/proxy/tool_catalog.h"
#include "mcp_warden/proxy/trust_keeper.h"
#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {

// Ids of the requests mcp-warden sends on its own begin with this; their
// responses are consumed, never forwarded. No SDK uses such ids.
inline constexpr std::string_view kInternalIdPrefix = "mcp-warden:";

// Where the Session's lines go. Lines carry no trailing '\n'.
class SessionOutput {
 public:
  virtual ~SessionOutput() = default;
  virtual void send_to_client(std::string line) = 0;
  virtual void send_to_server(std::string line) = 0;
};

struct SessionOptions {
  std::size_t max_message_bytes = 64u << 20;
  rpc::JsonParseOptions json;
  std::string server_command;  // for messages a person reads ("npx -y ...")
  std::string server_name;     // the server's identity for policy, audit, trust
  std::string session_id;      // stamped on every audit entry
  bool show_denied_tools = false;  // keep always-denied tools in tools/list
  bool audit_fail_open = false;    // forward allowed calls even if the audit write failed
  bool footer = true;              // add the verification footer to allowed tool results
  // A forwarded tools/call unanswered this long after it was forwarded (or
  // after the server's last progress notification for it) is answered with
  // a timeout error, cancelled at the server and counted against its
  // trust; 0 = wait forever. Checked by expire_overdue_calls().
  int64_t call_timeout_ms = 0;
};

// What governs tools/call. The pointers are borrowed and must outlive the
// Session; a null policy means a plain relay (no judging, no audit); a
// policy without an auditor judges but records nothing (the benchmark's
// policy-only layer): every record "commits" at once, unbuilt.
struct Governance {
  policy::Policy* policy = nullptr;
  CallAuditor* auditor = nullptr;
  TrustKeeper* trust = nullptr;  // null: no trust scoring
};

// What the initialize exchange told us.
struct Handshake {
  nlohmann::json client_info;      // params.clientInfo of initialize
  std::string requested_version;   // params.protocolVersion
  std::string negotiated_version;  // result.protocolVersion
  nlohmann::json server_info;      // result.serverInfo
  bool initialized = false;        // the server answered initialize with a result
};

struct SessionCounters {
  uint64_t client_messages = 0;
  uint64_t server_messages = 0;
  uint64_t client_errors_answered = 0;  // bad client lines answered by us
  uint64_t server_non_protocol_lines = 0;
};

class Session : public io::FrameSink {
 public:
  Session(SessionOptions options, SessionOutput& output, const Clock& clock, Governance governance = {});
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void on_client_line(std::string raw);
  void on_client_oversized(const io::OversizedFrame& frame);
  void on_server_line(std::string raw);
  void on_server_oversized(const io::OversizedFrame& frame);

  // The server will never answer again (it exited, or closed its stdout):
  // every pending client request gets an error reply naming `reason`.
  void fail_pending_client_requests(std::string_view reason);

  // The server could not be started. From now on every client request is
  // answered with an error naming `reason`; done() turns true once an
  // initialize request has been answered that way.
  void set_server_unavailable(std::string reason);

  // Answers every forwarded tools/call older than call_timeout_ms (see
  // SessionOptions) with a -32001 error, sends notifications/cancelled for
  // it to the server, records its outcome and a call_timed_out trust event;
  // the server's late response is then dropped. The runner calls it
  // periodically; a no-op without a timeout or governance.
  void expire_overdue_calls();
  bool done() const { return unavailable_initialize_answered_; }

  const Handshake& handshake() const { return handshake_; }
  const SessionOptions& options() const { return options_; }
  const SessionCounters& counters() const { return counters_; }
  const PendingRequests& client_pending() const { return client_pending_; }
  const PendingRequests& server_pending() const { return server_pending_; }
  const ToolCatalog& catalog() const { return catalog_; }
  // True while client→server messages wait for a decision or the catalog;
  // the child's stdin must stay open until they are written.
  bool holding_messages() const { return outbox_.waiting() > 0 || !awaiting_catalog_.empty(); }

  // io::FrameSink for the client direction (lines read from our stdin).
  void on_frame(std::string line) override { on_client_line(std::move(line)); }
  void on_oversized(const io::OversizedFrame& frame) override { on_client_oversized(frame); }

 private:
  bool parse_client_line_whole(std::string_view raw) const;
  bool needs_body(const rpc::Message& m, bool from_client) const;
  bool load_body(rpc::Message& m);
  void handle_client_message(rpc::Message& m);
  void handle_client_request(rpc::Message& m);
  void handle_client_batch(rpc::Message& m);
  void on_server_noise(const rpc::MessageError& error);
  void handle_server_response(rpc::Message& m);
  void handle_server_message(rpc::Message& m);
  void note_server_batch(const rpc::Message& m);
  void note_cancellation(const rpc::Message& m, PendingRequests& table);
  void note_initialize_request(const rpc::Message& m);
  void note_initialize_result(const rpc::Message& m, const PendingRequest& request);
  void answer_garbled_response(std::string_view head, std::string_view tail);
  void answer_unavailable(const rpc::Message& m);
  void reply_to_client(const nlohmann::json& id, int code, std::string_view message);
  std::string oversize_text(std::size_t size) const;

  // Governance of tools/call and tools/list (session_governance.cc).
  bool governed() const { return governance_.policy != nullptr; }
  void start_tool_call(rpc::Message m);
  void judge_tool_call(rpc::Message m, uint64_t ticket);
  void on_call_recorded(rpc::Message& m, const policy::Decision& decision, uint64_t ticket, Result<int64_t> seq);
  policy::Decision after_audit_failure(const rpc::Message& m, const policy::Decision& decision,
                                      const Status& error) const;
  void deny_tool_call(const rpc::Message& m, const policy::Decision& decision, int64_t seq);
  void refuse_governed_batch(const rpc::Message& m);
  void fetch_catalog(const nlohmann::json& cursor);
  void on_internal_response(const rpc::Message& m);
  void release_held_calls();
  void note_tools_list_request(const rpc::Message& m);
  void on_tools_list_result(rpc::Message& m);
  bool hide_denied_tools(rpc::Message& m);
  void record_catalog();
  void record_outcome(const PendingRequest& request, const rpc::Message& response);
  void record_outcome_as(const PendingRequest& request, const std::string& outcome, const rpc::Message& response);
  bool relay_result_fast(const PendingRequest& request, rpc::Message& response);
  void fail_unreadable_result(const PendingRequest& request);
  bool decorate_result(const PendingRequest& request, rpc::Message& response);
  std::string footer_text(const PendingRequest& request) const;
  // The same text as a JSON string (quoted, escaped as dump_wire() escapes).
  std::string footer_json(const PendingRequest& request);
  // The footer with the policy's name and the warning's reason spelled as
  // given: raw, or already JSON-escaped (the rest needs no escaping).
  std::string footer_from(std::string_view policy_name, std::string_view reason, const PendingRequest& request) const;
  void record_no_reply(const PendingRequest& request, std::string_view outcome = "no_reply");
  void note_progress(const rpc::Message& m);
  void expire_call(const PendingRequest& request);
  void record(audit::NewEntry entry, CallAuditor::Done done, bool deferred = false);
  // False when nothing is recorded (no auditor): entries need not be built.
  bool recording() const { return governance_.auditor != nullptr; }
  const std::string& decision_text(const policy::Decision& decision);
  void apply_trust(policy::Decision& decision, const policy::ToolInfo* tool, const std::string& name);
  void report_trust(trust::EventKind kind, const std::string& tool, const std::string& reason);
  void on_catalog_complete();
  bool catalog_usable() const { return catalog_.ready() && !catalog_checking_; }

  SessionOptions options_;
  SessionOutput& output_;
  const Clock& clock_;
  Governance governance_;
  ServerOutbox outbox_;
  ToolCatalog catalog_;
  std::deque<std::pair<rpc::Message, uint64_t>> awaiting_catalog_;  // calls held for the catalog
  uint64_t internal_ids_ = 0;
  std::string last_catalog_digest_;
  // The last decision recorded and its JSON text: consecutive calls mostly
  // get the same decision, which is then not serialized again.
  std::optional<std::pair<policy::Decision, std::string>> decision_text_;
  // (policy name, its JSON escaping without quotes) for footer_json().
  std::pair<std::string, std::string> escaped_policy_name_;
  bool catalog_checking_ = false;  // the trust keeper is comparing a new listing
  bool server_noise_burst_ = false;  // stdout noise already reported since the last good line
  PendingRequests client_pending_;  // client → server requests awaiting the server
  PendingRequests server_pending_;  // server → client requests awaiting the client
  std::unordered_set<std::string> expired_ids_;  // timed-out calls whose late responses are dropped
  Handshake handshake_;
  SessionCounters counters_;
  std::string unavailable_reason_;
  bool unavailable_initialize_answered_ = false;
};

// Feeds server stdout frames into a Session.
class ServerFrameSink final : public io::FrameSink {
 public:
  explicit ServerFrameSink(Session& session) : session_(session) {}
  void on_frame(std::string line) override { session_.on_server_line(std::move(line)); }
  void on_oversized(const io::OversizedFrame& frame) override { session_.on_server_oversized(frame); }

 private:
  Session& session_;
};

}  // namespace mcp_warden::proxy
