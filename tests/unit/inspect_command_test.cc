// `mcp-warden inspect`: locations, masked previews, exit status, and that no
// value is ever printed whole.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/command.h"

namespace mcp_warden::inspect {
namespace {

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

Outcome run(const std::string& input, InspectCommand command = {}) {
  std::istringstream in(input);
  std::ostringstream out, err;
  int status = run_inspect_command(command, in, out, err);
  return {status, out.str(), err.str()};
}

TEST(InspectCommandTest, TextFindingsHaveLineColumnAndAMaskedPreview) {
  Outcome r = run("first line\nkey: AKIAIOSFODNN7EXAMPLE\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("secret\taws_access_key_id\t2:6\thigh\tAKIA**************LE (20)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);
  EXPECT_NE(r.out.find("1 finding"), std::string::npos);
}

TEST(InspectCommandTest, JsonInputIsWalkedAndJsonOutputIsValid) {
  InspectCommand c;
  c.json = true;
  Outcome r = run(R"({"content":[{"type":"text","text":"card 4111 1111 1111 1111"}]})", c);
  EXPECT_EQ(r.status, 1);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["count"], 1);
  EXPECT_EQ(doc["findings"][0]["where"], "/content/0/text");
  EXPECT_EQ(doc["findings"][0]["kind"], "payment_card");
  EXPECT_EQ(r.out.find("4111 1111 1111 1111"), std::string::npos);
}

TEST(InspectCommandTest, FindingInAKeyIsLocatedAtTheMember) {
  Outcome r = run(R"({"AKIAIOSFODNN7EXAMPLE": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/AKIAIOSFODNN7EXAMPLE (key)"), std::string::npos) << r.out;
}

TEST(InspectCommandTest, NothingFoundIsExitZeroAndKindsFilter) {
  EXPECT_EQ(run("nothing to see here\n").status, 0);
  InspectCommand c;
  c.kinds = "email";
  EXPECT_EQ(run("AKIAIOSFODNN7EXAMPLE", c).status, 0);
  c.kinds = "personal_data";
  EXPECT_EQ(run("mail bob@example.com", c).status, 1);
}

TEST(InspectCommandTest, UnknownKindAndMissingFileAreUsageErrors) {
  InspectCommand c;
  c.kinds = "cards";
  Outcome r = run("x", c);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown kind"), std::string::npos);
  InspectCommand missing;
  missing.path = "/nonexistent/inspect-input";
  EXPECT_EQ(run("", missing).status, 2);
}

TEST(InspectCommandTest, LowConfidenceOnlyWithAll) {
  EXPECT_EQ(run("a\xE2\x80\x8B" "b").status, 0);
  InspectCommand c;
  c.all = true;
  EXPECT_EQ(run("a\xE2\x80\x8B" "b", c).status, 1);
}

TEST(InspectCommandTest, PreviewNeverShowsShortValues) {
  EXPECT_EQ(masked_preview("hunter2"), "******* (7)");
  EXPECT_EQ(masked_preview("AKIAIOSFODNN7EXAMPLE"), "AKIA**************LE (20)");
  std::string pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE" + std::string(100, 'x') + "YZ";
  std::string p = masked_preview(pem);
  EXPECT_EQ(p.find("xxxx"), std::string::npos);
  EXPECT_EQ(p.find("MIIE"), std::string::npos);
}

}  // namespace
}  // namespace mcp_warden::inspect
