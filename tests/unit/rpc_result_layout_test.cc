// locate_result() against the parsed DOM: on every response here, what the
// scanner reports (result object, isError flag, _meta, where result.content
// ends) matches what nlohmann reads from the same text, and a footer spliced
// at content_end gives the same JSON as pushing it onto the parsed array.
#include "mcp_warden/rpc/result_layout.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/rpc/message.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

const json kFooter = {{"type", "text"}, {"text", "footer \"quoted\" ]}"}};

// What the DOM path does: append the footer to result.content if it is an array.
json decorated_by_dom(const std::string& raw) {
  json body = json::parse(raw);
  json& result = body["result"];
  if (result.is_object() && result.contains("content") && result["content"].is_array()) {
    result["content"].push_back(kFooter);
  }
  return body;
}

void expect_matches_dom(const std::string& raw) {
  SCOPED_TRACE(raw);
  ASSERT_TRUE(std::holds_alternative<Message>(skim_message(raw))) << "the precondition: strict JSON";
  std::optional<ResultLayout> layout = locate_result(raw);
  ASSERT_TRUE(layout.has_value());
  json body = json::parse(raw);
  const json& result = body["result"];
  EXPECT_EQ(layout->result_is_object, result.is_object());
  if (!result.is_object()) return;
  auto flag = result.find("isError");
  EXPECT_EQ(layout->is_error_flagged, flag != result.end() && *flag != json(false));
  EXPECT_EQ(layout->has_meta, result.contains("_meta"));
  bool content_array = result.contains("content") && result["content"].is_array();
  ASSERT_EQ(layout->content_end.has_value(), content_array);
  if (!content_array) return;
  EXPECT_EQ(raw[*layout->content_end], ']');
  EXPECT_EQ(layout->content_empty, result["content"].empty());
  std::string spliced = raw;
  std::string item = kFooter.dump();
  spliced.insert(*layout->content_end, layout->content_empty ? item : "," + item);
  EXPECT_EQ(json::parse(spliced), decorated_by_dom(raw)) << spliced;
}

TEST(ResultLayoutTest, AgreesWithTheDomOnEveryShapeOfResult) {
  const std::vector<std::string> responses = {
      R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}})",
      R"({"result":{"content":[]},"id":2,"jsonrpc":"2.0"})",
      R"({"jsonrpc":"2.0","id":3,"result":{"content":[ ],"isError":false}})",
      R"({"jsonrpc":"2.0","id":4,"result":{"isError":true,"content":[{"type":"text","text":"no"}]}})",
      R"({"jsonrpc":"2.0","id":5,"result":{"isError":"false","content":[]}})",
      R"({"jsonrpc":"2.0","id":6,"result":{"isError":null,"content":[1,2]}})",
      R"({"jsonrpc":"2.0","id":7,"result":{"isError":0,"content":[]}})",
      R"({"jsonrpc":"2.0","id":8,"result":{"content":"not an array"}})",
      R"({"jsonrpc":"2.0","id":9,"result":{"content":{"0":1}}})",
      R"({"jsonrpc":"2.0","id":10,"result":{}})",
      R"({"jsonrpc":"2.0","id":11,"result":[1,2,3]})",
      R"({"jsonrpc":"2.0","id":12,"result":"text"})",
      R"({"jsonrpc":"2.0","id":13,"result":null})",
      R"({"jsonrpc":"2.0","id":14,"result":{"_meta":{"content":[9]},"structuredContent":{"content":[1]},"content":[{"text":"a]b}c\"d\\","type":"text"}]}})",
      "{ \"jsonrpc\" : \"2.0\" ,\n \"id\" : 15 ,\t\"result\" : {\t\n \"content\" : [ {\"type\":\"text\",\"text\":\"x\"} , 7 , [ ] ] , \"isError\" : false } }",
      R"({"jsonrpc":"2.0","id":"s-16","result":{"content":[{"type":"text","text":"caf\u00e9 \ud83d\udd12"}],"isError":false}})",
      R"({"jsonrpc":"2.0","id":17,"result":{"content":[[["[",{"]":"}"}]]],"n":-1.5e3,"t":true,"f":false}})",
      R"({"jsonrpc":"2.0","id":18,"result":{"a":{"isError":true},"content":[]}})",
      R"({"jsonrpc":"2.0","id":19,"result":{"content":[]},"extra":{"result":{"content":[1]}}})",
  };
  for (const std::string& raw : responses) expect_matches_dom(raw);
}

TEST(ResultLayoutTest, KeysSpelledWithEscapesAreLeftToTheDom) {
  // "isError" and "content" spelled with escapes decode to the same names:
  // the scanner does not decode, so it must not answer.
  EXPECT_FALSE(locate_result(R"({"jsonrpc":"2.0","id":1,"result":{"is\u0045rror":true,"content":[]}})"));
  EXPECT_FALSE(locate_result(R"({"jsonrpc":"2.0","id":1,"result":{"con\u0074ent":[]}})"));
  EXPECT_FALSE(locate_result(R"({"jsonrpc":"2.0","id":1,"re\u0073ult":{"content":[]}})"));
  EXPECT_FALSE(locate_result(R"({"jsonrpc":"2.0","i\u0064":1,"result":{"content":[]}})"));
  // An escape inside a value is fine.
  EXPECT_TRUE(locate_result(R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"text":"\u0041\"\\"}]}})"));
}

TEST(ResultLayoutTest, NoResultMeansNoLayout) {
  EXPECT_FALSE(locate_result(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}})"));
  EXPECT_FALSE(locate_result("[1]"));
  EXPECT_FALSE(locate_result(""));
}

}  // namespace
}  // namespace mcp_warden::rpc
