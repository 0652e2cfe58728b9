// The `mcp-warden audit …` sub-commands as plain functions, so they can be
// tested without the CLI. src/cli/audit_commands.cc only parses arguments
// (CLI11) and calls these.
//
// Every function writes its result to `out` and diagnostics to `err` and
// returns the process exit status: 0 success; 1 the answer is "no" (verify
// found a problem, show/proof: no such entry); 2 usage or I/O error (bad
// arguments, database missing or unreadable). These are CLI commands: they
// may print to stdout; they never run in proxy mode.
//
// Thread safety: each call opens its own connections.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "mcp_warden/base/clock.h"

namespace mcp_warden::audit {

struct CommandContext {
  std::filesystem::path db_path;  // empty: default_db_path()
  std::filesystem::path key_dir;  // empty: warden_home()
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  const Clock* clock = nullptr;  // null: the system clock
};

struct QueryArgs {
  std::optional<std::string> tool;
  std::optional<std::string> decision;
  std::optional<std::string> session_id;
  std::optional<std::string> kind;
  std::optional<std::string> server;
  // The client's name as it introduced itself (clientInfo.name, recorded in
  // its session's session_end entry), compared without regard to case.
  std::optional<std::string> client;
  std::optional<std::string> since;  // parse_time() syntax
  std::optional<int64_t> limit;
  // One JSON object per line instead of the text summary.
  bool json = false;
};

// Prints "ok: N entries, root R, ..." or "FAILED at seq S: what"; with
// `proof_file`, checks that inclusion proof instead.
int run_verify(const CommandContext& ctx, const std::optional<std::filesystem::path>& proof_file);
// The entry as pretty JSON, payload text exactly as stored under "payload_text".
int run_show(const CommandContext& ctx, int64_t seq);
// Entry listings (tail, query) print one line per entry: seq, time, kind,
// server, tool, decision, id, session, then the session's client when known
// and, for a decision, its rule and reason:
//   12 2025-01-01T00:00:00.000000Z tool_call fs write_file deny id=3 session=ab12 client=claude-ai
//   rule=deny-writes reason="writes are not allowed"
// (one line). With QueryArgs::json, one JSON object per line with the same
// fields ("seq","time","kind","server","tool","decision","request_id",
// "session","client","rule","reason"; absent ones are null).
//
// The last `count` entries matching `filters` (its server, client, tool,
// decision, kind and json fields; limit and since are ignored); with
// `follow`, keeps printing new ones every poll until keep_following()
// returns false.
int run_tail(const CommandContext& ctx, int64_t count, bool follow,
             const std::function<bool()>& keep_following, const QueryArgs& filters = {});
int run_query(const CommandContext& ctx, const QueryArgs& args);
// format "jsonl" or "cloudevents"; one object per line.
int run_export(const CommandContext& ctx, const std::string& format,
               const std::optional<std::string>& since);
// Prints the inclusion proof of `seq` against the newest checkpoint,
// writing a new checkpoint first if none covers `seq`.
int run_proof(const CommandContext& ctx, int64_t seq);
// Writes a signed checkpoint of the whole log and prints it.
int run_checkpoint(const CommandContext& ctx);
int run_stats(const CommandContext& ctx);

}  // namespace mcp_warden::audit
