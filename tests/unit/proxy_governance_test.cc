// The governed Session with the real strict preset and a fake audit log whose
// commits the test completes by hand, so ordering and failure are visible.
#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/session.h"
#include "proxy_test_support.h"

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;

using testing::CapturingOutput;
using testing::ManualAuditor;


const char* kToolsList = testing::kReadWriteToolsList;

std::string call(int id, const std::string& tool, const std::string& path = "/tmp/a.txt") {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":"tools/call","params":{"name":")" + tool +
         R"(","arguments":{"path":")" + path + R"("}}})";
}

class GovernedSessionTest : public ::testing::Test {
 protected:
  GovernedSessionTest()
      : policy_(policy::Policy::load_preset("strict").value()),
        session_(options(), out_, clock_, Governance{&policy_, &auditor_, nullptr}) {}

  static SessionOptions options() { return testing::governed_options(); }

  void list_tools() {
    session_.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    session_.on_server_line(kToolsList);
    auditor_.commit_all();  // the catalog entry
    out_.to_client.clear();
    out_.to_server.clear();
  }

  json last_to_client() { return json::parse(out_.to_client.back()); }

  FakeClock clock_;
  CapturingOutput out_;
  ManualAuditor auditor_;
  policy::Policy policy_;
  Session session_;
};

TEST_F(GovernedSessionTest, AllowedCallIsForwardedOnlyAfterItsDecisionIsCommitted) {
  list_tools();
  session_.on_client_line(call(2, "read_text_file"));
  EXPECT_TRUE(out_.to_server.empty()) << "nothing reaches the server before the commit";
  ASSERT_EQ(auditor_.queued.size(), 1u);
  EXPECT_EQ(auditor_.queued.front().first.decision, "allow");
  auditor_.commit_all();
  ASSERT_EQ(out_.to_server.size(), 1u);
  EXPECT_EQ(out_.to_server[0], call(2, "read_text_file")) << "forwarded byte for byte";
}

TEST_F(GovernedSessionTest, DeniedCallIsAnsweredLocallyAndNeverForwarded) {
  list_tools();
  session_.on_client_line(call(3, "write_file"));
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_server.empty());
  json reply = last_to_client();
  EXPECT_EQ(reply["id"], 3);
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_EQ(reply["result"]["_meta"]["mcp-warden"]["action"], "deny");
  EXPECT_NE(reply["result"]["content"][0]["text"].get<std::string>().find("strict"), std::string::npos);
}

TEST_F(GovernedSessionTest, LaterMessagesWaitBehindAPendingDecision) {
  list_tools();
  session_.on_client_line(call(4, "read_text_file"));
  session_.on_client_line(R"({"jsonrpc":"2.0","id":5,"method":"ping"})");
  EXPECT_TRUE(out_.to_server.empty()) << "the ping must not overtake the call";
  auditor_.commit_all();
  ASSERT_EQ(out_.to_server.size(), 2u);
  EXPECT_EQ(json::parse(out_.to_server[0])["id"], 4);
  EXPECT_EQ(json::parse(out_.to_server[1])["id"], 5);
}

TEST_F(GovernedSessionTest, AuditFailureDeniesTheCall) {
  list_tools();
  session_.on_client_line(call(6, "read_text_file"));
  auditor_.fail_all("disk full");
  EXPECT_TRUE(out_.to_server.empty());
  json reply = last_to_client();
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_NE(reply["result"]["content"][0]["text"].get<std::string>().find("disk full"), std::string::npos);
}

TEST_F(GovernedSessionTest, CallBeforeAnyListingMakesTheSessionListToolsItself) {
  session_.on_client_line(call(7, "read_text_file"));
  ASSERT_EQ(out_.to_server.size(), 1u);
  json own = json::parse(out_.to_server[0]);
  EXPECT_EQ(own["method"], "tools/list");
  ASSERT_TRUE(own["id"].is_string());
  EXPECT_EQ(own["id"].get<std::string>().rfind("mcp-warden:", 0), 0u);
  json response = json::parse(kToolsList);
  response["id"] = own["id"];
  session_.on_server_line(response.dump());
  EXPECT_TRUE(out_.to_client.empty()) << "our own tools/list response is consumed";
  auditor_.commit_all();
  ASSERT_EQ(out_.to_server.size(), 2u);
  EXPECT_EQ(json::parse(out_.to_server[1])["id"], 7) << "judged with the real annotations and forwarded";
}

TEST_F(GovernedSessionTest, ToolsListHidesAlwaysDeniedTools) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  session_.on_server_line(kToolsList);
  json reply = last_to_client();
  ASSERT_EQ(reply["result"]["tools"].size(), 1u);
  EXPECT_EQ(reply["result"]["tools"][0]["name"], "read_text_file");
}

TEST_F(GovernedSessionTest, EscapedToolNameIsJudgedDecoded) {
  list_tools();
  session_.on_client_line(R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"write\u005ffile","arguments":{}}})");
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_server.empty());
  EXPECT_EQ(last_to_client()["result"]["isError"], true);
}

TEST_F(GovernedSessionTest, BatchWithAToolCallIsRefusedWhole) {
  list_tools();
  session_.on_client_line("[" + call(9, "read_text_file") + "," + call(10, "write_file") + "]");
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_server.empty());
  json replies = last_to_client();
  ASSERT_TRUE(replies.is_array());
  EXPECT_EQ(replies.size(), 2u);
}

TEST_F(GovernedSessionTest, ToolCallNotificationIsDropped) {
  list_tools();
  session_.on_client_line(R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":"write_file","arguments":{}}})");
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_server.empty());
}

// The footer item is spliced into the result as JSON text built from pieces;
// a policy name with characters JSON must escape is escaped there.
TEST(FooterSpliceTest, APolicyNameWithQuotesAndBackslashesIsEscaped) {
  const std::string path = ::testing::TempDir() + "/footer-splice-policy.yaml";
  std::ofstream(path) << "version: 1\nname: 'say \"hi\" \\ now'\ndefault: allow\n";
  auto policy = policy::Policy::load_file(path);
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  FakeClock clock;
  CapturingOutput out;
  ManualAuditor auditor;
  Session session(testing::governed_options(), out, clock, Governance{&policy.value(), &auditor, nullptr});
  session.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  session.on_server_line(kToolsList);
  auditor.commit_all();
  session.on_client_line(call(7, "read_text_file"));
  auditor.commit_all();
  session.on_server_line(R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hi"}]}})");
  ASSERT_FALSE(out.to_client.empty());
  json reply = json::parse(out.to_client.back());
  ASSERT_EQ(reply["result"]["content"].size(), 2u);
  const json& footer = reply["result"]["content"][1];
  EXPECT_NE(footer["text"].get<std::string>().find(R"(policy say "hi" \ now)"), std::string::npos) << footer.dump();
  EXPECT_NE(out.to_client.back().find("," + footer.dump() + "]"), std::string::npos)
      << "spliced as dump_wire() would write it: " << out.to_client.back();
}

TEST_F(GovernedSessionTest, AllowedResultGetsTheFooterAndTheOutcomeIsRecorded) {
  list_tools();
  session_.on_client_line(call(11, "read_text_file"));
  auditor_.commit_all();
  session_.on_server_line(R"({"jsonrpc":"2.0","id":11,"result":{"content":[{"type":"text","text":"hi"}],"structuredContent":{"t":"hi"}}})");
  json reply = last_to_client();
  ASSERT_EQ(reply["result"]["content"].size(), 2u);
  EXPECT_NE(reply["result"]["content"][1]["text"].get<std::string>().find("audit #"), std::string::npos);
  EXPECT_NE(out_.to_client.back().find("}," + reply["result"]["content"][1].dump() + "]"), std::string::npos)
      << "the footer item is spliced in as compact JSON with sorted keys";
  EXPECT_EQ(reply["result"]["structuredContent"], json({{"t", "hi"}})) << "never inside structuredContent";
  ASSERT_FALSE(auditor_.queued.empty());
  EXPECT_EQ(auditor_.queued.back().first.kind, audit::EntryKind::kToolResult);
  // The payload is compact JSON with sorted keys, as dump_wire() writes it.
  const std::string& payload = auditor_.queued.back().first.payload;
  json recorded = json::parse(payload);
  EXPECT_EQ(payload, recorded.dump());
  EXPECT_EQ(recorded["outcome"], "ok");
  EXPECT_GE(recorded["call_seq"].get<int64_t>(), 1);
  EXPECT_GE(recorded["latency_us"].get<int64_t>(), 0);
  EXPECT_GT(recorded["result_bytes"].get<int64_t>(), 90);
  EXPECT_EQ(recorded["result_sha256"].get<std::string>().size(), 64u);
  EXPECT_FALSE(recorded.contains("error"));
}

TEST_F(GovernedSessionTest, TheCallEntryRecordsRedactedArgumentsAndTheDecisionAsSortedCompactJson) {
  list_tools();
  session_.on_client_line(
      R"({"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":"read_text_file","arguments":{"path":"/tmp/x","token":"s3cr3t-value"}}})");
  ASSERT_FALSE(auditor_.queued.empty());
  const audit::NewEntry& entry = auditor_.queued.back().first;
  ASSERT_EQ(entry.kind, audit::EntryKind::kToolCall);
  json recorded = json::parse(entry.payload);
  EXPECT_EQ(entry.payload, recorded.dump());
  EXPECT_EQ(recorded["arguments"]["path"], "/tmp/x");
  EXPECT_EQ(entry.payload.find("s3cr3t-value"), std::string::npos) << entry.payload;
  EXPECT_EQ(recorded["decision"]["action"], entry.decision);
}

TEST_F(GovernedSessionTest, AnRpcErrorIsRecordedWithItsErrorObject) {
  list_tools();
  session_.on_client_line(call(13, "read_text_file"));
  auditor_.commit_all();
  session_.on_server_line(R"({"jsonrpc":"2.0","id":13,"error":{"code":-32602,"message":"bad \"path\""}})");
  ASSERT_FALSE(auditor_.queued.empty());
  const audit::NewEntry& entry = auditor_.queued.back().first;
  ASSERT_EQ(entry.kind, audit::EntryKind::kToolResult);
  json recorded = json::parse(entry.payload);
  EXPECT_EQ(entry.payload, recorded.dump());
  EXPECT_EQ(recorded["outcome"], "error");
  EXPECT_EQ(recorded["error"], json({{"code", -32602}, {"message", "bad \"path\""}}));
}

TEST_F(GovernedSessionTest, ANonBooleanIsErrorIsRelayedUndecoratedAndRecordedAsAnError) {
  list_tools();
  for (const char* flag : {R"("yes")", "1", "null", "{}", "[false]"}) {
    SCOPED_TRACE(flag);
    session_.on_client_line(call(16, "read_text_file"));
    auditor_.commit_all();
    std::string response = std::string(R"({"jsonrpc":"2.0","id":16,"result":{"content":[{"type":"text","text":"x"}],"isError":)") +
                           flag + "}}";
    session_.on_server_line(response);  // used to throw nlohmann's type_error out of the Session
    EXPECT_EQ(out_.to_client.back(), response) << "no footer on what may be an error";
    ASSERT_FALSE(auditor_.queued.empty());
    EXPECT_EQ(json::parse(auditor_.queued.back().first.payload)["outcome"], "is_error");
    auditor_.commit_all();
  }
  session_.on_client_line(call(17, "read_text_file"));
  auditor_.commit_all();
  session_.on_server_line(R"({"jsonrpc":"2.0","id":17,"result":{"content":[],"isError":false}})");
  EXPECT_EQ(last_to_client()["result"]["content"].size(), 1u) << "isError false: the footer is added";
}

// Found by tests/fuzz/proxy_session_fuzzer.cc: operator[] on a result that
// is not an object threw type_error out of hide_denied_tools.
TEST_F(GovernedSessionTest, AToolsListResultThatIsNotAnObjectIsRelayedAsItCame) {
  for (const char* result : {"[]", R"("tools")", "7", "null", R"({"tools":{"a":1}})"}) {
    SCOPED_TRACE(result);
    session_.on_client_line(R"({"jsonrpc":"2.0","id":31,"method":"tools/list"})");
    std::string response = std::string(R"({"jsonrpc":"2.0","id":31,"result":)") + result + "}";
    session_.on_server_line(response);
    ASSERT_FALSE(out_.to_client.empty());
    EXPECT_EQ(out_.to_client.back(), response);
  }
}

// Found by the fuzzer: a request answered inside a server batch stayed
// pending and was answered a second time when the server exited.
TEST_F(GovernedSessionTest, ARequestAnsweredInsideAServerBatchIsNotAnsweredAgain) {
  list_tools();
  session_.on_client_line(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
  session_.on_client_line(call(3, "read_text_file"));
  auditor_.commit_all();
  session_.on_server_line(R"([{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":3,"result":{"content":[]}}])");
  std::size_t replies = out_.to_client.size();
  ASSERT_FALSE(auditor_.queued.empty()) << "the batched tools/call result is recorded";
  EXPECT_EQ(auditor_.queued.back().first.kind, audit::EntryKind::kToolResult);
  session_.fail_pending_client_requests("the server exited");
  EXPECT_EQ(out_.to_client.size(), replies) << "both were answered by the batch";
}

TEST_F(GovernedSessionTest, AToolErrorIsRecordedAsIsError) {
  list_tools();
  session_.on_client_line(call(14, "read_text_file"));
  auditor_.commit_all();
  session_.on_server_line(R"({"jsonrpc":"2.0","id":14,"result":{"content":[],"isError":true}})");
  ASSERT_FALSE(auditor_.queued.empty());
  json recorded = json::parse(auditor_.queued.back().first.payload);
  EXPECT_EQ(recorded["outcome"], "is_error");
}

TEST_F(GovernedSessionTest, ErrorResultGetsNoFooter) {
  list_tools();
  session_.on_client_line(call(12, "read_text_file"));
  auditor_.commit_all();
  std::string error_result = R"({"jsonrpc":"2.0","id":12,"result":{"content":[{"type":"text","text":"no"}],"isError":true}})";
  session_.on_server_line(error_result);
  EXPECT_EQ(out_.to_client.back(), error_result);
}

TEST_F(GovernedSessionTest, HandshakeNamesTheClientInTheLogWhileTheSessionRuns) {
  std::string huge(10000, 'x');
  session_.on_client_line(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
                          R"("clientInfo":{"name":"claude-ai","version":"1.2","padding":")" + huge + R"("}}})");
  session_.on_server_line(R"({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25",)"
                          R"("serverInfo":{"name":"fs","version":")" + huge + R"("},"capabilities":{}}})");
  auditor_.commit_all();
  const audit::NewEntry* entry = auditor_.last_of(audit::EntryKind::kHandshake);
  ASSERT_NE(entry, nullptr) << "recorded when the server answers initialize, not only at session end";
  EXPECT_EQ(entry->session_id, "test-session");
  json payload = json::parse(entry->payload);
  EXPECT_EQ(payload["client_info"], json({{"name", "claude-ai"}, {"version", "1.2"}})) << "only what names it";
  EXPECT_EQ(payload["protocol_version"], "2025-11-25");
  EXPECT_EQ(payload["server_info"]["version"].get<std::string>().size(), 256u) << "cut: the server chose it";
}

}  // namespace
}  // namespace mcp_warden::proxy
