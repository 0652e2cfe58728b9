// Forwarded tools/call requests the server never answers: with the real
// strict preset, a synchronous fake audit log, a recording trust keeper and
// a fake clock, a call past --call-timeout-ms is answered with -32001,
// cancelled at the server, recorded and counted against trust; the server's
// late response is dropped; progress for the call restarts its clock. A call
// held for a tools/list answer that never comes times out too, refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/session.h"
#include "proxy_test_support.h"

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;
using testing::CapturingOutput;

struct ImmediateAuditor : CallAuditor {
  std::vector<audit::NewEntry> entries;
  void record(audit::NewEntry entry, Done done) override {
    entries.push_back(std::move(entry));
    done(static_cast<int64_t>(entries.size()));
  }
};

struct RecordingTrust : TrustKeeper {
  std::vector<trust::EventKind> events;
  int score() const override { return 700; }
  std::optional<std::string> blocked_reason(const std::string&) const override { return std::nullopt; }
  void record(trust::EventKind kind, const std::string&, const std::string&) override { events.push_back(kind); }
  void observe_catalog(nlohmann::json, std::function<void()> done) override { done(); }
};

constexpr int64_t kTimeoutMs = 5000;

const char* kToolsList =
    R"({"jsonrpc":"2.0","id":1,"result":{"tools":[)"
    R"({"name":"read_text_file","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}}]}})";

std::string call(int id, const std::string& progress_token = "") {
  std::string meta = progress_token.empty() ? "" : R"(,"_meta":{"progressToken":")" + progress_token + R"("})";
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"tools/call","params":{"name":"read_text_file","arguments":{"path":"/tmp/a.txt"})" + meta + "}}";
}

class CallTimeoutTest : public ::testing::Test {
 protected:
  CallTimeoutTest()
      : policy_(policy::Policy::load_preset("strict").value()),
        session_(options(), out_, clock_, Governance{&policy_, &auditor_, &trust_}) {}

  static SessionOptions options() {
    SessionOptions o = testing::governed_options();
    o.call_timeout_ms = kTimeoutMs;
    return o;
  }

  void SetUp() override {
    session_.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    session_.on_server_line(kToolsList);
    out_.to_client.clear();
    out_.to_server.clear();
  }

  void advance_ms(int64_t ms) { clock_.advance_micros(ms * 1000); }
  // Nothing expires 1 ms before the timeout; then the clock passes it.
  void pass_the_deadline() {
    advance_ms(kTimeoutMs - 1);
    session_.expire_overdue_calls();
    EXPECT_TRUE(out_.to_client.empty()) << "not overdue yet";
    advance_ms(2);
    session_.expire_overdue_calls();
  }

  FakeClock clock_;
  CapturingOutput out_;
  ImmediateAuditor auditor_;
  RecordingTrust trust_;
  policy::Policy policy_;
  Session session_;
};

TEST_F(CallTimeoutTest, AnOverdueCallIsAnsweredCancelledRecordedAndCounted) {
  session_.on_client_line(call(7));
  ASSERT_EQ(out_.to_server.size(), 1u);
  pass_the_deadline();
  ASSERT_EQ(out_.to_client.size(), 1u);
  json reply = json::parse(out_.to_client.back());
  EXPECT_EQ(reply["id"], 7);
  EXPECT_EQ(reply["error"]["code"], -32001);
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("read_text_file"), std::string::npos);

  ASSERT_EQ(out_.to_server.size(), 2u);
  json cancel = json::parse(out_.to_server.back());
  EXPECT_EQ(cancel["method"], "notifications/cancelled");
  EXPECT_EQ(cancel["params"]["requestId"], 7);

  ASSERT_FALSE(trust_.events.empty());
  EXPECT_EQ(trust_.events.back(), trust::EventKind::kCallTimedOut);
  ASSERT_FALSE(auditor_.entries.empty());
  const audit::NewEntry& outcome = auditor_.entries.back();
  EXPECT_EQ(outcome.kind, audit::EntryKind::kToolResult);
  EXPECT_EQ(json::parse(outcome.payload)["outcome"], "timeout");
  EXPECT_TRUE(session_.client_pending().empty());
}

TEST_F(CallTimeoutTest, TheLateResponseIsDroppedNotForwardedTwice) {
  session_.on_client_line(call(8));
  advance_ms(kTimeoutMs + 1);
  session_.expire_overdue_calls();
  std::size_t answers = out_.to_client.size();
  session_.on_server_line(R"({"jsonrpc":"2.0","id":8,"result":{"content":[{"type":"text","text":"late"}]}})");
  EXPECT_EQ(out_.to_client.size(), answers) << "the client already has its error for id 8";
  // A later request reusing the id is relayed normally.
  session_.on_client_line(call(8));
  session_.on_server_line(R"({"jsonrpc":"2.0","id":8,"result":{"content":[{"type":"text","text":"ok"}]}})");
  EXPECT_EQ(out_.to_client.size(), answers + 1);
}

TEST_F(CallTimeoutTest, ProgressForTheCallRestartsItsClock) {
  session_.on_client_line(call(9, "tok-9"));
  advance_ms(kTimeoutMs - 100);
  session_.on_server_line(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok-9","progress":1}})");
  advance_ms(200);
  session_.expire_overdue_calls();
  EXPECT_EQ(session_.client_pending().size(), 1u) << "progress 200 ms ago: not overdue";
  advance_ms(kTimeoutMs);
  session_.expire_overdue_calls();
  EXPECT_TRUE(session_.client_pending().empty());
}

TEST_F(CallTimeoutTest, ProgressForAnotherTokenDoesNotKeepACallAlive) {
  session_.on_client_line(call(10, "tok-10"));
  advance_ms(kTimeoutMs - 100);
  session_.on_server_line(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"other","progress":1}})");
  advance_ms(200);
  session_.expire_overdue_calls();
  EXPECT_TRUE(session_.client_pending().empty());
}

TEST_F(CallTimeoutTest, UngovernedRequestsNeverTimeOut) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":11,"method":"resources/list","params":{}})");
  advance_ms(kTimeoutMs * 10);
  session_.expire_overdue_calls();
  EXPECT_EQ(session_.client_pending().size(), 1u) << "only governed requests are timed";
}


// A call held for a tools/list answer that never comes: no listing precedes
// it, the server ignores mcp-warden's own tools/list.
class HeldCallTimeoutTest : public CallTimeoutTest {
 protected:
  void SetUp() override {}  // no listing
};

TEST_F(HeldCallTimeoutTest, AHeldCallTimesOutRefusedRecordedAndWhatWaitedBehindItMovesOn) {
  session_.on_client_line(call(7));
  ASSERT_EQ(out_.to_server.size(), 1u) << "mcp-warden lists the tools itself";
  EXPECT_EQ(json::parse(out_.to_server[0])["method"], "tools/list");
  session_.on_client_line(R"({"jsonrpc":"2.0","id":8,"method":"ping"})");
  EXPECT_EQ(out_.to_server.size(), 1u) << "the ping waits behind the held call";
  EXPECT_GT(session_.bytes_held_for_server(), 0u);
  pass_the_deadline();

  ASSERT_EQ(out_.to_client.size(), 1u);
  json reply = json::parse(out_.to_client[0]);
  EXPECT_EQ(reply["id"], 7);
  EXPECT_EQ(reply["error"]["code"], -32001);
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("did not list its tools"), std::string::npos);
  ASSERT_EQ(out_.to_server.size(), 2u) << "the ping is released, the call is not forwarded";
  EXPECT_EQ(json::parse(out_.to_server[1])["method"], "ping");
  EXPECT_EQ(session_.bytes_held_for_server(), 0u);
  EXPECT_FALSE(session_.holding_messages());

  ASSERT_EQ(auditor_.entries.size(), 1u);
  EXPECT_EQ(auditor_.entries[0].kind, audit::EntryKind::kToolCall);
  json decision = json::parse(auditor_.entries[0].payload)["decision"];
  EXPECT_EQ(decision["action"], "deny");
  EXPECT_EQ(decision["rule"], "catalog-timeout");
  ASSERT_EQ(trust_.events.size(), 1u);
  EXPECT_EQ(trust_.events[0], trust::EventKind::kCallTimedOut);

  // The server's answer to the call it never received is not accepted.
  session_.on_server_line(R"({"jsonrpc":"2.0","id":7,"result":{"content":[]}})");
  EXPECT_EQ(out_.to_client.size(), 1u);
}

TEST_F(HeldCallTimeoutTest, ACatalogThatArrivesInTimeReleasesTheCallToBeJudged) {
  session_.on_client_line(call(7));
  std::string list_id = json::parse(out_.to_server[0])["id"];
  advance_ms(kTimeoutMs - 1);
  session_.on_server_line(R"({"jsonrpc":"2.0","id":")" + list_id + R"(","result":{"tools":[)"
                          R"({"name":"read_text_file","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}}]}})");
  advance_ms(2);
  session_.expire_overdue_calls();
  EXPECT_TRUE(out_.to_client.empty());
  ASSERT_EQ(out_.to_server.size(), 2u);
  EXPECT_EQ(json::parse(out_.to_server[1])["method"], "tools/call");
}

}  // namespace
}  // namespace mcp_warden::proxy
