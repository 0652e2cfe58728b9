// Client descriptors (integrations/*.json): the shipped ones load, placeholder
// paths expand per OS, and targets are chosen as documented.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mcp_warden/integrations/client_descriptor.h"
#include "mcp_warden/integrations/init_integration.h"

namespace mcp_warden::integrations {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kDescriptorDir = fs::path(MCP_WARDEN_SOURCE_DIR) / "integrations";

HostEnvironment fake_env(std::string os, std::map<std::string, std::string> vars = {}) {
  auto lookup = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return HostEnvironment{std::move(os), "/home/me", lookup};
}

ClientDescriptor shipped(std::string_view id) {
  PosixFileSystem fs;
  auto descriptor = load_client_descriptor(fs, kDescriptorDir, id);
  EXPECT_TRUE(descriptor.is_ok()) << descriptor.status().to_string();
  return descriptor ? *descriptor : ClientDescriptor{};
}

TEST(ClientDescriptorTest, EveryShippedDescriptorLoadsWithPathsForEveryOs) {
  for (std::string_view id : kClientIds) {
    ClientDescriptor descriptor = shipped(id);
    EXPECT_EQ(descriptor.id, id);
    EXPECT_FALSE(descriptor.display_name.empty());
    EXPECT_FALSE(descriptor.restart_hint.empty());
    for (const char* os : {"linux", "macos", "windows"}) {
      EXPECT_FALSE(descriptor.paths_for(os).empty()) << id << " " << os;
    }
  }
}

TEST(ClientDescriptorTest, ServerTablesMatchEachClientsFormat) {
  EXPECT_EQ(shipped("vscode").server_tables, (std::vector<TablePattern>{{"servers"}}));
  EXPECT_EQ(shipped("claude").server_tables, (std::vector<TablePattern>{{"mcpServers"}}));
  EXPECT_EQ(shipped("claude-code").server_tables,
            (std::vector<TablePattern>{{"mcpServers"}, {"projects", "*", "mcpServers"}}));
  EXPECT_THAT(shipped("windsurf").entry.remote_keys, ::testing::Contains("serverUrl"));
  EXPECT_EQ(shipped("claude-code").project_config_paths, (std::vector<std::string>{".mcp.json"}));
}

TEST(ClientDescriptorTest, OnlyClaudeDesktopMayCreateAMissingFile) {
  for (std::string_view id : kClientIds) {
    EXPECT_EQ(shipped(id).create_if_missing.has_value(), id == "claude") << id;
  }
  EXPECT_EQ(nlohmann::json::parse(*shipped("claude").create_if_missing),
            nlohmann::json::parse(R"({"mcpServers":{}})"));
}

TEST(ClientDescriptorTest, DescriptorWithoutServerTablesIsRefusedNamingTheField) {
  auto descriptor = parse_client_descriptor(
      R"({"id": "x", "display_name": "X", "restart_hint": "r", "config_paths": {}})", "x.json");
  ASSERT_FALSE(descriptor.is_ok());
  EXPECT_THAT(descriptor.status().message(), HasSubstr("x.json: \"server_tables\""));
}

TEST(ClientDescriptorTest, TildeExpandsToHome) {
  auto path = expand_config_path("~/.cursor/mcp.json", fake_env("linux"));
  ASSERT_TRUE(path.is_ok());
  EXPECT_EQ(*path, fs::path("/home/me/.cursor/mcp.json"));
}

TEST(ClientDescriptorTest, PercentVariablesExpandOnWindowsWithSlashes) {
  auto env = fake_env("windows", {{"APPDATA", "C:/Users/me/AppData/Roaming"}});
  auto path = expand_config_path("%APPDATA%\\Claude\\claude_desktop_config.json", env);
  ASSERT_TRUE(path.is_ok());
  EXPECT_EQ(path->string(), "C:/Users/me/AppData/Roaming/Claude/claude_desktop_config.json");
}

TEST(ClientDescriptorTest, UnsetVariableIsNotFound) {
  auto path = expand_config_path("%APPDATA%\\x.json", fake_env("windows"));
  ASSERT_FALSE(path.is_ok());
  EXPECT_EQ(path.status().code(), ErrorCode::kNotFound);
  EXPECT_THAT(path.status().message(), HasSubstr("%APPDATA%"));
}

TEST(ClientDescriptorTest, DescriptorDirectoryCanBeOverriddenAndFallsBackToTheSourceTree) {
  PosixFileSystem fs;
  auto from_env =
      find_descriptor_dir(fs, fake_env("linux", {{"MCP_WARDEN_INTEGRATIONS_DIR", kDescriptorDir.string()}}),
                          "/nonexistent/bin/mcp-warden");
  ASSERT_TRUE(from_env.is_ok());
  EXPECT_EQ(*from_env, kDescriptorDir.lexically_normal());
  auto fallback = find_descriptor_dir(fs, fake_env("linux"), "/nonexistent/bin/mcp-warden");
  ASSERT_TRUE(fallback.is_ok());
  EXPECT_TRUE(fs::exists(*fallback / "vscode.json"));
}

TEST(ResolveTargetsTest, UserFilesComeFromTheDescriptorForThisOs) {
  IntegrationRequest request;
  request.clients = {shipped("claude"), shipped("vscode")};
  std::vector<std::string> notes;
  auto targets = resolve_targets(request, fake_env("linux"), notes);
  ASSERT_TRUE(targets.is_ok());
  ASSERT_EQ(targets->size(), 3u);
  EXPECT_EQ((*targets)[0].path, fs::path("/home/me/.config/Claude/claude_desktop_config.json"));
  EXPECT_TRUE((*targets)[0].may_create);
  EXPECT_EQ((*targets)[1].path, fs::path("/home/me/.config/Code/User/mcp.json"));
  EXPECT_FALSE((*targets)[1].may_create);
}

TEST(ResolveTargetsTest, AllNeverCreatesAndProjectFilesNeedAProjectDir) {
  IntegrationRequest request;
  request.all_clients = true;
  request.clients = {shipped("claude"), shipped("claude-code")};
  std::vector<std::string> notes;
  auto without = resolve_targets(request, fake_env("linux"), notes);
  ASSERT_TRUE(without.is_ok());
  EXPECT_EQ(without->size(), 2u);
  EXPECT_FALSE((*without)[0].may_create);
  request.project_dir = "/work/app";
  auto with = resolve_targets(request, fake_env("linux"), notes);
  ASSERT_TRUE(with.is_ok());
  ASSERT_EQ(with->size(), 3u);
  EXPECT_EQ(with->back().path, fs::path("/work/app/.mcp.json"));
}

TEST(ResolveTargetsTest, UnexpandablePathsAreNotedAndSkipped) {
  IntegrationRequest request;
  request.clients = {shipped("claude")};
  std::vector<std::string> notes;
  auto targets = resolve_targets(request, fake_env("windows"), notes);
  ASSERT_TRUE(targets.is_ok());
  EXPECT_TRUE(targets->empty());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_THAT(notes[0], HasSubstr("%APPDATA%"));
}

TEST(ResolveTargetsTest, ConfigPathNeedsExactlyOneClient) {
  IntegrationRequest request;
  request.clients = {shipped("claude"), shipped("cursor")};
  request.config_path = "/tmp/x.json";
  std::vector<std::string> notes;
  EXPECT_EQ(resolve_targets(request, fake_env("linux"), notes).status().code(), ErrorCode::kInvalidArgument);
  request.clients.pop_back();
  auto targets = resolve_targets(request, fake_env("linux"), notes);
  ASSERT_TRUE(targets.is_ok());
  ASSERT_EQ(targets->size(), 1u);
  EXPECT_EQ(targets->front().path, fs::path("/tmp/x.json"));
}

TEST(PolicyArgumentTest, PresetNamesStayAndRelativeFilesBecomeAbsolute) {
  EXPECT_EQ(policy_argument("strict", "/home/me"), "strict");
  EXPECT_EQ(policy_argument("mine.yaml", "/home/me/work"), "/home/me/work/mine.yaml");
  EXPECT_EQ(policy_argument("../p/x.yml", "/home/me/work"), "/home/me/p/x.yml");
  EXPECT_EQ(policy_argument("/etc/mcp/p.yaml", "/home/me"), "/etc/mcp/p.yaml");
}

}  // namespace
}  // namespace mcp_warden::integrations
