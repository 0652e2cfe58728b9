// ToolInfo: what a server's tools/list says about one tool.
//
// The proxy parses each element of a tools/list `tools[]` array into a
// ToolInfo and hands it to the policy. Annotations are hints from an
// untrusted server; when absent they take the MCP defaults (readOnly=false,
// destructive=true, idempotent=false, openWorld=true), which are the
// cautious reading. The policy never trusts a hint to loosen a secrets rule.
//
// Thread safety: plain values; safe to copy and move between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"

namespace mcp_warden::policy {

// The four MCP tool annotations as the server sent them (nullopt = absent).
struct ToolAnnotations {
  std::optional<bool> read_only_hint;
  std::optional<bool> destructive_hint;
  std::optional<bool> idempotent_hint;
  std::optional<bool> open_world_hint;

  // Effective values: the hint if present, else the MCP default.
  bool read_only() const { return read_only_hint.value_or(false); }
  bool destructive() const { return destructive_hint.value_or(true); }
  bool idempotent() const { return idempotent_hint.value_or(false); }
  bool open_world() const { return open_world_hint.value_or(true); }
};

struct ToolInfo {
  std::string name;
  std::string description;
  nlohmann::json input_schema;  // null when the server sent none
  ToolAnnotations annotations;
};

// Parses one element of a tools/list result's `tools` array. Errors
// (kInvalidArgument): not an object, `name` missing or not a non-empty
// string, or an annotation hint present but not a boolean. Unknown fields
// are ignored (servers add them freely).
Result<ToolInfo> parse_tool_info(const nlohmann::json& tool);

// Parses a whole tool list. Accepts a `tools` array, a tools/list result
// ({"tools": [...]}) or a JSON-RPC response ({"result": {"tools": [...]}}).
// Fails on the first bad element, naming its index.
Result<std::vector<ToolInfo>> parse_tool_list(const nlohmann::json& list);

}  // namespace mcp_warden::policy
