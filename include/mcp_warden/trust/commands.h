// The `mcp-warden trust …` sub-commands as plain functions, so unit tests
// reach them; src/cli/trust_commands.cc only parses arguments (CLI11).
//
// Each writes its result to `out`, diagnostics to `err`, and returns the
// exit status: 0 success; 1 no such server or tool; 2 usage or I/O error.
// These are CLI commands (never proxy mode): they may print to stdout.
// reset and approve also append a trust_event entry to the audit chain of
// the same database, so a person's intervention is audited like the rest.
//
// Thread safety: each call opens its own connections.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "mcp_warden/base/clock.h"

namespace mcp_warden::trust {

struct CommandContext {
  std::filesystem::path db_path;  // empty: audit::default_db_path()
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  const Clock* clock = nullptr;   // null: the system clock
};

// All servers (or one) as a table, or with `json` as an array of
// {"server","score","tier","base","level","events","last_seen"} (last_seen
// RFC 3339 UTC). A missing database shows no servers; an unknown SERVER is 1.
int run_show(const CommandContext& ctx, const std::optional<std::string>& server, bool json);
// The server's events, newest first, at most `limit` when > 0.
int run_history(const CommandContext& ctx, const std::string& server, int64_t limit, bool json);
int run_reset(const CommandContext& ctx, const std::string& server);
int run_approve(const CommandContext& ctx, const std::string& server, const std::string& tool);

}  // namespace mcp_warden::trust
