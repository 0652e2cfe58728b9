// Every governed channel through the Session's pipeline, with the real
// strict preset and a fake audit log the test commits by hand: resources,
// prompts, completions, tasks, the server's own requests, forged answers,
// mcp-warden's own requests to the client, and 2026-07-28 retries.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/session.h"
#include "proxy_test_support.h"

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;
using testing::CapturingOutput;
using testing::ManualAuditor;


std::string request(const json& id, const std::string& method, const json& params) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

std::string result(const json& id, const json& value) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", value}}.dump();
}

class ChannelsTest : public ::testing::Test {
 protected:
  ChannelsTest()
      : policy_(policy::Policy::load_preset("strict").value()),
        session_(options(), out_, clock_, Governance{&policy_, &auditor_, nullptr}) {}

  static SessionOptions options() { return testing::governed_options("channels"); }

  json last_to_client() { return json::parse(out_.to_client.back()); }
  json last_to_server() { return json::parse(out_.to_server.back()); }
  json payload_of(audit::EntryKind kind) {
    const audit::NewEntry* entry = auditor_.last_of(kind);
    return entry == nullptr ? json() : json::parse(entry->payload);
  }

  FakeClock clock_;
  CapturingOutput out_;
  ManualAuditor auditor_;
  policy::Policy policy_;
  Session session_;
};

TEST_F(ChannelsTest, ResourceReadOfAKeyIsDeniedInEveryUriFormAndRecorded) {
  int id = 10;
  for (std::string uri : {"file:///home/u/.ssh/id_rsa", "file://localhost/home/u/.ssh/id_rsa",
                          "file:/home/u/.ssh/id_rsa", "file:///home/u/%2Essh/id_rsa", "FILE:///home/u/.ssh/id_rsa"}) {
    out_.to_client.clear();
    session_.on_client_line(request(++id, "resources/read", {{"uri", uri}}));
    EXPECT_TRUE(out_.to_client.empty()) << "nothing is answered before the decision is committed";
    auditor_.commit_all();
    EXPECT_TRUE(out_.to_server.empty()) << uri << " reached the server";
    ASSERT_FALSE(out_.to_client.empty()) << uri;
    json reply = last_to_client();
    EXPECT_EQ(reply["id"], id);
    ASSERT_TRUE(reply.contains("error")) << reply;
    EXPECT_EQ(reply["error"]["code"], kPolicyDenied);
    EXPECT_EQ(reply["error"]["message"].get<std::string>().rfind("mcp-warden blocked", 0), 0u) << reply;
    const audit::NewEntry* entry = auditor_.last_of(audit::EntryKind::kRequest);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->decision, "deny");
    EXPECT_EQ(entry->tool, uri);
    EXPECT_EQ(json::parse(entry->payload)["method"], "resources/read");
  }
}

TEST_F(ChannelsTest, AMalformedUriIsDeniedNotForwarded) {
  int id = 30;
  for (std::string uri : {"file://[::1/tmp/notes.txt", "file:///tmp/a%2", "file:///tmp/a b", "no-scheme", "",
                          "1file:///tmp/x", "file://host]/x", "file://host:99999/x", "file://h:8a/x"}) {
    session_.on_client_line(request(++id, "resources/read", {{"uri", uri}}));
    auditor_.commit_all();
    EXPECT_TRUE(out_.to_server.empty()) << uri << " was forwarded";
    EXPECT_EQ(last_to_client()["error"]["data"]["mcp-warden"]["rule"], "malformed-uri") << uri;
  }
  session_.on_client_line(request(++id, "resources/read", {{"uri", "file://[::1]:80/tmp/x"}}));
  auditor_.commit_all();
  EXPECT_EQ(out_.to_server.size(), 1u) << "a bracketed IPv6 host is well formed";
}

TEST_F(ChannelsTest, AnOrdinaryResourceReadIsForwardedAfterItsCommitAndItsOutcomeRecorded) {
  std::string line = request(2, "resources/read", {{"uri", "file:///tmp/notes.txt"}});
  session_.on_client_line(line);
  EXPECT_TRUE(out_.to_server.empty());
  auditor_.commit_all();
  ASSERT_EQ(out_.to_server.size(), 1u);
  EXPECT_EQ(out_.to_server[0], line) << "forwarded byte for byte";
  std::string answer = result(2, {{"contents", json::array({{{"uri", "file:///tmp/notes.txt"}, {"text", "hi"}}})}});
  session_.on_server_line(answer);
  ASSERT_FALSE(out_.to_client.empty());
  EXPECT_EQ(out_.to_client.back(), answer) << "an unchanged answer passes byte for byte";
  auditor_.commit_all();
  json outcome = payload_of(audit::EntryKind::kResponse);
  EXPECT_EQ(outcome["outcome"], "ok");
  EXPECT_EQ(outcome["method"], "resources/read");
  EXPECT_EQ(outcome["request_seq"], 1);
}

TEST_F(ChannelsTest, PromptAndCompletionArgumentsNamingAKeyAreDenied) {
  session_.on_client_line(request(3, "prompts/get", {{"name", "summarize"}, {"arguments", {{"path", "~/.aws/credentials"}}}}));
  session_.on_client_line(request(4, "completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "summarize"}}},
                                                             {"argument", {{"name", "path"}, {"value", "~/.ssh/"}}}}));
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_server.empty());
  ASSERT_EQ(out_.to_client.size(), 2u);
  for (const std::string& line : out_.to_client) EXPECT_TRUE(json::parse(line).contains("error")) << line;
}

TEST_F(ChannelsTest, AServerAnswerToAHeldRequestIsDroppedAndTheRealAnswerStillPasses) {
  session_.on_client_line(request(5, "resources/read", {{"uri", "file:///tmp/a"}}));
  // The server guesses the id before the request reached it.
  session_.on_server_line(result(5, {{"contents", json::array({{{"uri", "file:///tmp/a"}, {"text", "forged"}}})}}));
  EXPECT_TRUE(out_.to_client.empty()) << "a forged answer reached the client";
  EXPECT_EQ(session_.counters().forged_responses_dropped, 1u);
  auditor_.commit_all();
  ASSERT_EQ(out_.to_server.size(), 1u);
  session_.on_server_line(result(5, {{"contents", json::array()}}));
  ASSERT_EQ(out_.to_client.size(), 1u);
  EXPECT_EQ(last_to_client()["id"], 5);
}

TEST_F(ChannelsTest, AServerAnswerToAnUnknownIdIsDropped) {
  session_.on_server_line(result(99, {{"content", json::array()}}));
  EXPECT_TRUE(out_.to_client.empty());
  EXPECT_EQ(session_.counters().forged_responses_dropped, 1u);
}

TEST_F(ChannelsTest, AClientIdThatLooksLikeOursIsTheClientsOwn) {
  std::string line = request("mcp-warden:tools/list:1", "ping", json::object());
  session_.on_client_line(line);
  ASSERT_EQ(out_.to_server.size(), 1u);
  std::string answer = result("mcp-warden:tools/list:1", json::object());
  session_.on_server_line(answer);
  ASSERT_EQ(out_.to_client.size(), 1u) << "the client's request was consumed as if it were mcp-warden's";
  EXPECT_EQ(out_.to_client[0], answer);
}

TEST_F(ChannelsTest, UnsolicitedSamplingIsDeniedToTheServerAndNeverReachesTheClient) {
  session_.on_server_line(request(7, "sampling/createMessage", {{"messages", json::array()}, {"maxTokens", 10}}));
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_client.empty());
  ASSERT_EQ(out_.to_server.size(), 1u);
  json reply = last_to_server();
  EXPECT_EQ(reply["id"], 7);
  EXPECT_EQ(reply["error"]["message"].get<std::string>().rfind("mcp-warden blocked", 0), 0u);
  json payload = payload_of(audit::EntryKind::kRequest);
  EXPECT_EQ(payload["solicited"], false);
  EXPECT_EQ(payload["direction"], "server_to_client");
}

TEST_F(ChannelsTest, SamplingDuringAForwardedCallIsSolicitedAndItsAnswerRecorded) {
  session_.on_client_line(request(8, "prompts/get", {{"name", "p"}, {"arguments", {{"path", "/tmp/x"}}}}));
  auditor_.commit_all();
  ASSERT_EQ(out_.to_server.size(), 1u);
  std::string sampling = request(1, "sampling/createMessage", {{"messages", json::array()}, {"maxTokens", 10}});
  session_.on_server_line(sampling);
  auditor_.commit_all();
  ASSERT_EQ(out_.to_client.size(), 1u);
  EXPECT_EQ(out_.to_client[0], sampling);
  EXPECT_EQ(payload_of(audit::EntryKind::kRequest)["solicited"], true);
  session_.on_client_line(result(1, {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "ok"}}}, {"model", "m"}}));
  ASSERT_EQ(out_.to_server.size(), 2u);
  auditor_.commit_all();
  EXPECT_EQ(payload_of(audit::EntryKind::kResponse)["method"], "sampling/createMessage");
}

TEST_F(ChannelsTest, UrlElicitationIsDeniedAndItsHostRecorded) {
  session_.on_client_line(request(9, "prompts/get", {{"name", "p"}}));
  auditor_.commit_all();
  session_.on_server_line(request(2, "elicitation/create", {{"mode", "url"}, {"message", "log in"},
                                                            {"url", "https://User@Evil.Example:8443/x?y"},
                                                            {"elicitationId", "e1"}}));
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_client.empty());
  EXPECT_EQ(payload_of(audit::EntryKind::kRequest)["url_host"], "evil.example");
  EXPECT_EQ(auditor_.last_of(audit::EntryKind::kRequest)->decision, "deny");
}

TEST_F(ChannelsTest, AServerRequestWhoseIdCollidesWithAPendingOneIsRefusedAndRecorded) {
  session_.on_server_line(request(3, "roots/list", json::object()));
  auditor_.commit_all();
  ASSERT_EQ(out_.to_client.size(), 1u);
  session_.on_server_line(request(3, "roots/list", json::object()));
  auditor_.commit_all();
  EXPECT_EQ(out_.to_client.size(), 1u) << "the second request with the same id reached the client";
  EXPECT_TRUE(last_to_server().contains("error"));
  EXPECT_EQ(auditor_.last_of(audit::EntryKind::kRequest)->decision, "deny");
}

TEST_F(ChannelsTest, AClientAnswerToARequestItWasNeverSentIsDropped) {
  session_.on_client_line(result(42, {{"roots", json::array()}}));
  EXPECT_TRUE(out_.to_server.empty());
}

TEST_F(ChannelsTest, TasksAreBoundToTheCallsThatCreatedThem) {
  session_.on_client_line(request(11, "tasks/get", {{"taskId", "someone-elses"}}));
  auditor_.commit_all();
  EXPECT_TRUE(out_.to_server.empty());
  json reply = last_to_client();
  EXPECT_EQ(reply["error"]["data"]["mcp-warden"]["rule"], "unknown-task");
}

TEST_F(ChannelsTest, ADeniedTaskAugmentedCallIsAJsonRpcErrorCarryingTheReason) {
  session_.on_client_line(request(12, "tools/call", {{"name", "write_file"}, {"arguments", {{"path", "/tmp/x"}}},
                                                     {"task", {{"ttl", 1000}}}}));
  session_.on_server_line(result(session_.catalog().ready() ? 0 : 0, json::object()));  // not ours: dropped
  // The call waits for the catalog: answer mcp-warden's own listing.
  ASSERT_FALSE(out_.to_server.empty());
  json listing = last_to_server();
  session_.on_server_line(result(listing["id"], {{"tools", json::array()}}));
  auditor_.commit_all();
  json reply = last_to_client();
  ASSERT_TRUE(reply.contains("error")) << reply;
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("strict"), std::string::npos);
}

TEST_F(ChannelsTest, ATaskResultIsRecordedAsTheCreatingCallsOutcome) {
  policy::Policy moderate = policy::Policy::load_preset("moderate").value();
  ManualAuditor auditor;
  CapturingOutput out;
  SessionOptions o = options();
  o.footer = false;
  Session session(o, out, clock_, Governance{&moderate, &auditor, nullptr});
  session.on_client_line(request(1, "tools/list", json::object()));
  session.on_server_line(result(1, {{"tools", json::array({{{"name", "slow"}, {"inputSchema", {{"type", "object"}}}}})}}));
  auditor.commit_all();
  session.on_client_line(request(2, "tools/call", {{"name", "slow"}, {"arguments", json::object()}, {"task", json::object()}}));
  auditor.commit_all();
  session.on_server_line(result(2, {{"task", {{"taskId", "t-1"}, {"status", "working"}}}}));
  session.on_client_line(request(3, "tasks/result", {{"taskId", "t-1"}}));
  auditor.commit_all();
  ASSERT_EQ(out.to_server.size(), 3u) << "tasks/result for a task this proxy created is forwarded";
  session.on_server_line(result(3, {{"content", json::array()}, {"isError", true}}));
  auditor.commit_all();
  const audit::NewEntry* entry = auditor.last_of(audit::EntryKind::kToolResult);
  ASSERT_NE(entry, nullptr);
  json payload = json::parse(entry->payload);
  EXPECT_EQ(payload["task_id"], "t-1");
  EXPECT_EQ(payload["outcome"], "is_error");
  EXPECT_EQ(entry->tool, "slow");
}

TEST_F(ChannelsTest, ARetriedInputRequiredRequestIsJudgedAgainAndLinkedToItsFirstRound) {
  session_.on_client_line(request(20, "prompts/get", {{"name", "p"}, {"arguments", {{"path", "/tmp/x"}}}}));
  auditor_.commit_all();
  std::string state = "opaque\\u0041state";
  session_.on_server_line(R"({"jsonrpc":"2.0","id":20,"result":{"resultType":"input_required","requestState":")" + state + R"("}})");
  ASSERT_FALSE(out_.to_client.empty());
  EXPECT_NE(out_.to_client.back().find(state), std::string::npos) << "requestState passes untouched";
  int64_t first_seq = 1;
  session_.on_client_line(R"({"jsonrpc":"2.0","id":21,"method":"prompts/get","params":{"name":"p","arguments":{"path":"~/.ssh/id_rsa"},"requestState":")" + state + R"(","inputResponses":{}}})");
  auditor_.commit_all();
  json payload = payload_of(audit::EntryKind::kRequest);
  EXPECT_EQ(payload["first_round_seq"], first_seq);
  EXPECT_EQ(auditor_.last_of(audit::EntryKind::kRequest)->decision, "deny") << "the retry is judged on its own";
}

TEST_F(ChannelsTest, OwnRequestsToTheClientAreAnsweredToMcpWardenAndNeverForwarded) {
  std::optional<json> answer;
  session_.request_client("elicitation/create", {{"message", "allow?"}},
                          [&](const rpc::Message* m) { answer = m == nullptr ? json() : m->body; });
  ASSERT_EQ(out_.to_client.size(), 1u);
  json question = last_to_client();
  std::string id = question["id"].get<std::string>();
  EXPECT_EQ(id.rfind(kInternalIdPrefix, 0), 0u);
  EXPECT_GT(id.size(), kInternalIdPrefix.size() + 32) << "the id carries a 128-bit nonce";
  session_.on_client_line(result(id, {{"action", "accept"}}));
  EXPECT_TRUE(out_.to_server.empty()) << "the client's answer to mcp-warden reached the server";
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ((*answer)["result"]["action"], "accept");
}

TEST_F(ChannelsTest, AFilteredToolsListKeepsEachKeptToolsBytesAndKeyOrder) {
  session_.on_client_line(request(1, "tools/list", json::object()));
  const std::string kept = R"({"name":"read_text_file","inputSchema":{"type":"object","required":["path"]},)"
                           R"("annotations":{"readOnlyHint":true},"description":"Reads \u0041 file"})";
  const std::string hidden = R"({"name":"write_file","inputSchema":{"type":"object"}})";
  session_.on_server_line(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[ )" + hidden + ", " + kept +
                          R"( ],"nextCursor":null}})");
  ASSERT_EQ(out_.to_client.size(), 1u);
  // Whitespace between the array's elements goes with the removed ones.
  EXPECT_EQ(out_.to_client[0], R"({"jsonrpc":"2.0","id":1,"result":{"tools":[)" + kept + R"(],"nextCursor":null}})");
}

TEST_F(ChannelsTest, ABatchWithAGovernedRequestIsRefusedWhole) {
  session_.on_client_line(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"file:///etc/hostname"}}])");
  EXPECT_TRUE(out_.to_server.empty());
  ASSERT_EQ(out_.to_client.size(), 1u);
  EXPECT_EQ(last_to_client().size(), 2u);
}

}  // namespace
}  // namespace mcp_warden::proxy
