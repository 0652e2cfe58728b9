#include "mcp_warden/integrations/backup.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>
#include <optional>
#include <vector>

namespace mcp_warden::integrations {

namespace fs = std::filesystem;

std::string backup_timestamp(int64_t unix_micros) {
  std::time_t seconds = static_cast<std::time_t>(unix_micros / 1'000'000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::size_t length = std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return std::string(text, length);
}

fs::path backup_path(const fs::path& config, const std::string& timestamp, int n) {
  std::string suffix = n <= 1 ? "" : "-" + std::to_string(n);
  return fs::path(config.string() + "." + timestamp + suffix + ".mcp-warden.bak");
}

Result<fs::path> write_backup(FileSystem& fs, const fs::path& config, const std::string& contents, uint32_t mode,
                              const Clock& clock) {
  std::string timestamp = backup_timestamp(clock.now_unix_micros());
  for (int n = 1; n <= kMaxBackupsPerSecond; ++n) {
    fs::path candidate = backup_path(config, timestamp, n);
    Status written = fs.create_new_file(candidate, contents, mode);
    if (written.is_ok()) return candidate;
    if (written.code() != ErrorCode::kFailedPrecondition) {
      return Status::io_error("cannot back up " + config.string() + ": " + written.message());
    }
  }
  return Status::io_error("cannot back up " + config.string() + ": too many backups named " +
                          backup_path(config, timestamp, 1).string());
}

namespace {

constexpr std::string_view kBackupSuffix = ".mcp-warden.bak";

// (timestamp, n) of a backup name of `config`, or nullopt for other names.
std::optional<std::pair<std::string, int>> backup_order(const std::string& config_name, const std::string& name) {
  std::string prefix = config_name + ".";
  if (name.size() <= prefix.size() + kBackupSuffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - kBackupSuffix.size(), kBackupSuffix.size(), kBackupSuffix) != 0) {
    return std::nullopt;
  }
  std::string stamp = name.substr(prefix.size(), name.size() - prefix.size() - kBackupSuffix.size());
  std::size_t dash = stamp.find('-');
  int n = dash == std::string::npos ? 1 : std::atoi(stamp.c_str() + dash + 1);
  return std::pair{stamp.substr(0, dash), n};
}

}  // namespace

int prune_backups(FileSystem& fs, const fs::path& config, int keep) {
  auto names = fs.list_directory(config.parent_path().empty() ? fs::path(".") : config.parent_path());
  if (!names) return 0;
  std::vector<std::pair<std::pair<std::string, int>, std::string>> backups;
  for (const std::string& name : *names) {
    if (auto order = backup_order(config.filename().string(), name)) backups.emplace_back(*order, name);
  }
  std::sort(backups.begin(), backups.end());
  int removed = 0;
  for (std::size_t i = 0; i + keep < backups.size(); ++i) {
    if (fs.remove_file(config.parent_path() / backups[i].second).is_ok()) ++removed;
  }
  return removed;
}

}  // namespace mcp_warden::integrations
