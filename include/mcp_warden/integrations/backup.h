// Backups: a copy of a config file taken beside it before init-integration
// changes it.
//
// The name is "<file>.<UTC time>.mcp-warden.bak" (time as 20250102T030405Z,
// from the injected Clock); when that name is taken (two runs in one second),
// "-2", "-3", ... is added before ".mcp-warden.bak". An existing file is never
// overwritten (O_EXCL), so every earlier backup survives. The copy gets the
// original's permission bits, since configs often hold tokens in "env".
// A backup is fsync'ed before the config is replaced. After a new backup,
// prune_backups() keeps only the newest kMaxBackupsKept of that file's
// backups (by the time in their names), so repeated runs do not pile up
// copies of files that hold tokens.
//
// Thread safety: stateless; two processes backing up the same file at once
// get distinct names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"
#include "mcp_warden/integrations/file_system.h"

namespace mcp_warden::integrations {

inline constexpr int kMaxBackupsPerSecond = 1000;
inline constexpr int kMaxBackupsKept = 5;

// "20250102T030405Z" for a Unix time in microseconds.
std::string backup_timestamp(int64_t unix_micros);

// The n-th candidate name (n >= 1) for a backup of `config` taken at `timestamp`.
std::filesystem::path backup_path(const std::filesystem::path& config, const std::string& timestamp, int n);

// Writes `contents` to the first free candidate name; returns that path.
// kIoError when it cannot be written (the config must then be left alone).
Result<std::filesystem::path> write_backup(FileSystem& fs, const std::filesystem::path& config,
                                           const std::string& contents, uint32_t mode, const Clock& clock);

// Removes all but the newest `keep` backups of `config` (names made by
// backup_path()). Best effort: a backup that cannot be listed or removed is
// left, and the count of removed files is returned.
int prune_backups(FileSystem& fs, const std::filesystem::path& config, int keep);

}  // namespace mcp_warden::integrations
