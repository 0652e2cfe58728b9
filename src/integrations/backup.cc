#include "mcp_warden/integrations/backup.h"

#include <ctime>
#include <string>

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

}  // namespace mcp_warden::integrations
