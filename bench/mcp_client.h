// McpClient: the load generator's side of one MCP session over stdio with a
// target command (the bench server directly, a relay, or mcp-warden).
//
// Owns the ChildProcess. Every response is verified before it counts: its id
// must be one we are waiting for and, for echo calls, result.content[0].text
// must equal the text we sent (which embeds the id), so a proxy that drops,
// reorders ids, corrupts or replays replies fails instead of looking fast.
// Server->client requests are answered with -32601 and notifications are
// skipped. Any failure is sticky: error() names the first one. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "child_process.h"
#include "line_reader.h"

namespace mcp_warden::bench {

struct ClientOptions {
  int timeout_ms = 10'000;   // per awaited response
  size_t payload_bytes = 0;  // padding appended to each echoed message
};

class McpClient {
 public:
  // Starts the target; started_ns() is taken just before the spawn.
  McpClient(const std::vector<std::string>& argv, const ClientOptions& options);

  // initialize -> response -> notifications/initialized -> tools/list, and
  // checks that an `echo` tool is offered. Returns false on any failure.
  bool handshake();
  // Nanoseconds from before the spawn to the initialize response's arrival.
  long long startup_ns() const { return startup_ns_; }

  // Sends a tools/call echo with a fresh id; the reply is awaited with
  // await_echo(). Returns false if the write fails.
  bool send_echo();
  // Waits for the reply to any outstanding echo call and verifies it.
  bool await_echo();
  size_t outstanding() const { return expected_.size(); }

  // VmHWM (peak resident set) of the target process in KiB; -1 if unknown.
  long peak_rss_kib() const;
  // Closes the target's stdin, drains its stdout and reaps it. Returns the
  // nanoseconds from closing stdin to the reap, or -1 on a timeout/failure.
  long long close_and_wait();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // The exit code of the reaped target (valid after close_and_wait()).
  int exit_code() const { return exit_code_; }

 private:
  bool send_line(const std::string& line);
  // Reads until a response (a message with an id and no method) arrives.
  bool next_response(nlohmann::json* response);
  bool answer_server_request(const nlohmann::json& request);
  bool verify_echo(const nlohmann::json& response);
  bool await_result(long long id, nlohmann::json* result);
  bool fail(const std::string& why);
  std::string echo_text(long long id) const;

  ClientOptions options_;
  long long spawned_at_ns_;
  std::unique_ptr<ChildProcess> child_;
  LineReader reader_;
  long long startup_ns_ = -1;
  long long next_id_ = 0;
  std::unordered_map<long long, std::string> expected_;  // id -> echoed text
  std::string padding_;
  std::string error_;
  int exit_code_ = -1;
};

}  // namespace mcp_warden::bench
