// The sandbox plan (secret paths carved out of allowed trees, writable
// grants) and the Landlock ruleset it leads to, applied in a forked child.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "mcp_warden/sandbox/landlock.h"
#include "mcp_warden/sandbox/plan.h"
#include "mcp_warden/sandbox/sandbox.h"

namespace mcp_warden::sandbox {
namespace {

namespace fs = std::filesystem;

class SandboxPlanTest : public ::testing::Test {
 protected:
  SandboxPlanTest() {
    std::string pattern = (fs::temp_directory_path() / "sandbox_plan_XXXXXX").string();
    dir_ = fs::canonical(::mkdtemp(pattern.data()));
    home_ = dir_ / "home";
    fs::create_directories(home_ / ".ssh");
    fs::create_directories(home_ / "work");
    std::ofstream(home_ / ".ssh" / "id_rsa") << "KEY";
    std::ofstream(home_ / "notes.txt") << "notes";
    std::ofstream(home_ / "server.pem") << "PEM";
    fs::create_symlink(home_ / ".ssh", home_ / "link-to-ssh");
    inputs_.home = home_;
    inputs_.temp_dir = dir_ / "tmp";
    fs::create_directories(inputs_.temp_dir);
    inputs_.working_dir = dir_;
    inputs_.secret_globs = {".ssh/", "*.pem"};
    inputs_.command = {"server", home_.string()};
  }
  ~SandboxPlanTest() override { fs::remove_all(dir_); }

  // The access of the rule on `path`, or nullptr.
  const PlannedRule* rule_for(const SandboxPlan& plan, const fs::path& path, Access access) {
    auto it = std::find_if(plan.rules.begin(), plan.rules.end(),
                           [&](const PlannedRule& r) { return r.path == path && r.access == access; });
    return it == plan.rules.end() ? nullptr : &*it;
  }
  bool any_rule_within(const SandboxPlan& plan, const fs::path& dir) {
    return std::any_of(plan.rules.begin(), plan.rules.end(), [&](const PlannedRule& r) {
      return r.access != Access::kList && (r.path == dir || r.path.native().rfind(dir.native() + "/", 0) == 0);
    });
  }

  fs::path dir_, home_;
  PlanInputs inputs_;
};

TEST_F(SandboxPlanTest, SecretDirectoryIsCarvedOutOfAWritableCommandLineDirectory) {
  SandboxPlan plan = build_plan(inputs_);
  EXPECT_FALSE(any_rule_within(plan, home_ / ".ssh")) << plan.explain();
  EXPECT_EQ(rule_for(plan, home_, Access::kReadWrite), nullptr) << "home holds a secret: carved, not granted";
  EXPECT_NE(rule_for(plan, home_, Access::kList), nullptr) << "a carved directory stays listable";
  EXPECT_NE(rule_for(plan, home_ / "notes.txt", Access::kReadWrite), nullptr) << plan.explain();
  EXPECT_NE(rule_for(plan, home_ / "work", Access::kReadWrite), nullptr);
  EXPECT_TRUE(std::find(plan.carved.begin(), plan.carved.end(), home_) != plan.carved.end());
}

TEST_F(SandboxPlanTest, WildcardSecretsAndSymlinksInACarvedDirectoryGetNoRule) {
  SandboxPlan plan = build_plan(inputs_);
  EXPECT_FALSE(any_rule_within(plan, home_ / "server.pem")) << "*.pem matched by name";
  EXPECT_FALSE(any_rule_within(plan, home_ / "link-to-ssh")) << "a link is judged where its target lives";
}

TEST_F(SandboxPlanTest, WardenPathsAreKeptOutEvenInsideTheTempDir) {
  fs::path db = inputs_.temp_dir / "audit.db";
  std::ofstream(db) << "db";
  std::ofstream(inputs_.temp_dir / "other.txt") << "x";
  inputs_.warden_paths = {db};
  SandboxPlan plan = build_plan(inputs_);
  EXPECT_FALSE(any_rule_within(plan, db));
  EXPECT_NE(rule_for(plan, inputs_.temp_dir / "other.txt", Access::kReadWrite), nullptr);
}

TEST_F(SandboxPlanTest, WritableArgsOffLeavesTheCommandLineReadOnly) {
  inputs_.writable_args = false;
  SandboxPlan plan = build_plan(inputs_);
  EXPECT_EQ(rule_for(plan, home_ / "work", Access::kReadWrite), nullptr);
  EXPECT_EQ(rule_for(plan, home_ / "notes.txt", Access::kReadWrite), nullptr);
}

TEST_F(SandboxPlanTest, AWritablePathInsideASecretIsDroppedWithANote) {
  inputs_.extra_writable = {"~/.ssh"};
  SandboxPlan plan = build_plan(inputs_);
  EXPECT_FALSE(any_rule_within(plan, home_ / ".ssh"));
  EXPECT_TRUE(std::any_of(plan.notes.begin(), plan.notes.end(),
                          [](const std::string& n) { return n.find("a secret path") != std::string::npos; }));
}

// The child applies the ruleset as the proxy's child would, then tries the
// secret and a permitted file; exit code bits report what it could open.
TEST_F(SandboxPlanTest, TheKernelRefusesTheSecretAndAllowsTheRest) {
  int abi = landlock_abi();
  if (abi == 0) GTEST_SKIP() << "no Landlock on this kernel";
  SandboxPlan plan = build_plan(inputs_);
  auto sandbox = Sandbox::create(plan, abi);
  ASSERT_TRUE(sandbox.is_ok()) << sandbox.status().to_string();
  std::string key = (home_ / ".ssh" / "id_rsa").string(), notes = (home_ / "notes.txt").string();
  pid_t pid = ::fork();
  if (pid == 0) {
    if ((*sandbox)->run_in_child() != 0) ::_exit(100);
    int key_fd = ::open(key.c_str(), O_RDONLY);
    int notes_fd = ::open(notes.c_str(), O_RDONLY);
    ::_exit((key_fd >= 0 ? 1 : 0) | (notes_fd >= 0 ? 2 : 0));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << "1: the key opened; 0: notes refused; 100: not applied";
}

}  // namespace
}  // namespace mcp_warden::sandbox
