// Path normalisation, gitignore-style path patterns, tool-name words, and the
// secrets rule seen through them (with a fake file system for homes and
// symlinks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fnmatch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/file_uri.h"
#include "mcp_warden/policy/glob.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "mcp_warden/policy/path_pattern.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/policy/tool_words.h"
#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::policy {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

std::shared_ptr<FakeFileSystem> alice_fs() {
  return std::make_shared<FakeFileSystem>("/home/alice", "/home/alice/work");
}

TEST(LexicallyNormalTest, FoldsDotsAndRepeatedSlashes) {
  EXPECT_EQ(lexically_normal("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(lexically_normal("/a/b/../../../etc"), "/etc");
  EXPECT_EQ(lexically_normal("./x/../../y"), "../y");
  EXPECT_EQ(lexically_normal("a/.."), ".");
  EXPECT_EQ(lexically_normal("//"), "/");
}

// The documented rules, spelled out the slow way: split at '/', drop empty
// and `.` segments, fold `..` (kept at the front of a relative path, never
// above the root); "" stays "", and a relative path that folds away is ".".
std::string reference_normal(const std::string& path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string> parts;
  std::string seg;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') {
      seg.push_back(path[i]);
      continue;
    }
    if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") parts.pop_back();
      else if (!absolute) parts.push_back(seg);
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    seg.clear();
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "/" : "") + parts[i];
  return out.empty() && !path.empty() ? "." : out;
}

TEST(LexicallyNormalTest, AnswersAsTheReferenceForEveryShortPath) {
  std::vector<std::string> paths = {""};
  for (size_t begin = 0; paths.back().size() < 7;) {  // every string over {a . /} up to 7 bytes
    const size_t end = paths.size();
    for (size_t i = begin; i < end; ++i) {
      for (char c : {'a', '.', '/'}) paths.push_back(paths[i] + c);
    }
    begin = end;
  }
  std::string reused = "some/longer/previous/content/that/must/not/leak";
  for (const std::string& path : paths) {
    ASSERT_EQ(lexically_normal(path), reference_normal(path)) << path;
    lexically_normal_into(path, &reused);
    ASSERT_EQ(reused, reference_normal(path)) << path;
  }
}

TEST(PathNormalizerTest, ReusedCandidateBuffersAnswerAsFreshOnes) {
  auto fs = alice_fs();
  fs->add_symlink("/home/alice/work/link", "/home/alice/.ssh");
  PathNormalizer exact(fs);
  PathNormalizer folded(fs, PathNormalizerOptions{true});
  std::vector<std::string> raws = {"/home/alice/work/link/id_rsa/../x", "link", "a", "", "~", "..", ".",
                                   "file:///ETC/Shadow", "./Link/KEY", "/", "relative/very/long/path/name/x.pem",
                                   "$HOME/.netrc", "link/", "LINK"};
  raws.push_back(std::string("/tmp/x\0/y", 9));  // judged lexically only
  for (const PathNormalizer* n : {&exact, &folded}) {
    PathCandidates reused;
    for (int round = 0; round < 2; ++round) {
      for (const std::string& raw : raws) {
        n->candidates(raw, &reused);
        EXPECT_EQ(reused.to_vector(), n->candidates(raw)) << raw;
      }
    }
  }
  PathCandidates c;
  exact.candidates("link/id_rsa", &c);
  EXPECT_THAT(c.to_vector(), ElementsAre("link/id_rsa", "/home/alice/work/link/id_rsa", "/home/alice/.ssh/id_rsa"));
  exact.candidates("/etc", &c);
  EXPECT_THAT(c.to_vector(), ElementsAre("/etc"));
}

TEST(PathNormalizerTest, ExpandsHomeInEveryNotation) {
  PathNormalizer n(alice_fs());
  for (const char* raw : {"~/.ssh/id_rsa", "$HOME/.ssh/id_rsa", "${HOME}/.ssh/id_rsa"}) {
    EXPECT_THAT(n.candidates(raw), Contains("/home/alice/.ssh/id_rsa")) << raw;
  }
  EXPECT_THAT(n.candidates("~bob/x"), Contains("/home/alice/work/~bob/x")) << "~user is not expanded";
}

TEST(PathNormalizerTest, RelativePathsAreJudgedAsGivenAndAgainstTheWorkingDirectory) {
  PathNormalizer n(alice_fs());
  EXPECT_THAT(n.candidates("../.ssh//./id_rsa"), ElementsAre("../.ssh/id_rsa", "/home/alice/.ssh/id_rsa"));
}

TEST(PathNormalizerTest, FileUrisAreDecoded) {
  PathNormalizer n(alice_fs());
  EXPECT_THAT(n.candidates("file:///home/alice/%2Essh/id%5Frsa"), ElementsAre("/home/alice/.ssh/id_rsa"));
  EXPECT_THAT(n.candidates("FILE://localhost/etc/shadow"), ElementsAre("/etc/shadow"));
}

TEST(PathNormalizerTest, SymlinksAreResolvedAsAnExtraCandidate) {
  auto fs = alice_fs();
  fs->add_symlink("/tmp/innocent", "/home/alice/.ssh");
  PathNormalizer n(fs);
  EXPECT_THAT(n.candidates("/tmp/innocent/id_rsa"),
              ElementsAre("/tmp/innocent/id_rsa", "/home/alice/.ssh/id_rsa"));
}

TEST(PathNormalizerTest, CaseIsFoldedOnlyWhenAskedFor) {
  PathNormalizer folded(alice_fs(), PathNormalizerOptions{true});
  PathNormalizer exact(alice_fs(), PathNormalizerOptions{false});
  EXPECT_THAT(folded.candidates("/Users/A/.SSH/ID_RSA"), ElementsAre("/users/a/.ssh/id_rsa"));
  EXPECT_THAT(exact.candidates("/Users/A/.SSH/ID_RSA"), ElementsAre("/Users/A/.SSH/ID_RSA"));
}

TEST(PathNormalizerTest, RealFileSystemResolvesARealSymlinkToAKey) {
  namespace stdfs = std::filesystem;
  stdfs::path dir = stdfs::temp_directory_path() / ("policy_paths_test_" + std::to_string(::getpid()));
  stdfs::create_directories(dir / ".ssh");
  std::ofstream(dir / ".ssh" / "id_ed25519") << "not a key";
  stdfs::create_symlink(dir / ".ssh" / "id_ed25519", dir / "notes.txt");
  PathNormalizer n(std::make_shared<RealFileSystem>());
  std::vector<std::string> c = n.candidates((dir / "notes.txt").string());
  stdfs::remove_all(dir);
  EXPECT_THAT(c, Contains(stdfs::weakly_canonical(dir).string() + "/.ssh/id_ed25519"));
}

// A scratch directory with files, directories and symlinks of every kind
// the resolver must handle; removed again by the destructor.
class RealFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace stdfs = std::filesystem;
    dir_ = stdfs::temp_directory_path() / ("policy_realfs_test_" + std::to_string(::getpid()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_ / "home" / ".ssh");
    stdfs::create_directories(dir_ / "work" / "sub");
    std::ofstream(dir_ / "home" / ".ssh" / "id_ed25519") << "not a key";
    std::ofstream(dir_ / "work" / "file.txt") << "text";
    root_ = stdfs::canonical(dir_).string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void link(const std::string& target, const std::string& name) {
    std::filesystem::create_symlink(target, dir_ / name);
  }
  // What std::filesystem::weakly_canonical says, as resolve() must.
  static std::optional<std::string> expected(const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
    if (ec) return std::nullopt;
    return lexically_normal(p.string());
  }
  std::filesystem::path dir_;
  std::string root_;
};

TEST_F(RealFileSystemTest, ResolvesExactlyAsWeaklyCanonical) {
  link(root_ + "/home/.ssh", "work/abs_link");
  link("../home/.ssh/id_ed25519", "work/rel_up");
  link("rel_up", "work/chain");
  link(root_ + "/nowhere/id_rsa", "work/dangling");
  link("loop_b", "work/loop_a");
  link("loop_a", "work/loop_b");
  link("file.txt/", "work/file_with_slash");
  link("sub/../file.txt", "work/dotdot_inside");
  link(".", "work/self");
  const std::string w = root_ + "/work";
  RealFileSystem with_cache(root_ + "/home", w);
  RealFileSystem without_cache("/nonexistent-home", "/nonexistent-cwd");
  for (const std::string& path :
       {w + "/abs_link/id_ed25519", w + "/abs_link/missing/x", w + "/rel_up", w + "/chain",
        w + "/chain/x", w + "/dangling", w + "/dangling/x", w + "/loop_a", w + "/loop_a/x",
        w + "/file_with_slash", w + "/dotdot_inside", w + "/self/self/sub", w + "/file.txt/x",
        w + "/missing/abs_link", w, root_, std::string("/"), w + "/sub", root_ + "/home/.ssh"}) {
    EXPECT_EQ(with_cache.resolve(path), expected(path)) << path;
    EXPECT_EQ(without_cache.resolve(path), expected(path)) << path;
  }
}

TEST_F(RealFileSystemTest, ASymlinkMadeAfterTheDirectoriesWereCachedIsStillResolved) {
  const std::string key = root_ + "/home/.ssh/id_ed25519";
  PathNormalizer n(std::make_shared<RealFileSystem>(root_ + "/home", root_ + "/work"));
  EXPECT_THAT(n.candidates("innocent_link"), ::testing::Not(Contains(key)));
  link(key, "work/innocent_link");
  link(key, "home/notes.txt");
  EXPECT_THAT(n.candidates("innocent_link"), Contains(key)) << "relative, against the cached cwd";
  EXPECT_THAT(n.candidates("./sub/../innocent_link"), Contains(key)) << "relative with dots";
  EXPECT_THAT(n.candidates("~/notes.txt"), Contains(key)) << "below the cached home";
  EXPECT_THAT(n.candidates(root_ + "/work/innocent_link"), Contains(key)) << "absolute";
}

TEST_F(RealFileSystemTest, AHomeThatIsASymlinkIsJudgedWhereItPoints) {
  link(root_ + "/home", "home_link");
  PathNormalizer n(std::make_shared<RealFileSystem>(root_ + "/home_link", root_ + "/work"));
  EXPECT_THAT(n.candidates("~/.aws/credentials"), Contains(root_ + "/home/.aws/credentials"));
  EXPECT_THAT(n.candidates("~/.aws/credentials"), Contains(root_ + "/home_link/.aws/credentials"));
}

TEST_F(RealFileSystemTest, TheSecretsRuleCatchesALinkToAKey) {
  link(root_ + "/home/.ssh/id_ed25519", "work/innocent_link");
  LoadOptions options;
  options.presets_dir = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";
  options.file_system = std::make_shared<RealFileSystem>(root_ + "/home", root_ + "/work");
  Policy policy = Policy::load_preset("strict", options).value();
  nlohmann::json args = {{"path", "innocent_link"}};
  FakeClock clock;
  Decision d = policy.evaluate(CallContext{"filesystem", "read_text_file", &args, nullptr, {}, {}}, clock);
  EXPECT_EQ(d.rule, "secret-paths");
  EXPECT_TRUE(d.credential_denial);
}

TEST(PathPatternTest, GitignoreStyleMatching) {
  auto m = [](const char* pattern, const char* path) { return PathPattern::parse(pattern).value().matches(path); };
  EXPECT_TRUE(m(".ssh/", "/home/a/.ssh"));
  EXPECT_TRUE(m(".ssh/", "/home/a/.ssh/keys/id"));
  EXPECT_FALSE(m(".ssh/", "/home/a/.sshfoo/x"));
  EXPECT_TRUE(m("id_rsa*", "/x/id_rsa.pub"));
  EXPECT_TRUE(m(".docker/config.json", "/home/a/.docker/config.json"));
  EXPECT_FALSE(m(".docker/config.json", "/home/a/.docker/other.json"));
  EXPECT_TRUE(m("/etc/shadow", "/etc/shadow"));
  EXPECT_FALSE(m("/etc/shadow", "/backup/etc/shadow"));
  EXPECT_TRUE(m("/srv/**/secret", "/srv/a/b/secret"));
  EXPECT_TRUE(m(".env.*", "/app/.env.local"));
  EXPECT_FALSE(m(".env", "/app/.envrc"));
  EXPECT_FALSE(PathPattern::parse("a//b").is_ok());
}

TEST(GlobTest, AnswersAsFnmatchDoes) {
  const std::vector<std::string> texts = {"", "abc", "abcdef", "xabc", "a/b/c", "a.pem", ".env.local",
                                          "ab", std::string("abc\0def", 7), "ABC", "a*c", "a?c"};
  for (const char* pattern : {"abc", "abc*", "*abc", "*", "a*c", "a?c", "[ab]bc", "a\\*c", "*.pem",
                              ".env.*", "a/*", ""}) {
    const Glob glob{std::string(pattern)};
    for (const std::string& text : texts) {
      const bool expected = fnmatch(pattern, text.c_str(), 0) == 0;
      EXPECT_EQ(glob.matches(std::string_view(text)), expected) << pattern << " ~ " << text;
      EXPECT_EQ(glob.matches(text.c_str()), expected) << pattern << " ~ " << text;
    }
  }
}

TEST(LexicallyNormalTest, PathsAlreadyNormalComeBackUnchanged) {
  for (const char* path : {"", "/a", "a", "a/b", "/a/b.c/d", "..a", "a..", ".a/b.", "/ü/#12"}) {
    EXPECT_EQ(lexically_normal(path), path);
  }
  EXPECT_EQ(lexically_normal("/"), "/");
  EXPECT_EQ(lexically_normal("a/"), "a");
  EXPECT_EQ(lexically_normal("./a"), "a");
  EXPECT_EQ(lexically_normal("../a"), "../a");
}

TEST(PathNormalizerTest, RelativePathsAgainstUnusualWorkingDirectories) {
  PathNormalizer root(std::make_shared<FakeFileSystem>("/", "/"));
  EXPECT_THAT(root.candidates("a/b"), ElementsAre("a/b", "/a/b"));
  EXPECT_THAT(root.candidates("../../x"), ElementsAre("../../x", "/x"));
  EXPECT_THAT(root.candidates("a/.."), ElementsAre(".", "/"));
  PathNormalizer messy(std::make_shared<FakeFileSystem>("/home/u/", "/home//u/./work/"));
  EXPECT_THAT(messy.candidates("x/./y"), ElementsAre("x/y", "/home/u/work/x/y"));
  EXPECT_THAT(messy.candidates("../x"), ElementsAre("../x", "/home/u/x"));
  EXPECT_THAT(messy.candidates("."), ElementsAre(".", "/home/u/work"));
  EXPECT_THAT(messy.candidates("~/.ssh"), ElementsAre("/home/u/.ssh"));
}

// The set's indexes must answer exactly as trying every pattern would.
TEST(PathPatternSetTest, AnswersAsTryingEveryPattern) {
  const std::vector<std::string> patterns = {
      ".ssh/", "id_rsa*", "*.pem", ".env", ".env.*", ".docker/config.json", ".config/gh/hosts.yml",
      "/etc/shadow", "/etc/ssh/", "/srv/**/secret", "se?ret", "[ab]x", "**/deep/*.key", "/*/vault"};
  const std::vector<std::string> paths = {
      "/home/a/.ssh", "/home/a/.ssh/keys/id", "/x/id_rsa.pub", "/x/cert.pem", "/app/.env",
      "/app/.envrc", "/app/.env.prod", "/home/a/.docker/config.json", "/home/a/.docker/other.json",
      ".config/gh/hosts.yml", "/etc/shadow", "etc/shadow", "/backup/etc/shadow", "/etc/ssh/sshd_config",
      "/srv/a/b/secret", "/srv/secret", "/x/secret", "/x/sevret", "/ax", "/cx", "/a/deep/k.key",
      "/a/deep/k.pem2", "/top/vault", "/a/top/vault", "/", "", ".", "../.ssh/id", "plain words",
      std::string("/home/a/.ss\0h/x", 15), std::string("/x/id\0_rsa", 10)};
  PathPatternSet set;
  std::vector<PathPattern> parsed;
  for (const std::string& p : patterns) {
    set.add(PathPattern::parse(p).value());
    parsed.push_back(PathPattern::parse(p).value());
  }
  for (const std::string& path : paths) {
    bool expected = false;
    for (const PathPattern& p : parsed) expected = expected || p.matches(std::string_view(path));
    EXPECT_EQ(set.matches(std::string_view(path)), expected) << path;
    EXPECT_EQ(set.matches(SplitPath(path)), expected) << path;
  }
}

TEST(ToolWordsTest, SplitsSnakeCamelKebabDottedAndDigits) {
  EXPECT_THAT(split_tool_words("write_file"), ElementsAre("write", "file"));
  EXPECT_THAT(split_tool_words("writeFile"), ElementsAre("write", "file"));
  EXPECT_THAT(split_tool_words("get-file-info"), ElementsAre("get", "file", "info"));
  EXPECT_THAT(split_tool_words("fs.deleteAll2"), ElementsAre("fs", "delete", "all", "2"));
  EXPECT_THAT(split_tool_words("HTTPPostRequest"), ElementsAre("http", "post", "request"));
  EXPECT_THAT(split_tool_words("s3put"), ElementsAre("s", "3", "put"));
  EXPECT_THAT(split_tool_words("get_settings"), ElementsAre("get", "settings"));
}

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = alice_fs();
    fs_->add_symlink("/home/alice/work/harmless.txt", "/home/alice/.ssh/id_ed25519");
    LoadOptions options;
    options.presets_dir = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";
    options.file_system = fs_;
    policy_ = std::make_unique<Policy>(Policy::load_preset("moderate", options).value());
  }
  // The decision for tools/call arguments given as JSON text (decoded by the
  // strict parser, as the proxy does).
  Decision judge(const std::string& arguments_json) {
    nlohmann::json args = rpc::parse_json_strict(arguments_json).value();
    CallContext call{"filesystem", "read_text_file", &args, nullptr, {}, {}};
    return policy_->evaluate(call, clock_);
  }
  std::shared_ptr<FakeFileSystem> fs_;
  std::unique_ptr<Policy> policy_;
  FakeClock clock_;
};

TEST_F(SecretsTest, SecretPathsAreDeniedHoweverSpelled) {
  for (const char* args : {
           R"({"path": "~/.ssh/id_rsa"})", R"({"path": "/home/alice/work/../.ssh/id_rsa"})",
           R"({"path": "./../.ssh/config"})", R"({"path": "//home//alice/.aws/credentials"})",
           R"({"path": "$HOME/.netrc"})", R"({"path": "/etc/shadow"})", R"({"path": "server.key"})",
           R"({"path": "/srv/app/.env"})", R"({"path": "/srv/app/.env.production"})",
           R"({"path": "file:///home/alice/.gnupg/secring.gpg"})", R"({"path": "harmless.txt"})",
           R"({"path": "/home/alice/.docker/config.json"})", R"({"path": "/home/alice/.kube/config"})",
           R"({"path": "/home/alice/.git-credentials"})", R"({"path": "\u002e\u0073sh/id_rsa"})",
           R"({"paths": ["/tmp/a", {"nested": ["/home/alice/.ssh/id_ecdsa"]}]})"}) {
    Decision d = judge(args);
    EXPECT_EQ(d.action, Action::kDeny) << args;
    EXPECT_EQ(d.rule, "secret-paths") << args;
    EXPECT_TRUE(d.credential_denial) << args;
  }
}

TEST_F(SecretsTest, OrdinaryPathsAndLookalikesAreNotSecrets) {
  for (const char* args : {R"({"path": "/home/alice/work/notes.md"})", R"({"path": "/app/.envrc"})",
                           R"({"path": "/home/alice/keys.txt"})", R"({"path": "/home/alice/monkey"})",
                           R"({"text": "talk about ssh keys"})", R"({"path": "/etc/passwd"})"}) {
    Decision d = judge(args);
    EXPECT_NE(d.action, Action::kDeny) << args << ": " << d.reason;
  }
}

TEST_F(SecretsTest, EveryStringOfALargeCallIsJudgedAndNothingCarriesOver) {
  nlohmann::json args = nlohmann::json::object();
  for (int i = 0; i < 300; ++i) args["k" + std::to_string(i)] = {"/tmp/f" + std::to_string(i % 150), "same"};
  CallContext call{"filesystem", "read_text_file", &args, nullptr, {}, {}};
  EXPECT_NE(policy_->evaluate(call, clock_).action, Action::kDeny);
  args["k250"][1] = "~/.ssh/id_rsa";
  Decision d = policy_->evaluate(call, clock_);
  EXPECT_EQ(d.rule, "secret-paths");
  EXPECT_THAT(d.reason, ::testing::HasSubstr("argument /k250/1 is \"~/.ssh/id_rsa\""));
  args["k250"][1] = "same";
  args["files"] = {{"harmless.txt", 1}};  // a key that is a link to a key, under a path-named property
  EXPECT_EQ(policy_->evaluate(call, clock_).rule, "secret-paths");
  args.erase("files");
  EXPECT_NE(policy_->evaluate(call, clock_).action, Action::kDeny);
  args["long"] = std::string(5000, 'a') + "/.ssh/id_rsa";  // longer than PATH_MAX: judged lexically
  EXPECT_EQ(policy_->evaluate(call, clock_).rule, "secret-paths");
  args = {{"path", "/tmp/x"}, {"other", "~/.aws/config"}};
  EXPECT_EQ(policy_->evaluate(call, clock_).rule, "secret-paths");
  args.erase("other");
  EXPECT_NE(policy_->evaluate(call, clock_).action, Action::kDeny);
}


TEST_F(SecretsTest, TheCredentialStoresACarefulUserExpectsAreCovered) {
  for (const char* path : {
           "~/.config/google-chrome/Default/Login Data", "~/.mozilla/firefox/abc.default/logins.json",
           "~/Library/Application Support/Google/Chrome/Default/Cookies", "/tmp/copy/key4.db",
           "~/.cargo/credentials.toml", "~/.gem/credentials", "~/.m2/settings.xml", "~/.nuget/NuGet/NuGet.Config",
           "~/.composer/auth.json", "~/.yarnrc.yml", "~/.oci/config", "~/.azure/accessTokens.json",
           "~/.config/gcloud/application_default_credentials.json",
           "/var/run/secrets/kubernetes.io/serviceaccount/token", "/run/secrets/db_password",
           "~/.terraform.d/credentials.tfrc.json", "infra/prod.tfstate", "~/.bash_history", "~/.zsh_history",
           "~/.local/share/fish/fish_history", "~/.psql_history", "~/.my.cnf", "~/.pgpass", "/proc/1/environ",
           "/proc/self/environ", "/proc/self/task/7/environ", "/etc/shadow-", "/etc/gshadow", "/etc/shadow.bak",
           "/var/backups/shadow.bak", "/etc/security/opasswd", "~/.local/share/keyrings/login.keyring",
           "~/.config/Bitwarden CLI/data.json", "~/.config/op/config", "~/.password-store/x.gpg", "~/.gnupg/private-keys-v1.d/k.key",
           "~/.ssh/id_ed25519", "~/keys/server.ppk", "~/.config/sops/age/keys.txt"}) {
    nlohmann::json args = {{"path", path}};
    CallContext call{"filesystem", "read_text_file", &args, nullptr, {}, {}};
    EXPECT_EQ(policy_->evaluate(call, clock_).rule, "secret-paths") << path;
  }
  for (const char* path : {"/etc/passwd", "~/.bashrc", "~/.config/Code/User/settings.json", "/proc/cpuinfo",
                           "~/projects/app/.history/main.c", "~/.cargo/config.toml"}) {
    nlohmann::json args = {{"path", path}};
    CallContext call{"filesystem", "read_text_file", &args, nullptr, {}, {}};
    EXPECT_NE(policy_->evaluate(call, clock_).action, Action::kDeny) << path;
  }
}

TEST_F(SecretsTest, TheReasonNamesTheArgument) {
  Decision d = judge(R"({"paths": ["/tmp/a", "~/.ssh/id_rsa"]})");
  EXPECT_THAT(d.reason, ::testing::HasSubstr("argument /paths/1 is \"~/.ssh/id_rsa\""));
}



TEST(FileUriTest, ReadsHostAndPathAsTheUrlStandardDoes) {
  EXPECT_FALSE(parse_file_uri("http://x/etc/shadow").has_value());
  EXPECT_FALSE(parse_file_uri("/etc/shadow").has_value());
  EXPECT_FALSE(parse_file_uri("filex:/etc").has_value());
  auto remote = parse_file_uri("file://Server.Example/share/a%20b");
  ASSERT_TRUE(remote.has_value());
  EXPECT_EQ(remote->host, "server.example");
  EXPECT_EQ(remote->path, "/share/a b");
  EXPECT_EQ(parse_file_uri("file://localhost/")->path, "/");
  EXPECT_EQ(parse_file_uri("file:///C:/Users/x/../y")->path, "/C:/Users/y");
  EXPECT_EQ(parse_file_uri("file:C|/Users")->path, "/C:/Users");
  EXPECT_EQ(parse_file_uri("file:///a/%2e%2e/%2E/b")->path, "/b");
  EXPECT_EQ(parse_file_uri("file:///../../etc")->path, "/etc");
}

// ---- paths judged as the server resolves them ---------------------------------

class ServerResolutionTest : public SecretsTest {
 protected:
  Decision judge_with(const std::string& tool, const nlohmann::json& args, const PathBases* bases = nullptr,
                      const ToolInfo* info = nullptr) {
    CallContext call{"filesystem", tool, &args, info, {}, {}};
    call.path_bases = bases;
    return policy_->evaluate(call, clock_);
  }
  bool denied(const std::string& tool, const nlohmann::json& args, const PathBases* bases = nullptr,
              const ToolInfo* info = nullptr) {
    return judge_with(tool, args, bases, info).rule == "secret-paths";
  }
};

TEST_F(ServerResolutionTest, RelativePathsAreJudgedAgainstEveryBaseTheServerMayUse) {
  fs_->add_symlink("/srv/data/report.txt", "/home/alice/.aws/credentials");
  nlohmann::json args = {{"path", "shadow"}};
  EXPECT_FALSE(denied("read_text_file", args)) << "no base makes it /etc/shadow";
  PathBases bases;
  bases.add("/etc");
  EXPECT_TRUE(denied("read_text_file", args, &bases));
  args = {{"path", "report.txt"}};
  EXPECT_FALSE(denied("read_text_file", args));
  PathBases roots;
  roots.add_root("file:///srv/data");
  EXPECT_TRUE(denied("read_text_file", args, &roots)) << "a link below a root";
}

TEST_F(ServerResolutionTest, BasesComeFromTheServersCommandLine) {
  PathBases bases = PathBases::from_command_line(
      {"npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/data", "~/projects", "--root=/etc", "./rel",
       "file:///opt/x", "plain"},
      "/home/alice/work", "/home/alice");
  EXPECT_THAT(bases.dirs(), ElementsAre("/srv/data", "/home/alice/projects", "/etc", "/home/alice/work/rel", "/opt/x"));
}

TEST_F(ServerResolutionTest, PaddingWithThousandsOfDotSlashIsFoldedAndJudged) {
  std::string padded;
  for (int i = 0; i < 3000; ++i) padded += "./";
  EXPECT_TRUE(denied("read_text_file", {{"path", padded + "harmless.txt"}})) << "a link to a key, padded past 4096 bytes";
  EXPECT_TRUE(denied("read_text_file", {{"path", "/etc/" + padded + "shadow"}}));
  std::string climbing = "/home/alice/work";
  for (int i = 0; i < 2000; ++i) climbing += "/x/..";
  EXPECT_TRUE(denied("read_text_file", {{"path", climbing + "/harmless.txt"}}));
}

TEST_F(ServerResolutionTest, FileUrlsInEveryFormAWhatwgParserAccepts) {
  for (const char* url : {"file:///etc/shadow", "FILE:///etc/shadow", "file:/etc/shadow", "file:etc/shadow",
                          "file://localhost/etc/shadow", "file://LOCALHOST/etc/shadow", "file:////etc/shadow",
                          "file:\\\\\\etc\\shadow", "file:///etc/%73hadow", "file:///etc/x/../shadow",
                          "file:///etc/x/%2e%2E/shadow", "file:///etc/./shadow", "  file:///etc/shadow",
                          "fi\tle:///etc/sha\ndow", "file:///etc/shadow?x=1#frag", "file://server/etc/shadow",
                          "file:///home/alice/work/harmless.txt", "file:harmless.txt/../../etc/shadow"}) {
    EXPECT_TRUE(denied("read_text_file", {{"path", url}})) << url;
  }
  EXPECT_FALSE(denied("read_text_file", {{"path", "file:///etc/passwd"}}));
}

TEST_F(ServerResolutionTest, GlobsInASearchOrListToolAreAPatternThatMayMatchASecret) {
  for (const nlohmann::json& args : {nlohmann::json{{"path", "/home/alice/.ss*"}},
                                     nlohmann::json{{"path", "/home/alice/*/id_rsa"}},
                                     nlohmann::json{{"path", "/home/alice"}, {"pattern", "**/*.pem"}},
                                     nlohmann::json{{"path", "/home/alice/**"}},
                                     nlohmann::json{{"path", "/etc/sha?ow"}},
                                     nlohmann::json{{"path", "/home/alice/.aw[s]/credentials"}}}) {
    EXPECT_TRUE(denied("search_files", args)) << args.dump();
    EXPECT_TRUE(denied("list_directory", args)) << args.dump();
  }
  EXPECT_FALSE(denied("search_files", {{"path", "/home/alice/work"}, {"pattern", "*.ts"}}));
  EXPECT_FALSE(denied("search_files", {{"path", "/home/alice/work/src/**/*.ts"}}));
  EXPECT_FALSE(denied("read_text_file", {{"path", "/home/alice/.ss*"}})) << "only search and list tools glob";
}

// ---- what is a path ------------------------------------------------------------

ToolInfo search_tool_info() {
  ToolInfo info;
  info.name = "web_search";
  info.input_schema = nlohmann::json::parse(R"({"type":"object","properties":{
      "query":{"type":"string","description":"What to look for"},
      "note":{"type":"string"},
      "target":{"type":"string"},
      "where":{"type":"string","description":"The directory to search in"},
      "doc":{"type":"string","format":"uri"}}})");
  return info;
}

TEST_F(ServerResolutionTest, AQueryOrMessageThatMerelyMentionsASecretNameIsNotAPath) {
  ToolInfo info = search_tool_info();
  for (const nlohmann::json& args : {nlohmann::json{{"query", ".env"}}, nlohmann::json{{"query", "id_rsa"}},
                                     nlohmann::json{{"query", "how do I rotate my id_rsa and .env files"}},
                                     nlohmann::json{{"note", "server.key"}}}) {
    EXPECT_FALSE(denied("web_search", args, nullptr, &info)) << args.dump();
  }
  EXPECT_FALSE(denied("send_message", {{"message", "my id_rsa leaked, what now?"}}));
  EXPECT_FALSE(denied("send_message", {{"text", ".env"}}));
}

TEST_F(ServerResolutionTest, PathsAreStillFoundInTextAndBySchema) {
  ToolInfo info = search_tool_info();
  for (const nlohmann::json& args : {nlohmann::json{{"query", "cat ~/.ssh/id_rsa please"}},
                                     nlohmann::json{{"query", "config/.env"}}, nlohmann::json{{"target", ".env"}},
                                     nlohmann::json{{"where", "id_rsa"}}, nlohmann::json{{"doc", "file:///etc/shadow"}},
                                     nlohmann::json{{"undeclared", ".env"}}}) {
    EXPECT_TRUE(denied("web_search", args, nullptr, &info)) << args.dump();
  }
  EXPECT_TRUE(denied("run", {{"command", "cat .env"}})) << "every word of a command";
  EXPECT_TRUE(denied("run", {{"cmd", "grep -r key --file=id_rsa"}}));
  EXPECT_TRUE(denied("send_message", {{"message", "see \"/home/alice/.aws/credentials\""}}));
  EXPECT_TRUE(denied("read_text_file", {{"path", "id_rsa"}}));
  EXPECT_TRUE(denied("read_text_file", {{"anything", "id_rsa"}})) << "a tool without a schema: judged whole";
}

}  // namespace
}  // namespace mcp_warden::policy
