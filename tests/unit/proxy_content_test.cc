// Content inspection in the governed Session, with the real presets and a
// fake audit log: arguments judged by content, results redacted or passed
// byte for byte, tool listings stripped of hidden instructions before the
// catalog is built, and no value in any audit entry.
#include <gtest/gtest.h>

#include <string>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/session.h"
#include "proxy_test_support.h"

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;
using testing::CapturingOutput;
using testing::ManualAuditor;

constexpr const char* kAwsKey = "AKIAJCTQT4UEQYT6BHHV";
constexpr const char* kKeyBlock =
    "-----BEGIN RSA PRIVATE KEY-----\\nU89K1D5a0HECbLMQsNcCGctd76LCNUH1lS/2wLfKkaVE+tNMO66iv9b4+b8p6k/c\\n"
    "sDZVefZO9jDOmlpFbYfogYtGEwbEFonsIX0eZ776Hehdz2GXnBo1nKo63sZEqqZ3\\n-----END RSA PRIVATE KEY-----";

const char* kToolsList = testing::kReadWriteToolsList;

class ContentSessionTest : public ::testing::Test {
 protected:
  explicit ContentSessionTest(const char* preset = "moderate")
      : policy_(policy::Policy::load_preset(preset).value()),
        session_(options(), out_, clock_, Governance{&policy_, &auditor_, nullptr}) {}

  static SessionOptions options() { return testing::governed_options("filesystem", /*footer=*/false); }

  void list_tools(const std::string& listing = kToolsList) {
    session_.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
    session_.on_server_line(listing);
    auditor_.commit_all();
  }

  // A tools/call with `arguments_json`, committed; true when it was forwarded.
  bool call(int id, const std::string& tool, const std::string& arguments_json) {
    std::size_t before = out_.to_server.size();
    session_.on_client_line(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                            R"(,"method":"tools/call","params":{"name":")" + tool + R"(","arguments":)" +
                            arguments_json + "}}");
    auditor_.commit_all();
    return out_.to_server.size() > before;
  }

  std::string all_entries() const {
    std::string out;
    for (const audit::NewEntry& e : auditor_.committed) out += e.payload + "\n";
    return out;
  }

  FakeClock clock_;
  CapturingOutput out_;
  ManualAuditor auditor_;
  policy::Policy policy_;
  Session session_;
};

TEST_F(ContentSessionTest, APrivateKeyAsFileContentIsDeniedAndTheEntryHoldsOnlyItsHashlessFinding) {
  list_tools();
  EXPECT_FALSE(call(2, "write_file", std::string(R"({"path":"/tmp/k","content":")") + kKeyBlock + "\"}"));
  json reply = json::parse(out_.to_client.back());
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_EQ(reply["result"]["_meta"]["mcp-warden"]["rule"], "secret-content");
  const audit::NewEntry* entry = auditor_.last_of(audit::EntryKind::kToolCall);
  ASSERT_NE(entry, nullptr);
  json payload = json::parse(entry->payload);
  ASSERT_TRUE(payload.contains("content")) << entry->payload;
  EXPECT_EQ(payload["content"]["findings"][0]["kind"], "secret");
  EXPECT_EQ(payload["content"]["findings"][0]["where"], "/content");
  EXPECT_EQ(all_entries().find("U89K1D5a0HECbLMQ"), std::string::npos) << all_entries();
}

TEST_F(ContentSessionTest, ATokenInAUrlIsDenied) {
  list_tools();
  EXPECT_FALSE(call(3, "write_file", std::string(R"({"path":"https://x.example/?k=)") + kAwsKey + "\"}"));
  EXPECT_TRUE(call(4, "write_file", R"({"path":"/tmp/notes.txt","content":"hello"})"));
}

TEST_F(ContentSessionTest, ASecretUsedAsAKeyIsDeniedAndNeverNamedByAPointer) {
  list_tools();
  EXPECT_FALSE(call(10, "write_file", std::string(R"({"path":"/tmp/a","meta":{")") + kAwsKey + R"(":{"note":"card 4539 1488 0343 6467"}}})"));
  EXPECT_EQ(all_entries().find(kAwsKey), std::string::npos) << all_entries();
  EXPECT_NE(all_entries().find("/meta/[REDACTED:secret]/note"), std::string::npos) << all_entries();
}

TEST_F(ContentSessionTest, AResultWithoutFindingsIsForwardedByteForByte) {
  list_tools();
  ASSERT_TRUE(call(5, "read_text_file", R"({"path":"/tmp/a"})"));
  const std::string line = R"({"result":{"content":[{"type":"text","text":"plain \u00e9 text"}]} ,"jsonrpc":"2.0","id":5})";
  session_.on_server_line(line);
  EXPECT_EQ(out_.to_client.back(), line);
}

TEST_F(ContentSessionTest, ASecretInAResultIsRedactedInPlaceAndListedInMeta) {
  list_tools();
  ASSERT_TRUE(call(6, "read_text_file", R"({"path":"/tmp/a"})"));
  session_.on_server_line(std::string(R"({"jsonrpc":"2.0","id":6,"result":{"content":[{"type":"text","text":"id=)") +
                          kAwsKey + R"( ok"}],"structuredContent":{"n":1,"s":")" + kAwsKey + R"(","m":{")" + kAwsKey +
                          R"(":true}}}})");
  auditor_.commit_all();
  json reply = json::parse(out_.to_client.back());
  EXPECT_EQ(reply["result"]["content"][0]["text"], "id=[REDACTED:secret] ok");
  EXPECT_EQ(reply["result"]["structuredContent"]["s"], "[REDACTED:secret]");
  EXPECT_EQ(reply["result"]["structuredContent"]["n"], 1);
  EXPECT_EQ(reply["result"]["structuredContent"]["m"], (json{{"[REDACTED:secret]", true}})) << "a key is text too";
  json redacted = reply["result"]["_meta"]["mcp-warden"]["redacted"];
  ASSERT_EQ(redacted.size(), 3u) << redacted;
  EXPECT_EQ(redacted[0], (json{{"kind", "secret"}, {"where", "/content/0/text"}, {"count", 1}}));
  const audit::NewEntry* outcome = auditor_.last_of(audit::EntryKind::kToolResult);
  ASSERT_NE(outcome, nullptr);
  json payload = json::parse(outcome->payload);
  EXPECT_EQ(payload["content"]["action"], "redact");
  EXPECT_EQ(payload["content"]["rule"], "redact-secrets");
  EXPECT_EQ(all_entries().find(kAwsKey), std::string::npos);
}

TEST_F(ContentSessionTest, AResourceReadResultIsRedactedToo) {
  session_.on_client_line(R"({"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"file:///tmp/a"}})");
  auditor_.commit_all();
  ASSERT_FALSE(out_.to_server.empty());
  session_.on_server_line(std::string(R"({"jsonrpc":"2.0","id":7,"result":{"contents":[{"uri":"file:///tmp/a","text":")") +
                          kAwsKey + R"(","mimeType":"text/plain"},{"uri":"file:///b","blob":"QUtJQQ=="}]}})");
  json reply = json::parse(out_.to_client.back());
  EXPECT_EQ(reply["result"]["contents"][0]["text"], "[REDACTED:secret]");
  EXPECT_EQ(reply["result"]["contents"][1]["blob"], "QUtJQQ==") << "binary is not decoded";
}

TEST_F(ContentSessionTest, HiddenInstructionsInToolDescriptionsAreStrippedBeforeTheCatalog) {
  std::string tag = "\xF3\xA0\x80\x81";  // U+E0001 LANGUAGE TAG
  std::string listing = std::string(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_text_file",)") +
                        R"("description":"Reads a file.)" + tag + tag + R"(","inputSchema":{"type":"object"},)" +
                        R"("annotations":{"readOnlyHint":true}}]}})";
  list_tools(listing);
  json shown = json::parse(out_.to_client.back());
  EXPECT_EQ(shown["result"]["tools"][0]["description"], "Reads a file.");
  const audit::NewEntry* catalog = auditor_.last_of(audit::EntryKind::kCatalog);
  ASSERT_NE(catalog, nullptr);
  json payload = json::parse(catalog->payload);
  ASSERT_TRUE(payload.contains("content")) << catalog->payload;
  EXPECT_EQ(payload["content"][0]["findings"][0]["kind"], "hidden_instruction");
  ASSERT_NE(session_.catalog().find("read_text_file"), nullptr);
}

TEST_F(ContentSessionTest, ASecretAtTheBottomOfADeeplyNestedArgumentIsFound) {
  list_tools();
  std::string deep = std::string(990, '[') + "\"" + kAwsKey + "\"" + std::string(990, ']');
  EXPECT_FALSE(call(8, "write_file", R"({"v":)" + deep + "}"));
  EXPECT_TRUE(call(9, "write_file", R"({"v":)" + std::string(990, '[') + "1" + std::string(990, ']') + "}"));
}

TEST(ContentWithholdTest, ADenyResponseRuleWithholdsTheResultAndRecordsWhy) {
  auto policy = policy::Policy::parse(
      "version: 1\ndefault: allow\nresponses:\n  - {name: no-keys-out, match: {content: secret}, action: deny}\n",
      "test.yaml");
  ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
  FakeClock clock;
  CapturingOutput out;
  ManualAuditor auditor;
  Session session(testing::governed_options("filesystem", /*footer=*/false), out, clock, Governance{&policy.value(), &auditor, nullptr});
  session.on_client_line(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  session.on_server_line(kToolsList);
  session.on_client_line(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_text_file","arguments":{}}})");
  auditor.commit_all();
  session.on_server_line(std::string(R"({"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":")") + kAwsKey +
                         R"("}]}})");
  auditor.commit_all();
  ASSERT_FALSE(out.to_client.empty());
  EXPECT_EQ(out.to_client.back().find(kAwsKey), std::string::npos) << out.to_client.back();
  json reply = json::parse(out.to_client.back());
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_NE(reply["result"]["content"][0]["text"].get<std::string>().find("no-keys-out"), std::string::npos);
  const audit::NewEntry* outcome = auditor.last_of(audit::EntryKind::kToolResult);
  ASSERT_NE(outcome, nullptr);
  json payload = json::parse(outcome->payload);
  EXPECT_EQ(payload["content"]["withheld"], true);
  EXPECT_EQ(payload["content"]["action"], "deny");
}

}  // namespace
}  // namespace mcp_warden::proxy
