#include "mcp_warden/policy/presets.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "loader.h"
#include "yaml_util.h"

namespace mcp_warden::policy {
namespace {

namespace fs = std::filesystem;

bool is_dir(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::is_directory(path, ec);
}

// <dir of /proc/self/exe>/../share/mcp-warden/policies, or "" off Linux.
std::string installed_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (exe.parent_path() / ".." / "share" / "mcp-warden" / "policies").lexically_normal().string();
}

std::string description_of(const std::string& path) {
  Result<std::string> text = internal::read_text_file(path);
  if (!text.is_ok()) return "";
  Result<YAML::Node> root = internal::load_yaml(*text, path);
  if (!root.is_ok() || !root->IsMap() || !(*root)["description"] || !(*root)["description"].IsScalar()) {
    return "";
  }
  return (*root)["description"].Scalar();
}

}  // namespace

Result<std::string> locate_presets_dir() {
  const char* env = std::getenv("MCP_WARDEN_POLICY_DIR");
  std::vector<std::string> tried = {env != nullptr ? env : "", installed_dir(),
                                    std::string(MCP_WARDEN_SOURCE_DIR) + "/policies"};
  for (const std::string& dir : tried) {
    if (is_dir(dir)) return dir;
  }
  std::string list;
  for (const std::string& dir : tried) list += (list.empty() ? "" : ", ") + (dir.empty() ? "$MCP_WARDEN_POLICY_DIR (unset)" : dir);
  return Status::not_found("no policy presets directory found (tried " + list + ")");
}

bool is_preset_name(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<std::vector<PresetInfo>> list_presets(const std::string& dir) {
  std::error_code ec;
  std::vector<PresetInfo> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    std::string path = entry.path().string();
    out.push_back({entry.path().stem().string(), path, description_of(path)});
  }
  if (ec) return Status::io_error(dir + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const PresetInfo& a, const PresetInfo& b) { return a.name < b.name; });
  return out;
}

}  // namespace mcp_warden::policy
