// ConfigDocument: parsing a client config for rewriting, refusing what cannot
// be rewritten faithfully (with line:column), and writing it back in its style.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mcp_warden/integrations/config_document.h"

namespace mcp_warden::integrations {
namespace {

using ::testing::HasSubstr;

std::string round_trip(const std::string& text) {
  auto document = parse_config_document(text, "cfg.json");
  EXPECT_TRUE(document.is_ok()) << document.status().to_string();
  if (!document) return "";
  auto rendered = render_config_document(*document);
  EXPECT_TRUE(rendered.is_ok()) << rendered.status().to_string();
  return rendered ? *rendered : "";
}

TEST(ConfigDocumentTest, TwoSpaceFileRoundTripsByteForByte) {
  std::string text = "{\n  \"b\": 1,\n  \"a\": {\n    \"x\": [\n      \"y\"\n    ]\n  }\n}\n";
  EXPECT_EQ(round_trip(text), text);
}

TEST(ConfigDocumentTest, KeyOrderIsKeptNotSorted) {
  std::string text = "{\n  \"zeta\": 1,\n  \"alpha\": 2,\n  \"mid\": 3\n}\n";
  EXPECT_EQ(round_trip(text), text);
}

TEST(ConfigDocumentTest, FourSpaceAndTabIndentationAreKept) {
  std::string four = "{\n    \"a\": {\n        \"b\": 1\n    }\n}\n";
  std::string tab = "{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}\n";
  EXPECT_EQ(round_trip(four), four);
  EXPECT_EQ(round_trip(tab), tab);
}

TEST(ConfigDocumentTest, MissingFinalNewlineStaysMissing) {
  std::string text = "{\n  \"a\": 1\n}";
  EXPECT_EQ(round_trip(text), text);
}

TEST(ConfigDocumentTest, CrlfLineEndsAndByteOrderMarkAreKept) {
  std::string text = "\xEF\xBB\xBF{\r\n  \"a\": \"b\"\r\n}\r\n";
  EXPECT_EQ(round_trip(text), text);
}

TEST(ConfigDocumentTest, OneLineFileIsWrittenCompact) {
  EXPECT_EQ(round_trip("{\"mcpServers\":{\"a\":{\"command\":\"x\"}}}"),
            "{\"mcpServers\":{\"a\":{\"command\":\"x\"}}}");
}

TEST(ConfigDocumentTest, NonAsciiTextIsWrittenAsUtf8NotEscaped) {
  std::string text = "{\n  \"名前 β\": \"ü\"\n}\n";
  EXPECT_EQ(round_trip(text), text);
}

TEST(ConfigDocumentTest, SyntaxErrorNamesPathLineAndColumn) {
  auto document = parse_config_document("{\n  \"a\": 1,\n  \"b\": tru\n}\n", "/x/cfg.json");
  ASSERT_FALSE(document.is_ok());
  EXPECT_EQ(document.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(document.status().message(), HasSubstr("/x/cfg.json:3:"));
  EXPECT_THAT(document.status().message(), HasSubstr("not valid JSON"));
}

TEST(ConfigDocumentTest, TruncatedFileIsRefusedAtItsEnd) {
  std::string text = "{\n  \"a\": {\n    \"b\": 1\n";
  auto document = parse_config_document(text, "cfg.json");
  ASSERT_FALSE(document.is_ok());
  EXPECT_THAT(document.status().message(), HasSubstr("cfg.json:4:1"));
}

TEST(ConfigDocumentTest, CommentsAndTrailingCommasAreReadAsJsonc) {
  auto document = parse_config_document("{\n  // servers\n  \"servers\": {\"a\": 1,},\n}\n", "mcp.json");
  ASSERT_TRUE(document.is_ok()) << document.status().message();
  EXPECT_TRUE(document->jsonc);
  EXPECT_EQ(document->root["servers"]["a"], 1);
}

TEST(ConfigDocumentTest, ErrorsInJsoncNameTheirPlaceInTheOriginalText) {
  auto document = parse_config_document("{\n  /* a */ \"a\": 1,\n  \"a\": 2\n}\n", "cfg.json");
  ASSERT_FALSE(document.is_ok());
  EXPECT_THAT(document.status().message(), HasSubstr("cfg.json:3:8"));
}

TEST(ConfigDocumentTest, DuplicateKeysAreRefusedWithThePositionOfTheSecond) {
  auto document = parse_config_document("{\n  \"a\": 1,\n  \"a\": 2\n}\n", "cfg.json");
  ASSERT_FALSE(document.is_ok());
  EXPECT_THAT(document.status().message(), HasSubstr("cfg.json:3:8"));
  EXPECT_THAT(document.status().message(), HasSubstr("duplicate key \"a\""));
}

TEST(ConfigDocumentTest, SameKeyInDifferentObjectsIsNotADuplicate) {
  EXPECT_TRUE(parse_config_document("{\"a\": {\"k\": 1}, \"b\": {\"k\": 2}}", "cfg.json").is_ok());
}

TEST(ConfigDocumentTest, ValueOffsetsPointAtMemberValues) {
  std::string text = "{\n  \"projects\": {\n    \"/home/me\": {\n      \"mcpServers\": [1]\n    }\n  }\n}\n";
  auto document = parse_config_document(text, "cfg.json");
  ASSERT_TRUE(document.is_ok());
  auto it = document->value_offsets.find("/projects/~1home~1me/mcpServers");
  ASSERT_NE(it, document->value_offsets.end());
  EXPECT_EQ(text[it->second], '[');
  TextPosition position = position_at(text, it->second);
  EXPECT_EQ(position.line, 4u);
  EXPECT_EQ(position.column, 21u);
}

TEST(ConfigDocumentTest, ValueOffsetsCountTheByteOrderMark) {
  std::string text = "\xEF\xBB\xBF{\"a\": 7}";
  auto document = parse_config_document(text, "cfg.json");
  ASSERT_TRUE(document.is_ok());
  EXPECT_EQ(text[document->value_offsets.at("/a")], '7');
}

TEST(ConfigDocumentTest, PositionColumnsCountCharactersNotBytes) {
  std::string text = "{\"é\": x}";
  TextPosition position = position_at(text, text.find('x'));
  EXPECT_EQ(position.line, 1u);
  EXPECT_EQ(position.column, 7u);
}

TEST(ConfigDocumentTest, InvalidUtf8InsertedLaterIsReportedNotThrown) {
  auto document = parse_config_document("{}", "cfg.json");
  ASSERT_TRUE(document.is_ok());
  document->root["bad"] = std::string("\xff\xfe");
  auto rendered = render_config_document(*document);
  EXPECT_FALSE(rendered.is_ok());
  EXPECT_EQ(rendered.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mcp_warden::integrations
