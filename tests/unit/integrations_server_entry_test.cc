// Server entries: which entries are wrapped, how, and how undo gets the
// original back from the wrapped args alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mcp_warden/integrations/server_entry.h"

namespace mcp_warden::integrations {
namespace {

using nlohmann::ordered_json;

const WrapSpec kSpec{"/opt/mcp-warden/bin/mcp-warden", "strict"};

EntryKind kind_of(const char* json_text, const EntryShape& shape = {}) {
  return classify_entry(ordered_json::parse(json_text), shape).kind;
}

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

TEST(ServerEntryTest, CommandEntriesAreStdio) {
  EXPECT_EQ(kind_of(R"({"command": "npx", "args": ["-y", "x"]})"), EntryKind::kStdio);
  EXPECT_EQ(kind_of(R"({"type": "stdio", "command": "node"})"), EntryKind::kStdio);
}

TEST(ServerEntryTest, UrlEntriesAndNonStdioTypesAreRemote) {
  EXPECT_EQ(kind_of(R"({"url": "https://x/mcp"})"), EntryKind::kRemote);
  EXPECT_EQ(kind_of(R"({"type": "http", "url": "https://x/mcp"})"), EntryKind::kRemote);
  EXPECT_EQ(kind_of(R"({"type": "sse", "command": "odd"})"), EntryKind::kRemote);
}

TEST(ServerEntryTest, WindsurfServerUrlIsRemoteWhenTheShapeSaysSo) {
  EntryShape windsurf;
  windsurf.remote_keys = {"serverUrl", "url"};
  EXPECT_EQ(kind_of(R"({"serverUrl": "https://x/sse"})", windsurf), EntryKind::kRemote);
}

TEST(ServerEntryTest, MalformedEntriesAreUnsupported) {
  EXPECT_EQ(kind_of(R"("npx")"), EntryKind::kUnsupported);
  EXPECT_EQ(kind_of(R"({"args": ["x"]})"), EntryKind::kUnsupported);
  EXPECT_EQ(kind_of(R"({"command": ""})"), EntryKind::kUnsupported);
  EXPECT_EQ(kind_of(R"({"command": "npx", "args": "-y x"})"), EntryKind::kUnsupported);
  EXPECT_EQ(kind_of(R"({"command": "npx", "args": ["-y", 3]})"), EntryKind::kUnsupported);
}

TEST(ServerEntryTest, ProxyEntriesAreRecognisedAsWrappedWhereverTheBinaryLives) {
  EXPECT_EQ(kind_of(R"({"command": "/usr/bin/mcp-warden", "args": ["proxy", "--", "x"]})"), EntryKind::kWrapped);
  EXPECT_EQ(kind_of(R"({"command": "C:\\tools\\mcp-warden.exe", "args": ["proxy"]})"), EntryKind::kWrapped);
  EXPECT_EQ(kind_of(R"({"command": "mcp-warden", "args": ["audit", "verify"]})"), EntryKind::kUnsupported);
  EXPECT_FALSE(is_warden_command("/usr/bin/mcp-warden-helper"));
}

TEST(ServerEntryTest, WrapPutsTheOriginalCommandAfterTheProxyOptions) {
  ordered_json entry = ordered_json::parse(R"({"command": "npx", "args": ["-y", "server"], "env": {"K": "v"}})");
  ordered_json wrapped = wrap_entry(entry, "files", kSpec, {});
  EXPECT_EQ(wrapped["command"], kSpec.warden_path);
  EXPECT_EQ(wrapped["args"],
            ordered_json::parse(
                R"(["proxy", "--policy", "strict", "--server-name", "files", "--", "npx", "-y", "server"])"));
  EXPECT_EQ(wrapped["env"], entry["env"]);
  EXPECT_EQ(classify_entry(wrapped, {}).kind, EntryKind::kWrapped);
}

TEST(ServerEntryTest, WrapKeepsEveryOtherKeyInItsPlace) {
  ordered_json entry = ordered_json::parse(
      R"({"type": "stdio", "disabled": true, "command": "uvx", "env": {}, "args": ["a"], "cwd": "/w"})");
  ordered_json wrapped = wrap_entry(entry, "n", kSpec, {});
  EXPECT_EQ(keys_of(wrapped), keys_of(entry));
  EXPECT_EQ(wrapped["type"], "stdio");
  EXPECT_EQ(wrapped["disabled"], true);
  EXPECT_EQ(wrapped["cwd"], "/w");
}

TEST(ServerEntryTest, WrapAddsArgsRightAfterCommandWhenThereWereNone) {
  ordered_json entry = ordered_json::parse(R"({"command": "/opt/x", "env": {"A": "1"}})");
  ordered_json wrapped = wrap_entry(entry, "x", kSpec, {});
  EXPECT_EQ(keys_of(wrapped), (std::vector<std::string>{"command", "args", "env"}));
  EXPECT_EQ(wrapped["args"].back(), "/opt/x");
}

TEST(ServerEntryTest, ServerNamesWithSpacesAndQuotesSurviveAsOneArgument) {
  const std::string name = "my notes (work) \"β\" -- --policy";
  ordered_json wrapped = wrap_entry(ordered_json::parse(R"({"command": "x"})"), name, kSpec, {});
  EXPECT_EQ(wrapped["args"][4], name);
  auto restored = unwrap_entry(wrapped, {});
  ASSERT_TRUE(restored.is_ok());
  EXPECT_EQ((*restored)["command"], "x");
}

TEST(ServerEntryTest, UnwrapRestoresTheOriginalExactly) {
  ordered_json entry =
      ordered_json::parse(R"({"command": "docker", "args": ["run", "-i", "--", "img"], "env": {"T": "1"}})");
  auto restored = unwrap_entry(wrap_entry(entry, "d", kSpec, {}), {});
  ASSERT_TRUE(restored.is_ok());
  EXPECT_EQ(restored->dump(), entry.dump());
}

TEST(ServerEntryTest, UnwrapOfAnEntryWithoutArgsDropsTheAddedArgs) {
  ordered_json entry = ordered_json::parse(R"({"command": "/opt/x", "env": {}})");
  auto restored = unwrap_entry(wrap_entry(entry, "x", kSpec, {}), {});
  ASSERT_TRUE(restored.is_ok());
  EXPECT_EQ(restored->dump(), entry.dump());
}

TEST(ServerEntryTest, UnwrapSkipsOptionValuesThatLookLikeTheSeparator) {
  ordered_json wrapped = ordered_json::parse(
      R"({"command": "mcp-warden", "args": ["proxy", "--server-name", "--", "--policy", "p.yaml", "--", "node", "s.js"]})");
  auto restored = unwrap_entry(wrapped, {});
  ASSERT_TRUE(restored.is_ok());
  EXPECT_EQ((*restored)["command"], "node");
  EXPECT_EQ((*restored)["args"], ordered_json::parse(R"(["s.js"])"));
}

TEST(ServerEntryTest, UnwrapWithoutAnOriginalCommandIsAnError) {
  auto restored = unwrap_entry(
      ordered_json::parse(R"({"command": "mcp-warden", "args": ["proxy", "--policy", "x", "--"]})"), {});
  ASSERT_FALSE(restored.is_ok());
  EXPECT_EQ(restored.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ServerEntryTest, WindowsCommandsAreWrappedAndRestoredVerbatim) {
  ordered_json entry = ordered_json::parse(R"({"command": "npx.cmd", "args": ["-y", "C:\\Users\\me"]})");
  ordered_json wrapped = wrap_entry(entry, "fs", kSpec, {});
  EXPECT_EQ(wrapped["args"][6], "npx.cmd");
  auto restored = unwrap_entry(wrapped, {});
  ASSERT_TRUE(restored.is_ok());
  EXPECT_EQ(restored->dump(), entry.dump());
}

}  // namespace
}  // namespace mcp_warden::integrations
