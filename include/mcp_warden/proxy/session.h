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
// Used only on the relay thread; not thread-safe. Nothing here survives a
// crash: what must be durable goes to the audit log (issue 4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/io/frame_reader.h"
#include "mcp_warden/proxy/pending_requests.h"
#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {

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
  Session(SessionOptions options, SessionOutput& output, const Clock& clock);
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
  bool done() const { return unavailable_initialize_answered_; }

  const Handshake& handshake() const { return handshake_; }
  const SessionCounters& counters() const { return counters_; }
  const PendingRequests& client_pending() const { return client_pending_; }
  const PendingRequests& server_pending() const { return server_pending_; }

  // io::FrameSink for the client direction (lines read from our stdin).
  void on_frame(std::string line) override { on_client_line(std::move(line)); }
  void on_oversized(const io::OversizedFrame& frame) override { on_client_oversized(frame); }

 private:
  void handle_client_message(rpc::Message m);
  void handle_client_request(rpc::Message m);
  void handle_client_batch(rpc::Message m);
  void handle_server_message(rpc::Message m);
  void note_cancellation(const rpc::Message& m, PendingRequests& table);
  void note_initialize_request(const rpc::Message& m);
  void note_initialize_result(const rpc::Message& m, const PendingRequest& request);
  void answer_unavailable(const rpc::Message& m);
  void reply_to_client(const nlohmann::json& id, int code, std::string_view message);
  std::string oversize_text(std::size_t size) const;

  SessionOptions options_;
  SessionOutput& output_;
  const Clock& clock_;
  PendingRequests client_pending_;  // client → server requests awaiting the server
  PendingRequests server_pending_;  // server → client requests awaiting the client
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
