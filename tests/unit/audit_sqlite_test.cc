// The public SQLite handles (mcp_warden/audit/sqlite.h) on real files:
// statements round-trip exact bytes, errors become the documented Status
// codes, and a failed run() leaves the statement reusable.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "mcp_warden/audit/sqlite.h"

namespace mcp_warden::audit::sqlite {
namespace {

namespace fs = std::filesystem;

class AuditSqliteTest : public ::testing::Test {
 protected:
  AuditSqliteTest() {
    std::string pattern = (fs::temp_directory_path() / "audit_sqlite_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  ~AuditSqliteTest() override { fs::remove_all(dir_); }

  Database open_rw(const std::string& name) {
    auto db = open_database(dir_ / name, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    EXPECT_TRUE(db.is_ok()) << db.status().to_string();
    return db ? std::move(*db) : Database();
  }

  fs::path dir_;
};

TEST_F(AuditSqliteTest, StatementsRoundTripExactBytesAndAreReusable) {
  Database db = open_rw("t.db");
  ASSERT_TRUE(exec(db.get(), "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB, hash BLOB) STRICT").is_ok());
  auto insert = Statement::prepare(db.get(), "INSERT INTO t(id, body, hash) VALUES (?1, ?2, ?3)");
  ASSERT_TRUE(insert.is_ok()) << insert.status().to_string();
  const std::string body("a\0b\xff", 4);
  for (int64_t id = 1; id <= 2; ++id) {
    insert->bind_int(1, id);
    insert->bind_blob(2, body);
    insert->bind_digest(3, sha256(body));
    ASSERT_TRUE(insert->run("insert").is_ok());
  }
  auto select = Statement::prepare(db.get(), "SELECT body, hash FROM t WHERE id = ?1");
  ASSERT_TRUE(select.is_ok());
  select->bind_int(1, 2);
  ASSERT_EQ(select->step(), SQLITE_ROW);
  EXPECT_EQ(select->column_bytes(0), body);
  Digest hash{};
  EXPECT_TRUE(select->column_digest(1, hash));
  EXPECT_EQ(hash, sha256(body));
  EXPECT_FALSE(select->column_digest(0, hash)) << "a 4-byte blob is not a digest";
}

TEST_F(AuditSqliteTest, FailuresMapToTheDocumentedCodes) {
  Database db = open_rw("t.db");
  ASSERT_TRUE(exec(db.get(), "CREATE TABLE t(id INTEGER PRIMARY KEY) STRICT").is_ok());
  auto insert = Statement::prepare(db.get(), "INSERT INTO t(id) VALUES (?1)");
  ASSERT_TRUE(insert.is_ok());
  insert->bind_int(1, 7);
  ASSERT_TRUE(insert->run("insert").is_ok());
  insert->bind_int(1, 7);
  Status duplicate = insert->run("insert 7 again");
  EXPECT_EQ(duplicate.code(), ErrorCode::kInternal) << duplicate.to_string();
  EXPECT_NE(duplicate.message().find("insert 7 again"), std::string::npos);
  insert->bind_int(1, 8);
  EXPECT_TRUE(insert->run("insert 8").is_ok()) << "the statement is reset after a failure";

  EXPECT_EQ(Statement::prepare(db.get(), "SELECT nonsense FROM").status().code(), ErrorCode::kInternal);

  std::ofstream(dir_ / "junk.db") << std::string(4096, 'x');
  Database junk = open_rw("junk.db");
  EXPECT_EQ(exec(junk.get(), "SELECT * FROM sqlite_master").code(), ErrorCode::kCorruption);

  Database holder = open_rw("t.db");
  ASSERT_TRUE(exec(holder.get(), "BEGIN IMMEDIATE").is_ok());
  EXPECT_EQ(exec(db.get(), "BEGIN IMMEDIATE").code(), ErrorCode::kBusy);
  ASSERT_TRUE(exec(holder.get(), "ROLLBACK").is_ok());

  EXPECT_EQ(open_database(dir_ / "missing" / "x.db", SQLITE_OPEN_READWRITE).status().code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace mcp_warden::audit::sqlite
