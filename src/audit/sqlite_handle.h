// Private to src/audit: thin RAII owners of SQLite connections and prepared
// statements, and the mapping of SQLite result codes to Status. Not a public
// header; no other module may include it.
//
// Thread safety: a Db and its Stmts belong to one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit::detail {

// Converts an SQLite failure into a Status: BUSY/LOCKED → kBusy;
// FULL/READONLY/IOERR/CANTOPEN/PERM → kIoError; CORRUPT/NOTADB → kCorruption.
Status sqlite_status(sqlite3* db, int rc, std::string_view what);

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;

// Opens `path` with `flags` (SQLITE_OPEN_*); the connection uses extended
// result codes. Never throws.
Result<DbPtr> open_db(const std::filesystem::path& path, int flags);

// Runs SQL without results (schema, pragmas, BEGIN/COMMIT).
Status exec(sqlite3* db, const char* sql);

class Stmt {
 public:
  Stmt() = default;
  static Result<Stmt> prepare(sqlite3* db, std::string_view sql);

  void bind_text(int index, std::string_view text);
  // No copy: `text` must stay valid until reset().
  void bind_text_static(int index, std::string_view text);
  void bind_blob(int index, std::string_view bytes);
  void bind_digest(int index, const Digest& digest);
  void bind_int(int index, int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_.get()); }
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

}  // namespace mcp_warden::audit::detail
