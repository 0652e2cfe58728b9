// Catalog fingerprints: what identifies a tool's definition, so a server
// that quietly rewrites a tool after it was accepted (a "rug pull") is seen.
//
// A tool's fingerprint is SHA-256 over a length-prefixed encoding of its
// description, its inputSchema as canonical JSON and its annotations as
// canonical JSON (docs/trust.md, "Catalog changes"). Canonical JSON is
// compact with object keys sorted; an absent or null inputSchema is `null`,
// absent or null annotations are `{}` (the MCP defaults either way). The
// name is the key, not part of the fingerprint; title and outputSchema are
// not covered.
//
// Thread safety: plain values and pure functions. Nothing here touches disk.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"
#include "mcp_warden/trust/trust_event.h"

namespace mcp_warden::trust {

struct ToolDefinition {
  std::string name;
  std::string description;           // empty when absent
  nlohmann::json input_schema;       // null when absent
  nlohmann::json annotations;        // null when absent
};

// Parses a `tools` array, a tools/list result ({"tools": [...]}) or a
// JSON-RPC response ({"result": {"tools": [...]}}). kInvalidArgument when
// the shape is wrong, an element has no non-empty string `name`, a
// description is not a string, or two elements share a name (we refuse to
// guess which one the client will use).
Result<std::vector<ToolDefinition>> parse_tool_definitions(const nlohmann::json& list);

// The tool's fingerprint as 64 lower-case hex digits.
std::string definition_hash(const ToolDefinition& tool);

// What observe_catalog() saw, names sorted.
struct CatalogReport {
  std::vector<std::string> added;    // first seen: accepted as they are
  std::vector<std::string> changed;  // definition differs from the last seen
  std::vector<std::string> removed;  // seen before, absent now (not penalised)
  // Every listed tool whose current definition is not approved (the
  // changed ones and any earlier still-unapproved change).
  std::vector<std::string> unapproved;
  // One catalog_changed event per changed tool, in `changed` order.
  std::vector<TrustEvent> events;
};

}  // namespace mcp_warden::trust
