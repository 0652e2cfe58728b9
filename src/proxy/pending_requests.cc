#include "mcp_warden/proxy/pending_requests.h"

#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {

bool PendingRequests::insert(PendingRequest&& request) {
  std::string key = rpc::id_key(request.id);
  return entries_.emplace(std::move(key), std::move(request)).second;
}

PendingRequests::Taken PendingRequests::take(const nlohmann::json& id) {
  auto it = entries_.find(rpc::id_key(id));
  if (it == entries_.end()) return Taken();
  return Taken(entries_.extract(it));
}

bool PendingRequests::contains(const nlohmann::json& id) const {
  return entries_.count(rpc::id_key(id)) != 0;
}

PendingRequest* PendingRequests::find(const nlohmann::json& id) {
  auto it = entries_.find(rpc::id_key(id));
  return it == entries_.end() ? nullptr : &it->second;
}

const PendingRequest* PendingRequests::find(const nlohmann::json& id) const {
  auto it = entries_.find(rpc::id_key(id));
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace mcp_warden::proxy
