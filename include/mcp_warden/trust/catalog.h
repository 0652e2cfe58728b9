// Catalog fingerprints: what identifies a tool's definition, so a server
// that quietly rewrites a tool after it was accepted (a "rug pull") is seen.
//
// A tool's fingerprint (version 2) is SHA-256 over a length-prefixed
// encoding of every field a client shows the model or validates against:
// title, description, inputSchema, outputSchema and annotations, the JSON
// ones as canonical JSON (docs/trust.md, "Catalog changes"). Canonical JSON
// is compact with object keys sorted; an absent or null schema is `null`,
// absent or null annotations are `{}` (the MCP defaults either way). The
// name is the key, not part of the fingerprint: a tool that reappears under
// another name with an identical definition is found by its fingerprint and
// counted as a change (TrustStore::observe_catalog). `_meta` and `icons` are
// not covered (clients do not show them to the model).
//
// Version 1 (description, inputSchema, annotations only) is still computed
// so that a database written before version 2 is compared without seeing
// every tool as changed (definition_hash_v1()).
//
// Thread safety: plain values and pure functions. Nothing here touches disk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"
#include "mcp_warden/trust/trust_event.h"

namespace mcp_warden::trust {

struct ToolDefinition {
  std::string name;
  std::string title;                 // empty when absent
  std::string description;           // empty when absent
  nlohmann::json input_schema;       // null when absent
  nlohmann::json output_schema;      // null when absent
  nlohmann::json annotations;        // null when absent
};

// The stored, reviewable form of a definition: an object with the covered
// fields that are present ({"name","title","description","inputSchema",
// "outputSchema","annotations"}), pretty-printed with sorted keys, one value
// per line, so two versions diff line by line.
std::string definition_text(const ToolDefinition& tool);

// A simple check for text meant for the model but hidden from a person:
// invisible or bidirectional-control code points (zero-width spaces and
// joiners, U+2060..U+2064, U+FEFF, U+202A..U+202E, U+2066..U+2069, the tag
// block U+E0000..U+E007F) or an instruction-override phrase ("ignore
// previous instructions", "disregard all prior instructions", ...), in any
// string of the definition. The content-inspection module has the full
// detectors; this one decides whether an upgrade's review may give back the
// score the change took. Returns what was found, or nullopt.
std::optional<std::string> hidden_instructions(const ToolDefinition& tool);

// Parses a `tools` array, a tools/list result ({"tools": [...]}) or a
// JSON-RPC response ({"result": {"tools": [...]}}). kInvalidArgument when
// the shape is wrong, an element has no non-empty string `name`, a
// description is not a string, or two elements share a name (we refuse to
// guess which one the client will use).
Result<std::vector<ToolDefinition>> parse_tool_definitions(const nlohmann::json& list);

// The tool's fingerprint as 64 lower-case hex digits.
std::string definition_hash(const ToolDefinition& tool);
// The version-1 fingerprint (description, inputSchema, annotations), for
// comparing with databases written before version 2.
std::string definition_hash_v1(const ToolDefinition& tool);
inline constexpr int kFingerprintVersion = 2;

// What observe_catalog() saw, names sorted.
struct CatalogReport {
  std::vector<std::string> added;    // first seen: accepted as they are
  std::vector<std::string> changed;  // definition differs from the last seen, or a renamed tool
  std::vector<std::string> removed;  // seen before, absent now (not penalised)
  // Every listed tool whose current definition is not approved (the
  // changed ones and any earlier still-unapproved change).
  std::vector<std::string> unapproved;
  // One catalog_changed event per changed tool, in `changed` order (delta 0
  // for a change that belongs to an open upgrade review, docs/trust.md).
  std::vector<TrustEvent> events;
  // Every listed name, sorted (what the comparison saw).
  std::vector<std::string> listed;
  // The open upgrade review the changes were filed under, or 0.
  int64_t review_id = 0;
};

}  // namespace mcp_warden::trust
