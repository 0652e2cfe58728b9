// ToolCatalog: the tools a server has listed, as the policy needs them.
//
// Filled from tools/list results — the client's own listings and the ones
// mcp-warden sends itself (ids "mcp-warden:tools/list:N") when a client calls
// a tool without listing first, or after notifications/tools/list_changed.
// A listing is paginated; begin_listing() starts a new one, add_page() adds
// each page, and the catalog is `ready` once the last page (no nextCursor)
// arrived. Tools the server never listed are looked up as nullptr and judged
// with the MCP default annotations (not read-only, destructive).
//
// Owned by the Session; used only on the relay thread. In memory only; the
// trust module persists what it needs to notice a changed tool.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/policy/tool_info.h"

namespace mcp_warden::proxy {

class ToolCatalog {
 public:
  // Starts a fresh listing: the tools gathered so far stay usable until the
  // listing completes, then are replaced.
  void begin_listing();
  // Adds one tools/list result page. Elements that do not parse are skipped
  // (the policy then treats that tool as unknown). Returns true when this was
  // the last page.
  bool add_page(const nlohmann::json& result);
  // Marks the catalog as needing a new listing (list_changed).
  void invalidate() { ready_ = false; }

  bool ready() const { return ready_; }
  bool fetch_in_flight() const { return fetch_in_flight_; }
  void set_fetch_in_flight(bool v) { fetch_in_flight_ = v; }

  // The tool's entry, or nullptr when the server has not listed it.
  const policy::ToolInfo* find(const std::string& name) const;
  // The raw tools/list element of each tool of the last complete listing,
  // and of the listing in progress so far — every element with a string
  // name, also one the policy cannot read (the trust keeper must see it).
  const std::map<std::string, nlohmann::json>& raw_tools() const { return raw_; }
  const std::map<std::string, nlohmann::json>& listing_in_progress() const { return next_raw_; }
  std::size_t size() const { return tools_.size(); }

 private:
  std::map<std::string, policy::ToolInfo> tools_;
  std::map<std::string, nlohmann::json> raw_;
  std::map<std::string, policy::ToolInfo> next_tools_;
  std::map<std::string, nlohmann::json> next_raw_;
  bool ready_ = false;
  bool fetch_in_flight_ = false;
};

}  // namespace mcp_warden::proxy
