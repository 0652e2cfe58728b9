#include "mcp_warden/audit/session_clients.h"

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/entry.h"

namespace mcp_warden::audit {
namespace {

bool names_client(const Entry& entry) {
  return entry.kind == entry_kind_name(EntryKind::kHandshake) || entry.kind == entry_kind_name(EntryKind::kSessionEnd);
}

}  // namespace

std::string client_name_in(const Entry& entry) {
  if (!names_client(entry)) return {};
  nlohmann::json payload = nlohmann::json::parse(entry.payload, nullptr, false);
  if (!payload.is_object()) return {};
  auto info = payload.find("client_info");
  if (info == payload.end() || !info->is_object()) return {};
  auto name = info->find("name");
  return name != info->end() && name->is_string() ? name->get<std::string>() : std::string();
}

namespace {

// Adds the names found in entries of `kind`; an existing name is kept.
Status collect(AuditStore& store, EntryKind kind, std::map<std::string, std::string>& names) {
  EntryFilter filter;
  filter.kind = std::string(entry_kind_name(kind));
  return store.query(filter, [&](const Entry& e) {
    std::string name = client_name_in(e);
    if (!name.empty()) names.emplace(e.session_id, std::move(name));
    return true;
  });
}

}  // namespace

Result<std::map<std::string, std::string>> session_client_names(AuditStore& store) {
  std::map<std::string, std::string> names;
  Status done = collect(store, EntryKind::kHandshake, names);
  if (done.is_ok()) done = collect(store, EntryKind::kSessionEnd, names);
  if (!done.is_ok()) return done;
  return names;
}

}  // namespace mcp_warden::audit
