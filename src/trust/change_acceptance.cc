#include "mcp_warden/trust/change_acceptance.h"

#include <algorithm>

namespace mcp_warden::trust {
namespace {

const ToolDefinition* find_tool(const std::vector<ToolDefinition>& tools, const std::string& name) {
  auto it = std::find_if(tools.begin(), tools.end(), [&](const ToolDefinition& t) { return t.name == name; });
  return it == tools.end() ? nullptr : &*it;
}

// Approves `tool` if the acceptor accepts its definition; true when it is
// approved now (by this call or already). Failures go into out.status.
bool try_accept(TrustStore& store, const std::string& server, const ToolDefinition& tool,
                const ToolChangeAcceptor& accept, AcceptedChanges& out) {
  const std::string hash = definition_hash(tool);
  std::optional<std::string> reason = accept(tool.name, hash);
  if (!reason) return false;
  Result<std::optional<TrustEvent>> event = store.approve_definition(server, tool.name, hash, *reason);
  if (!event) {
    if (out.status.is_ok()) out.status = event.status();
    return false;
  }
  if (*event) out.events.push_back(std::move(**event));
  return true;
}

}  // namespace

AcceptedChanges approve_accepted_changes(TrustStore& store, const std::string& server,
                                         const std::vector<ToolDefinition>& tools, const CatalogReport& report,
                                         const ToolChangeAcceptor& accept) {
  AcceptedChanges out;
  for (const std::string& name : report.unapproved) {
    const ToolDefinition* tool = find_tool(tools, name);
    if (tool == nullptr || !try_accept(store, server, *tool, accept, out)) out.still_unapproved.push_back(name);
  }
  return out;
}

}  // namespace mcp_warden::trust
