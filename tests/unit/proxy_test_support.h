// Test doubles shared by the proxy unit tests.
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "mcp_warden/proxy/session.h"

namespace mcp_warden::proxy::testing {

// A tools/list response (id 1) of a read-only read_text_file and a write_file.
inline constexpr const char* kReadWriteToolsList =
    R"({"jsonrpc":"2.0","id":1,"result":{"tools":[)"
    R"({"name":"read_text_file","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}},)"
    R"({"name":"write_file","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":false}}]}})";

// The options of a governed test Session: server `server`, session
// "test-session", the footer as asked.
inline SessionOptions governed_options(std::string server = "filesystem", bool footer = true) {
  SessionOptions o;
  o.server_name = std::move(server);
  o.session_id = "test-session";
  o.footer = footer;
  return o;
}

// Records every line the Session writes, per direction.
struct CapturingOutput : SessionOutput {
  std::vector<std::string> to_client;
  std::vector<std::string> to_server;
  void send_to_client(std::string line) override { to_client.push_back(std::move(line)); }
  void send_to_server(std::string line) override { to_server.push_back(std::move(line)); }
};

// Holds every record until the test commits (or fails) it; keeps what it committed.
struct ManualAuditor : CallAuditor {
  std::deque<std::pair<audit::NewEntry, Done>> queued;
  std::vector<audit::NewEntry> committed;
  int64_t next_seq = 1;
  void record(audit::NewEntry entry, Done done) override { queued.emplace_back(std::move(entry), std::move(done)); }
  void commit_all() {
    while (!queued.empty()) {
      auto [entry, done] = std::move(queued.front());
      queued.pop_front();
      committed.push_back(entry);
      done(next_seq++);
    }
  }
  void fail_all(const std::string& why) {
    while (!queued.empty()) {
      auto done = std::move(queued.front().second);
      queued.pop_front();
      done(Status::io_error(why));
    }
  }
  // The last committed entry of `kind`, or nullptr.
  const audit::NewEntry* last_of(audit::EntryKind kind) const {
    for (auto it = committed.rbegin(); it != committed.rend(); ++it) {
      if (it->kind == kind) return &*it;
    }
    return nullptr;
  }
};

}  // namespace mcp_warden::proxy::testing
