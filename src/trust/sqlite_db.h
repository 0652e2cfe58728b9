// Private to src/trust: the few SQLite C API pieces the trust store needs —
// an owned connection, prepared statements that bind by position, and the
// mapping of SQLite result codes to Status. Not a public header.
//
// Thread safety: a connection and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "mcp_warden/base/status.h"

namespace mcp_warden::trust::detail {

// BUSY/LOCKED → kBusy; CORRUPT/NOTADB → kCorruption; everything else
// (FULL, READONLY, IOERR, CANTOPEN, ...) → kIoError. Names `what`.
Status sqlite_failure(sqlite3* db, int rc, std::string_view what);

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseDb>;

// Opens or creates `path` read-write with extended result codes and
// `busy_timeout_ms` of lock waiting. Never throws.
Result<Connection> open_connection(const std::filesystem::path& path, int busy_timeout_ms);

// Runs statements that return no rows (schema, pragmas, BEGIN/COMMIT).
Status run_sql(sqlite3* db, const char* sql);

// One prepared statement. bind() positions start at 1; text is copied.
class Statement {
 public:
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  // SQLITE_ROW while rows remain, SQLITE_DONE at the end, else an error code.
  int step() { return sqlite3_step(stmt_.get()); }
  // Steps once and requires SQLITE_DONE (INSERT/UPDATE/DELETE).
  Status run(std::string_view what);

  int64_t int_at(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  std::string text_at(int column) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

}  // namespace mcp_warden::trust::detail
