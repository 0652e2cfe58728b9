// The HTML report from a real audit database: its figures are `audit
// stats`'s, denials carry their rule and reason, hostile names are escaped,
// nothing is loaded from anywhere, and a tampered log is flagged on top.
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/commands.h"
#include "mcp_warden/report/html_report.h"

namespace mcp_warden::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class ReportHtmlTest : public ::testing::Test {
 protected:
  ReportHtmlTest() {
    std::string pattern = (fs::temp_directory_path() / "report_html_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  ~ReportHtmlTest() override { fs::remove_all(dir_); }

  audit::NewEntry entry(audit::EntryKind kind, const std::string& server, const std::string& tool,
                        const std::string& decision, json payload) {
    audit::NewEntry e;
    e.kind = kind;
    e.session_id = "s-" + server;
    e.server = server;
    e.tool = tool;
    e.decision = decision;
    e.payload = payload.dump();
    return e;
  }

  void write_log() {
    audit::AuditLogOptions o;
    o.db_path = dir_ / "warden.db";
    o.key_dir = dir_;
    o.clock = &clock_;
    auto log = audit::AuditLog::open(o);
    ASSERT_TRUE(log.is_ok()) << log.status().message();
    using K = audit::EntryKind;
    std::vector<audit::NewEntry> entries = {
        entry(K::kSessionStart, "files", "", "", {{"policy", "strict"}}),
        entry(K::kToolCall, "files", "read_file", "allow", {{"decision", {{"rule", "reads"}, {"reason", "ok"}}}}),
        entry(K::kToolCall, "files", "write_file", "deny",
              {{"arguments", {{"token", "[REDACTED]"}}},
               {"decision", {{"rule", "no-writes"}, {"reason", "writes need <b>a person</b>"}}}}),
        entry(K::kTrustEvent, "files", "write_file", "",
              {{"event", "denied_call"}, {"score_after", 42}, {"tier_after", "restricted"}, {"reason", "x"}}),
        entry(K::kToolCall, "<script>alert(1)</script>", "t\"ool", "warn", {{"decision", {{"rule", "w"}}}}),
        entry(K::kSessionEnd, "files", "", "", {{"client_info", {{"name", "claude-ai"}}}}),
    };
    for (const audit::NewEntry& e : entries) {
      clock_.advance_micros(60'000'000);
      ASSERT_TRUE((*log)->append_sync(e).is_ok());
    }
    ASSERT_TRUE((*log)->close().is_ok());
  }

  ReportData collect() {
    ReportOptions options{dir_ / "warden.db", dir_, start_, clock_.now_unix_micros()};
    auto data = collect_report_data(options);
    EXPECT_TRUE(data.is_ok()) << data.status().message();
    return data ? *data : ReportData{};
  }

  // The text of the element carrying data-figure="key".
  static std::string figure(const std::string& html, const std::string& key) {
    std::smatch m;
    std::regex re("data-figure=\"" + key + "\">([^<]*)<");
    return std::regex_search(html, m, re) ? m[1].str() : "(missing)";
  }

  fs::path dir_;
  FakeClock clock_;
  int64_t start_ = clock_.now_unix_micros();
};

TEST_F(ReportHtmlTest, FiguresMatchAuditStats) {
  write_log();
  std::string html = render_html_report(collect());
  std::ostringstream out, err;
  audit::CommandContext ctx{dir_ / "warden.db", dir_, &out, &err, &clock_};
  ASSERT_EQ(audit::run_stats(ctx), 0) << err.str();
  std::string stats = out.str();
  EXPECT_THAT(stats, HasSubstr("entries: " + figure(html, "entries") + "\n"));
  EXPECT_THAT(stats, HasSubstr("sessions: " + figure(html, "sessions") + "\n"));
  EXPECT_THAT(stats, HasSubstr("checkpoints: " + figure(html, "checkpoints") + "\n"));
  EXPECT_THAT(stats, HasSubstr("kinds: " + figure(html, "kinds") + "\n"));
  EXPECT_THAT(stats, HasSubstr("decisions: " + figure(html, "decisions") + "\n"));
  EXPECT_EQ(figure(html, "entries"), "6");
  EXPECT_EQ(figure(html, "decision-deny"), "1");
  EXPECT_EQ(figure(html, "window-calls"), "3");
}

TEST_F(ReportHtmlTest, DenialsRedactionsTrustAndClientsAreShown) {
  write_log();
  ReportData data = collect();
  ASSERT_EQ(data.denials.size(), 1u);
  EXPECT_EQ(data.denials[0].rule, "no-writes");
  EXPECT_EQ(data.denials[0].client, "claude-ai");
  EXPECT_EQ(data.redactions.size(), 1u);
  ASSERT_EQ(data.trust["files"].size(), 1u);
  EXPECT_EQ(data.trust["files"][0].score, 42);
  EXPECT_EQ(data.sessions_per_client["claude-ai"], 1);
  std::string html = render_html_report(data);
  EXPECT_THAT(html, HasSubstr("writes need &lt;b&gt;a person&lt;/b&gt;"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("<polyline"));
  EXPECT_THAT(html, HasSubstr("class=\"banner ok\""));
}

TEST_F(ReportHtmlTest, HostileNamesAreEscapedAndThePageLoadsNothing) {
  write_log();
  std::string html = render_html_report(collect());
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("t&quot;ool"));
  EXPECT_THAT(html, HasSubstr("default-src 'none'"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
}

TEST_F(ReportHtmlTest, ATamperedLogIsFlaggedOnTop) {
  write_log();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "warden.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_entries SET decision='allow' WHERE seq=3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ReportData data = collect();
  EXPECT_FALSE(data.verified);
  std::string html = render_html_report(data);
  EXPECT_THAT(html, HasSubstr("class=\"banner fail\""));
  EXPECT_THAT(html, HasSubstr("FAILED at seq 3"));
  EXPECT_LT(html.find("banner fail"), html.find("<h2>"));
}

TEST_F(ReportHtmlTest, AnEmptyWindowSaysSo) {
  write_log();
  start_ = clock_.now_unix_micros() + 1;
  std::string html = render_html_report(collect());
  EXPECT_THAT(html, HasSubstr("No tool calls in this window."));
  EXPECT_EQ(figure(html, "entries"), "6");
}

}  // namespace
}  // namespace mcp_warden::report
