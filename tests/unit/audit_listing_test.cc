// `audit query` and `audit tail` listings: the rule and reason of a decision,
// the client's name from its session, --server and --client filters, --json.
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/commands.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class AuditListingTest : public ::testing::Test {
 protected:
  AuditListingTest() {
    std::string pattern = (fs::temp_directory_path() / "audit_listing_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    write_log();
  }
  ~AuditListingTest() override { fs::remove_all(dir_); }

  NewEntry call(const std::string& session, const std::string& server, const std::string& tool,
                const std::string& decision, const std::string& rule, const std::string& reason) {
    NewEntry e;
    e.kind = EntryKind::kToolCall;
    e.session_id = session;
    e.server = server;
    e.tool = tool;
    e.request_id = "1";
    e.decision = decision;
    e.payload = json{{"arguments", json::object()},
                     {"decision", {{"action", decision}, {"rule", rule}, {"reason", reason}}}}
                    .dump();
    return e;
  }

  NewEntry session_end(const std::string& session, const std::string& server, const std::string& client) {
    NewEntry e;
    e.kind = EntryKind::kSessionEnd;
    e.session_id = session;
    e.server = server;
    e.payload = json{{"exit_status", 0}, {"client_info", {{"name", client}, {"version", "1"}}}}.dump();
    return e;
  }

  // A session still running: its handshake names the client, no session_end yet.
  NewEntry handshake(const std::string& session, const std::string& server, const std::string& client) {
    NewEntry e;
    e.kind = EntryKind::kHandshake;
    e.session_id = session;
    e.server = server;
    e.payload = json{{"client_info", {{"name", client}}}, {"protocol_version", "2025-11-25"}}.dump();
    return e;
  }

  NewEntry resource_denial(const std::string& session, const std::string& server) {
    NewEntry e = call(session, server, "file:///home/u/.ssh/id_rsa", "deny", "secrets", "a secret file");
    e.kind = EntryKind::kRequest;
    return e;
  }

  void write_log() {
    AuditLogOptions o;
    o.db_path = dir_ / "warden.db";
    o.key_dir = dir_;
    o.clock = &clock_;
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log.is_ok()) << log.status().message();
    for (const NewEntry& e : {call("s1", "files", "read_file", "allow", "allow-reads", "reads are fine"),
                              call("s1", "files", "write_file", "deny", "deny-writes", "writes \"need\" a person"),
                              session_end("s1", "files", "claude-ai"),
                              call("s2", "github", "create_issue", "deny", "deny-network", "no network"),
                              session_end("s2", "github", "Cursor"),
                              handshake("s3", "notes", "vscode"),
                              resource_denial("s3", "notes")}) {
      clock_.advance_micros(1000);
      ASSERT_TRUE((*log)->append_sync(e).is_ok());
    }
    ASSERT_TRUE((*log)->close().is_ok());
  }

  // QueryArgs with one filter set.
  static QueryArgs args_with(std::optional<std::string> QueryArgs::*filter, const std::string& value) {
    QueryArgs args;
    args.*filter = value;
    return args;
  }

  std::string query(const QueryArgs& args) {
    std::ostringstream out, err;
    CommandContext ctx{dir_ / "warden.db", dir_, &out, &err, &clock_};
    EXPECT_EQ(run_query(ctx, args), 0) << err.str();
    return out.str();
  }

  std::string tail(int64_t n, const QueryArgs& args) {
    std::ostringstream out, err;
    CommandContext ctx{dir_ / "warden.db", dir_, &out, &err, &clock_};
    EXPECT_EQ(run_tail(ctx, n, false, nullptr, args), 0) << err.str();
    return out.str();
  }

  fs::path dir_;
  FakeClock clock_;
};

TEST_F(AuditListingTest, DeniedCallsShowTheirRuleReasonAndClient) {
  QueryArgs denied;
  denied.decision = "deny";
  std::string out = query(denied);
  EXPECT_THAT(out, HasSubstr("write_file deny"));
  EXPECT_THAT(out, HasSubstr("client=claude-ai rule=deny-writes reason=\"writes \\\"need\\\" a person\""));
  EXPECT_THAT(out, HasSubstr("client=Cursor rule=deny-network reason=\"no network\""));
}

TEST_F(AuditListingTest, ServerAndClientFiltersNarrowTheListing) {
  QueryArgs by_server;
  by_server.server = "github";
  std::string out = query(by_server);
  EXPECT_THAT(out, HasSubstr("create_issue"));
  EXPECT_THAT(out, Not(HasSubstr("read_file")));

  QueryArgs by_client;
  by_client.client = "CLAUDE-AI";  // any case
  by_client.kind = "tool_call";
  out = query(by_client);
  EXPECT_THAT(out, HasSubstr("read_file"));
  EXPECT_THAT(out, HasSubstr("write_file"));
  EXPECT_THAT(out, Not(HasSubstr("create_issue")));
}

TEST_F(AuditListingTest, ARunningSessionIsNamedByItsHandshake) {
  std::string out = query(args_with(&QueryArgs::client, "VSCode"));
  EXPECT_THAT(out, HasSubstr("id_rsa"));
  EXPECT_THAT(out, Not(HasSubstr("read_file")));
}

TEST_F(AuditListingTest, DeniedRequestsOfOtherMethodsShowTheirRuleAndReason) {
  EXPECT_THAT(query(args_with(&QueryArgs::kind, "request")), HasSubstr("client=vscode rule=secrets reason=\"a secret file\""));
}

TEST_F(AuditListingTest, LimitCountsOnlyEntriesThatPassTheFilters) {
  QueryArgs args;
  args.server = "github";
  args.limit = 1;
  std::string out = query(args);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_THAT(out, HasSubstr("create_issue"));
}

TEST_F(AuditListingTest, JsonListingIsOneObjectPerLineWithRuleAndReason) {
  QueryArgs args;
  args.json = true;
  args.kind = "tool_call";
  std::istringstream lines(query(args));
  std::vector<json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(json::parse(line));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1]["decision"], "deny");
  EXPECT_EQ(rows[1]["rule"], "deny-writes");
  EXPECT_EQ(rows[1]["reason"], "writes \"need\" a person");
  EXPECT_EQ(rows[1]["client"], "claude-ai");
  EXPECT_EQ(rows[2]["server"], "github");
}

TEST_F(AuditListingTest, TailWithAFilterShowsTheLastMatchingEntries) {
  QueryArgs args;
  args.server = "files";
  args.kind = "tool_call";
  std::string out = tail(1, args);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_THAT(out, HasSubstr("write_file"));
}

TEST_F(AuditListingTest, ErrorsNameTheProblemWithoutInternalStatusNames) {
  std::ostringstream out, err;
  CommandContext ctx{dir_ / "missing.db", dir_, &out, &err, &clock_};
  EXPECT_EQ(run_query(ctx, QueryArgs{}), 2);
  EXPECT_THAT(err.str(), HasSubstr("missing.db"));
  EXPECT_THAT(err.str(), Not(HasSubstr("not_found")));
  EXPECT_THAT(err.str(), Not(HasSubstr("io_error")));
}

}  // namespace
}  // namespace mcp_warden::audit
