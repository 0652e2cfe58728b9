#include "mcp_warden/proxy/server_name.h"

#include <filesystem>
#include <set>

namespace mcp_warden::proxy {
namespace {

const std::set<std::string>& launchers() {
  static const std::set<std::string> names = {
      "npx", "node", "nodejs", "bun", "bunx", "deno", "uvx", "uv", "python", "python3", "pipx",
      "docker", "podman", "run", "exec", "tsx", "ts-node", "sh", "bash", "env", "cmd", "npx.cmd"};
  return names;
}

// Names that say nothing about the server, so the directory above is used.
const std::set<std::string>& generic_names() {
  static const std::set<std::string> names = {"index", "main", "server", "dist", "build", "lib", "src", "bin", "cli"};
  return names;
}

std::string name_from_path(const std::string& arg) {
  std::filesystem::path path(arg);
  std::string name = path.stem().string();
  while (generic_names().count(name) && path.has_parent_path() && path.parent_path() != path) {
    path = path.parent_path();
    name = path.filename().string();
  }
  return name;
}

// "pkg@1.2.3" → "pkg"; "@scope/pkg@latest" → "@scope/pkg"; a path keeps its '@'s.
std::string strip_version(std::string name) {
  auto at = name.rfind('@');
  auto slash = name.rfind('/');
  bool after_last_slash = slash == std::string::npos || at > slash;
  if (at != std::string::npos && at > 0 && after_last_slash) name.erase(at);
  return name;
}

}  // namespace

std::string derive_server_name(const std::vector<std::string>& command) {
  for (const std::string& arg : command) {
    if (arg.empty() || arg[0] == '-') continue;
    std::string base = std::filesystem::path(arg).filename().string();
    if (launchers().count(base)) continue;
    std::string name = name_from_path(strip_version(arg));
    if (!name.empty()) return name;
  }
  return command.empty() ? "mcp-server" : std::filesystem::path(command[0]).filename().string();
}

}  // namespace mcp_warden::proxy
