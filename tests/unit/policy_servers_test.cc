// The `servers:` section: loading, which entry applies to a server (first
// match per file, child before parent), trust levels along `extends` (a child
// may lower, never raise), accepted tool changes, and every load error with
// its file:line:column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mcp_warden/policy/policy.h"
#include "policy_test_support.h"
#include "mcp_warden/policy/server_settings.h"

namespace mcp_warden::policy {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kShaA(64, 'a');
const std::string kShaB = std::string(63, 'b') + "c";

using policy::testing::load_error;
using policy::testing::must_parse;
using policy::testing::test_options;

std::optional<std::string> level_of(const Policy& p, const std::string& server) {
  const std::optional<TrustLevelSetting>& level = p.server_settings(server).trust_level();
  return level ? std::optional<std::string>(level->level) : std::nullopt;
}

// A temporary directory of policy files, for `extends` chains.
class PolicyFilesTest : public ::testing::Test {
 protected:
  PolicyFilesTest() {
    std::string pattern = (fs::temp_directory_path() / "policy_servers_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  ~PolicyFilesTest() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& yaml) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << yaml;
    return path;
  }
  Result<Policy> load(const std::string& path) { return Policy::load_file(path, test_options()); }

  fs::path dir_;
};

TEST(PolicyServersTest, EntriesLoadInFileOrderWithTheirOrigins) {
  Policy p = must_parse("version: 1\nservers:\n  \"filesystem*\":\n    trust_level: trusted\n"
                        "    accept_tool_changes:\n      - tool: \"read_*\"\n        sha256: \"" +
                        std::string(64, 'A') + "\"\n      - {tool: list_directory}\n  github:\n"
                        "    trust_level: untrusted\n");
  ASSERT_EQ(p.servers().size(), 2u);
  const ServerEntry& fs_entry = p.servers()[0];
  EXPECT_EQ(fs_entry.server, "filesystem*");
  EXPECT_EQ(fs_entry.origin, "test.yaml:3:3");
  EXPECT_EQ(fs_entry.file, "test.yaml");
  EXPECT_EQ(fs_entry.trust_level, "trusted");
  EXPECT_EQ(fs_entry.trust_level_origin, "test.yaml:4:18");
  ASSERT_EQ(fs_entry.accept_tool_changes.size(), 2u);
  EXPECT_EQ(fs_entry.accept_tool_changes[0].tool, "read_*");
  EXPECT_EQ(fs_entry.accept_tool_changes[0].sha256, kShaA) << "hex is stored lower-case";
  EXPECT_EQ(fs_entry.accept_tool_changes[0].origin, "test.yaml:6:9");
  EXPECT_EQ(fs_entry.accept_tool_changes[1].sha256, "");
  EXPECT_EQ(p.servers()[1].server, "github");
  EXPECT_EQ(p.servers()[1].trust_level, "untrusted");
}

TEST(PolicyServersTest, APolicyWithoutServersDeclaresNothing) {
  Result<Policy> strict = Policy::load_preset("strict", test_options());
  ASSERT_TRUE(strict.is_ok()) << strict.status().to_string();
  EXPECT_TRUE(strict->servers().empty());
  ServerSettings settings = strict->server_settings("filesystem");
  EXPECT_FALSE(settings.trust_level());
  EXPECT_TRUE(settings.entries().empty());
  EXPECT_FALSE(settings.accepts_tool_change("read_file", kShaA));
}

TEST(PolicyServersTest, TheFirstMatchingEntryInFileOrderApplies) {
  Policy p = must_parse(R"(version: 1
servers:
  filesystem-official: {trust_level: trusted}
  "filesystem*": {trust_level: unknown}
  "git?ub": {trust_level: verified_partner}
)");
  EXPECT_EQ(level_of(p, "filesystem-official"), "trusted");
  EXPECT_EQ(level_of(p, "filesystem-fork"), "unknown");
  EXPECT_EQ(level_of(p, "github"), "verified_partner");
  EXPECT_EQ(level_of(p, "slack"), std::nullopt);
  ServerSettings official = p.server_settings("filesystem-official");
  ASSERT_EQ(official.entries().size(), 1u) << "later matching entries of the same file are not consulted";
  EXPECT_EQ(official.trust_level()->origin, "test.yaml:3:38");
  EXPECT_EQ(official.trust_level()->server_glob, "filesystem-official");
}

TEST(PolicyServersTest, ALaterMatchingEntryOfTheSameFileDoesNotAddAcceptances) {
  Policy p = must_parse(R"(version: 1
servers:
  "fs*": {trust_level: trusted}
  fs-a: {accept_tool_changes: [{tool: read_file}]}
)");
  EXPECT_FALSE(p.server_settings("fs-a").accepts_tool_change("read_file", kShaA));
}

TEST(PolicyServersTest, APinnedChangeIsAcceptedOnlyWithThatFingerprint) {
  Policy p = must_parse("version: 1\nservers:\n  fs:\n    accept_tool_changes:\n      - tool: \"read_*\"\n"
                        "        sha256: " + kShaA + "\n");
  ServerSettings fs_settings = p.server_settings("fs");
  std::optional<ToolChangeAcceptance> ok = fs_settings.accepts_tool_change("read_file", std::string(64, 'A'));
  ASSERT_TRUE(ok) << "the fingerprint is compared case-insensitively";
  EXPECT_EQ(ok->origin, "test.yaml:5:9");
  EXPECT_EQ(ok->server_glob, "fs");
  EXPECT_EQ(ok->tool_glob, "read_*");
  EXPECT_EQ(ok->sha256, kShaA);
  EXPECT_THAT(ok->reason(), HasSubstr("test.yaml:5:9"));
  EXPECT_THAT(ok->reason(), HasSubstr(kShaA));
  EXPECT_FALSE(fs_settings.accepts_tool_change("read_file", kShaB)) << "another definition";
  EXPECT_FALSE(fs_settings.accepts_tool_change("write_file", kShaA)) << "another tool";
  EXPECT_FALSE(p.server_settings("fs2").accepts_tool_change("read_file", kShaA)) << "another server";
}

TEST(PolicyServersTest, AnUnpinnedItemAcceptsAnyNewDefinitionAndTheFirstItemIsReported) {
  Policy p = must_parse(R"(version: 1
servers:
  "*":
    accept_tool_changes:
      - {tool: "list_*"}
      - {tool: "*"}
)");
  std::optional<ToolChangeAcceptance> list = p.server_settings("any").accepts_tool_change("list_dir", kShaB);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->tool_glob, "list_*");
  EXPECT_THAT(list->reason(), HasSubstr("any new definition"));
  std::optional<ToolChangeAcceptance> other = p.server_settings("any").accepts_tool_change("rm", kShaA);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->tool_glob, "*");
}

TEST(PolicyServersTest, TheShadowPolicysServersAreIgnored) {
  Policy p = must_parse("version: 1\nshadow: strict\nservers:\n  fs: {trust_level: untrusted}\n");
  EXPECT_EQ(level_of(p, "fs"), "untrusted");
  EXPECT_EQ(p.servers().size(), 1u);
}

TEST(PolicyServersTest, TrustLevelRanksRunFromMostToLeastTrusted) {
  EXPECT_EQ(trust_level_rank("verified_partner"), 0u);
  EXPECT_EQ(trust_level_rank("standard"), 2u);
  EXPECT_EQ(trust_level_rank("untrusted"), 4u);
  EXPECT_EQ(trust_level_rank("Trusted"), std::nullopt);
  EXPECT_EQ(trust_level_rank(""), std::nullopt);
}

TEST(PolicyServersTest, BracketsAndEscapesThatFnmatchAcceptsLoad) {
  Policy p = must_parse("version: 1\nservers:\n  \"fs-[a-c]*\": {trust_level: trusted}\n"
                        "  \"x[]]\\\\*\": {trust_level: unknown}\n  \"y[!]]\": {trust_level: untrusted}\n");
  EXPECT_EQ(level_of(p, "fs-b1"), "trusted");
  EXPECT_EQ(level_of(p, "x]*"), "unknown");
  EXPECT_EQ(level_of(p, "x]a"), std::nullopt) << "the escaped star is literal";
  EXPECT_EQ(level_of(p, "ya"), "untrusted");
}

TEST_F(PolicyFilesTest, ChildEntriesComeBeforeTheParentsAndAChildMayLowerTheLevel) {
  write("base.yaml", "version: 1\nservers:\n  \"*\": {trust_level: trusted}\n");
  std::string child = write("child.yaml", "version: 1\nextends: base.yaml\nservers:\n"
                                          "  github: {trust_level: untrusted}\n");
  Result<Policy> p = load(child);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_EQ(p->servers().size(), 2u);
  EXPECT_EQ(p->servers()[0].server, "github");
  EXPECT_EQ(p->servers()[0].file, child);
  EXPECT_EQ(p->servers()[1].server, "*");
  EXPECT_EQ(level_of(*p, "github"), "untrusted");
  EXPECT_EQ(level_of(*p, "slack"), "trusted") << "the parent's entry applies where the child has none";
  EXPECT_TRUE(p->server_settings("github").capped_levels().empty());
  EXPECT_EQ(p->server_settings("github").entries().size(), 2u) << "one entry per file";
}

TEST_F(PolicyFilesTest, AChildCannotRaiseTheParentsLevelThroughAnotherGlob) {
  write("base.yaml", "version: 1\nservers:\n  \"*\": {trust_level: unknown}\n");
  std::string child = write("child.yaml", "version: 1\nextends: base.yaml\nservers:\n"
                                          "  github: {trust_level: verified_partner}\n");
  Result<Policy> p = load(child);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ServerSettings github = p->server_settings("github");
  ASSERT_TRUE(github.trust_level());
  EXPECT_EQ(github.trust_level()->level, "unknown");
  EXPECT_EQ(github.trust_level()->origin, (dir_ / "base.yaml").string() + ":3:22");
  ASSERT_EQ(github.capped_levels().size(), 1u);
  EXPECT_EQ(github.capped_levels()[0].level, "verified_partner");
  EXPECT_EQ(github.capped_levels()[0].origin, child + ":4:25");
}

TEST_F(PolicyFilesTest, AChildRaisingTheSameGlobIsALoadError) {
  std::string base = write("base.yaml", "version: 1\nservers:\n  github: {trust_level: standard}\n");
  std::string child = write("child.yaml", "version: 1\nextends: base.yaml\nservers:\n"
                                          "  github: {trust_level: trusted}\n");
  Result<Policy> p = load(child);
  ASSERT_FALSE(p.is_ok());
  EXPECT_THAT(p.status().message(), StartsWith(child + ":4:25: "));
  EXPECT_THAT(p.status().message(), HasSubstr("would raise the level \"standard\" declared at " + base + ":3:25"));
}

TEST_F(PolicyFilesTest, EqualLevelsGoToTheChildsEntry) {
  write("base.yaml", "version: 1\nservers:\n  github: {trust_level: standard}\n");
  std::string child = write("child.yaml", "version: 1\nextends: base.yaml\nservers:\n"
                                          "  github: {trust_level: standard}\n");
  Result<Policy> p = load(child);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->server_settings("github").trust_level()->origin, child + ":4:25");
  EXPECT_TRUE(p->server_settings("github").capped_levels().empty());
}

TEST_F(PolicyFilesTest, AcceptancesOfEveryFileApplyChildsFirst) {
  write("grand.yaml", "version: 1\nservers:\n  \"*\": {accept_tool_changes: [{tool: \"*\"}]}\n");
  write("base.yaml", "version: 1\nextends: grand.yaml\nservers:\n"
                     "  \"fs*\": {trust_level: trusted, accept_tool_changes: [{tool: read_file}]}\n");
  std::string child = write("child.yaml", "version: 1\nextends: base.yaml\nservers:\n"
                                          "  fs: {accept_tool_changes: [{tool: \"read_*\"}]}\n");
  Result<Policy> p = load(child);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ServerSettings fs_settings = p->server_settings("fs");
  ASSERT_EQ(fs_settings.entries().size(), 3u);
  EXPECT_EQ(fs_settings.trust_level()->level, "trusted");
  EXPECT_EQ(fs_settings.accepts_tool_change("read_file", kShaA)->tool_glob, "read_*") << "the child's item first";
  EXPECT_EQ(fs_settings.accepts_tool_change("rm", kShaA)->origin, (dir_ / "grand.yaml").string() + ":3:31");
}

TEST_F(PolicyFilesTest, ServerEntryErrorsInAParentNameTheParent) {
  std::string base = write("base.yaml", "version: 1\nservers:\n  fs: {trust_level: high}\n");
  std::string child = write("child.yaml", "version: 1\nextends: base.yaml\n");
  Result<Policy> p = load(child);
  ASSERT_FALSE(p.is_ok());
  EXPECT_THAT(p.status().message(), HasSubstr(base + ":3:21: unknown trust_level \"high\""));
}

struct BadServers {
  const char* yaml;
  const char* location;
  const char* problem;
};

class PolicyServersLoadErrorTest : public ::testing::TestWithParam<BadServers> {};

TEST_P(PolicyServersLoadErrorTest, NamesFileLineColumnAndProblem) {
  std::string e = load_error(std::string("version: 1\nservers:\n") + GetParam().yaml);
  EXPECT_THAT(e, StartsWith(std::string("test.yaml:") + GetParam().location + ": ")) << e;
  EXPECT_THAT(e, HasSubstr(GetParam().problem)) << e;
}

const std::string kBadHex = "  fs: {accept_tool_changes: [{tool: a, sha256: " + std::string(63, 'a') + "g}]}\n";
const std::string kShortHex = "  fs: {accept_tool_changes: [{tool: a, sha256: " + std::string(63, 'a') + "}]}\n";

INSTANTIATE_TEST_SUITE_P(
    Errors, PolicyServersLoadErrorTest,
    ::testing::Values(
        BadServers{"  - fs\n", "3:3", "servers must be a mapping"},
        BadServers{"  fs: {trust: trusted}\n", "3:8", "unknown key \"trust\" in server entry \"fs\""},
        BadServers{"  fs: {trust_level: admin}\n", "3:21",
                   "unknown trust_level \"admin\" (expected verified_partner, trusted, standard, unknown or untrusted)"},
        BadServers{"  fs: {trust_level: [trusted]}\n", "3:21", "trust_level must be a string"},
        BadServers{"  \"fs[\": {trust_level: trusted}\n", "3:3", "server \"fs[\" is not a valid glob: a '[' is never closed"},
        BadServers{"  \"fs\\\\\": {trust_level: trusted}\n", "3:3", "ends with a lone backslash"},
        BadServers{"  \"\": {trust_level: trusted}\n", "3:3", "it is empty"},
        BadServers{"  fs: {accept_tool_changes: [{tool: \"[ab\"}]}\n", "3:37", "tool \"[ab\" is not a valid glob"},
        BadServers{"  fs: {accept_tool_changes: [{sha256: abc}]}\n", "3:30", "needs a tool glob"},
        BadServers{"  fs: {accept_tool_changes: [{tool: a, sha: abc}]}\n", "3:40", "unknown key \"sha\""},
        BadServers{kBadHex.c_str(), "3:48", "sha256 must be 64 hex digits"},
        BadServers{kShortHex.c_str(), "3:48", "sha256 must be 64 hex digits"},
        BadServers{"  fs: {accept_tool_changes: {tool: a}}\n", "3:29", "accept_tool_changes must be a list"},
        BadServers{"  fs: {}\n", "3:7", "sets nothing"},
        BadServers{"  fs: {pin: always}\n", "3:13", "pin \"always\" is not one of record, strict"},
        BadServers{"  fs: {retention: forever}\n", "3:19", "retention \"forever\" is not one of ephemeral, temporary, permanent"},
        BadServers{"  fs: {reversibility: yes}\n", "3:23", "reversibility \"yes\" is not one of none, partial, full"},
        BadServers{"  fs:\n", "3:3", "server entry \"fs\" must be a mapping"},
        BadServers{"  fs: {trust_level: trusted}\n  fs: {trust_level: unknown}\n", "4:3",
                   "server \"fs\" is already listed at test.yaml:3:3"},
        BadServers{"  \"*\": {trust_level: unknown}\n  fs: {trust_level: untrusted}\n", "4:3",
                   "server entry \"fs\" can never apply: \"*\" at test.yaml:3:3"}));

TEST(PolicyServersTest, PinAndTheIatpManifestLoadBesideTheTrustLevel) {
  Policy p = must_parse("version: 1\nservers:\n  files:\n    trust_level: trusted\n    pin: strict\n"
                        "    retention: ephemeral\n    reversibility: full\n    human_in_loop: true\n"
                        "    training_consent: false\n  other: {retention: permanent}\n");
  ServerSettings files = p.server_settings("files");
  EXPECT_EQ(files.pin(), "strict");
  ServerManifest m = files.manifest();
  EXPECT_EQ(m.retention, "ephemeral");
  EXPECT_EQ(m.reversibility, "full");
  EXPECT_EQ(m.human_in_loop, true);
  EXPECT_EQ(m.training_consent, false);
  EXPECT_THAT(m.origin, StartsWith("test.yaml:3"));
  ServerSettings other = p.server_settings("other");
  EXPECT_FALSE(other.pin().has_value());
  EXPECT_EQ(other.manifest().retention, "permanent");
  EXPECT_FALSE(other.manifest().reversibility.has_value());
  EXPECT_TRUE(p.server_settings("nobody").manifest().empty());
}

TEST_F(PolicyFilesTest, AChildCannotLoosenAParentsStrictPin) {
  std::string parent = write("parent.yaml", "version: 1\nservers:\n  files: {pin: strict, retention: temporary}\n");
  std::string child = write("child.yaml", "version: 1\nextends: " + parent +
                                              "\nservers:\n  files: {pin: record, retention: ephemeral}\n");
  Result<Policy> p = load(child);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->server_settings("files").pin(), "strict");
  EXPECT_EQ(p->server_settings("files").manifest().retention, "ephemeral");  // the nearest entry
}

}  // namespace
}  // namespace mcp_warden::policy
