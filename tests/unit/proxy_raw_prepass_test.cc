// ContentInspection::raw_is_clean: the shortcut that lets a result skip the
// parse and the scan must never hide a finding the full scan would make.
// Differential: every text of the labelled corpus (positives and hard
// negatives), whole and line by line, placed as a text block, an object key
// and a nested string of a result; wherever the decoded scan finds
// something, the raw pass must say "not clean".
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mcp_warden/inspect/scan.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/content_inspection.h"

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;

std::vector<std::string> corpus_texts() {
  std::ifstream in(std::string(MCP_WARDEN_FIXTURES_DIR) + "/inspect/corpus.jsonl");
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::string text = json::parse(line).at("text").get<std::string>();
    texts.push_back(text);
    std::istringstream lines(text);
    for (std::string part; std::getline(lines, part);) texts.push_back(part);  // no newline: no escape
  }
  return texts;
}

// A JSON-RPC response line holding `text` in three places a result may.
std::vector<std::string> response_lines(const std::string& text) {
  std::vector<json> results = {
      json{{"content", json::array({json{{"type", "text"}, {"text", text}}})}},
      json{{"structuredContent", json{{text, 1}}}},
      json{{"content", json::array()}, {"structuredContent", json{{"rows", json::array({json{{"note", "x " + text + " y"}}})}}}}};
  std::vector<std::string> lines;
  for (const json& result : results) {
    lines.push_back(json{{"jsonrpc", "2.0"}, {"id", 7}, {"result", result}}.dump());
  }
  return lines;
}

// A tools/call request line holding `text` as an argument, a key, and deep
// in a nested argument.
std::vector<std::string> request_lines(const std::string& text) {
  std::vector<json> arguments = {json{{"content", text}}, json{{text, true}},
                                 json{{"path", "/tmp/x"}, {"options", json{{"edits", json::array({json{{"new", "x " + text + " y"}}})}}}}};
  std::vector<std::string> lines;
  for (const json& args : arguments) {
    lines.push_back(
        json{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/call"}, {"params", {{"name", "write_file"}, {"arguments", args}}}}
            .dump());
  }
  return lines;
}

class RawPrepassTest : public ::testing::Test {
 protected:
  RawPrepassTest() : policy_(policy::Policy::load_preset("strict").value()), content_(policy_, "fs", nullptr) {}

  // Over every corpus text placed by `lines_of`: wherever `scan` (the full
  // path) finds something in a line, raw_is_clean must say "not clean".
  template <typename LinesOf, typename Scan>
  void expect_never_clean_where_found(LinesOf lines_of, Scan scan) {
    std::vector<std::string> texts = corpus_texts();
    ASSERT_GT(texts.size(), 200u) << "the corpus was read";
    int findings_checked = 0;
    int clean_lines = 0;
    for (const std::string& text : texts) {
      for (const std::string& line : lines_of(text)) {
        inspect::Report report = scan(json::parse(line));
        bool clean = content_.raw_is_clean(line);
        if (!report.empty()) {
          ++findings_checked;
          EXPECT_FALSE(clean) << "the shortcut would hide a finding in: " << line;
        }
        clean_lines += clean ? 1 : 0;
      }
    }
    EXPECT_GT(findings_checked, 100) << "the positives were exercised";
    EXPECT_GT(clean_lines, 0) << "the hard negatives take the shortcut";
  }

  policy::Policy policy_;
  ContentInspection content_;
};

TEST_F(RawPrepassTest, NeverCleanWhereTheDecodedScanFindsSomething) {
  expect_never_clean_where_found(response_lines, [](const json& line) {
    return inspect::scan(line["result"], inspect::Detectors::builtin(), {});
  });
}

TEST_F(RawPrepassTest, ARequestLineIsNeverCleanWhereTheArgumentScanFindsSomething) {
  expect_never_clean_where_found(request_lines, [this](const json& line) {
    return content_.scan_arguments(line["params"]["arguments"]);
  });
}

TEST_F(RawPrepassTest, AnEscapeAlwaysTakesTheFullPath) {
  // "\u0041KIA..." decodes to an AWS key the raw bytes do not spell.
  EXPECT_FALSE(content_.raw_is_clean(R"({"jsonrpc":"2.0","id":1,"result":{"t":"\u0041KIAIOSFODNN7EXAMPLE"}})"));
  EXPECT_FALSE(content_.raw_is_clean(R"({"jsonrpc":"2.0","id":1,"result":{"t":"a\"b"}})"));
  EXPECT_TRUE(content_.raw_is_clean(R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello"}]}})"));
}

}  // namespace
}  // namespace mcp_warden::proxy
