// skim_message() must refuse exactly what parse_message() refuses, with the
// same error, and classify what it accepts the same way; ensure_body() must
// then give the body parse_message() builds.
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "mcp_warden/rpc/message.h"
#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

std::string describe(const std::variant<Message, MessageError>& result) {
  if (const auto* e = std::get_if<MessageError>(&result)) {
    return "error " + std::to_string(e->code) + " id=" + e->id.dump() + " " + e->message;
  }
  const auto& m = std::get<Message>(result);
  return "message kind=" + std::to_string(static_cast<int>(m.kind)) + " id=" + m.id.dump() + " method=" + m.method +
         " result=" + std::to_string(m.has_result) + " error=" + std::to_string(m.has_error) +
         " batch=" + std::to_string(m.batch.size()) + " params_name=" + json(m.params_name).dump();
}

// Checks that both readers agree on `line`, then that ensure_body() on the
// skimmed message yields parse_message()'s body.
void expect_same(const std::string& line, const JsonParseOptions& options = {}) {
  SCOPED_TRACE(line.size() > 200 ? line.substr(0, 200) + "..." : line);
  auto full = parse_message(line, options);
  auto skim = skim_message(line, options);
  ASSERT_EQ(describe(skim), describe(full));
  if (std::holds_alternative<MessageError>(full)) {
    // A refusal hands the line back, so the caller can still show it.
    EXPECT_EQ(std::get<MessageError>(full).line, line);
    EXPECT_EQ(std::get<MessageError>(skim).line, line);
    return;
  }
  Message& parsed = std::get<Message>(full);
  Message& skimmed = std::get<Message>(skim);
  EXPECT_EQ(skimmed.raw, line);
  EXPECT_EQ(skimmed.id.type(), parsed.id.type());
  for (std::size_t i = 0; i < parsed.batch.size(); ++i) {
    EXPECT_EQ(describe(skimmed.batch[i]), describe(parsed.batch[i])) << "batch element " << i;
  }
  ASSERT_TRUE(ensure_body(skimmed).is_ok());
  EXPECT_TRUE(skimmed.body_parsed);
  EXPECT_EQ(skimmed.body, parsed.body);
}

void expect_same_on_all(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) expect_same(line);
}

Message skim_ok(const std::string& line) {
  auto skimmed = skim_message(line);
  EXPECT_TRUE(std::holds_alternative<Message>(skimmed)) << line << ": " << describe(skimmed);
  return std::get<Message>(std::move(skimmed));
}

MessageError skim_error(const std::string& line, const JsonParseOptions& options = {}) {
  auto skimmed = skim_message(line, options);
  EXPECT_TRUE(std::holds_alternative<MessageError>(skimmed)) << line << ": " << describe(skimmed);
  return std::get<MessageError>(std::move(skimmed));
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// {"id":1,"method":"m","params":{"p":{"p":...{}...}}}: `depth` containers in all.
std::string request_nested(std::size_t depth) {
  std::string inner = "{}";
  for (std::size_t d = 2; d < depth; ++d) inner = R"({"p":)" + inner + "}";
  return R"({"id":1,"method":"m","params":)" + inner + "}";
}

// An object with `keys` distinct keys, then `extra` appended as is.
std::string wide_object(int keys, const std::string& extra = "") {
  std::string line = R"({"id":1,"method":"m","params":{)";
  for (int i = 0; i < keys; ++i) line += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  return line + extra + "}}";
}

// "params" starts with the escaped key "k0", then "k1".."k19" (past the
// linear search: the keys move into an index), then `extra`.
std::string escaped_then_wide(const std::string& extra) {
  std::string line = R"({"id":1,"method":"m","params":{"\u006b0":0)";
  for (int i = 1; i < 20; ++i) line += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  return line + extra + "}}";
}

TEST(SkimTest, AgreesOnTheInputsOfTheMessageTests) {
  expect_same_on_all({
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}})",
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
      R"({"jsonrpc":"2.0","id":"a","result":{}})",
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}})",
      "{ \"id\" : 1 , \"method\":\"ping\" }\r",
      "{not json",
      "{\"id\":1,\"method\":\"a\xff\"}",
      nested_arrays(200000),
      R"({"id":1,"method":"tools/call","params":{"name":"a","name":"b"}})",
      R"({"id":1,"method":"tools/call","params":{"name":"write\u005ffile"}})",
      R"({"id":null,"method":"ping"})",
      R"({"id":{"a":1},"method":"ping"})",
      R"({"id":[1],"method":"ping"})",
      R"({"id":1.5,"method":"ping"})",
      R"({"id":true,"method":"ping"})",
      "5",
      "\"x\"",
      "{}",
      R"({"method":5})",
      "[]",
      "null",
      R"([{"id":1,"method":"ping"},{"method":"notifications/x"}])",
      "{} x",
      "  {}  ",
  });
}

TEST(SkimTest, AgreesOnIdsOfEveryType) {
  for (const char* id : {"1.0", "1e3", "-0", "0", "-1", "9223372036854775807", "-9223372036854775808",
                         "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
                         "-123456789012345678901234567890", "1e400", "true", "false", "null", "{}", "[]",
                         R"({"a":[1]})", "[1,2]", R"("")", R"("mcp-warden:1")", R"("\u0031")"}) {
    for (const char* rest : {R"(,"method":"ping"})", R"(,"result":{}})", R"(,"error":{"code":1}})", "}"}) {
      expect_same(std::string(R"({"jsonrpc":"2.0","id":)") + id + rest);
    }
  }
}

TEST(SkimTest, AgreesOnMethodsAndMembers) {
  expect_same_on_all({
      R"({"method":null,"id":1})",
      R"({"method":{"a":1},"id":1})",
      R"({"method":["tools/call"]})",
      R"({"method":"","id":1})",
      R"({"method":"tools/call","result":1,"error":2,"id":3})",
      R"({"result":1})",
      R"({"error":1})",
      R"({"id":1})",
      R"({"result":1,"error":{"code":1},"id":"x"})",
      R"({"params":{"id":1,"method":"x","result":1}})",
      R"({"params":{"method":"tools/call"},"id":1,"result":null})",
      R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}})",
  });
}

// params.name is the tool of a tools/call, read without building the body;
// only a string directly in a "params" object counts.
TEST(SkimTest, AgreesOnTheToolName) {
  expect_same_on_all({
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"name":"x"}}})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"name":"inner"},"name":"late"}})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"name":"inner"}}})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":{"name":"x"}}})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":["name","x"]})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":[{"name":"x"}]})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","name":"top","params":{}})",
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","result":{"name":"r"},"params":{"n\u0061me":"esc\u00e9"}})",
      R"({"jsonrpc":"2.0","method":"notifications/x","params":{"name":"n"}})",
  });
  EXPECT_EQ(skim_ok(R"({"id":1,"method":"tools/call","params":{"arguments":{"name":"no"},"name":"yes"}})").params_name,
            "yes");
  EXPECT_EQ(skim_ok(R"({"id":1,"method":"tools/call","params":{"n\u0061me":"d\u00e9"}})").params_name, "d\xc3\xa9");
  EXPECT_EQ(skim_ok(R"({"id":1,"method":"tools/call","params":[{"name":"x"}]})").params_name, "");
}

TEST(SkimTest, AgreesOnEscapedKeysAndStrings) {
  expect_same_on_all({
      R"({"\u0069d":7,"\u006dethod":"tools/\u0063all"})",
      R"({"\u0069d":7,"id":8,"method":"x"})",
      R"({"params":{"\u0061":1,"a":2},"method":"x"})",
      R"({"id":1,"\u0072esult":{}})",
      R"({"id":1,"method":"x","params":{"s":"\ud83d\ude00"}})",
      R"({"id":1,"method":"x","params":{"s":"\ud83d"}})",
      R"({"id":1,"method":"x","params":{"s":"\ude00\ud83d"}})",
      R"({"id":1,"method":"x","params":{"s":"\u0000"}})",
      R"({"id":1,"method":"x","params":{"s":"\x"}})",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"a\tb\"}}",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xc3\xa9\"}}",
  });
}

TEST(SkimTest, AgreesOnDuplicateKeysAtEveryDepth) {
  expect_same_on_all({
      R"({"id":1,"id":2,"method":"x"})",
      R"({"method":"x","method":"y"})",
      R"({"id":1,"result":{"content":[{"type":"text","type":"image"}]}})",
      R"({"id":1,"method":"x","params":{"a":{"b":{"c":1,"c":1}}}})",
      R"({"id":1,"method":"x","params":{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}})",
      R"({"id":1,"method":"x","params":{"a":1,"b":{"a":1}},"params":{}})",
      R"([{"id":1,"method":"x","params":{"a":1,"a":2}}])",
      R"({"id":1,"method":"x","params":{"a":1,"a":2} garbage)",
      R"({"id":1,"method":"x","params":{"":1,"":2}})",
      wide_object(20000),
      wide_object(20000, R"(,"k19999":0)"),
      wide_object(17, R"(,"k0":0)"),
      wide_object(16, R"(,"k15":0)"),
      wide_object(16, R"(,"k16":0)"),
  });
}

// Keys are kept as views of the line when they have no escapes and copied
// when they do; a duplicate is a duplicate either way, in a small object and
// in one past the linear search, also with objects nested inside it.
TEST(SkimTest, AgreesOnDuplicatesBetweenEscapedAndPlainKeys) {
  expect_same_on_all({
      R"({"id":1,"method":"x","params":{"\u006b1":0,"k1":1}})",
      R"({"id":1,"method":"x","params":{"k1":0,"\u006b1":1}})",
      R"({"id":1,"method":"x","params":{"\u006b1":0,"\u006b1":1}})",
      R"({"id":1,"method":"x","params":{"\u006b1":0,"\u006b2":1,"k1":2}})",
      R"({"id":1,"method":"x","params":{"\u006b1":0,"\u006b2":1,"k3":2}})",
      wide_object(20, R"(,"\u006b3":0)"),
      wide_object(20, R"(,"n":{"k3":0,"\u006b4":{"k5":0}},"k6":0)"),
      wide_object(20, R"(,"n":{"k3":0,"\u006b4":{"k5":0}},"n2":0)"),
      wide_object(20, R"(,"\u006b20":0,"n":{"a":{"b":0}},"k20":0)"),
      // An escaped key copied while the object is still searched linearly,
      // then moved into the index, then met again.
      escaped_then_wide(R"(,"k0":0)"),
      escaped_then_wide(R"(,"k20":0)"),
      // An inner object's copies are dropped when it closes; the outer
      // object's copies must survive that.
      R"({"id":1,"method":"x","params":{"\u0061":1,"n":{"\u0062":2,"\u0063":3},"\u0064":4,"a":5}})",
      R"({"id":1,"method":"x","params":{"\u0061":1,"n":{"\u0062":2,"\u0063":3},"\u0064":4,"b":5}})",
  });
  EXPECT_EQ(skim_error(R"({"id":1,"method":"x","params":{"\u0061":1,"n":{"\u0062":2},"\u0064":4,"a":5}})").message,
            R"(Parse error: duplicate object key "a")");
  EXPECT_EQ(skim_error(escaped_then_wide(R"(,"k0":0)")).message, R"(Parse error: duplicate object key "k0")");
  EXPECT_EQ(skim_error(wide_object(20, R"(,"\u006b3":0)")).message, R"(Parse error: duplicate object key "k3")");
  EXPECT_EQ(skim_error(R"({"id":1,"method":"x","params":{"\u006b1":0,"\u006b2":1,"k1":2}})").message,
            R"(Parse error: duplicate object key "k1")");
  EXPECT_EQ(skim_ok(wide_object(20, R"(,"n":{"k3":0,"\u006b4":{"k5":0}},"n2":0)")).kind, MessageKind::kRequest);
}

TEST(SkimTest, AgreesOnDepthAtAndOverTheLimit) {
  expect_same(request_nested(1000));
  expect_same(request_nested(1001));
  expect_same(R"({"id":1,"method":"x","params":)" + nested_arrays(999) + "}");
  expect_same(R"({"id":1,"method":"x","params":)" + nested_arrays(1000) + "}");
  expect_same(nested_arrays(1000));
  expect_same(nested_arrays(1001));
  JsonParseOptions shallow;
  shallow.max_depth = 3;
  for (std::size_t depth = 0; depth <= 5; ++depth) expect_same(request_nested(depth), shallow);
  shallow.max_depth = 1;
  expect_same(R"({"id":[1],"method":"x"})", shallow);
  expect_same(R"({"id":1,"method":"x"})", shallow);
  shallow.max_depth = 0;
  expect_same(R"({"id":1,"method":"x"})", shallow);
}

TEST(SkimTest, AgreesOnFramingAndEncoding) {
  expect_same_on_all({
      "",
      " ",
      "\r",
      "\xEF\xBB\xBF{\"id\":1,\"method\":\"x\"}",
      "{\"id\":1,\"method\":\"x\"}\r",
      "{\"id\":1,\"method\":\"x\"}\n",
      "{\"id\":1,\"method\":\"x\"}}",
      "{\"id\":1,\"method\":\"x\"}{}",
      "{\"id\":1,\"method\":\"x\"} 1",
      "{\"id\":1,\"method\":\"x\"",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"s\":[\"ok\",\"bad \xc3\x28\"]}}",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xed\xa0\x80\"}}",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xf4\x90\x80\x80\"}}",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"\xc0\xaf\"}}",
      std::string("{\"id\":1,\"method\":\"x\",\"params\":{\"s\":\"a\0b\"}}", 42),
      "{\"id\":1,\"method\":\"x\",\"params\":\xff}",
      "{\"id\":1,\"method\":\"x\",\"params\":[1,]}",
      "{\"id\":1,\"method\":\"x\",\"params\":{\"a\":1,}}",
      "{\"id\":1,\"method\":\"x\",\"params\":/*c*/{}}",
      "{\"id\":01,\"method\":\"x\"}",
      "{\"id\":1,\"method\":\"x\",\"params\":[NaN]}",
      "{\"id\":1,\"method\":\"x\",\"params\":[1e400]}",
      "{'id':1}",
  });
}

TEST(SkimTest, AgreesOnBatches) {
  expect_same_on_all({
      R"([{"id":1,"method":"tools/call","params":{"name":"a"}},{"id":2,"result":{}}])",
      R"([{"id":1,"method":"ping"},5])",
      R"([{"id":null,"method":"ping"}])",
      R"([{"id":1,"result":{}},{"id":1,"result":{}}])",
      R"(  [{"method":"n"}]  )",
      R"([[{"method":"n"}]])",
      R"([{"method":"n"}] x)",
  });
}

TEST(SkimTest, KeepsOnlyTheHeaderUntilEnsureBody) {
  Message m = skim_ok(R"({"jsonrpc":"2.0","id":"r-1","method":"tools/call","params":{"name":"write_file"}})");
  EXPECT_FALSE(m.body_parsed);
  EXPECT_TRUE(m.body.is_null());
  EXPECT_EQ(m.kind, MessageKind::kRequest);
  EXPECT_EQ(m.id, json("r-1"));
  EXPECT_EQ(m.method, "tools/call");
  ASSERT_TRUE(ensure_body(m).is_ok());
  EXPECT_TRUE(m.body_parsed);
  EXPECT_EQ(m.body["params"]["name"], "write_file");
  ASSERT_TRUE(ensure_body(m).is_ok());  // a second call changes nothing
  EXPECT_EQ(m.body["params"]["name"], "write_file");
}

TEST(SkimTest, ReportsWhetherResultOrErrorIsPresent) {
  Message result = skim_ok(R"({"id":3,"result":{"tools":[]}})");
  EXPECT_EQ(result.kind, MessageKind::kResponse);
  EXPECT_TRUE(result.has_result);
  EXPECT_FALSE(result.has_error);
  Message error = skim_ok(R"({"id":3,"error":{"code":-32601,"message":"no"}})");
  EXPECT_FALSE(error.has_result);
  EXPECT_TRUE(error.has_error);
  Message nested = skim_ok(R"({"method":"n","params":{"result":1,"error":2}})");
  EXPECT_FALSE(nested.has_result);
  EXPECT_FALSE(nested.has_error);
}

TEST(SkimTest, DecodesEscapedTopLevelKeys) {
  Message m = skim_ok(R"({"\u0069d":7,"\u006dethod":"tools/\u0063all"})");
  EXPECT_EQ(m.kind, MessageKind::kRequest);
  EXPECT_EQ(m.id, json(7));
  EXPECT_EQ(m.method, "tools/call");
  MessageError e = skim_error(R"({"id":7,"\u0069d":8,"method":"x"})");
  EXPECT_EQ(e.code, kParseError);
  EXPECT_EQ(e.message, R"(Parse error: duplicate object key "id")");
}

TEST(SkimTest, RefusesDuplicateKeysBelowTheTopLevel) {
  MessageError e = skim_error(R"({"id":1,"result":{"content":[{"type":"text","text":"a","text":"b"}]}})");
  EXPECT_EQ(e.code, kParseError);
  EXPECT_EQ(e.message, R"(Parse error: duplicate object key "text")");
  EXPECT_TRUE(e.id.is_null());
}

TEST(SkimTest, KeysOfClosedOrSiblingObjectsAreNotDuplicates) {
  Message m = skim_ok(R"({"id":1,"method":"x","params":{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}],"c":{"b":1}}})");
  EXPECT_EQ(m.kind, MessageKind::kRequest);
}

TEST(SkimTest, FindsADuplicateInAWideObject) {
  MessageError e = skim_error(wide_object(5000, R"(,"k4321":0)"));
  EXPECT_EQ(e.message, R"(Parse error: duplicate object key "k4321")");
  EXPECT_EQ(skim_ok(wide_object(5000)).kind, MessageKind::kRequest);
}

TEST(SkimTest, RefusesNestingPastTheLimit) {
  JsonParseOptions options;
  options.max_depth = 4;
  EXPECT_EQ(skim_ok(request_nested(4)).kind, MessageKind::kRequest);
  MessageError e = skim_error(request_nested(5), options);
  EXPECT_EQ(e.code, kParseError);
  EXPECT_EQ(e.message, "Parse error: JSON nested deeper than 4 levels");
}

TEST(SkimTest, EnsureBodyBuildsALineAtTheCallersDepthLimit) {
  JsonParseOptions options;
  options.max_depth = 1500;
  auto skimmed = skim_message(request_nested(1400), options);
  ASSERT_TRUE(std::holds_alternative<Message>(skimmed));
  Message& m = std::get<Message>(skimmed);
  ASSERT_TRUE(ensure_body(m).is_ok());
  EXPECT_TRUE(m.body["params"].contains("p"));
}

TEST(SkimTest, RefusesInvalidUtf8InANestedString) {
  MessageError e = skim_error("{\"id\":1,\"result\":{\"content\":[{\"text\":\"ok \xc3\x28\"}]}}");
  EXPECT_EQ(e.code, kParseError);
  EXPECT_NE(e.message.find("malformed JSON at byte"), std::string::npos) << e.message;
}

TEST(SkimTest, RefusesAByteOrderMark) {
  EXPECT_EQ(skim_error("\xEF\xBB\xBF{\"id\":1,\"method\":\"x\"}").code, kParseError);
}

TEST(SkimTest, RequestIdsMustBeStringsOrIntegers) {
  for (const char* line : {R"({"id":1.0,"method":"x"})", R"({"id":1e3,"method":"x"})",
                           R"({"id":123456789012345678901234567890,"method":"x"})", R"({"id":[],"method":"x"})"}) {
    MessageError e = skim_error(line);
    EXPECT_EQ(e.code, kInvalidRequest) << line;
    EXPECT_TRUE(e.id.is_null()) << line;
  }
  EXPECT_EQ(skim_ok(R"({"id":18446744073709551615,"method":"x"})").id, json(18446744073709551615ULL));
}

TEST(SkimTest, ResponseIdsOfAnyTypeAreKept) {
  EXPECT_EQ(skim_ok(R"({"id":null,"error":{}})").id, json(nullptr));
  EXPECT_EQ(skim_ok(R"({"id":{"a":1},"result":1})").id, json({{"a", 1}}));
  EXPECT_EQ(skim_ok(R"({"id":1.5,"result":1})").id, json(1.5));
}

TEST(SkimTest, ParsesBatchesInFull) {
  Message m = skim_ok(R"([{"id":1,"method":"tools/call","params":{"name":"a"}},{"method":"n"}])");
  ASSERT_EQ(m.kind, MessageKind::kBatch);
  EXPECT_TRUE(m.body_parsed);
  ASSERT_EQ(m.batch.size(), 2u);
  EXPECT_EQ(m.batch[0].method, "tools/call");
  EXPECT_EQ(m.batch[0].body["params"]["name"], "a");
}

TEST(SkimTest, EnsureBodyLeavesAParsedMessageAlone) {
  auto parsed = parse_message(R"({"id":1,"method":"x"})");
  ASSERT_TRUE(std::holds_alternative<Message>(parsed));
  Message& m = std::get<Message>(parsed);
  m.raw = "not json";  // ensure_body must not read raw again
  ASSERT_TRUE(ensure_body(m).is_ok());
  EXPECT_EQ(m.body["method"], "x");
}

}  // namespace
}  // namespace mcp_warden::rpc
