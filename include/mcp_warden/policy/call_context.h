// CallContext: everything the policy may look at when judging one tools/call.
//
// Built by the proxy per call from the decoded, duplicate-free request (see
// rpc::parse_json_strict) and its tool catalog. The context borrows: the
// pointers must outlive the evaluate() call that reads them.
//
// Thread safety: a plain view; no synchronisation of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/finding.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "mcp_warden/policy/tool_info.h"

namespace mcp_warden::policy {

// The methods a rule without `method:` applies to.
inline constexpr std::string_view kToolsCallMethod = "tools/call";

struct CallContext {
  std::string server;  // the server's configured name (globbed by `server:`)
  // The subject, already JSON-decoded: the tool's name for tools/call; for
  // other methods what the request is about (a resource URI, a prompt's
  // name, a completion reference, a task id, the server request's method).
  std::string tool;
  // params.arguments; nullptr (absent) and a JSON null are treated alike.
  const nlohmann::json* arguments = nullptr;
  // The catalog entry for `tool`; nullptr for a tool the server never listed,
  // which is judged with default annotations (i.e. not read-only).
  const ToolInfo* tool_info = nullptr;
  // The server's trust score (0..1000) and tier (issue 5), when known. A
  // `trust:` or `tier:` match never holds while they are unknown.
  std::optional<int> trust_score;
  std::optional<std::string> trust_tier;
  // The governed method (must outlive evaluate()). For methods other than
  // tools/call, `arguments` points at the request's params.
  std::string_view method = kToolsCallMethod;
  // Server→client requests: whether a forwarded client request was in
  // flight at the server when it asked (`solicited:` matches).
  std::optional<bool> solicited = std::nullopt;
  // A URL-mode elicitation's host, lower-case ("" otherwise).
  std::string url_host = {};
  // The directories, besides the working directory, against which the
  // server may resolve a relative path argument (its command line's
  // directories, the client's roots): path rules judge a relative path
  // against each (PathNormalizer). nullptr: the working directory alone.
  const PathBases* path_bases = nullptr;
  // The kinds of content the inspection found in the request's arguments
  // (`content:` matches, retention_rules); empty when nothing was found or
  // nothing was inspected.
  inspect::KindSet content_found = {};
};

}  // namespace mcp_warden::policy
