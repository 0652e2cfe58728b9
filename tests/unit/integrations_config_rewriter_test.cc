// rewrite_config_file() and run_init_integration() on real files in a temp
// directory: wrapping per client, idempotence, backups, atomic writes, dry
// runs, undo back to the original, refusal of bad files and failure injection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "mcp_warden/integrations/backup.h"
#include "mcp_warden/integrations/config_rewriter.h"
#include "mcp_warden/integrations/init_integration.h"

namespace mcp_warden::integrations {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kFixtures = fs::path(MCP_WARDEN_FIXTURES_DIR) / "integrations";
const fs::path kDescriptors = fs::path(MCP_WARDEN_SOURCE_DIR) / "integrations";
const char* const kWarden = "/opt/mcp-warden/bin/mcp-warden";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

uint32_t mode_of(const fs::path& path) {
  struct ::stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

// A PosixFileSystem whose operations a test can make fail or interfere with.
class FaultyFileSystem final : public FileSystem {
 public:
  Result<std::string> read_file(const fs::path& path) override { return real_.read_file(path); }
  Result<FileInfo> stat(const fs::path& path) override { return real_.stat(path); }
  Result<fs::path> resolve(const fs::path& path) override { return real_.resolve(path); }
  Status create_directories(const fs::path& dir) override { return real_.create_directories(dir); }
  Status create_new_file(const fs::path& path, const std::string& data, uint32_t mode) override {
    if (on_backup) on_backup();
    if (fail_backup) return Status::io_error("cannot create " + path.string() + ": Permission denied");
    return real_.create_new_file(path, data, mode);
  }
  Status replace_atomically(const fs::path& path, const std::string& data, const FileInfo& keep) override {
    if (fail_replace) return Status::io_error("cannot write " + path.string() + ": No space left on device");
    return real_.replace_atomically(path, data, keep);
  }
  Result<std::vector<std::string>> list_directory(const fs::path& dir) override { return real_.list_directory(dir); }
  Status remove_file(const fs::path& path) override { return real_.remove_file(path); }

  bool fail_backup = false;
  bool fail_replace = false;
  std::function<void()> on_backup;

 private:
  PosixFileSystem real_;
};

class RewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mcp-warden-integrations-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ClientDescriptor client(std::string_view id) {
    auto descriptor = load_client_descriptor(fs_, kDescriptors, id);
    EXPECT_TRUE(descriptor.is_ok()) << descriptor.status().to_string();
    return descriptor ? *descriptor : ClientDescriptor{};
  }

  // Copies a fixture into the temp directory under its own file name.
  fs::path copy_fixture(const std::string& relative) {
    fs::path target = dir_ / fs::path(relative).filename();
    fs::copy_file(kFixtures / relative, target);
    return target;
  }

  RewriteOptions options(RewriteMode mode = RewriteMode::kWrap) {
    RewriteOptions out;
    out.mode = mode;
    out.wrap = WrapSpec{kWarden, "strict"};
    return out;
  }

  Result<FileReport> run(const fs::path& path, std::string_view id, const RewriteOptions& opts) {
    return rewrite_config_file(path, client(id), opts, fs_, clock_);
  }

  FileReport run_ok(const fs::path& path, std::string_view id, const RewriteOptions& opts) {
    auto report = run(path, id, opts);
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    return report ? *report : FileReport{};
  }

  std::vector<fs::path> backups() const {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().string().ends_with(".mcp-warden.bak")) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  const EntryReport* find_entry(const FileReport& report, const std::string& name) {
    for (const EntryReport& entry : report.entries) {
      if (entry.name == name) return &entry;
    }
    ADD_FAILURE() << "no entry " << name;
    return nullptr;
  }

  EntryAction action_of(const FileReport& report, const std::string& name) {
    const EntryReport* entry = find_entry(report, name);
    return entry ? entry->action : EntryAction::kFailed;
  }

  fs::path dir_;
  FaultyFileSystem fs_;
  FakeClock clock_;
};

TEST_F(RewriteTest, ClaudeDesktopStdioEntriesAreWrappedAndEverythingElseKept) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  ordered_json before = ordered_json::parse(read_text(path));
  FileReport report = run_ok(path, "claude", options());
  EXPECT_TRUE(report.written);
  ordered_json after = ordered_json::parse(read_text(path));
  const ordered_json& fsys = after["mcpServers"]["filesystem"];
  EXPECT_EQ(fsys["command"], kWarden);
  EXPECT_EQ(fsys["args"],
            ordered_json::parse(R"(["proxy", "--policy", "strict", "--server-name", "filesystem", "--",
      "npx", "-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Documents"])"));
  EXPECT_EQ(fsys["env"], before["mcpServers"]["filesystem"]["env"]);
  EXPECT_EQ(after["mcpServers"]["github"]["args"][6], "docker");
  EXPECT_EQ(after["mcpServers"]["remote-search"], before["mcpServers"]["remote-search"]);
  EXPECT_EQ(after["globalShortcut"], before["globalShortcut"]);
  EXPECT_EQ(after["preferences"], before["preferences"]);
  EXPECT_EQ(after.begin().key(), "globalShortcut");
  EXPECT_EQ(action_of(report, "remote-search"), EntryAction::kRemote);
  EXPECT_EQ(action_of(report, "github"), EntryAction::kWrapped);
}

TEST_F(RewriteTest, ServerNameWithSpacesAndQuotesIsPassedVerbatim) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  run_ok(path, "claude", options());
  const std::string name = "my notes (work) \"β\"";
  ordered_json entry = ordered_json::parse(read_text(path))["mcpServers"][name];
  EXPECT_EQ(entry["args"][4], name);
  EXPECT_EQ(entry["args"].back(), "/opt/notes/bin/notes-mcp");
}

TEST_F(RewriteTest, DisabledEntriesAreWrappedAndStayDisabled) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  FileReport report = run_ok(path, "claude", options());
  ordered_json entry = ordered_json::parse(read_text(path))["mcpServers"]["old-sqlite"];
  EXPECT_EQ(entry["command"], kWarden);
  EXPECT_EQ(entry["disabled"], true);
  const EntryReport* line = find_entry(report, "old-sqlite");
  ASSERT_NE(line, nullptr);
  EXPECT_TRUE(line->disabled);
}

TEST_F(RewriteTest, SecondRunLeavesTheFileByteIdenticalWithoutABackup) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  run_ok(path, "claude", options());
  std::string once = read_text(path);
  ASSERT_EQ(backups().size(), 1u);
  FileReport second = run_ok(path, "claude", options());
  EXPECT_FALSE(second.changed);
  EXPECT_FALSE(second.written);
  EXPECT_EQ(read_text(path), once);
  EXPECT_EQ(backups().size(), 1u);
  EXPECT_EQ(action_of(second, "filesystem"), EntryAction::kAlreadyWrapped);
}

TEST_F(RewriteTest, TwoWritingRunsInTheSameSecondMakeTwoDistinctBackups) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string original = read_text(path);
  FileReport wrapped = run_ok(path, "claude", options());
  std::string wrapped_text = read_text(path);
  FileReport undone = run_ok(path, "claude", options(RewriteMode::kUndo));
  ASSERT_TRUE(wrapped.backup && undone.backup);
  EXPECT_NE(*wrapped.backup, *undone.backup);
  EXPECT_EQ(backups().size(), 2u);
  EXPECT_EQ(read_text(*wrapped.backup), original);
  EXPECT_EQ(read_text(*undone.backup), wrapped_text);
  EXPECT_THAT(wrapped.backup->filename().string(), HasSubstr(backup_timestamp(clock_.now_unix_micros())));
}

TEST_F(RewriteTest, PermissionsAreKeptOnTheFileAndItsBackup) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  FileReport report = run_ok(path, "claude", options());
  EXPECT_EQ(mode_of(path), 0640u);
  ASSERT_TRUE(report.backup);
  EXPECT_EQ(mode_of(*report.backup), 0640u);
}

TEST_F(RewriteTest, AtomicWriteLeavesNoTemporaryFilesBehind) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  run_ok(path, "claude", options());
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 2);  // the config and one backup
}

TEST_F(RewriteTest, DryRunPrintsADiffAndWritesNothing) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string original = read_text(path);
  RewriteOptions opts = options();
  opts.dry_run = true;
  FileReport report = run_ok(path, "claude", opts);
  EXPECT_TRUE(report.changed);
  EXPECT_FALSE(report.written);
  EXPECT_EQ(read_text(path), original);
  EXPECT_TRUE(backups().empty());
  EXPECT_THAT(report.diff, HasSubstr("--- " + path.string() + "\n+++ "));
  EXPECT_THAT(report.diff, HasSubstr("-      \"command\": \"npx\",\n"));
  EXPECT_THAT(report.diff, HasSubstr(std::string("+      \"command\": \"") + kWarden + "\",\n"));
  EXPECT_THAT(report.diff, Not(HasSubstr("menuBarEnabled")));  // unchanged, far from any change
}

class UndoRoundTripTest : public RewriteTest,
                          public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

TEST_P(UndoRoundTripTest, UndoRestoresTheByteIdenticalOriginal) {
  auto [fixture, id] = GetParam();
  fs::path path = copy_fixture(fixture);
  std::string original = read_text(path);
  FileReport wrapped = run_ok(path, id, options());
  EXPECT_TRUE(wrapped.written);
  EXPECT_NE(read_text(path), original);
  FileReport undone = run_ok(path, id, options(RewriteMode::kUndo));
  EXPECT_TRUE(undone.written);
  EXPECT_EQ(read_text(path), original);
}

INSTANTIATE_TEST_SUITE_P(EveryClientFixture, UndoRoundTripTest,
                         ::testing::Values(std::pair{"claude/claude_desktop_config.json", "claude"},
                                           std::pair{"claude/windows_config.json", "claude"},
                                           std::pair{"claude-code/claude.json", "claude-code"},
                                           std::pair{"claude-code/project/.mcp.json", "claude-code"},
                                           std::pair{"cursor/mcp.json", "cursor"},
                                           std::pair{"vscode/mcp.json", "vscode"},
                                           std::pair{"windsurf/mcp_config.json", "windsurf"}));

TEST_F(RewriteTest, UndoWorksWithoutBackupsAndLeavesLaterEntriesAlone) {
  fs::path path = copy_fixture("cursor/mcp.json");
  std::string original = read_text(path);
  run_ok(path, "cursor", options());
  for (const fs::path& backup : backups()) fs::remove(backup);
  ordered_json edited = ordered_json::parse(read_text(path));
  edited["mcpServers"]["added-later"] = ordered_json::parse(R"({"command": "uvx", "args": ["mcp-server-git"]})");
  write_text(path, edited.dump(4));
  FileReport undone = run_ok(path, "cursor", options(RewriteMode::kUndo));
  EXPECT_EQ(action_of(undone, "added-later"), EntryAction::kNotWrapped);
  EXPECT_EQ(action_of(undone, "puppeteer"), EntryAction::kUnwrapped);
  ordered_json after = ordered_json::parse(read_text(path));
  EXPECT_EQ(after["mcpServers"]["added-later"], edited["mcpServers"]["added-later"]);
  after["mcpServers"].erase("added-later");
  EXPECT_EQ(after, ordered_json::parse(original));
}

TEST_F(RewriteTest, StyleOfTheFileIsKept) {
  fs::path cursor = copy_fixture("cursor/mcp.json");
  fs::path windows = copy_fixture("claude/windows_config.json");
  run_ok(cursor, "cursor", options());
  run_ok(windows, "claude", options());
  std::string cursor_text = read_text(cursor);
  EXPECT_THAT(cursor_text, HasSubstr("\n    \"mcpServers\": {\n        \"linear\""));
  EXPECT_EQ(cursor_text.back(), '}');
  std::string windows_text = read_text(windows);
  EXPECT_THAT(windows_text, HasSubstr("\"npx.cmd\",\r\n"));
  EXPECT_EQ(windows_text.find("\n"), windows_text.find("\r\n") + 1);
  EXPECT_THAT(windows_text, Not(HasSubstr("\",\n")));
}

TEST_F(RewriteTest, HandFormattedFileIsRestoredInMeaningAndItsBackupByteForByte) {
  fs::path path = copy_fixture("claude/hand_formatted.json");
  std::string original = read_text(path);
  FileReport wrapped = run_ok(path, "claude", options());
  run_ok(path, "claude", options(RewriteMode::kUndo));
  EXPECT_EQ(ordered_json::parse(read_text(path)), ordered_json::parse(original));
  ASSERT_TRUE(wrapped.backup);
  EXPECT_EQ(read_text(*wrapped.backup), original);
}

TEST_F(RewriteTest, ClaudeCodeWrapsUserAndPerProjectServers) {
  fs::path path = copy_fixture("claude-code/claude.json");
  FileReport report = run_ok(path, "claude-code", options());
  ordered_json after = ordered_json::parse(read_text(path));
  EXPECT_EQ(after["mcpServers"]["context7"]["command"], kWarden);
  EXPECT_EQ(after["mcpServers"]["context7"]["type"], "stdio");
  const ordered_json& app = after["projects"]["/home/me/app"];
  EXPECT_EQ(app["mcpServers"]["postgres"]["command"], kWarden);
  EXPECT_EQ(app["mcpServers"]["postgres"]["env"]["DATABASE_URI"], "postgresql://me@localhost/app");
  EXPECT_EQ(app["mcpServers"]["sentry"]["url"], "https://mcp.sentry.dev/mcp");
  EXPECT_EQ(app["hasTrustDialogAccepted"], true);
  const EntryReport* postgres = find_entry(report, "postgres");
  ASSERT_NE(postgres, nullptr);
  EXPECT_EQ(postgres->table, "projects > /home/me/app");
  EXPECT_EQ(action_of(report, "sentry"), EntryAction::kRemote);
}

TEST_F(RewriteTest, ClaudeCodeProjectFileSkipsSseServers) {
  fs::path path = copy_fixture("claude-code/project/.mcp.json");
  FileReport report = run_ok(path, "claude-code", options());
  EXPECT_EQ(action_of(report, "playwright"), EntryAction::kWrapped);
  EXPECT_EQ(action_of(report, "docs"), EntryAction::kRemote);
}

TEST_F(RewriteTest, VsCodeKeepsInputsAndTypeAndSkipsHttpServers) {
  fs::path path = copy_fixture("vscode/mcp.json");
  ordered_json before = ordered_json::parse(read_text(path));
  FileReport report = run_ok(path, "vscode", options());
  ordered_json after = ordered_json::parse(read_text(path));
  EXPECT_EQ(after["inputs"], before["inputs"]);
  EXPECT_EQ(after["servers"]["github"], before["servers"]["github"]);
  EXPECT_EQ(after["servers"]["perplexity"]["type"], "stdio");
  EXPECT_EQ(after["servers"]["perplexity"]["env"]["PERPLEXITY_API_KEY"], "${input:perplexity-key}");
  EXPECT_EQ(after["servers"]["workspace-tools"]["args"].back(), "${workspaceFolder}/tools/server.js");
  EXPECT_EQ(after["servers"]["workspace-tools"]["envFile"], "${workspaceFolder}/.env");
  EXPECT_EQ(action_of(report, "github"), EntryAction::kRemote);
}

TEST_F(RewriteTest, WindsurfServerUrlEntriesAreLeftAlone) {
  fs::path path = copy_fixture("windsurf/mcp_config.json");
  FileReport report = run_ok(path, "windsurf", options());
  EXPECT_EQ(action_of(report, "figma"), EntryAction::kRemote);
  EXPECT_EQ(action_of(report, "brave-search"), EntryAction::kWrapped);
}

TEST_F(RewriteTest, OnlyAndExceptChooseEntries) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  RewriteOptions opts = options();
  opts.only = {"filesystem", "github"};
  opts.except = {"github"};
  FileReport report = run_ok(path, "claude", opts);
  EXPECT_EQ(action_of(report, "filesystem"), EntryAction::kWrapped);
  EXPECT_EQ(action_of(report, "github"), EntryAction::kNotSelected);
  EXPECT_EQ(action_of(report, "old-sqlite"), EntryAction::kNotSelected);
  ordered_json after = ordered_json::parse(read_text(path));
  EXPECT_EQ(after["mcpServers"]["github"]["command"], "docker");
}

TEST_F(RewriteTest, UndoReportsAnEntryItCannotRestoreAndRestoresTheOthers) {
  fs::path path = copy_fixture("wrapped/claude_desktop_config.json");
  FileReport report = run_ok(path, "claude", options(RewriteMode::kUndo));
  EXPECT_EQ(action_of(report, "already"), EntryAction::kUnwrapped);
  EXPECT_EQ(action_of(report, "broken"), EntryAction::kFailed);
  EXPECT_EQ(action_of(report, "plain"), EntryAction::kNotWrapped);
  EXPECT_TRUE(report.has_failures());
  ordered_json after = ordered_json::parse(read_text(path));
  EXPECT_EQ(after["mcpServers"]["already"]["command"], "npx");
  EXPECT_EQ(after["mcpServers"]["broken"]["command"], "/usr/local/bin/mcp-warden");
}

class InvalidFileTest : public RewriteTest,
                        public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

TEST_P(InvalidFileTest, IsRefusedWithPathLineAndColumnAndLeftUntouched) {
  auto [fixture, position] = GetParam();
  fs::path path = copy_fixture(fixture);
  std::string original = read_text(path);
  auto report = run(path, "claude", options());
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr(path.string() + ":" + position + ": "));
  EXPECT_EQ(read_text(path), original);
  EXPECT_TRUE(backups().empty());
}

TEST_F(RewriteTest, JsoncForAPlainJsonClientSaysTheClientWouldRefuseItToo) {
  fs::path path = copy_fixture("invalid/trailing_comma.json");
  auto report = run(path, "claude", options());
  ASSERT_FALSE(report.is_ok());
  EXPECT_THAT(report.status().message(), HasSubstr("a trailing comma; Claude Desktop reads plain JSON"));
}

INSTANTIATE_TEST_SUITE_P(EveryKindOfBadFile, InvalidFileTest,
                         ::testing::Values(std::pair{"invalid/unterminated_comment.jsonc", "2:20"},
                                           std::pair{"invalid/trailing_comma.json", "3:26"},
                                           std::pair{"invalid/comments.jsonc", "2:3"},
                                           std::pair{"invalid/servers_not_object.json", "3:17"},
                                           std::pair{"invalid/duplicate_keys.json", "4:10"},
                                           std::pair{"invalid/truncated.json", "4:1"}));

TEST_F(RewriteTest, MissingClaudeDesktopFileIsCreatedWithEmptyServers) {
  fs::path path = dir_ / "Claude" / "nested" / "claude_desktop_config.json";
  RewriteOptions opts = options();
  opts.create_if_missing = true;
  FileReport report = run_ok(path, "claude", opts);
  EXPECT_TRUE(report.created);
  EXPECT_TRUE(report.written);
  EXPECT_EQ(ordered_json::parse(read_text(path)), ordered_json::parse(R"({"mcpServers": {}})"));
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_FALSE(report.notes.empty());
  EXPECT_FALSE(report.backup);
}

TEST_F(RewriteTest, MissingFileIsNotCreatedWithoutPermissionOrForOtherClients) {
  RewriteOptions opts = options();
  EXPECT_EQ(run(dir_ / "a.json", "claude", opts).status().code(), ErrorCode::kNotFound);
  opts.create_if_missing = true;
  EXPECT_EQ(run(dir_ / "b.json", "cursor", opts).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_ / "a.json") || fs::exists(dir_ / "b.json"));
}

TEST_F(RewriteTest, FailedWriteIsReportedAndLeavesTheFileUntouched) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string original = read_text(path);
  fs_.fail_replace = true;
  auto report = run(path, "claude", options());
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kIoError);
  EXPECT_THAT(report.status().message(), HasSubstr(path.string()));
  EXPECT_EQ(read_text(path), original);
}

TEST_F(RewriteTest, FailedBackupMeansNothingIsWritten) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string original = read_text(path);
  fs_.fail_backup = true;
  auto report = run(path, "claude", options());
  ASSERT_FALSE(report.is_ok());
  EXPECT_THAT(report.status().message(), HasSubstr("cannot back up"));
  EXPECT_EQ(read_text(path), original);
}

TEST_F(RewriteTest, FileChangedByTheClientMeanwhileIsNotOverwritten) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  const std::string theirs = "{\n  \"mcpServers\": {}\n}\n";
  fs_.on_backup = [&] { write_text(path, theirs); };
  auto report = run(path, "claude", options());
  ASSERT_FALSE(report.is_ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(read_text(path), theirs);
}

// Runs `body` without root's power to ignore permissions: as nobody in a
// forked child when this test runs as root. Returns what `body` returned.
int run_unprivileged(const std::function<int()>& body) {
  if (::geteuid() != 0) return body();
  pid_t child = ::fork();
  if (child == 0) {
    bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;
    ::_exit(dropped ? body() : 99);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

TEST_F(RewriteTest, UnwritableDirectoryIsReportedAndNothingChanges) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string original = read_text(path);
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);  // the file is writable; its directory is not
  ASSERT_EQ(::chmod(dir_.c_str(), 0555), 0);
  int code = run_unprivileged([&] { return static_cast<int>(run(path, "claude", options()).status().code()); });
  ::chmod(dir_.c_str(), 0755);
  EXPECT_EQ(code, static_cast<int>(ErrorCode::kIoError));
  EXPECT_EQ(read_text(path), original);
  EXPECT_TRUE(backups().empty());
}

TEST_F(RewriteTest, ReadOnlyFileIsReportedAndNotReplaced) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string original = read_text(path);
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  int code = run_unprivileged([&] { return static_cast<int>(run(path, "claude", options()).status().code()); });
  ::chmod(dir_.c_str(), 0755);
  EXPECT_EQ(code, static_cast<int>(ErrorCode::kIoError));
  EXPECT_EQ(read_text(path), original);
  EXPECT_EQ(mode_of(path), 0444u);
  EXPECT_TRUE(backups().empty());
}

TEST_F(RewriteTest, SymlinkedConfigIsRewrittenAtItsTarget) {
  fs::path target = copy_fixture("claude/claude_desktop_config.json");
  fs::path link = dir_ / "link.json";
  fs::create_symlink(target, link);
  FileReport report = run_ok(link, "claude", options());
  EXPECT_EQ(report.path, fs::canonical(target));
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(ordered_json::parse(read_text(target))["mcpServers"]["filesystem"]["command"], kWarden);
}

TEST(PosixFileSystemTest, CreateNewFileNeverReplacesAnExistingFile) {
  fs::path path = fs::temp_directory_path() / ("mcp-warden-create-" + std::to_string(::getpid()));
  PosixFileSystem fs;
  ASSERT_TRUE(fs.create_new_file(path, "first", 0600).is_ok());
  Status second = fs.create_new_file(path, "second", 0600);
  EXPECT_EQ(second.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(read_text(path), "first");
  fs::remove(path);
}

TEST(PosixFileSystemTest, FailedReplaceLeavesTheTargetAndNoTemporaryFile) {
  fs::path dir = fs::temp_directory_path() / ("mcp-warden-replace-" + std::to_string(::getpid()));
  fs::create_directories(dir / "config.json" / "occupied");  // a directory where the file should go
  PosixFileSystem fs;
  Status status = fs.replace_atomically(dir / "config.json", "{}", FileInfo{});
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_THAT(status.message(), HasSubstr("left unchanged"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(BackupTest, TimestampIsUtcAndCandidatesAreNumbered) {
  EXPECT_EQ(backup_timestamp(1'700'000'000'000'000), "20231114T221320Z");
  EXPECT_EQ(backup_path("/c/x.json", "T", 1), fs::path("/c/x.json.T.mcp-warden.bak"));
  EXPECT_EQ(backup_path("/c/x.json", "T", 2), fs::path("/c/x.json.T-2.mcp-warden.bak"));
}

TEST_F(RewriteTest, DescriptorWhoseIdDiffersFromItsFileNameIsRefused) {
  fs::copy_file(kDescriptors / "claude.json", dir_ / "cursor.json");
  auto descriptor = load_client_descriptor(fs_, dir_, "cursor");
  ASSERT_FALSE(descriptor.is_ok());
  EXPECT_THAT(descriptor.status().message(), HasSubstr("expected \"cursor\""));
}

// run_init_integration(): the printed report and the exit status.
class InitIntegrationTest : public RewriteTest {
 protected:
  int run_command(IntegrationRequest request, std::string& output) {
    HostEnvironment env{"linux", dir_ / "home", [](const std::string&) { return std::optional<std::string>(); }};
    std::ostringstream out;
    int status = run_init_integration(request, IntegrationDeps{fs_, clock_, env}, out);
    output = out.str();
    return status;
  }

  IntegrationRequest request_for(std::string_view id, const fs::path& path) {
    IntegrationRequest request;
    request.clients = {client(id)};
    request.config_path = path;
    request.rewrite = options();
    return request;
  }
};

TEST_F(InitIntegrationTest, PrintsEveryEntryTheBackupAndARestartReminder) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string output;
  EXPECT_EQ(run_command(request_for("claude", path), output), 0);
  EXPECT_THAT(output, HasSubstr("Claude Desktop: " + path.string() + "\n"));
  EXPECT_THAT(output, HasSubstr("  wrapped         \"filesystem\" (npx)\n"));
  EXPECT_THAT(output, HasSubstr("  left alone      \"remote-search\" (remote server (url))\n"));
  EXPECT_THAT(output, HasSubstr("\"old-sqlite\" (uvx) [disabled]\n"));
  EXPECT_THAT(output, HasSubstr("  backup          " + path.string() + "."));
  EXPECT_THAT(output, HasSubstr("wrapped 4 server(s) (policy strict)"));
  EXPECT_THAT(output, HasSubstr("Restart Claude Desktop: "));
}

TEST_F(InitIntegrationTest, NothingToDoSaysSoWithoutARestartReminder) {
  fs::path path = copy_fixture("claude/claude_desktop_config.json");
  std::string output;
  run_command(request_for("claude", path), output);
  EXPECT_EQ(run_command(request_for("claude", path), output), 0);
  EXPECT_THAT(output, HasSubstr("already wrapped"));
  EXPECT_THAT(output, HasSubstr("nothing to do"));
  EXPECT_THAT(output, Not(HasSubstr("Restart")));
}

TEST_F(InitIntegrationTest, DryRunPrintsTheDiff) {
  fs::path path = copy_fixture("vscode/mcp.json");
  IntegrationRequest request = request_for("vscode", path);
  request.rewrite.dry_run = true;
  std::string output;
  EXPECT_EQ(run_command(request, output), 0);
  EXPECT_THAT(output, HasSubstr("\n@@ "));
  EXPECT_THAT(output, HasSubstr("would wrap 2 server(s); nothing was written"));
  EXPECT_THAT(output, HasSubstr("After applying, restart VS Code"));
}

TEST_F(InitIntegrationTest, RefusedFileGivesExitStatusOneAndItsPosition) {
  fs::path path = copy_fixture("invalid/servers_not_object.json");
  std::string output;
  EXPECT_EQ(run_command(request_for("claude", path), output), 1);
  EXPECT_THAT(output, HasSubstr("error           " + path.string() + ":3:17: "));
}

TEST_F(InitIntegrationTest, NoConfigFoundIsAnError) {
  IntegrationRequest request;
  request.clients = {client("cursor"), client("windsurf")};
  request.all_clients = true;
  request.rewrite = options();
  std::string output;
  EXPECT_EQ(run_command(request, output), 1);
  EXPECT_THAT(output, HasSubstr("Cursor: no config at " + (dir_ / "home" / ".cursor" / "mcp.json").string()));
  EXPECT_THAT(output, HasSubstr("No config file was found"));
}

TEST_F(InitIntegrationTest, OnlyNamingAnUnknownServerIsNoted) {
  fs::path path = copy_fixture("windsurf/mcp_config.json");
  IntegrationRequest request = request_for("windsurf", path);
  request.rewrite.only = {"brave-search", "no-such-server"};
  std::string output;
  EXPECT_EQ(run_command(request, output), 1);
  EXPECT_THAT(output, HasSubstr("note: no server named \"no-such-server\" was found"));
  EXPECT_EQ(ordered_json::parse(read_text(path))["mcpServers"]["brave-search"]["command"], kWarden);
}

}  // namespace
}  // namespace mcp_warden::integrations
