// The person's side of approvals, from the command line:
//   mcp-warden grant CODE                 confirm a one-time grant code a
//                                         denied call named; the identical
//                                         call then passes once
//   mcp-warden approvals list [--all]     grants in force (or every grant)
//   mcp-warden approvals revoke ID        end a grant in force
//   mcp-warden approvals add --server S --tool T --expires 24h
//                                         an always grant until it expires
// Each change is recorded in the audit chain of the same database (an
// `approval` entry, how "cli", session "cli:approvals"), so `audit verify`
// covers the person's decisions made here as well.
//
// Exit status: 0 done; 1 no such code or grant; 2 usage or I/O error.
// Thread safety: each call opens its own connections.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "mcp_warden/base/clock.h"

namespace mcp_warden::approval {

struct CommandContext {
  std::filesystem::path db_path;  // empty: audit::default_db_path()
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  const Clock* clock = nullptr;   // null: the system clock
};

int run_grant(const CommandContext& ctx, const std::string& code);
// A table (id, scope, state, server, tool, rule, expires), or with `json`
// an array of objects with the same fields.
int run_list(const CommandContext& ctx, bool everything, bool json);
int run_revoke(const CommandContext& ctx, const std::string& id);
// `expires`: a duration such as 30m, 24h, 7d (at most 365 days).
int run_add(const CommandContext& ctx, const std::string& server, const std::string& tool, const std::string& expires,
            const std::string& note);

// Microseconds of "30s", "30m", "24h", "7d"; nullopt for anything else.
std::optional<int64_t> parse_duration_us(const std::string& text);

}  // namespace mcp_warden::approval
