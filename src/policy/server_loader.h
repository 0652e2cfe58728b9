// Parses a policy file's `servers:` section into ServerEntry values and
// checks them against the parents' entries. Internal to mcp_warden_policy.
// Every failure is a Status whose message starts with "file:line:col:".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "mcp_warden/base/status.h"
#include "mcp_warden/policy/server_settings.h"

namespace mcp_warden::policy::internal {

// The entries of `node` (the value of `servers:`) in file order. Fails on a
// section that is not a mapping, a bad or duplicate glob, an entry after a
// "*" entry (unreachable), an unknown key, a level not in kTrustLevelNames,
// an accept_tool_changes item without a tool glob or with a sha256 that is
// not 64 hex digits, and an entry that sets nothing.
Result<std::vector<ServerEntry>> parse_servers(const std::string& origin, const YAML::Node& node);

// Fails when one of `own` (a child's entries) repeats the glob of one of
// `inherited` (its parents' entries) with a higher trust level: a child may
// lower a parent's level, never raise it. The error names the child's
// trust_level and the parent's.
Status check_no_raise(const std::vector<ServerEntry>& own, const std::vector<ServerEntry>& inherited);

// Why `glob` cannot be an fnmatch pattern (empty, an unclosed '[', a
// trailing lone backslash), or nullopt when it is a good one.
std::optional<std::string> glob_problem(std::string_view glob);

}  // namespace mcp_warden::policy::internal
