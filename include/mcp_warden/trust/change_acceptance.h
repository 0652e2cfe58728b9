// Change acceptance: approving changed tool definitions that configuration
// (the policy's `servers: … accept_tool_changes`) accepts in advance, so they
// are not blocked until a person runs `mcp-warden trust approve`.
//
// The trust module does not know the policy: the caller passes an acceptor
// that, given a tool name and its new fingerprint (definition_hash() hex),
// returns the reason to approve it with (naming the policy entry), or
// nullopt. Accepting only lifts the block: the catalog_changed penalty that
// observe_catalog() recorded stands, as it does for `trust approve`.
//
// Each approval is its own transaction (TrustStore::approve_definition) and
// approves exactly the fingerprint the acceptor judged; a definition that
// another process saw change again meanwhile stays blocked. Fails closed: a
// tool whose approval failed stays in `still_unapproved`.
//
// Thread safety: as the TrustStore passed in (one thread at a time).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/base/status.h"
#include "mcp_warden/trust/catalog.h"
#include "mcp_warden/trust/trust_event.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::trust {

// (tool name, new definition's fingerprint) → the approval's reason, or
// nullopt to leave the tool blocked.
using ToolChangeAcceptor =
    std::function<std::optional<std::string>(const std::string& tool, const std::string& definition_hash)>;

struct AcceptedChanges {
  // One tool_approved event per approved tool, in report.unapproved order;
  // the caller audits them (trust_event_entry) like any other event.
  std::vector<TrustEvent> events;
  // report.unapproved without the tools approved here (still blocked).
  std::vector<std::string> still_unapproved;
  // ok, or the first approval that failed (that tool stays blocked; the
  // others are still tried).
  Status status;
};

// For every tool of `report.unapproved` (from observe_catalog(server, tools)):
// asks `accept` with the tool's definition from `tools`, and approves the
// accepted ones with approve_definition(). A tool already approved
// meanwhile counts as approved (no event).
AcceptedChanges approve_accepted_changes(TrustStore& store, const std::string& server,
                                         const std::vector<ToolDefinition>& tools, const CatalogReport& report,
                                         const ToolChangeAcceptor& accept);

}  // namespace mcp_warden::trust
