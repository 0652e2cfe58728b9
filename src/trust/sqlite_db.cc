#include "sqlite_db.h"

namespace mcp_warden::trust::detail {

Status sqlite_failure(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::busy(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::corruption(std::move(message));
    default: return Status::io_error(std::move(message));
  }
}

Result<Connection> open_connection(const std::filesystem::path& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection db(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) return sqlite_failure(db.get(), rc, "cannot open " + path.string());
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  return db;
}

Status run_sql(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::ok() : sqlite_failure(db, rc, sql);
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  Statement out;
  out.stmt_.reset(raw);
  if (rc != SQLITE_OK) return sqlite_failure(db, rc, "cannot prepare a trust query");
  return out;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Status Statement::run(std::string_view what) {
  int rc = step();
  return rc == SQLITE_DONE ? Status::ok() : sqlite_failure(sqlite3_db_handle(stmt_.get()), rc, what);
}

std::string Statement::text_at(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return {};
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column));
  return std::string(reinterpret_cast<const char*>(text), size);
}

}  // namespace mcp_warden::trust::detail
