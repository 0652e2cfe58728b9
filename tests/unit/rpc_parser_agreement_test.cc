// parse_json_strict() reads lines with Boost.JSON's parser but must build
// exactly the DOM nlohmann's own parser builds (values and number types), and
// refuse exactly what nlohmann refuses — apart from what it refuses on
// purpose (duplicate keys, a byte order mark, depth). Checked on hand-picked
// edge cases and on many random mutations of MCP messages, against
// nlohmann::json::parse as the reference.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

// nlohmann's verdict on `text`: the value, or nullopt when it refuses it.
std::optional<json> reference_parse(const std::string& text) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// The value with every number's exact nlohmann type spelled out, so that
// 5 (unsigned) and 5 (signed) do not compare equal.
std::string typed_dump(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      std::string out = "{";
      for (const auto& [key, member] : value.items()) out += json(key).dump() + ":" + typed_dump(member) + ",";
      return out + "}";
    }
    case json::value_t::array: {
      std::string out = "[";
      for (const json& element : value) out += typed_dump(element) + ",";
      return out + "]";
    }
    case json::value_t::number_unsigned: return "u" + value.dump();
    case json::value_t::number_integer: return "i" + value.dump();
    case json::value_t::number_float: return "f" + value.dump();
    default: return value.dump();
  }
}

// `text` with bytes outside printable ASCII as \xNN, for failure messages.
std::string printable(const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// What parse_json_strict refuses and nlohmann reads, on purpose: duplicate
// keys, depth, and exponents beyond 32 bits (Boost's parser gives up on
// them; nlohmann reads 0e2147483648 as 0.0 — no real message spells a number
// so, and refusing it fails closed).
bool has_refusal_on_purpose(const Status& status) {
  const std::string& message = status.message();
  return message.find("duplicate object key") != std::string::npos ||
         message.find("nested deeper") != std::string::npos || message.find("exponent overflow") != std::string::npos;
}

// Returns a description of a disagreement, or "" when both parsers agree.
std::string disagreement(const std::string& text) {
  Result<json> ours = parse_json_strict(text);
  std::optional<json> theirs = reference_parse(text);
  if (!ours.is_ok()) {
    if (has_refusal_on_purpose(ours.status()) || text.rfind("\xEF\xBB\xBF", 0) == 0) return "";
    if (theirs) return "we refuse (" + ours.status().message() + "), nlohmann reads " + typed_dump(*theirs);
    if (ours.status().message().find("malformed JSON at byte ") != 0) {
      return "refused with an unexpected message: " + ours.status().message();
    }
    return "";
  }
  if (!theirs) return "we read " + typed_dump(ours.value()) + ", nlohmann refuses it";
  if (typed_dump(ours.value()) != typed_dump(*theirs)) {
    return "we read " + typed_dump(ours.value()) + ", nlohmann reads " + typed_dump(*theirs);
  }
  return "";
}

TEST(ParserAgreementTest, EdgeCases) {
  const std::vector<std::string> cases = {
      // numbers
      "0", "-0", "5", "-5", "0.0", "-0.0", "1e2", "1E+2", "1e-2", "-1.5e-3", "0.1", "3.141592653589793238462643",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
      "18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "1e308", "1.7976931348623157e308",
      "1e309", "1e400", "-1e400", "1e-400", "4.9e-324", "2.2250738585072014e-308", "01", "-01", "1.", ".5", "+1", "1e",
      "1e+", "--1", "0x10", "1_000", "NaN", "Infinity", "-Infinity", "1.5e99999999999999999999",
      // literals and whitespace
      "true", "false", "null", "tru", "nul", "True", " \t\r\n 1 \t\r\n ", "", " ", "\v1", "\f1", "1 2", "[1] x", "{}{}",
      // strings and escapes
      R"("")", R"("abc")", R"("\u0000")", R"("a\u0000b")", R"("\/")", R"("\b\f\n\r\t\"\\")", R"("\x")", R"("\u12")",
      R"("\u00e9")", R"("\u00E9")", R"("\ud83d\ude00")", R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")",
      R"("\ud800\ud800")", R"("\uDBFF\uDFFF")", "\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"tab\there\"", "\"unterminated",
      // UTF-8: valid, overlong, surrogates, beyond U+10FFFF, truncated, stray continuation bytes
      "\"\xc3\xa9\"", "\"\xe2\x82\xac\"", "\"\xf0\x9f\x98\x80\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"",
      "\"\xed\xa0\x80\"", "\"\xed\x9f\xbf\"", "\"\xf4\x8f\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"",
      "\"\xc3\"", "\"\xe2\x82\"", "\"\x80\"", "\"\xbf\"", "\"\xfe\"", "\"\xff\"",
      // structure
      "[]", "{}", "[1,]", "{\"a\":1,}", "[,1]", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{1:1}", "[1 2]", "[[[]]]",
      "{\"a\":{\"b\":[1,{\"c\":null}]}}", "[", "]", "{", "}", "[}", "{]", "/*c*/1", "1//c", "'a'", "{'a':1}",
      "{\"\\u0061\":1,\"b\":2}", "{\"\":1}",
      // JSON-RPC shapes
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}})",
      R"({"result":{"content":[{"type":"text","text":"x\ny"}],"isError":false},"jsonrpc":"2.0","id":"abc"})",
  };
  for (const std::string& text : cases) {
    EXPECT_EQ(disagreement(text), "") << "input: " << printable(text);
  }
}

TEST(ParserAgreementTest, FloatsAreCorrectlyRounded) {
  // Strings whose shortest round-trip form and correctly rounded value are known.
  EXPECT_EQ(parse_json_strict("0.1").value().get<double>(), 0.1);
  EXPECT_EQ(parse_json_strict("2.2250738585072011e-308").value().get<double>(), 2.2250738585072011e-308);
  EXPECT_EQ(parse_json_strict("9007199254740993").value().get<std::uint64_t>(), 9007199254740993ULL);
  EXPECT_EQ(parse_json_strict("9007199254740993.0").value().get<double>(), 9007199254740992.0);
}

TEST(ParserAgreementTest, RefusesNonFiniteNumbersNamingTheOverflow) {
  Result<json> parsed = parse_json_strict("[1e400]");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("number overflow"), std::string::npos) << parsed.status().message();
}

TEST(ParserAgreementTest, RefusesExponentsBeyond32Bits) {
  for (const char* text : {"0e2147483648", "1e-2147483648", "[1.5e99999999999999999999]"}) {
    Result<json> parsed = parse_json_strict(text);
    ASSERT_FALSE(parsed.is_ok()) << text;
    EXPECT_NE(parsed.status().message().find("exponent overflow"), std::string::npos) << parsed.status().message();
  }
  EXPECT_EQ(parse_json_strict("1e-2147483647").value().get<double>(), 0.0) << "the largest exponent still read";
}

TEST(ParserAgreementTest, NamesTheByteWhereExtraDataStarts) {
  Result<json> parsed = parse_json_strict("[1]  x");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().message(), "malformed JSON at byte 5: extra data after the JSON value");
}

TEST(ParserAgreementTest, NestingIsCappedWhateverTheOptionSays) {
  JsonParseOptions unlimited;
  unlimited.max_depth = kMaxSupportedDepth * 10;
  const std::string deepest = std::string(kMaxSupportedDepth, '[') + std::string(kMaxSupportedDepth, ']');
  EXPECT_TRUE(parse_json_strict(deepest, unlimited).is_ok());
  const std::string deeper = "[" + deepest + "]";
  Result<json> parsed = parse_json_strict(deeper, unlimited);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(parsed.status().message().find(std::to_string(kMaxSupportedDepth)), std::string::npos);
}

// Random edits of real messages: byte flips, JSON punctuation inserted or
// removed, escapes and multi-byte UTF-8 cut in half. Deterministic (fixed
// seed), so a failure names an input that reproduces.
TEST(ParserAgreementTest, RandomMutationsOfMessagesGetTheSameVerdict) {
  const std::vector<std::string> seeds = {
      R"({"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"read_text_file","arguments":{"path":"/home/u/a.txt","head":40,"tail":-1.5e3}}})",
      R"({"result":{"content":[{"type":"text","text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \n"}],"isError":false,"_meta":{"n":[1,2.5,null,true,false]}},"jsonrpc":"2.0","id":"req-1"})",
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"t\xc3\xa9\",\"progress\":0.25,\"total\":18446744073709551615}}",
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":-0,"result":{}}])",
  };
  const std::string alphabet = "{}[]:,\"\\ u0123456789eE+-.tfnalsr\t\n\x01\x7f\xc3\xa9\xed\xa0\xf0\x9f\xff";
  std::mt19937 random(20261122);
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = random() % text.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: text.erase(at, 1 + random() % 3); break;
      }
    }
    ASSERT_EQ(disagreement(text), "") << "input: " << printable(text);
  }
}

}  // namespace
}  // namespace mcp_warden::rpc
