// JSONC configs (comments, trailing commas): read, wrapped and unwrapped with
// every comment kept, and refused with the place named when a change would
// drop one; wrapped entries updated in place (moved binary, --policy);
// bounded backups.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "mcp_warden/integrations/backup.h"
#include "mcp_warden/integrations/config_document.h"
#include "mcp_warden/integrations/config_rewriter.h"
#include "mcp_warden/integrations/jsonc.h"
#include "mcp_warden/integrations/server_entry.h"

namespace mcp_warden::integrations {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kFixtures = fs::path(MCP_WARDEN_FIXTURES_DIR) / "integrations";
const fs::path kDescriptors = fs::path(MCP_WARDEN_SOURCE_DIR) / "integrations";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(JsoncTest, StrippingKeepsOffsetsAndLineBreaks) {
  std::string text = "{\n  // a\n  \"k\": \"// not a comment\", /* b\n c */ \"x\": [1, 2,],\n}\n";
  auto stripped = strip_jsonc(text, "f");
  ASSERT_TRUE(stripped.is_ok());
  EXPECT_EQ(stripped->json.size(), text.size());
  EXPECT_TRUE(stripped->had_comments);
  EXPECT_TRUE(stripped->had_trailing_commas);
  EXPECT_EQ(std::count(stripped->json.begin(), stripped->json.end(), '\n'), 5);
  auto parsed = ordered_json::parse(stripped->json);
  EXPECT_EQ(parsed["k"], "// not a comment");
  EXPECT_EQ(parsed["x"], ordered_json::array({1, 2}));
}

TEST(JsoncTest, UnterminatedBlockCommentIsRefusedWhereItOpens) {
  auto stripped = strip_jsonc("{\n  /* open\n}", "cfg.json");
  ASSERT_FALSE(stripped.is_ok());
  EXPECT_THAT(stripped.status().message(), HasSubstr("cfg.json:2:3: unterminated /* comment"));
}

TEST(JsoncTest, AnUnchangedTreeWritesTheSameBytes) {
  std::string text = read_text(kFixtures / "cursor" / "mcp_jsonc.json");
  auto document = parse_config_document(text, "mcp.json");
  ASSERT_TRUE(document.is_ok()) << document.status().message();
  EXPECT_TRUE(document->jsonc);
  auto rendered = render_config_document(*document);
  ASSERT_TRUE(rendered.is_ok());
  EXPECT_EQ(*rendered, text);
}

TEST(JsoncTest, ACommentInsideAReplacedValueIsRefusedWithItsPlace) {
  std::string text = "{\n  \"s\": {\n    \"command\": \"x\",\n    \"args\": [\"a\" /* keep */]\n  }\n}\n";
  auto document = parse_config_document(text, "mcp.json");
  ASSERT_TRUE(document.is_ok());
  document->root["s"]["args"] = ordered_json::array({"b"});
  auto rendered = render_config_document(*document);
  ASSERT_FALSE(rendered.is_ok());
  EXPECT_THAT(rendered.status().message(), HasSubstr("mcp.json:4:18: a comment inside \"s\" > \"args\""));
}

class JsoncRewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mcp-warden-jsonc-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "mcp.json";
    fs::copy_file(kFixtures / "cursor" / "mcp_jsonc.json", path_);
    auto descriptor = load_client_descriptor(fs_, kDescriptors, "cursor");
    ASSERT_TRUE(descriptor.is_ok());
    cursor_ = *descriptor;
  }
  void TearDown() override { fs::remove_all(dir_); }

  FileReport run(RewriteMode mode, const WrapSpec& spec) {
    RewriteOptions options;
    options.mode = mode;
    options.wrap = spec;
    auto report = rewrite_config_file(path_, cursor_, options, fs_, clock_);
    EXPECT_TRUE(report.is_ok()) << report.status().message();
    clock_.advance_micros(1'000'000);
    return report ? *report : FileReport{};
  }

  ordered_json parsed() {
    auto stripped = strip_jsonc(read_text(path_), "mcp.json");
    return ordered_json::parse(stripped->json);
  }

  std::vector<std::string> backups() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().string().find(".mcp-warden.bak") != std::string::npos) names.push_back(e.path().string());
    }
    return names;
  }

  fs::path dir_, path_;
  ClientDescriptor cursor_;
  PosixFileSystem fs_;
  FakeClock clock_{1'700'000'000'000'000};
};

TEST_F(JsoncRewriteTest, WrappingKeepsEveryCommentAndUndoRestoresTheSameTree) {
  std::string original = read_text(path_);
  ordered_json before = parsed();
  FileReport report = run(RewriteMode::kWrap, WrapSpec{"/opt/bin/mcp-warden", "strict", false});
  EXPECT_TRUE(report.written);
  std::string wrapped = read_text(path_);
  for (const char* comment : {"// Cursor's MCP servers", "/* the filesystem server, read-only use */",
                              "// from the npm registry", "// no args: a local script"}) {
    EXPECT_THAT(wrapped, HasSubstr(comment));
  }
  ordered_json after = parsed();
  EXPECT_EQ(after["mcpServers"]["filesystem"]["command"], "/opt/bin/mcp-warden");
  EXPECT_EQ(after["mcpServers"]["notes"]["args"],
            ordered_json::array({"proxy", "--policy", "strict", "--server-name", "notes", "--",
                                 "/home/me/bin/notes-server"}));
  EXPECT_EQ(after["mcpServers"]["remote"], before["mcpServers"]["remote"]);

  run(RewriteMode::kUndo, WrapSpec{});
  EXPECT_EQ(parsed(), before);
  EXPECT_THAT(read_text(path_), HasSubstr("// from the npm registry"));
  EXPECT_EQ(read_text(path_), original);
}

TEST_F(JsoncRewriteTest, AMovedBinaryOrANewPolicyUpdatesWrappedEntriesInPlace) {
  run(RewriteMode::kWrap, WrapSpec{"/old/bin/mcp-warden", "strict", false});
  FileReport moved = run(RewriteMode::kWrap, WrapSpec{"/new/bin/mcp-warden", "strict", false});
  ASSERT_EQ(moved.entries.size(), 3u);
  EXPECT_EQ(moved.entries[0].action, EntryAction::kUpdated);
  EXPECT_THAT(moved.entries[0].detail, HasSubstr("binary /old/bin/mcp-warden -> /new/bin/mcp-warden"));
  EXPECT_EQ(parsed()["mcpServers"]["notes"]["command"], "/new/bin/mcp-warden");

  FileReport same = run(RewriteMode::kWrap, WrapSpec{"/new/bin/mcp-warden", "strict", false});
  EXPECT_FALSE(same.changed);
  FileReport default_policy = run(RewriteMode::kWrap, WrapSpec{"/new/bin/mcp-warden", "moderate", false});
  EXPECT_FALSE(default_policy.changed) << "without --policy, a wrapped entry keeps its policy";

  FileReport policy = run(RewriteMode::kWrap, WrapSpec{"/new/bin/mcp-warden", "/etc/p.yaml", true});
  EXPECT_EQ(policy.entries[0].action, EntryAction::kUpdated);
  EXPECT_THAT(policy.entries[0].detail, HasSubstr("policy strict -> /etc/p.yaml"));
  ordered_json args = parsed()["mcpServers"]["filesystem"]["args"];
  EXPECT_EQ(args[2], "/etc/p.yaml");
  EXPECT_EQ(args[6], "npx");
}

TEST_F(JsoncRewriteTest, OnlyTheNewestBackupsAreKept) {
  for (int i = 0; i < kMaxBackupsKept + 3; ++i) {
    run(RewriteMode::kWrap, WrapSpec{"/bin" + std::to_string(i) + "/mcp-warden", "strict", false});
  }
  std::vector<std::string> kept = backups();
  EXPECT_EQ(kept.size(), static_cast<std::size_t>(kMaxBackupsKept));
  std::string oldest = backup_path(path_, backup_timestamp(1'700'000'000'000'000), 1).string();
  EXPECT_EQ(std::count(kept.begin(), kept.end(), oldest), 0);
}

TEST_F(JsoncRewriteTest, PruningLeavesOtherFilesBackupsAlone) {
  write_text(dir_ / "other.json.20200101T000000Z.mcp-warden.bak", "{}");
  for (int i = 0; i < kMaxBackupsKept + 1; ++i) {
    run(RewriteMode::kWrap, WrapSpec{"/bin" + std::to_string(i) + "/mcp-warden", "strict", false});
  }
  EXPECT_TRUE(fs::exists(dir_ / "other.json.20200101T000000Z.mcp-warden.bak"));
}

// Every client fixture, with comments added after each opening brace: wrapping and
// undoing give the same trees as for the plain file, and every comment survives.
class JsoncFixtureTest : public JsoncRewriteTest,
                         public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

TEST_P(JsoncFixtureTest, WrapAndUndoMatchThePlainFileAndKeepEveryComment) {
  auto [fixture, client_id] = GetParam();
  std::string plain = read_text(kFixtures / fixture);
  std::string commented = "// my config\n";
  std::istringstream lines(plain);
  int comments = 1;
  for (std::string line; std::getline(lines, line);) {
    bool opens = !line.empty() && line.back() == '{';
    commented += line + (opens ? " // note " + std::to_string(comments++) : "") + "\n";
  }
  auto descriptor = load_client_descriptor(fs_, kDescriptors, client_id);
  ASSERT_TRUE(descriptor.is_ok());
  descriptor->reads_jsonc = true;  // every fixture's shape, as if its client read JSONC
  fs::path plain_path = dir_ / "plain.json";
  write_text(plain_path, plain);
  write_text(path_, commented);
  for (RewriteMode mode : {RewriteMode::kWrap, RewriteMode::kUndo}) {
    RewriteOptions options;
    options.mode = mode;
    options.wrap = WrapSpec{"/opt/bin/mcp-warden", "strict", false};
    auto a = rewrite_config_file(plain_path, *descriptor, options, fs_, clock_);
    auto b = rewrite_config_file(path_, *descriptor, options, fs_, clock_);
    ASSERT_TRUE(a.is_ok()) << a.status().message();
    ASSERT_TRUE(b.is_ok()) << b.status().message();
    clock_.advance_micros(1'000'000);
    EXPECT_EQ(ordered_json::parse(read_text(plain_path)), parsed()) << read_text(path_);
    std::string text = read_text(path_);
    for (int i = 1; i < comments; ++i) EXPECT_THAT(text, HasSubstr("// note " + std::to_string(i) + "\n"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryClient, JsoncFixtureTest,
    ::testing::Values(std::pair{"claude/claude_desktop_config.json", "claude"},
                      std::pair{"claude/hand_formatted.json", "claude"},
                      std::pair{"claude/windows_config.json", "claude"},
                      std::pair{"claude-code/claude.json", "claude-code"},
                      std::pair{"cursor/mcp.json", "cursor"}, std::pair{"vscode/mcp.json", "vscode"},
                      std::pair{"windsurf/mcp_config.json", "windsurf"}));

TEST(RefreshWrappedEntryTest, PolicyIsAddedWhenTheEntryHadNone) {
  EntryShape shape;
  ordered_json entry = {{"command", "/a/mcp-warden"}, {"args", {"proxy", "--db", "--", "--", "srv"}}};
  std::string changes;
  auto refreshed = refresh_wrapped_entry(entry, WrapSpec{"/a/mcp-warden", "moderate", true}, shape, changes);
  ASSERT_TRUE(refreshed);
  EXPECT_EQ((*refreshed)["args"], ordered_json::array({"proxy", "--policy", "moderate", "--db", "--", "--", "srv"}));
  auto read = read_wrapped_entry(*refreshed, shape);
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(read->server_command, std::vector<std::string>{"srv"});
  EXPECT_EQ(read->policy, "moderate");
}

}  // namespace
}  // namespace mcp_warden::integrations
