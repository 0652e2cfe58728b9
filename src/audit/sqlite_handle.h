// Private to src/audit: the names the audit sources use for the SQLite
// handles of mcp_warden/audit/sqlite.h (the public header other modules use).
#pragma once

#include <filesystem>
#include <string_view>

#include "mcp_warden/audit/sqlite.h"

namespace mcp_warden::audit::detail {

using DbPtr = sqlite::Database;
using Stmt = sqlite::Statement;
using sqlite::exec;

inline Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
  return sqlite::to_status(db, rc, what);
}

inline Result<DbPtr> open_db(const std::filesystem::path& path, int flags) {
  return sqlite::open_database(path, flags);
}

}  // namespace mcp_warden::audit::detail
