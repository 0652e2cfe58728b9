// Walking JSON values: where findings are reported, how redaction keeps the
// value valid and schema-shaped, and the bad input of issue 16 (enormous
// strings, deep nesting, invalid UTF-8, overlaps, findings split by escapes).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/scan.h"

namespace mcp_warden::inspect {
namespace {

using nlohmann::json;

const Detectors& detectors() { return Detectors::builtin(); }
constexpr const char* kKey = "AKIAIOSFODNN7EXAMPLE";

json call_tool_result(const std::string& text) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", false}};
}

TEST(InspectScanTest, ReportsKindDetectorAndPointerButNeverTheValue) {
  json result = call_tool_result(std::string("AWS_ACCESS_KEY_ID=") + kKey);
  Report r = scan(result, detectors());
  ASSERT_EQ(r.findings, 1u);
  EXPECT_EQ(r.occurrences[0].where, "/content/0/text");
  EXPECT_EQ(r.occurrences[0].kind, Kind::kSecret);
  EXPECT_EQ(r.occurrences[0].detector, DetectorId::kAwsAccessKeyId);
  EXPECT_EQ(r.summary().dump(), R"([{"count":1,"detector":"aws_access_key_id","kind":"secret","where":"/content/0/text"}])");
  EXPECT_EQ(r.summary().dump().find(kKey), std::string::npos);
}

TEST(InspectScanTest, RedactionReplacesOnlyTheSpanAndKeepsAString) {
  json result = call_tool_result(std::string("id ") + kKey + " card 4111 1111 1111 1111 mail a@b.io");
  result["structuredContent"] = {{"env", {{"KEY", kKey}}}, {"n", 4}};
  Report r = redact(result, detectors(), {Kind::kSecret, Kind::kPaymentCard});
  EXPECT_EQ(result["content"][0]["text"], "id [REDACTED:secret] card [REDACTED:payment_card] mail a@b.io");
  EXPECT_EQ(result["structuredContent"]["env"]["KEY"], "[REDACTED:secret]");
  EXPECT_EQ(result["structuredContent"]["n"], 4);
  EXPECT_EQ(r.findings, 4u);  // the e-mail is reported, not redacted
  EXPECT_EQ(r.redactions, 3u);
  EXPECT_TRUE(r.has(Kind::kEmail));
  for (const Occurrence& o : r.occurrences) EXPECT_EQ(o.redacted, o.kind != Kind::kEmail);
  EXPECT_TRUE(json::accept(result.dump()));
}

TEST(InspectScanTest, EmbeddedResourceTextIsRedactedButBlobsAndImagesAreNotDecoded) {
  json result = {{"content", json::array({
                     {{"type", "resource"}, {"resource", {{"uri", "file:///a"}, {"text", kKey}}}},
                     {{"type", "resource"}, {"resource", {{"uri", "file:///b"}, {"blob", kKey}}}},
                     {{"type", "image"}, {"data", kKey}, {"mimeType", "image/png"}},
                 })}};
  Report r = redact(result, detectors(), {Kind::kSecret});
  EXPECT_EQ(result["content"][0]["resource"]["text"], "[REDACTED:secret]");
  EXPECT_EQ(result["content"][1]["resource"]["blob"], kKey);
  EXPECT_EQ(result["content"][2]["data"], kKey);
  EXPECT_EQ(r.binary_skipped, 2u);
}

TEST(InspectScanTest, FindingSplitAcrossJsonEscapesIsFoundInTheDecodedText) {
  json args = json::parse(R"({"content": "\u0041KIA\u0049OSFODNN7EXAMPLE"})");
  Report r = scan(args, detectors());
  ASSERT_EQ(r.findings, 1u);
  EXPECT_EQ(r.occurrences[0].detector, DetectorId::kAwsAccessKeyId);
}

TEST(InspectScanTest, PointersEscapeSlashAndTilde) {
  json args = {{"a/b", {{"c~d", json::array({"x", kKey})}}}};
  Report r = scan(args, detectors());
  ASSERT_EQ(r.findings, 1u);
  EXPECT_EQ(r.occurrences[0].where, "/a~1b/c~0d/1");
  EXPECT_EQ(args.at(json::json_pointer(r.occurrences[0].where)), kKey);
}

TEST(InspectScanTest, KeysAreScannedAndRenamedWithoutClobberingAMember) {
  json args = {{kKey, 1}, {"[REDACTED:secret]", 2}};
  Report r = redact(args, detectors(), {Kind::kSecret});
  ASSERT_EQ(r.findings, 1u);
  EXPECT_TRUE(r.occurrences[0].in_key);
  EXPECT_EQ(args.size(), 2u);
  EXPECT_EQ(args["[REDACTED:secret]"], 2);
  EXPECT_EQ(args["[REDACTED:secret]#2"], 1);
}

TEST(InspectScanTest, OverlappingFindingsBecomeOneReplacement) {
  // A card number that is also a password assignment's value.
  json args = {{"s", "password=\"Zk8#Lq2!Wm9$Rt5&Yv3%4111111111111111\" end"}};
  Report r = redact(args, detectors(), {Kind::kSecret, Kind::kPaymentCard});
  EXPECT_EQ(args["s"], "password=\"[REDACTED:secret]\" end");
  EXPECT_EQ(r.findings, 2u);
  EXPECT_EQ(r.redactions, 1u);
}

TEST(InspectScanTest, ValueHashesLinkEqualValuesWithoutHoldingThem) {
  auto hasher = ValueHasher::create(std::string(32, 'k'));
  ASSERT_TRUE(hasher.is_ok());
  ScanOptions options;
  options.hasher = &*hasher;
  json args = {{"a", "4111 1111 1111 1111"}, {"b", "4111-1111-1111-1111"}, {"c", "5555555555554444"}};
  Report r = scan(args, detectors(), options);
  ASSERT_EQ(r.occurrences.size(), 3u);
  EXPECT_EQ(r.occurrences[0].value_hash, r.occurrences[1].value_hash);
  EXPECT_NE(r.occurrences[0].value_hash, r.occurrences[2].value_hash);
  EXPECT_EQ(r.occurrences[0].value_hash.find("4111"), std::string::npos);
}

TEST(InspectScanTest, StripHiddenRemovesInvisibleCharactersOnly) {
  std::string tags = "\xF3\xA0\x81\x89\xF3\xA0\x81\xA7";
  std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";
  json tools = {{"tools", json::array({{{"name", "add"}, {"description", "Adds." + tags + " \xE2\x80\x8B" + family}}})}};
  Report r = strip_hidden(tools, detectors());
  EXPECT_EQ(tools["tools"][0]["description"], "Adds. " + family);
  EXPECT_EQ(r.findings, 2u);
}

TEST(InspectScanTest, DeepNestingIsWalkedWithoutRecursionAndLimited) {
  json deep = kKey;
  for (int i = 0; i < 100000; ++i) deep = json::array({std::move(deep)});
  ScanOptions options;
  options.max_depth = 1u << 20;
  Report all = scan(deep, detectors(), options);
  EXPECT_EQ(all.findings, 1u);
  EXPECT_FALSE(all.incomplete);
  Report limited = scan(deep, detectors());  // default depth limit
  EXPECT_TRUE(limited.incomplete);
  EXPECT_EQ(limited.findings, 0u);
  EXPECT_NE(limited.summary().dump().find("incomplete"), std::string::npos);
}

TEST(InspectScanTest, EnormousStringIsScannedOrReportedIncomplete) {
  std::string big(32u << 20, 'a');
  big.replace(big.size() - 40, 20, kKey);
  big[big.size() - 41] = ' ';
  big[big.size() - 20] = ' ';
  json value = {{"text", big}};
  Report r = redact(value, detectors(), {Kind::kSecret});
  EXPECT_EQ(r.findings, 1u);
  EXPECT_EQ(value["text"].get_ref<const std::string&>().size(), big.size() - 20 + 17);
  ScanOptions small;
  small.max_bytes = 1u << 20;
  Report capped = scan(json{{"text", big}}, detectors(), small);
  EXPECT_TRUE(capped.incomplete);
}

TEST(InspectScanTest, InvalidUtf8StringsAreRedactedWithoutCrashing) {
  json value = {{"t", std::string("\xFF\xFE ") + kKey + " \xC3"}};
  Report r = redact(value, detectors(), {Kind::kSecret});
  EXPECT_EQ(r.findings, 1u);
  EXPECT_EQ(value["t"], std::string("\xFF\xFE [REDACTED:secret] \xC3"));
  // Serialising with replacement still yields valid JSON.
  std::string out = value.dump(-1, ' ', false, json::error_handler_t::replace);
  EXPECT_TRUE(json::accept(out));
}

TEST(InspectScanTest, OccurrencesAreCappedButFindingsCounted) {
  json arr = json::array();
  for (int i = 0; i < 50; ++i) arr.push_back(kKey);
  ScanOptions options;
  options.max_occurrences = 10;
  Report r = scan(arr, detectors(), options);
  EXPECT_EQ(r.findings, 50u);
  EXPECT_EQ(r.occurrences.size(), 10u);
  EXPECT_TRUE(r.truncated);
}

TEST(InspectScanTest, RedactTextMergesAndClampsSpans) {
  std::vector<Finding> f = {{DetectorId::kEmail, Kind::kEmail, Confidence::kHigh, 2, 6},
                            {DetectorId::kSecretAssignment, Kind::kSecret, Confidence::kHigh, 4, 8},
                            {DetectorId::kPhone, Kind::kPhone, Confidence::kHigh, 9, 99}};
  EXPECT_EQ(redact_text("0123456789", f), "01[REDACTED:secret]8[REDACTED:phone]");
  EXPECT_EQ(remove_spans("0123456789", f), "018");
}

TEST(InspectScanTest, EveryRedactedResultStaysValidJson) {
  // Findings next to quotes, backslashes and control characters.
  json value = json::array({"\"" + std::string(kKey) + "\"", std::string("\\") + kKey + "\n\t\x01",
                            std::string("<IMPORTANT>") + "\x7f" + "</IMPORTANT>"});
  Report r = redact(value, detectors(), KindSet::all());
  EXPECT_EQ(r.findings, 3u);
  json back = json::parse(value.dump());
  EXPECT_EQ(back, value);
  EXPECT_EQ(back[0], "\"[REDACTED:secret]\"");
}

}  // namespace
}  // namespace mcp_warden::inspect
