// The governance assembly alone, without the event loop: what it loads,
// what it opens, what it records at the start and end of a session, and
// how it fails (a policy that does not load, a database that cannot open).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/proxy/governance_assembly.h"
#include "proxy_test_support.h"

namespace mcp_warden::proxy {
namespace {

namespace fs = std::filesystem;

class GovernanceAssemblyTest : public ::testing::Test {
 protected:
  GovernanceAssemblyTest() {
    dir_ = fs::temp_directory_path() / ("mcp-warden-assembly-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    setenv("MCP_WARDEN_HOME", dir_.c_str(), 1);
    options_.command = {"true"};
    options_.db_path = (dir_ / "audit.db").string();
  }
  ~GovernanceAssemblyTest() override { fs::remove_all(dir_); }

  std::map<std::string, int> kinds_in_db() {
    std::map<std::string, int> kinds;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(options_.db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return kinds;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT kind FROM audit_entries", -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) ++kinds[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))];
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return kinds;
  }

  static JournalWakeups no_wakeups() { return JournalWakeups{[] {}, [] {}}; }

  fs::path dir_;
  ProxyOptions options_;
};

TEST_F(GovernanceAssemblyTest, APolicyThatDoesNotLoadIsReportedNotThrown) {
  options_.policy = "stirct";
  GovernanceAssembly assembly(options_, "srv");
  EXPECT_EQ(assembly.policy(), nullptr);
  EXPECT_NE(assembly.policy_error().find("stirct"), std::string::npos) << assembly.policy_error();
  Governance governance = assembly.open("s1", no_wakeups());
  EXPECT_EQ(governance.policy, nullptr);
  EXPECT_EQ(governance.auditor, nullptr) << "nothing is opened for a proxy that will not govern";
}

TEST_F(GovernanceAssemblyTest, AnUnknownTrustLevelIsAStartUpError) {
  options_.trust_level = "divine";
  EXPECT_THROW(GovernanceAssembly(options_, "srv"), std::runtime_error);
}

TEST_F(GovernanceAssemblyTest, OpenGivesPolicyAuditorAndTrustAndTheSessionIsFramedInTheLog) {
  GovernanceAssembly assembly(options_, "srv");
  ASSERT_NE(assembly.policy(), nullptr);
  EXPECT_EQ(assembly.policy()->name(), "strict");
  Governance governance = assembly.open("s1", no_wakeups());
  EXPECT_EQ(governance.policy, assembly.policy());
  ASSERT_NE(governance.auditor, nullptr);
  EXPECT_NE(governance.trust, nullptr);
  ASSERT_NE(assembly.journal(), nullptr);
  assembly.record_session_start("s1", {{"sandbox", {{"applied", false}}}});
  testing::CapturingOutput out;
  Session session(SessionOptions{}, out, SystemClock::instance());
  assembly.close("s1", 0, session);
  std::map<std::string, int> kinds = kinds_in_db();
  EXPECT_EQ(kinds["session_start"], 1);
  EXPECT_EQ(kinds["session_end"], 1);
}

TEST_F(GovernanceAssemblyTest, ADatabaseThatCannotOpenMakesEveryRecordFail) {
  fs::create_directories(dir_ / "blocker");
  options_.db_path = (dir_ / "blocker").string();  // a directory, not a database file
  GovernanceAssembly assembly(options_, "srv");
  Governance governance = assembly.open("s1", no_wakeups());
  ASSERT_NE(governance.auditor, nullptr);
  EXPECT_EQ(assembly.journal(), nullptr);
  bool failed = false;
  governance.auditor->record(audit::NewEntry{}, [&](Result<int64_t> seq) { failed = !seq.is_ok(); });
  EXPECT_TRUE(failed) << "an unrecordable request must be denied";
}

}  // namespace
}  // namespace mcp_warden::proxy
