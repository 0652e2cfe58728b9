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
#include <vector>

#include "mcp_warden/base/clock.h"

namespace mcp_warden::trust {

struct CommandContext {
  std::filesystem::path db_path;  // empty: audit::default_db_path()
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  const Clock* clock = nullptr;   // null: the system clock
};

// All servers (or one) as a table, or with `json` as an array of
// {"server","score","tier","base","level","events","last_seen","identity",
// "held","review"} (last_seen RFC 3339 UTC; identity: the pinned
// attestation object or null; review: an open upgrade review's id or 0).
// The table prints each pinned identity on a line below its server. A
// missing database shows no servers; an unknown SERVER is 1.
int run_show(const CommandContext& ctx, const std::optional<std::string>& server, bool json);
// The server's events, newest first, at most `limit` when > 0.
int run_history(const CommandContext& ctx, const std::string& server, int64_t limit, bool json);
int run_reset(const CommandContext& ctx, const std::string& server);
// Approves one changed tool. Says whether calls to it now pass, or what
// (the tier, a held upgrade) still denies them.
int run_approve(const CommandContext& ctx, const std::string& server, const std::string& tool);
// `trust review SERVER [TOOL...] [--approve]`: shows the open upgrade (old →
// new identity) and every unapproved tool as a unified diff of its approved
// and current definitions; with `approve`, approves `tools` (none: all) in
// one transaction, closing the upgrade review when nothing is left, and
// prints the score and tier after it. Exit 1 for an unknown server or tool.
int run_review(const CommandContext& ctx, const std::string& server, const std::vector<std::string>& tools,
               bool approve);

}  // namespace mcp_warden::trust
