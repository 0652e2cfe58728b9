// The `mcp-warden trust` commands as functions: show (table and JSON, with
// the pinned identity), history newest first, reset, approve and review
// (which also land in the audit chain), what approve says while the tier
// still denies, and the exit statuses for unknown servers and missing
// databases.
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/store.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/trust/commands.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TrustCommandsTest : public ::testing::Test {
 protected:
  TrustCommandsTest() {
    std::string pattern = (fs::temp_directory_path() / "trust_cmd_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  ~TrustCommandsTest() override { fs::remove_all(dir_); }

  fs::path db() const { return dir_ / "warden.db"; }
  CommandContext context() { return CommandContext{db(), &out_, &err_, &clock_}; }

  std::unique_ptr<TrustStore> store() {
    TrustStoreOptions options;
    options.clock = &clock_;
    return std::move(TrustStore::open(db(), options)).value();
  }

  // The newest audit entry of the shared database.
  audit::Entry last_audit_entry() {
    auto audit_store = std::move(audit::AuditStore::open(db())).value();
    return std::move(audit_store->read_entry(*audit_store->last_seq())).value();
  }

  fs::path dir_;
  FakeClock clock_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(TrustCommandsTest, ShowJsonListsEveryServerWithItsScoreTierBaseEventsAndLastSeen) {
  {
    auto s = store();
    ASSERT_TRUE(s->ensure_server("b-server", TrustLevel::kTrusted).is_ok());
    ASSERT_TRUE(s->record("a-server", EventKind::kCallTimedOut).is_ok());
    ASSERT_TRUE(s->record("a-server", EventKind::kToolError).is_ok());
  }
  ASSERT_EQ(run_show(context(), std::nullopt, true), 0) << err_.str();
  json shown = json::parse(out_.str());
  ASSERT_TRUE(shown.is_array());
  ASSERT_EQ(shown.size(), 2u);
  auto s = store();
  ServerTrust a = *s->get("a-server");
  EXPECT_EQ(shown[0]["server"], "a-server");
  EXPECT_EQ(shown[0]["score"], a.score());
  EXPECT_EQ(shown[0]["tier"], std::string(tier_name(a.tier())));
  EXPECT_EQ(shown[0]["base"], a.base());
  EXPECT_EQ(shown[0]["events"], 2);
  EXPECT_TRUE(shown[0]["last_seen"].is_string());
  EXPECT_EQ(shown[1]["server"], "b-server");
  EXPECT_EQ(shown[1]["base"], base_score(TrustLevel::kTrusted));
  EXPECT_EQ(shown[1]["events"], 0);
}

TEST_F(TrustCommandsTest, ShowOneServerAsATableAndAnUnknownServerExitsOne) {
  { ASSERT_TRUE(store()->record("files", EventKind::kCallTimedOut).is_ok()); }
  ASSERT_EQ(run_show(context(), std::string("files"), false), 0);
  EXPECT_NE(out_.str().find("files"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find(std::to_string(store()->get("files")->score())), std::string::npos);
  EXPECT_EQ(run_show(context(), std::string("nobody"), false), 1);
  EXPECT_NE(err_.str().find("nobody"), std::string::npos);
}

TEST_F(TrustCommandsTest, ShowWithoutADatabaseListsNothingAndCreatesNothing) {
  ASSERT_EQ(run_show(context(), std::nullopt, true), 0);
  EXPECT_EQ(json::parse(out_.str()), json::array());
  EXPECT_FALSE(fs::exists(db()));
  EXPECT_EQ(run_history(context(), "files", 0, false), 1);
}

TEST_F(TrustCommandsTest, HistoryListsEventsNewestFirstAndHonoursTheLimit) {
  {
    auto s = store();
    ASSERT_TRUE(s->record("files", EventKind::kCallTimedOut, "write_file").is_ok());
    ASSERT_TRUE(s->record("files", EventKind::kStdoutNoise).is_ok());
    ASSERT_TRUE(s->record("files", EventKind::kCallSucceeded, "read_file").is_ok());
  }
  ASSERT_EQ(run_history(context(), "files", 2, true), 0) << err_.str();
  json events = json::parse(out_.str());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["event"], "call_succeeded");
  EXPECT_EQ(events[1]["event"], "stdout_noise");
  EXPECT_GT(events[0]["id"].get<int64_t>(), events[1]["id"].get<int64_t>());
  int64_t noise_milli = store()->history("files", 2)->back().delta_milli;
  EXPECT_DOUBLE_EQ(events[1]["delta"].get<double>(), static_cast<double>(noise_milli) / kMilliPerPoint);
  out_.str("");
  ASSERT_EQ(run_history(context(), "files", 0, false), 0);
  std::string text = out_.str();
  EXPECT_LT(text.find("call_succeeded"), text.find("call_timed_out")) << text;
  EXPECT_NE(text.find("tool write_file"), std::string::npos) << text;
}

TEST_F(TrustCommandsTest, ResetRestoresTheBaseAndIsAudited) {
  { ASSERT_TRUE(store()->record("files", EventKind::kUnpairedResponse).is_ok()); }
  ASSERT_EQ(run_reset(context(), "files"), 0) << err_.str();
  ServerTrust after = *store()->get("files");
  EXPECT_EQ(after.score_milli, after.base_milli);
  audit::Entry entry = last_audit_entry();
  EXPECT_EQ(entry.kind, "trust_event");
  EXPECT_EQ(entry.server, "files");
  EXPECT_EQ(json::parse(entry.payload)["event"], "reset");
  EXPECT_EQ(run_reset(context(), "nobody"), 1);
}

TEST_F(TrustCommandsTest, ApproveUnblocksAChangedToolAndIsAudited) {
  {
    auto s = store();
    ASSERT_TRUE(s->observe_catalog("files", {[&] { ToolDefinition t; t.name = "read_file"; t.description = "v1"; return t; }()}).is_ok());
    ASSERT_TRUE(s->observe_catalog("files", {[&] { ToolDefinition t; t.name = "read_file"; t.description = "v2"; return t; }()}).is_ok());
    ASSERT_TRUE(s->is_tool_blocked("files", "read_file")->has_value());
  }
  ASSERT_EQ(run_approve(context(), "files", "read_file"), 0) << err_.str();
  EXPECT_FALSE(store()->is_tool_blocked("files", "read_file")->has_value());
  audit::Entry entry = last_audit_entry();
  EXPECT_EQ(entry.tool, "read_file");
  EXPECT_EQ(json::parse(entry.payload)["event"], "tool_approved");
  EXPECT_EQ(run_approve(context(), "files", "read_file"), 0);  // nothing left to approve
  EXPECT_NE(out_.str().find("not blocked"), std::string::npos) << out_.str();
  EXPECT_EQ(run_approve(context(), "files", "no_such_tool"), 1);
}

ToolDefinition described(const std::string& name, const std::string& description) {
  ToolDefinition t;
  t.name = name;
  t.description = description;
  return t;
}

TEST_F(TrustCommandsTest, ApproveDoesNotClaimCallsPassWhileTheTierStillDeniesThem) {
  {
    auto s = store();
    ASSERT_TRUE(s->ensure_server("files", TrustLevel::kUntrusted).is_ok());  // 200
    ASSERT_TRUE(s->observe_catalog("files", {described("read_file", "v1")}).is_ok());
    ASSERT_TRUE(s->observe_catalog("files", {described("read_file", "v2")}).is_ok());  // −250: blocked tier
  }
  ASSERT_EQ(run_approve(context(), "files", "read_file"), 0) << err_.str();
  EXPECT_EQ(out_.str().find("calls to it are allowed again"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("the tier still denies every call"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("mcp-warden trust reset files"), std::string::npos) << out_.str();
}

TEST_F(TrustCommandsTest, ReviewShowsTheUpgradeAndADiffThenApprovesEverythingInOneStep) {
  Attestation before;
  before.kind = SubjectKind::kNpmPackage;
  before.package = "pkg";
  before.version = "1.0.0";
  Attestation after = before;
  after.version = "1.1.0";
  {
    auto s = store();
    ASSERT_TRUE(s->observe_attestation("files", before).is_ok());
    ASSERT_TRUE(s->observe_catalog("files", {described("a", "old a"), described("b", "old b")}).is_ok());
    ASSERT_TRUE(s->observe_attestation("files", after).is_ok());
    ASSERT_TRUE(s->observe_catalog("files", {described("a", "new a"), described("b", "new b")}).is_ok());
  }
  ASSERT_EQ(run_review(context(), "files", {}, false), 0) << err_.str();
  std::string shown = out_.str();
  EXPECT_NE(shown.find("was: npm pkg 1.0.0"), std::string::npos) << shown;
  EXPECT_NE(shown.find("now: npm pkg 1.1.0"), std::string::npos) << shown;
  EXPECT_NE(shown.find("-  \"description\": \"old a\""), std::string::npos) << shown;
  EXPECT_NE(shown.find("+  \"description\": \"new a\""), std::string::npos) << shown;
  EXPECT_NE(shown.find("gives back 50 points"), std::string::npos) << shown;
  EXPECT_TRUE(store()->is_tool_blocked("files", "a")->has_value()) << "showing approves nothing";
  EXPECT_EQ(run_review(context(), "files", {"zzz"}, true), 1);

  out_.str("");
  ASSERT_EQ(run_review(context(), "files", {}, true), 0) << err_.str();
  EXPECT_NE(out_.str().find("approved 2 tool(s) and closed the upgrade review"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("calls are allowed again"), std::string::npos) << out_.str();
  EXPECT_FALSE(store()->is_tool_blocked("files", "b")->has_value());
  EXPECT_EQ(store()->get("files")->score(), 700);
  EXPECT_EQ(json::parse(last_audit_entry().payload)["event"], "change_reviewed");

  out_.str("");
  ASSERT_EQ(run_show(context(), std::string("files"), true), 0) << err_.str();
  json shown_json = json::parse(out_.str());
  EXPECT_EQ(shown_json[0]["identity"]["version"], "1.1.0");
  EXPECT_EQ(shown_json[0]["review"], 0);
}

}  // namespace
}  // namespace mcp_warden::trust
