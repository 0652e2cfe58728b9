// SQLite the audit module's way: RAII owners of a connection and of prepared
// statements, and the mapping of SQLite result codes to Status. Public so
// that modules keeping their own tables in the audit database (trust) use
// the same handles; owned by the audit module.
//
// Nothing here throws; nothing here opens a transaction by itself. What
// survives a crash is whatever the caller committed (see store.h for the
// audit tables' WAL settings).
//
// Thread safety: a Database and its Statements belong to one thread at a
// time; never use either in a forked child (SQLite opens files O_CLOEXEC).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit::sqlite {

// Converts an SQLite failure into a Status naming `what` and SQLite's message:
// BUSY/LOCKED → kBusy; FULL/READONLY/IOERR/CANTOPEN/PERM → kIoError;
// CORRUPT/NOTADB → kCorruption; anything else → kInternal.
Status to_status(sqlite3* db, int rc, std::string_view what);

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

// Opens `path` with `flags` (SQLITE_OPEN_*) and extended result codes on.
Result<Database> open_database(const std::filesystem::path& path, int flags);

// Runs SQL that returns no rows (schema, pragmas, BEGIN/COMMIT).
Status exec(sqlite3* db, const char* sql);

// Makes `db` wait up to `timeout_ms` for a lock held by another connection,
// polling at a fine grain first (tens of microseconds, then 100 µs, then
// 1 ms). SQLite's own busy timeout sleeps a whole millisecond or more at the
// first conflict, which turns a 30 µs in-process overlap (the audit writer
// and the trust worker share one file) into a millisecond of call latency.
void set_busy_wait(sqlite3* db, int timeout_ms);

// A prepared statement (SQLITE_PREPARE_PERSISTENT: meant to be kept and
// reused). Bind positions start at 1.
class Statement {
 public:
  Statement() = default;
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  // Copies `text`.
  void bind_text(int index, std::string_view text);
  // No copy: `text` must stay valid until reset().
  void bind_text_static(int index, std::string_view text);
  void bind_blob(int index, std::string_view bytes);
  void bind_digest(int index, const Digest& digest);
  void bind_int(int index, int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_.get()); }
  // Steps once, requires SQLITE_DONE (INSERT, UPDATE, DDL), then resets.
  Status run(std::string_view what);
  // Resets for re-execution and clears bindings.
  void reset();

  int64_t column_int(int index) const { return sqlite3_column_int64(stmt_.get(), index); }
  // The column's exact bytes (TEXT or BLOB), empty for NULL.
  std::string column_bytes(int index) const;
  // false when the column is not a 32-byte value.
  bool column_digest(int index, Digest& out) const;
  sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

}  // namespace mcp_warden::audit::sqlite
