// The governed methods: every MCP request that can carry an action or data,
// in either direction, and what mcp-warden needs to know to govern it.
//
// One table (governed_methods()) names, for each method, the direction it
// travels, its subject (what a policy's `tool:` matches and the audit
// entry's `tool` column holds), the catalog that describes it, and the
// audit kinds it records. A governed request is judged by the policy,
// tightened by trust and recorded before it takes effect; its response
// passes the pipeline's response steps. Adding a governed method is one
// entry here plus, where its subject is new, one case in subject_of().
//
// Thread safety: an immutable table and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/entry.h"

namespace mcp_warden::proxy {

enum class GovernedMethod : uint8_t {
  kToolsCall,
  kResourcesRead,
  kResourcesSubscribe,
  kPromptsGet,
  kCompletionComplete,
  kTasksGet,
  kTasksResult,
  kTasksList,
  kTasksCancel,
  kSamplingCreateMessage,
  kElicitationCreate,
  kRootsList,
};

enum class Direction : uint8_t { kClientToServer, kServerToClient };

// What a request is about.
enum class SubjectKind : uint8_t {
  kToolName,       // params.name of tools/call
  kResourceUri,    // params.uri
  kPromptName,     // params.name of prompts/get
  kCompletionRef,  // params.ref.name (prompt) or params.ref.uri (resource template)
  kTaskId,         // params.taskId ("" for tasks/list)
  kMethod,         // server requests: the method itself
};

// The listing that describes a method's subjects.
enum class CatalogKind : uint8_t { kNone, kTools, kResources, kPrompts };

struct MethodSpec {
  GovernedMethod id;
  std::string_view name;  // the JSON-RPC method
  Direction direction;
  SubjectKind subject;
  CatalogKind catalog;
  audit::EntryKind request_kind;  // the decision's entry
  audit::EntryKind outcome_kind;  // the response's entry
};

// Every governed method, in GovernedMethod order.
std::span<const MethodSpec> governed_methods();
// The entry for `method` travelling in `direction`, or nullptr (not governed).
const MethodSpec* find_governed_method(std::string_view method, Direction direction);
const MethodSpec& spec_of(GovernedMethod method);

// "client_to_server" / "server_to_client".
std::string_view direction_name(Direction direction);

// The subject of a request with `params` (an object or anything else, which
// gives ""). Strings are taken as decoded; nothing is normalised here.
std::string subject_of(const MethodSpec& spec, const nlohmann::json& params);

}  // namespace mcp_warden::proxy
