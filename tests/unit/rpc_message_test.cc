#include "mcp_warden/rpc/message.h"

#include <cstdint>

#include <gtest/gtest.h>

#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

Message parse_ok(const std::string& line) {
  auto parsed = parse_message(line);
  EXPECT_TRUE(std::holds_alternative<Message>(parsed)) << line;
  return std::get<Message>(std::move(parsed));
}

MessageError parse_error(const std::string& line) {
  auto parsed = parse_message(line);
  EXPECT_TRUE(std::holds_alternative<MessageError>(parsed)) << line;
  return std::get<MessageError>(std::move(parsed));
}

TEST(MessageTest, ClassifiesRequestNotificationAndResponse) {
  Message request = parse_ok(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}})");
  EXPECT_EQ(request.kind, MessageKind::kRequest);
  EXPECT_EQ(request.method, "tools/call");
  EXPECT_EQ(request.id, json(7));
  EXPECT_EQ(parse_ok(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").kind, MessageKind::kNotification);
  EXPECT_EQ(parse_ok(R"({"jsonrpc":"2.0","id":"a","result":{}})").kind, MessageKind::kResponse);
  EXPECT_EQ(parse_ok(R"({"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}})").kind, MessageKind::kResponse);
}

TEST(MessageTest, TellsWhetherResultOrErrorIsPresent) {
  Message result = parse_ok(R"({"id":1,"result":{}})");
  EXPECT_TRUE(result.has_result);
  EXPECT_FALSE(result.has_error);
  Message error = parse_ok(R"({"id":1,"error":{"code":1,"message":"x"}})");
  EXPECT_FALSE(error.has_result);
  EXPECT_TRUE(error.has_error);
  Message nested = parse_ok(R"({"method":"n","params":{"result":1}})");
  EXPECT_FALSE(nested.has_result);
}

TEST(MessageTest, KeepsTheRawLineByteForByte) {
  std::string line = "{ \"id\" : 1 , \"method\":\"ping\" }\r";
  EXPECT_EQ(parse_ok(line).raw, line);
}

TEST(MessageTest, UnparsableLineIsAParseErrorWithNullId) {
  MessageError e = parse_error("{not json");
  EXPECT_EQ(e.code, kParseError);
  EXPECT_TRUE(e.id.is_null());
}

TEST(MessageTest, InvalidUtf8IsAParseError) {
  EXPECT_EQ(parse_error("{\"id\":1,\"method\":\"a\xff\"}").code, kParseError);
}

TEST(MessageTest, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  MessageError e = parse_error(deep);
  EXPECT_EQ(e.code, kParseError);
  EXPECT_NE(e.message.find("nested deeper"), std::string::npos) << e.message;
}

TEST(MessageTest, DuplicateKeysAreRefused) {
  MessageError e = parse_error(R"({"id":1,"method":"tools/call","params":{"name":"a","name":"b"}})");
  EXPECT_EQ(e.code, kParseError);
  EXPECT_NE(e.message.find("duplicate"), std::string::npos);
}

TEST(MessageTest, EscapedStringsAreDecoded) {
  Message m = parse_ok(R"({"id":1,"method":"tools/call","params":{"name":"write\u005ffile"}})");
  EXPECT_EQ(m.body["params"]["name"], "write_file");
}

TEST(MessageTest, RequestIdsMustBeStringsOrIntegers) {
  for (const char* line : {R"({"id":null,"method":"ping"})", R"({"id":{"a":1},"method":"ping"})",
                           R"({"id":[1],"method":"ping"})", R"({"id":1.5,"method":"ping"})",
                           R"({"id":true,"method":"ping"})"}) {
    MessageError e = parse_error(line);
    EXPECT_EQ(e.code, kInvalidRequest) << line;
    EXPECT_TRUE(e.id.is_null()) << line;
  }
}

TEST(MessageTest, NonMessagesAreInvalidRequests) {
  for (const char* line : {"5", "\"x\"", "{}", R"({"method":5})", "[]", "null"}) {
    EXPECT_EQ(parse_error(line).code, kInvalidRequest) << line;
  }
}

TEST(MessageTest, BatchElementsAreClassified) {
  Message m = parse_ok(R"([{"id":1,"method":"ping"},{"method":"notifications/x"}])");
  ASSERT_EQ(m.kind, MessageKind::kBatch);
  ASSERT_EQ(m.batch.size(), 2u);
  EXPECT_EQ(m.batch[0].kind, MessageKind::kRequest);
  EXPECT_EQ(m.batch[1].kind, MessageKind::kNotification);
}

// A raw carriage return is JSON whitespace, so the line is one valid message
// to a strict JSON reader, but a reader with universal newlines (the Python
// SDK's stdio server) splits the line there and reads two other texts.
TEST(MessageTest, RawCarriageReturnInsideALineIsRefusedWithTheRequestId) {
  for (const std::string& line : {
           std::string("{\"jsonrpc\":\"2.0\",\r\"id\":5,\"method\":\"tools/call\",\"params\":{}}"),
           std::string("\r{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{}}"),
           std::string("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{}}\r\r"),
       }) {
    for (auto read : {&parse_message, &skim_message}) {
      auto parsed = read(line, JsonParseOptions{});
      ASSERT_TRUE(std::holds_alternative<MessageError>(parsed)) << testing::PrintToString(line);
      const MessageError& e = std::get<MessageError>(parsed);
      EXPECT_EQ(e.code, kInvalidRequest);
      EXPECT_EQ(e.id, json(5));
      EXPECT_NE(e.message.find("carriage return"), std::string::npos) << e.message;
    }
  }
}

TEST(MessageTest, OneTrailingCarriageReturnIsTolerated) {
  EXPECT_EQ(parse_ok("{\"id\":1,\"method\":\"ping\"}\r").kind, MessageKind::kRequest);
  auto skimmed = skim_message("{\"id\":1,\"method\":\"ping\"}\r");
  EXPECT_TRUE(std::holds_alternative<Message>(skimmed));
}

TEST(MessageTest, EscapedCarriageReturnInAStringIsNotRaw) {
  EXPECT_EQ(parse_ok(R"({"id":1,"method":"x","params":{"s":"a\r\nb"}})").kind, MessageKind::kRequest);
}

TEST(MessageTest, NestedBatchIsRefusedLikeAFlatOneNeverPassedAsAnEmptyElement) {
  MessageError nested = parse_error(R"([[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}]])");
  EXPECT_EQ(nested.code, kInvalidRequest);
  EXPECT_NE(nested.message.find("nested"), std::string::npos) << nested.message;
  auto skimmed = skim_message(R"([{"jsonrpc":"2.0","method":"n"},[{"id":1,"method":"tools/call"}]])");
  EXPECT_TRUE(std::holds_alternative<MessageError>(skimmed));
}

TEST(MessageTest, IdKeysKeepStringAndIntegerApart) {
  EXPECT_NE(id_key(json(1)), id_key(json("1")));
  EXPECT_EQ(id_key(json(1)), id_key(json(1)));
}

TEST(MessageTest, IdKeysAreTheCanonicalJsonTextOfTheId) {
  for (const json& id : {json(0), json(-1), json(42), json(INT64_MIN), json(INT64_MAX), json(UINT64_MAX),
                         json::parse("18446744073709551615"), json::parse("-9223372036854775808"), json("42"),
                         json("caf\u00e9 \"q\""), json::parse("1.5")}) {
    EXPECT_EQ(id_key(id), id.dump()) << id.dump();
  }
  EXPECT_EQ(id_key(json::parse("7")), id_key(json(uint64_t{7})));  // a parsed 7 is unsigned; the same id
  EXPECT_EQ(id_key(json(int64_t{7})), id_key(json(uint64_t{7})));
}

TEST(MessageTest, RecoversIdFromTheHeadOfAnOversizedRequest) {
  RecoveredHeader h = recover_header(R"({"jsonrpc":"2.0","id":"abc","method":"tools/call","params":{"x":"zzzz)", "");
  ASSERT_TRUE(h.id.has_value());
  EXPECT_EQ(*h.id, json("abc"));
  EXPECT_TRUE(h.has_method);
}

TEST(MessageTest, RecoversIdFromTheTailWhenTheSdkPutsItLast) {
  RecoveredHeader h = recover_header(R"({"method":"tools/call","params":{"id":99,"x":"zzz)", R"(zzzz"}},"jsonrpc":"2.0","id":12})");
  ASSERT_TRUE(h.id.has_value());
  EXPECT_EQ(*h.id, json(12));
  RecoveredHeader s = recover_header(R"({"result":{"t":"zz)", R"(zz"},"jsonrpc":"2.0","id":"r-1"})"
                                                                   "\r");
  ASSERT_TRUE(s.id.has_value());
  EXPECT_EQ(*s.id, json("r-1"));
  EXPECT_TRUE(s.has_result_or_error);
}

TEST(MessageTest, NestedIdIsNotMistakenForTheRequestId) {
  RecoveredHeader h = recover_header(R"({"method":"tools/call","params":{"id":99,"x":"zzz)", R"(zz"}}})");
  EXPECT_FALSE(h.id.has_value());
}

TEST(ReplyTest, ErrorReplyEchoesTheId) {
  json reply = json::parse(make_error_reply(json("x"), kParseError, "bad"));
  EXPECT_EQ(reply["id"], "x");
  EXPECT_EQ(reply["error"]["code"], kParseError);
  EXPECT_EQ(reply["jsonrpc"], "2.0");
}

TEST(JsonParseTest, TrailingGarbageIsRefused) {
  EXPECT_FALSE(parse_json_strict("{} x").is_ok());
  EXPECT_TRUE(parse_json_strict("  {}  ").is_ok());
}

}  // namespace
}  // namespace mcp_warden::rpc
