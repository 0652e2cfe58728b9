#include "mcp_warden/proxy/session.h"
#include "proxy_test_support.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;

using testing::CapturingOutput;

class SessionTest : public ::testing::Test {
 protected:
  static SessionOptions options() {
    SessionOptions o;
    o.max_message_bytes = 1000;
    o.server_command = "server-cmd";
    return o;
  }
  SessionTest() : session_(options(), out_, clock_) {}
  json last_to_client() { return json::parse(out_.to_client.back()); }

  FakeClock clock_;
  CapturingOutput out_;
  Session session_;
};

TEST_F(SessionTest, RequestsAndResponsesPassByteForByte) {
  std::string request = R"({"jsonrpc":"2.0", "id":1,"method":"tools/list"})";
  session_.on_client_line(request);
  ASSERT_EQ(out_.to_server.size(), 1u);
  EXPECT_EQ(out_.to_server[0], request);
  EXPECT_EQ(session_.client_pending().size(), 1u);
  std::string response = R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}}  )";
  session_.on_server_line(response);
  ASSERT_EQ(out_.to_client.size(), 1u);
  EXPECT_EQ(out_.to_client[0], response);
  EXPECT_TRUE(session_.client_pending().empty());
}

TEST_F(SessionTest, IdsArePerDirection) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x"}})");
  session_.on_server_line(R"({"jsonrpc":"2.0","id":3,"method":"roots/list"})");
  EXPECT_EQ(session_.client_pending().size(), 1u);
  EXPECT_EQ(session_.server_pending().size(), 1u);
  session_.on_client_line(R"({"jsonrpc":"2.0","id":3,"result":{"roots":[]}})");
  EXPECT_TRUE(session_.server_pending().empty());
  EXPECT_EQ(session_.client_pending().size(), 1u) << "the client's own request 3 is still pending";
}

TEST_F(SessionTest, UnparsableClientLineGetsParseErrorAndNextIsServed) {
  session_.on_client_line("{oops");
  ASSERT_EQ(out_.to_client.size(), 1u);
  EXPECT_EQ(last_to_client()["error"]["code"], rpc::kParseError);
  EXPECT_TRUE(last_to_client()["id"].is_null());
  EXPECT_TRUE(out_.to_server.empty());
  session_.on_client_line(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
  EXPECT_EQ(out_.to_server.size(), 1u);
}

TEST_F(SessionTest, NullIdRequestIsRefusedWithInvalidRequest) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":null,"method":"ping"})");
  EXPECT_EQ(last_to_client()["error"]["code"], rpc::kInvalidRequest);
  EXPECT_TRUE(out_.to_server.empty());
}

TEST_F(SessionTest, ArgumentsNullIsRelayedFaithfully) {
  std::string line = R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":null}})";
  session_.on_client_line(line);
  ASSERT_EQ(out_.to_server.size(), 1u);
  EXPECT_EQ(out_.to_server[0], line);
}

TEST_F(SessionTest, OversizedRequestGetsAnErrorNamingTheLimitWithItsId) {
  session_.on_client_oversized({5000, R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"a":"xxx)", "xx\"}}}"});
  json reply = last_to_client();
  EXPECT_EQ(reply["id"], 9);
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("1000 bytes"), std::string::npos);
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("5000"), std::string::npos);
  EXPECT_TRUE(out_.to_server.empty());
}

TEST_F(SessionTest, OversizedClientResponseFailsTheServersRequestInstead) {
  session_.on_server_line(R"({"jsonrpc":"2.0","id":5,"method":"sampling/createMessage","params":{}})");
  out_.to_client.clear();
  session_.on_client_oversized({5000, R"({"result":{"content":"xxxx)", R"(xx"},"jsonrpc":"2.0","id":5})"});
  EXPECT_TRUE(out_.to_client.empty());
  ASSERT_EQ(out_.to_server.size(), 1u);
  json reply = json::parse(out_.to_server[0]);
  EXPECT_EQ(reply["id"], 5);
  EXPECT_TRUE(reply.contains("error"));
  EXPECT_TRUE(session_.server_pending().empty());
}

TEST_F(SessionTest, NonProtocolServerOutputIsDroppedAndCounted) {
  session_.on_server_line("Server starting on stdio...");
  EXPECT_TRUE(out_.to_client.empty());
  EXPECT_EQ(session_.counters().server_non_protocol_lines, 1u);
}

TEST_F(SessionTest, AGarbledServerResponseIsAnsweredWithAnErrorNotLeftPending) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"a"}})");
  // Invalid UTF-8 inside the text: the line is refused, but its id can be read.
  session_.on_server_line("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"text\":\"\xff\xfe\"}}");
  ASSERT_EQ(out_.to_client.size(), 1u);
  json reply = last_to_client();
  EXPECT_EQ(reply["id"], 9);
  EXPECT_EQ(reply["error"]["code"], rpc::kInternalError);
  EXPECT_TRUE(session_.client_pending().empty());
  EXPECT_EQ(session_.counters().server_non_protocol_lines, 1u);
}

TEST_F(SessionTest, ServerExitAnswersEveryPendingRequest) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}})");
  session_.on_client_line(R"({"jsonrpc":"2.0","id":"two","method":"tools/call","params":{"name":"b"}})");
  session_.fail_pending_client_requests("server died");
  ASSERT_EQ(out_.to_client.size(), 2u);
  std::vector<json> ids;
  for (auto& line : out_.to_client) ids.push_back(json::parse(line)["id"]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), json(1)), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), json("two")), ids.end());
  EXPECT_TRUE(session_.client_pending().empty());
}

TEST_F(SessionTest, CancelledRequestIsNoLongerPending) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"slow"}})");
  session_.on_client_line(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":8}})");
  EXPECT_TRUE(session_.client_pending().empty());
  EXPECT_EQ(out_.to_server.size(), 2u);
}

TEST_F(SessionTest, UnavailableServerAnswersInitializeWithTheReason) {
  session_.set_server_unavailable("cannot start MCP server: command not found: nope");
  EXPECT_FALSE(session_.done());
  session_.on_client_line(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}})");
  json reply = last_to_client();
  EXPECT_EQ(reply["id"], 0);
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  EXPECT_TRUE(session_.done());
}

TEST_F(SessionTest, HandshakeIsRecorded) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"c","version":"1"}}})");
  session_.on_server_line(R"({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","serverInfo":{"name":"s","version":"2"},"capabilities":{}}})");
  EXPECT_TRUE(session_.handshake().initialized);
  EXPECT_EQ(session_.handshake().negotiated_version, "2025-06-18");
  EXPECT_EQ(session_.handshake().client_info["name"], "c");
}

}  // namespace
}  // namespace mcp_warden::proxy
