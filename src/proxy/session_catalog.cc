// The tool catalog the Session keeps for judging tools/call, and the
// requests mcp-warden sends the server on its own. See session.h.
#include <spdlog/spdlog.h>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"
#include "mcp_warden/rpc/result_layout.h"

#include <algorithm>

namespace mcp_warden::proxy {

using nlohmann::json;
using rpc::Message;

namespace {

// How many pages mcp-warden's own tools/list follows.
constexpr int kMaxListingPages = 100;

// A tools/list result's `tools` array as listed, or an empty array.
json tools_of(const json& result) {
  if (!result.is_object()) return json::array();
  auto tools = result.find("tools");
  return tools != result.end() && tools->is_array() ? *tools : json::array();
}

}  // namespace

// "mcp-warden:<nonce>:<what>:<n>": unpredictable, so no peer can answer or
// send one on purpose (kInternalIdPrefix).
std::string Session::next_internal_id(std::string_view what) {
  std::string id(kInternalIdPrefix);
  id.append(internal_nonce_).append(":").append(what).append(":").append(std::to_string(++internal_ids_));
  return id;
}

void Session::fetch_catalog(const json& cursor) {
  if (cursor.is_null()) {
    catalog_.begin_listing();
    catalog_pages_ = 0;
  }
  catalog_.set_fetch_in_flight(true);
  std::string id = next_internal_id("tools/list");
  internal_server_ids_.insert(id);
  json params = json::object();
  if (!cursor.is_null()) params["cursor"] = cursor;
  if (!stateless_meta_.is_null()) params["_meta"] = stateless_meta_;
  output_.send_to_server(rpc::make_request(id, "tools/list", params));
}

// MCP 2026-07-28 has no initialize: every request carries the protocol
// version and the client's capabilities in params._meta. mcp-warden's own
// requests to the server carry the same keys the client last sent (all of
// _meta but progressToken), so a stateless server can answer them.
void Session::note_stateless_meta(const Message& m) {
  if (handshake_.initialized) return;
  auto params = m.body.find("params");
  if (params == m.body.end() || !params->is_object()) return;
  auto meta = params->find("_meta");
  if (meta == params->end() || !meta->is_object() || meta->empty()) return;
  json kept = *meta;
  kept.erase("progressToken");
  if (!kept.empty()) stateless_meta_ = std::move(kept);
}

// mcp-warden's own listing. A server that pages on and on is cut off after
// kMaxListingPages (memory stays bounded); what it listed so far counts.
void Session::on_internal_response(const Message& m) {
  json result = m.body.contains("result") ? m.body["result"] : json();
  inspect_tool_list(result);  // the catalog holds what the client would be shown
  json page = tools_of(result);
  if (!result.is_object()) {
    spdlog::warn("the server did not list its tools for mcp-warden; unknown tools are judged as not read-only");
    catalog_.add_page(json::object());
  } else if (!catalog_.add_page(result)) {
    if (++catalog_pages_ < kMaxListingPages) {
      check_listing(page, false);
      return fetch_catalog(result["nextCursor"]);
    }
    spdlog::warn("the server listed more than {} pages of tools; mcp-warden stopped listing there", kMaxListingPages);
    catalog_.add_page(json::object());
  }
  catalog_.set_fetch_in_flight(false);
  on_catalog_complete(page);
}

// A listing is complete: record it, and judge the calls that waited for it
// once the trust keeper has compared it with the last one.
void Session::on_catalog_complete(const json& last_page_tools) {
  record_catalog();
  check_listing(last_page_tools, true);
}

// Every page the client (or mcp-warden) receives is compared with the
// pinned definitions at once, whatever its nextCursor says — a client that
// stops paging has still been shown only compared tools. What is compared:
// the listing so far and the page as listed (duplicates included, so a name
// listed twice differently is seen). Calls wait while a comparison runs.
void Session::check_listing(const json& page_tools, bool last) {
  if (governance_.trust == nullptr) {
    if (last) release_held_calls();
    return;
  }
  json tools = json::array();
  for (const auto& [name, tool] : last ? catalog_.raw_tools() : catalog_.listing_in_progress()) tools.push_back(tool);
  for (const json& tool : page_tools) tools.push_back(tool);
  ++catalog_checks_;
  governance_.trust->observe_catalog(std::move(tools), [this] {
    if (--catalog_checks_ == 0 && catalog_.ready()) release_held_calls();
  });
}

void Session::release_held_calls() {
  auto held = std::move(awaiting_catalog_);
  awaiting_catalog_.clear();
  held_call_bytes_ = 0;
  for (auto& request : held) {
    request->tool_info = catalog_.find(request->subject);
    pipeline_->run(std::move(request));
  }
}

void Session::note_tools_list_request(const Message& m) {
  if (!governed()) return;
  auto params = m.body.find("params");
  bool first_page = params == m.body.end() || !params->is_object() || !params->contains("cursor");
  if (first_page) catalog_.begin_listing();
}

void Session::on_tools_list_result(Message& m) {
  if (!governed() || !m.body.contains("result")) return;
  // Stripped before the catalog sees it: its fingerprints are of what the client receives.
  if (inspect_tool_list(m.body["result"])) m.raw = rpc::dump_wire(m.body);
  json page = tools_of(m.body["result"]);
  bool complete = catalog_.add_page(m.body["result"]);
  if (!options_.show_denied_tools) hide_denied_tools(m);
  if (complete && !catalog_.fetch_in_flight()) return on_catalog_complete(page);
  check_listing(page, false);
}

// Removes the tools the policy denies whatever the call; true if any was
// removed. The kept tools keep their bytes and key order: the raw text is
// cut where the scanner can read it, re-serialized only where it cannot
// (a key spelled with escapes).
bool Session::hide_denied_tools(Message& m) {
  auto result = m.body.find("result");
  if (result == m.body.end() || !result->is_object()) return false;
  auto found = result->find("tools");
  if (found == result->end() || !found->is_array()) return false;
  json& tools = *found;
  std::vector<bool> keep;
  keep.reserve(tools.size());
  for (const json& tool : tools) {
    auto info = policy::parse_tool_info(tool);
    keep.push_back(!(info && governance_.policy->always_denies(options_.server_name, *info)));
  }
  if (std::find(keep.begin(), keep.end(), false) == keep.end()) return false;
  std::optional<rpc::ResultLayout> layout = rpc::locate_result(m.raw);
  if (layout && layout->tools_array && layout->tool_items.size() == keep.size()) {
    m.raw = rpc::keep_tool_items(m.raw, *layout, keep);
  } else {
    json kept = json::array();
    for (std::size_t i = 0; i < tools.size(); ++i) {
      if (keep[i]) kept.push_back(std::move(tools[i]));
    }
    tools = std::move(kept);
    m.raw = rpc::dump_wire(m.body);
  }
  return true;
}

void Session::record_catalog() {
  json names = json::array();
  json raw = json::object();
  for (const auto& [name, tool] : catalog_.raw_tools()) {
    names.push_back(name);
    raw[name] = tool;
  }
  std::string digest = audit::to_hex(audit::sha256(rpc::dump_wire(raw)));
  if (digest == last_catalog_digest_) {  // unchanged since last recorded
    catalog_findings_ = nullptr;
    return;
  }
  last_catalog_digest_ = digest;
  json payload = {{"tools", names}, {"catalog_sha256", digest}};
  note_catalog_findings(payload);
  audit::NewEntry entry{audit::EntryKind::kCatalog, 0, {}, {}, {}, {}, {}, rpc::dump_wire(payload)};
  recorder_.record(std::move(entry), [](Result<int64_t>) {});
}

}  // namespace mcp_warden::proxy
