#include "mcp_warden/report/setup_checks.h"

#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "mcp_warden/integrations/init_integration.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/policy/presets.h"

namespace mcp_warden::report {
namespace {

namespace fs = std::filesystem;

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean strict? (presets: ...)" for a mistyped preset name.
std::string preset_hint(const std::string& given) {
  auto dir = policy::locate_presets_dir();
  if (!dir) return "";
  auto presets = policy::list_presets(*dir);
  if (!presets) return "";
  std::vector<std::string> names;
  std::string listed;
  for (const policy::PresetInfo& preset : *presets) {
    names.push_back(preset.name);
    listed += (listed.empty() ? "" : ", ") + preset.name;
  }
  auto near = nearest_name(given, names);
  return (near ? "; did you mean " + *near + "?" : "") + " (presets: " + listed + "; or a policy YAML file)";
}

}  // namespace

std::optional<std::string> nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    std::size_t d = edit_distance(word, candidate);
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (!best) return std::nullopt;
  bool prefix = word.size() >= 3 && best->rfind(word, 0) == 0;
  std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
  return best_distance <= allowed || prefix ? best : std::nullopt;
}

Result<std::string> check_policy_spec(const std::string& given, const fs::path& cwd) {
  std::string stored = integrations::policy_argument(given, cwd);
  auto loaded = policy::Policy::load(stored);
  if (loaded) return stored;
  std::string hint = policy::is_preset_name(given) ? preset_hint(given) : "";
  return Status::invalid_argument("policy " + given + " does not load: " + loaded.status().message() + hint);
}

std::optional<fs::path> build_tree_of(const fs::path& binary) {
  std::error_code error;
  fs::path dir = binary.parent_path();
  for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
    if (fs::exists(dir / "CMakeCache.txt", error)) return dir;
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

bool is_executable_file(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<fs::path> resolve_command(const std::string& command, const std::string& path_env) {
  if (command.empty()) return std::nullopt;
  if (command.find('/') != std::string::npos) {
    return is_executable_file(command) ? std::optional<fs::path>(command) : std::nullopt;
  }
  std::size_t start = 0;
  while (start <= path_env.size()) {
    std::size_t end = path_env.find(':', start);
    std::string dir = path_env.substr(start, end == std::string::npos ? std::string::npos : end - start);
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / command;
    if (is_executable_file(candidate)) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace mcp_warden::report
