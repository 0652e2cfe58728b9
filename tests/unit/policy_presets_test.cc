// The shipped presets on the official filesystem server's real tools/list,
// the preset case files in policies/tests/, tool-list parsing and explain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/policy/policy_cases.h"
#include "mcp_warden/policy/presets.h"
#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const std::string kPresets = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";

LoadOptions options() {
  LoadOptions o;
  o.presets_dir = kPresets;
  o.file_system = std::make_shared<FakeFileSystem>("/home/u", "/home/u/work");
  return o;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return rpc::parse_json_strict(text.str()).value();
}

std::vector<ToolInfo> filesystem_tools() {
  return parse_tool_list(read_json(std::string(MCP_WARDEN_FIXTURES_DIR) + "/policy/filesystem_tools.json")).value();
}

// The names of the tools whose decision by `preset` (with the given arguments) `holds`.
std::vector<std::string> tools_where(const std::string& preset, const nlohmann::json& args,
                                     const std::function<bool(const Decision&)>& holds) {
  Policy policy = Policy::load_preset(preset, options()).value();
  FakeClock clock;
  std::vector<std::string> out;
  for (const ToolInfo& tool : filesystem_tools()) {
    CallContext call{"filesystem", tool.name, &args, &tool, {}, {}};
    if (holds(policy.evaluate(call, clock))) out.push_back(tool.name);
  }
  return out;
}

// The names of the tools `preset` lets through, as they stand, with the given arguments.
std::vector<std::string> allowed_tools(const std::string& preset, const nlohmann::json& args) {
  return tools_where(preset, args, [](const Decision& d) { return d.forwards(); });
}

TEST(ToolListTest, ParsesTheRealFilesystemServerList) {
  std::vector<ToolInfo> tools = filesystem_tools();
  ASSERT_EQ(tools.size(), 14u);
  EXPECT_EQ(tools[0].name, "read_file");
  EXPECT_TRUE(tools[0].annotations.read_only());
  EXPECT_FALSE(tools[0].annotations.open_world());
  EXPECT_TRUE(tools[0].input_schema.contains("properties"));
}

TEST(ToolListTest, MissingHintsTakeTheMcpDefaults) {
  ToolInfo t = parse_tool_info({{"name", "x"}}).value();
  EXPECT_FALSE(t.annotations.read_only());
  EXPECT_TRUE(t.annotations.destructive());
  EXPECT_FALSE(t.annotations.idempotent());
  EXPECT_TRUE(t.annotations.open_world());
}

TEST(ToolListTest, RejectsMalformedTools) {
  EXPECT_FALSE(parse_tool_info({{"description", "no name"}}).is_ok());
  EXPECT_FALSE(parse_tool_info({{"name", "x"}, {"annotations", {{"readOnlyHint", "yes"}}}}).is_ok());
  Result<std::vector<ToolInfo>> list = parse_tool_list({{"tools", {{{"name", "a"}}, 7}}});
  ASSERT_FALSE(list.is_ok());
  EXPECT_THAT(list.status().message(), HasSubstr("tools[1]"));
}

TEST(PresetTest, StrictAllowsExactlyTheReadOnlyFilesystemTools) {
  EXPECT_THAT(allowed_tools("strict", {{"path", "/tmp/a"}}),
              UnorderedElementsAre("read_file", "read_text_file", "read_media_file", "read_multiple_files",
                                   "list_directory", "list_directory_with_sizes", "directory_tree",
                                   "search_files", "get_file_info", "list_allowed_directories"));
}

TEST(PresetTest, PermissiveForwardsEveryFilesystemToolAndModerateDeniesNone) {
  EXPECT_EQ(allowed_tools("permissive", {{"path", "/tmp/a"}}).size(), 14u);
  EXPECT_EQ(tools_where("moderate", {{"path", "/tmp/a"}}, [](const Decision& d) { return d.action != Action::kDeny; })
                .size(),
            14u);
}

TEST(PresetTest, ModerateAsksBeforeDestructiveToolsAndWarnsWhereTheClientCannotAsk) {
  auto asked = [](const Decision& d) { return d.asks() && d.ask_fallback == Action::kWarn; };
  EXPECT_THAT(tools_where("moderate", {{"path", "/tmp/a"}}, asked),
              UnorderedElementsAre("write_file", "edit_file", "move_file"));
  EXPECT_EQ(allowed_tools("moderate", {{"path", "/tmp/a"}}).size(), 11u);
}

TEST(PresetTest, StrictAndModerateDenyAKeyToEveryTool) {
  for (const char* preset : {"strict", "moderate"}) {
    EXPECT_THAT(allowed_tools(preset, {{"path", "~/.ssh/id_rsa"}}), ElementsAre()) << preset;
  }
}

TEST(PresetTest, PermissiveForwardsAKeyReadButItsShadowDeniesIt) {
  EXPECT_EQ(allowed_tools("permissive", {{"path", "~/.ssh/id_rsa"}}).size(), 14u);
  Policy permissive = Policy::load_preset("permissive", options()).value();
  FakeClock clock;
  nlohmann::json args = {{"path", "~/.ssh/id_rsa"}};
  Decision d = permissive.evaluate({"filesystem", "read_text_file", &args, nullptr, {}, {}}, clock);
  EXPECT_EQ(d.action, Action::kLog);
  ASSERT_TRUE(d.shadow.has_value());
  EXPECT_EQ(d.shadow->action, Action::kDeny);
  EXPECT_EQ(d.shadow->rule, "secret-paths");
}

TEST(PresetTest, StrictHidesTheWritingToolsFromToolsList) {
  Policy strict = Policy::load_preset("strict", options()).value();
  std::vector<std::string> hidden;
  for (const ToolInfo& tool : filesystem_tools()) {
    if (strict.always_denies("filesystem", tool)) hidden.push_back(tool.name);
  }
  EXPECT_THAT(hidden, UnorderedElementsAre("write_file", "edit_file", "create_directory", "move_file"));
}

TEST(PresetTest, PermissiveRecordsStrictsDecisionAsShadow) {
  Policy permissive = Policy::load_preset("permissive", options()).value();
  ToolInfo write = filesystem_tools()[4];
  ASSERT_EQ(write.name, "write_file");
  nlohmann::json args = {{"path", "/tmp/x"}, {"content", "hi"}};
  FakeClock clock;
  Decision d = permissive.evaluate({"filesystem", "write_file", &args, &write, {}, {}}, clock);
  EXPECT_EQ(d.action, Action::kLog);
  ASSERT_TRUE(d.shadow.has_value());
  EXPECT_EQ(d.shadow->action, Action::kDeny);
  EXPECT_EQ(d.shadow->policy, "strict");
  EXPECT_EQ(to_json(d)["shadow"]["action"], "deny");
}

TEST(PresetTest, ListFindsTheShippedPresetsWithDescriptions) {
  std::vector<PresetInfo> presets = list_presets(kPresets).value();
  std::vector<std::string> names;
  for (const PresetInfo& p : presets) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << p.name;
  }
  EXPECT_THAT(names, ElementsAre("moderate", "permissive", "secrets", "strict"));
}

TEST(PresetTest, PresetDirectoryCanBeOverriddenByEnvironment) {
  ::setenv("MCP_WARDEN_POLICY_DIR", kPresets.c_str(), 1);
  Result<std::string> dir = locate_presets_dir();
  ::unsetenv("MCP_WARDEN_POLICY_DIR");
  ASSERT_TRUE(dir.is_ok());
  EXPECT_EQ(*dir, kPresets);
}

class PresetCasesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetCasesTest, EveryShippedCasePasses) {
  Result<CasesReport> report = run_policy_cases(kPresets + "/tests/" + GetParam(), options());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_GT(report->results.size(), 3u);
  for (const CaseResult& r : report->results) EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
}

INSTANTIATE_TEST_SUITE_P(Shipped, PresetCasesTest,
                         ::testing::Values("strict.yaml", "moderate.yaml", "permissive.yaml"));

TEST(PolicyCasesTest, AFailingCaseIsReportedNotAnError) {
  std::string path = ::testing::TempDir() + "/failing_cases.yaml";
  std::ofstream(path) << "policy: strict\ncases:\n  - {name: wrong, tool: write_file, expect: allow}\n";
  Result<CasesReport> report = run_policy_cases(path, options());
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  ASSERT_EQ(report->failed(), 1);
  EXPECT_THAT(report->results[0].detail, HasSubstr("expected allow, got deny"));
}

TEST(PresetTest, NoShippedPresetDeclaresServerSettings) {
  // Presets judge calls; a server's trust level stays the proxy's default
  // (standard) unless the user's own policy or --trust-level says otherwise.
  std::vector<PresetInfo> presets = list_presets(kPresets).value();
  ASSERT_FALSE(presets.empty());
  for (const PresetInfo& preset : presets) {
    Result<Policy> p = Policy::load_preset(preset.name, options());
    ASSERT_TRUE(p.is_ok()) << preset.name << ": " << p.status().to_string();
    EXPECT_TRUE(p->servers().empty()) << preset.name;
  }
}

TEST(ExplainTest, NamesTheTrustLevelThePolicyDeclaresForTheServer) {
  Policy p = Policy::parse("version: 1\nextends: strict\nservers:\n  \"filesystem*\": {trust_level: unknown}\n",
                           "team.yaml", options())
                 .value();
  nlohmann::json request = {{"name", "read_file"}, {"arguments", {{"path", "/tmp/a"}}}};
  FakeClock clock;
  nlohmann::json out = explain_call(p, "filesystem", nullptr, request, clock).value();
  EXPECT_EQ(out["server_trust_level"], (nlohmann::json{{"level", "unknown"}, {"origin", "team.yaml:4:32"}}));
  EXPECT_TRUE(explain_call(p, "github", nullptr, request, clock).value()["server_trust_level"].is_null());
}

TEST(ExplainTest, ExplainsADenialWithTheRuleAndWhereItIsDefined) {
  Policy strict = Policy::load_preset("strict", options()).value();
  nlohmann::json request = rpc::parse_json_strict(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_\u0074ext_file","arguments":{"path":"~/.aws/credentials"}}})")
                               .value();
  FakeClock clock;
  nlohmann::json out = explain_call(strict, "filesystem", read_json(std::string(MCP_WARDEN_FIXTURES_DIR) +
                                                                    "/policy/filesystem_tools.json"),
                                    request, clock)
                           .value();
  EXPECT_EQ(out["decision"]["action"], "deny");
  EXPECT_EQ(out["rule"]["name"], "secret-paths");
  EXPECT_THAT(out["rule"]["origin"].get<std::string>(), HasSubstr("secrets.yaml:"));
  EXPECT_EQ(out["tool_known"], true);
  EXPECT_EQ(out["always_denied"], false);
}

}  // namespace
}  // namespace mcp_warden::policy
