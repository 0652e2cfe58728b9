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
// Governance (when a Policy is given): every governed request (the table in
// governed_methods.h: tools/call, resources/read|subscribe, prompts/get,
// completion/complete, tasks/*, and the server's sampling/createMessage,
// elicitation/create and roots/list) passes the RequestPipeline (pipeline.h:
// content → policy → trust → ask → record) and only then takes effect — forwarded, or
// answered by mcp-warden itself (a denied tools/call with a CallToolResult
// `isError: true` whose text says which policy and rule denied it; every
// other denial with a JSON-RPC error carrying the reason). Messages the
// client sent after a request wait behind it (ServerOutbox), so order is
// preserved. A response is paired only with a request the other side really
// received: an answer to a held, denied, locally answered or unknown id is
// dropped and counted against the server. Results of tools/call,
// tasks/result, resources/read and prompts/get pass content inspection
// (content_inspection.h) before the client sees them; one a response rule
// asks about is held for a person (ask_step.h), its id kept in use, until
// it is delivered or withheld. A client request under an id still pending
// is refused (-32600) and never forwarded. The tool catalog comes from
// tools/list results; when a call arrives before any listing, the Session
// lists the tools itself (ids no peer can predict, responses consumed) and
// holds the call until the list is in. tools/list responses lose the tools
// the policy always denies (unless show_denied_tools). A JSON-RPC batch
// containing a governed request is refused whole: nothing in it is
// forwarded. The Session can also send its own requests to the client
// (request_client); their answers are consumed, never forwarded.
//
// Used only on the relay thread; not thread-safe. Nothing here survives a
// crash: what must be durable goes to the audit log first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>
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
#include "mcp_warden/proxy/content_inspection.h"
#include "mcp_warden/proxy/governed_methods.h"
#include "mcp_warden/proxy/pending_requests.h"
#include "mcp_warden/proxy/pipeline.h"
#include "mcp_warden/proxy/recorder.h"
#include "mcp_warden/proxy/result_footer.h"
#include "mcp_warden/proxy/task_registry.h"
#include "mcp_warden/proxy/server_outbox.h"
#include "mcp_warden/proxy/tool_catalog.h"
#include "mcp_warden/proxy/audit_records.h"
#include "mcp_warden/proxy/ask_step.h"
#include "mcp_warden/proxy/trust_keeper.h"
#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {

// Ids of the requests mcp-warden sends on its own begin with this, followed
// by a random 128-bit nonce drawn per session and a counter: nobody else can
// produce or predict one. Only an exact id mcp-warden issued and still
// waits for is consumed; a peer's message whose id merely begins like one
// is treated as that peer's.
inline constexpr std::string_view kInternalIdPrefix = "mcp-warden:";

// The JSON-RPC error code of a request mcp-warden refused by policy (outside
// the JSON-RPC reserved range; clients show the message).
inline constexpr int kPolicyDenied = 403;

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
  // The server's argv: its command line's directories are bases against
  // which path rules resolve a relative path (policy::PathBases).
  std::vector<std::string> server_argv;
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
  // How long a question to the person (ask_step.h) stays open; checked by
  // expire_overdue_calls() too. And what the person runs to redeem a grant
  // code ("mcp-warden grant", with --db when the database is not the default).
  int64_t ask_timeout_ms = 120'000;
  std::string grant_command = "mcp-warden grant";
};

// What governs tools/call. The pointers are borrowed and must outlive the
// Session; a null policy means a plain relay (no judging, no audit); a
// policy without an auditor judges but records nothing (the benchmark's
// policy-only layer): every record "commits" at once, unbuilt.
struct Governance {
  policy::Policy* policy = nullptr;
  CallAuditor* auditor = nullptr;
  TrustKeeper* trust = nullptr;  // null: no trust scoring
  // Keys the content findings' hashes (the audit database's finding key);
  // null: findings are recorded without hashes.
  const inspect::ValueHasher* finding_hasher = nullptr;
  approval::GrantStore* grants = nullptr;  // null: no grants, no grant codes
};

struct HeldResult;  // session_content.cc

// What the initialize exchange told us.
struct Handshake {
  // params.clientInfo of initialize and result.serverInfo, each reduced to
  // its name, title and version strings (at most 256 bytes each).
  nlohmann::json client_info;
  std::string requested_version;   // params.protocolVersion
  std::string negotiated_version;  // result.protocolVersion
  nlohmann::json server_info;
  nlohmann::json client_capabilities;  // params.capabilities of initialize
  bool initialized = false;        // the server answered initialize with a result

  // The client declared elicitation in form mode ({"form": {}}, or an empty
  // elicitation object, which older clients send for form).
  bool client_can_elicit_form() const;
};

struct SessionCounters {
  uint64_t client_messages = 0;
  uint64_t server_messages = 0;
  uint64_t client_errors_answered = 0;  // bad client lines answered by us
  uint64_t server_non_protocol_lines = 0;
  uint64_t forged_responses_dropped = 0;  // answers to requests the other side never received
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
  // the server's late response is then dropped. A call held that long for
  // a tools/list answer that has not come is answered with -32001 too,
  // recorded as denied (rule catalog-timeout) and never forwarded; what the
  // client sent after it moves on. The runner calls it periodically; a
  // no-op without a timeout or governance.
  void expire_overdue_calls();
  bool done() const { return unavailable_initialize_answered_; }

  // Sends mcp-warden's own request to the client (e.g. elicitation/create).
  // `on_answer` runs once with the client's response (its body built), or
  // with nullptr if the client can no longer answer (the session ends). The
  // answer is consumed, never forwarded to the server.
  // Returns the request's id.
  using ClientAnswer = std::function<void(const rpc::Message* response)>;
  std::string request_client(std::string_view method, nlohmann::json params, ClientAnswer on_answer);
  // Takes back a request of ours the client has not answered: the client is
  // sent notifications/cancelled, `on_answer` never runs, a late answer is dropped.
  void cancel_client_request(const std::string& id, const std::string& reason);
  // The pipeline's judging steps, in order (for tests and diagnostics).
  const RequestPipeline* pipeline() const { return pipeline_.get(); }

  const Handshake& handshake() const { return handshake_; }
  const SessionOptions& options() const { return options_; }
  const SessionCounters& counters() const { return counters_; }
  const PendingRequests& client_pending() const { return client_pending_; }
  const PendingRequests& server_pending() const { return server_pending_; }
  const ToolCatalog& catalog() const { return catalog_; }
  // True while client→server messages wait for a decision or the catalog;
  // the child's stdin must stay open until they are written.
  bool holding_messages() const {
    return outbox_.waiting() > 0 || !awaiting_catalog_.empty() || (pipeline_ && pipeline_->parked() > 0);
  }
  // Bytes of client lines held back from the server: calls held for the
  // catalog and the lines queued behind undecided requests. The runner
  // stops reading the client while they and its writer hold too much.
  std::size_t bytes_held_for_server() const { return outbox_.waiting_bytes() + held_call_bytes_; }
  // Bytes of server answers held for a person (a response rule that asks).
  // The runner stops reading the server while they and the queue toward
  // the client hold too much — never the client, whose answer releases them.
  std::size_t bytes_held_for_client() const { return held_result_bytes_; }

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
  void split_server_batch(rpc::Message& m);
  void note_cancellation(const rpc::Message& m, PendingRequests& table);
  void note_initialize_request(const rpc::Message& m);
  void note_initialize_result(const rpc::Message& m, const PendingRequest& request);
  void answer_garbled_response(std::string_view head, std::string_view tail);
  void answer_unavailable(const rpc::Message& m);
  void reply_to_client(const nlohmann::json& id, int code, std::string_view message);
  std::string oversize_text(std::size_t size) const;

  // Governed requests (session_governance.cc).
  bool governed() const { return governance_.policy != nullptr; }
  const MethodSpec* governed_spec(const rpc::Message& m, Direction direction) const;
  void start_governed(const MethodSpec& spec, rpc::Message& m);
  std::unique_ptr<GovernedRequest> make_governed(const MethodSpec& spec, rpc::Message& m);
  void link_retry(GovernedRequest& request);
  void start_server_request(const MethodSpec& spec, rpc::Message& m);
  void finish_governed(GovernedRequest& request);
  void finish_client_request(GovernedRequest& request);
  void finish_server_request(GovernedRequest& request);
  void deny_client_request(const GovernedRequest& request);
  void refuse_governed_batch(const rpc::Message& m);
  void refuse_reused_id(const MethodSpec* spec, const rpc::Message& m);
  void note_settled_own_id(const std::string& id);
  void note_stray_answer(const rpc::Message& m);
  bool solicited_now() const;
  void build_pipeline();
  AskChannel ask_channel();
  // Outcomes of governed requests (session_outcomes.cc).
  bool handle_governed_response(PendingRequest& request, rpc::Message& m);
  bool handle_tool_result(PendingRequest& request, rpc::Message& m);
  void note_task_created(const PendingRequest& request, const rpc::Message& m);
  bool handle_task_result(PendingRequest& request, rpc::Message& m);
  bool filter_task_list(rpc::Message& m);
  void note_task_status(const nlohmann::json& task);
  void record_refusal(const MethodSpec& spec, rpc::Message& m, std::string rule, std::string reason);
  void note_input_required(const PendingRequest& request, const rpc::Message& m);
  void record_outcome(const PendingRequest& request, Outcome outcome, const rpc::Message* response,
                      bool deferred = true);
  // Content inspection of answers (session_content.cc).
  bool inspect_result(PendingRequest& request, rpc::Message& m);
  void withhold_result(const PendingRequest& request, rpc::Message& m, const ResultCheck& check);
  void send_withheld(const PendingRequest& request, const rpc::Message& m, const std::string& text, nlohmann::json details);
  void hold_result(PendingRequest& request, rpc::Message& m, ResultCheck check);
  void settle_held_result(HeldResult& held, const ResultSettlement& settlement);
  void deliver_held_result(HeldResult& held, const ResultSettlement& settlement);
  bool deliver_governed_response(PendingRequest& request, rpc::Message& m);
  void report_content_trust(const std::string& tool, const inspect::Report& report);
  bool inspect_tool_list(nlohmann::json& result);
  void note_catalog_findings(nlohmann::json& payload);
  void report_outcome_trust(const PendingRequest& request, Outcome outcome);
  void fail_unreadable_result(const PendingRequest& request);
  void on_client_answer(rpc::Message& m);
  void note_roots(rpc::Message& m);
  void drop_forged_response(const rpc::Message& m, std::string_view why);
  void note_progress(const rpc::Message& m);
  void expire_call(const PendingRequest& request);
  void expire_held_calls(int64_t deadline);
  void expire_held_call(GovernedRequest& request);
  void record_denial(const MethodSpec& spec, const rpc::Message& m, const policy::Decision& decision);
  void report_trust(trust::EventKind kind, const std::string& tool, const std::string& reason);
  // The tool catalog and mcp-warden's own requests to the server (session_catalog.cc).
  std::string next_internal_id(std::string_view what);
  void fetch_catalog(const nlohmann::json& cursor);
  void on_internal_response(const rpc::Message& m);
  void release_held_calls();
  void note_tools_list_request(const rpc::Message& m);
  void on_tools_list_result(rpc::Message& m);
  bool hide_denied_tools(rpc::Message& m);
  void record_catalog();
  void on_catalog_complete(const nlohmann::json& last_page_tools);
  bool catalog_usable() const { return catalog_.ready() && catalog_checks_ == 0; }
  void check_listing(const nlohmann::json& page_tools, bool last);
  void note_stateless_meta(const rpc::Message& m);

  SessionOptions options_;
  SessionOutput& output_;
  const Clock& clock_;
  Governance governance_;
  ServerOutbox outbox_;
  ToolCatalog catalog_;
  Recorder recorder_;
  // Where the server may resolve a relative path: its command line's
  // directories, then the client's roots as they are listed.
  policy::PathBases path_bases_;
  std::unique_ptr<RequestPipeline> pipeline_;  // null: a plain relay
  AskStep* ask_step_ = nullptr;                // owned by pipeline_
  std::unique_ptr<ResultFooter> footer_;
  std::unique_ptr<ContentInspection> content_;  // null: a plain relay
  nlohmann::json result_content_;   // what the answer being handled carried (content_record), or null
  nlohmann::json catalog_findings_;  // hidden instructions in the listing being gathered, or null
  std::deque<std::unique_ptr<GovernedRequest>> awaiting_catalog_;  // calls held for the catalog
  std::size_t held_call_bytes_ = 0;  // their raw lines' sizes
  std::size_t held_result_bytes_ = 0;  // answers held for a person (session_content.cc)
  std::string internal_nonce_;  // random per session: see kInternalIdPrefix
  uint64_t internal_ids_ = 0;
  std::unordered_set<std::string> internal_server_ids_;  // our requests the server has yet to answer
  std::unordered_map<std::string, ClientAnswer> own_client_requests_;  // ours the client has yet to answer
  // Ours the client answered or we withdrew (a later answer is a stray). Bounded.
  static constexpr std::size_t kMaxSettledOwnIds = 4096;
  std::unordered_set<std::string> settled_own_ids_;
  // Tasks created through this proxy (task id → the creating call), and the
  // first round of input-required requests (hash of requestState → seq);
  // both bounded, oldest forgotten first.
  TaskRegistry tasks_;
  std::unordered_map<std::string, int64_t> input_rounds_;
  std::deque<std::string> input_round_order_;
  nlohmann::json stateless_meta_;  // 2026-07-28: the protocol keys of the client's _meta
  std::string last_catalog_digest_;
  int catalog_checks_ = 0;  // comparisons of listed tools the trust keeper has yet to finish
  int catalog_pages_ = 0;   // pages of mcp-warden's own listing so far
  bool server_noise_burst_ = false;  // stdout noise already reported since the last good line
  PendingRequests client_pending_;  // client → server requests awaiting the server
  PendingRequests server_pending_;  // server → client requests awaiting the client
  // Requests settled without the server's answer (timed out, cancelled):
  // their late answers are dropped quietly. Bounded.
  std::unordered_set<std::string> expired_ids_;
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
