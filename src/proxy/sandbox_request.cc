#include "mcp_warden/proxy/sandbox_request.h"

#include <filesystem>

#include "mcp_warden/audit/checkpoint.h"
#include "mcp_warden/audit/home.h"

namespace mcp_warden::proxy {

sandbox::LaunchRequest sandbox_request(const ProxyOptions& options, const policy::Policy* policy,
                                       const std::string& server_name) {
  sandbox::LaunchRequest request;
  request.command = options.command;
  request.mode = options.layers == Layers::kFull ? options.sandbox : policy::SandboxMode::kOff;
  request.policy = policy;
  request.server_name = server_name;
  std::filesystem::path db = options.db_path;
  if (auto fallback = audit::default_db_path(); db.empty() && fallback) db = *fallback;
  if (!db.empty()) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) request.warden_paths.emplace_back(db.string() + suffix);
    request.warden_paths.push_back(audit::checkpoint_file_path(db));
  }
  if (auto home = audit::warden_home()) request.warden_paths.push_back(*home);
  return request;
}

}  // namespace mcp_warden::proxy
