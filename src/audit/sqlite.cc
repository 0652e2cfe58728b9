#include "mcp_warden/audit/sqlite.h"

#include <cstdint>
#include <cstring>

#include <unistd.h>

namespace mcp_warden::audit::sqlite {
namespace {

ErrorCode code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kBusy;
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return ErrorCode::kIoError;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kCorruption;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

Status to_status(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    const char* detail = sqlite3_errmsg(db);
    if (std::strcmp(detail, sqlite3_errstr(rc)) != 0) message += std::string(" (") + detail + ")";
  }
  return Status(code_for(rc), std::move(message));
}

Result<Database> open_database(const std::filesystem::path& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) return to_status(raw, rc, "cannot open " + path.string());
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

Status exec(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return to_status(db, rc, sql);
  return Status::ok();
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement stmt;
  stmt.stmt_.reset(raw);
  if (rc != SQLITE_OK) return to_status(db, rc, "cannot prepare statement");
  return stmt;
}

void Statement::bind_text(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::bind_text_static(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

void Statement::bind_digest(int index, const Digest& digest) {
  sqlite3_bind_blob(stmt_.get(), index, digest.data(), static_cast<int>(digest.size()),
                    SQLITE_TRANSIENT);
}

void Statement::bind_int(int index, int64_t value) { sqlite3_bind_int64(stmt_.get(), index, value); }

Status Statement::run(std::string_view what) {
  int rc = step();
  Status done = rc == SQLITE_DONE ? Status::ok() : to_status(sqlite3_db_handle(stmt_.get()), rc, what);
  reset();
  return done;
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Statement::column_bytes(int index) const {
  const void* data = sqlite3_column_blob(stmt_.get(), index);
  int size = sqlite3_column_bytes(stmt_.get(), index);
  if (data == nullptr || size <= 0) return std::string();
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

bool Statement::column_digest(int index, Digest& out) const {
  const void* data = sqlite3_column_blob(stmt_.get(), index);
  if (data == nullptr || sqlite3_column_bytes(stmt_.get(), index) != 32) return false;
  std::memcpy(out.data(), data, out.size());
  return true;
}

namespace {

// Microseconds waited before the busy handler's `count`-th call, by the
// schedule of busy_wait(): 50 × 20 µs, then 100 × 100 µs, then 1 ms steps.
int64_t waited_us(int count) {
  if (count < 50) return int64_t{count} * 20;
  if (count < 150) return 1000 + int64_t{count - 50} * 100;
  return 11000 + int64_t{count - 150} * 1000;
}

int busy_wait(void* timeout_ms, int count) {
  int64_t limit_us = static_cast<int64_t>(reinterpret_cast<intptr_t>(timeout_ms)) * 1000;
  if (waited_us(count) >= limit_us) return 0;  // give up: SQLITE_BUSY
  ::usleep(count < 50 ? 20 : count < 150 ? 100 : 1000);
  return 1;
}

}  // namespace

void set_busy_wait(sqlite3* db, int timeout_ms) {
  sqlite3_busy_handler(db, busy_wait, reinterpret_cast<void*>(static_cast<intptr_t>(timeout_ms)));
}

}  // namespace mcp_warden::audit::sqlite
