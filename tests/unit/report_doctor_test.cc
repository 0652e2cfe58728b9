// `doctor` on a fake home with real client config files: a moved binary, a
// policy that does not load and a server command that does not resolve are
// problems (exit 1); --fix points stale entries at this binary in place;
// --json says the same; an unwrapped server is a note.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/report/doctor.h"
#include "mcp_warden/report/setup_checks.h"

namespace mcp_warden::report {
namespace {

namespace fs = std::filesystem;
namespace mi = integrations;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kDescriptors = fs::path(MCP_WARDEN_SOURCE_DIR) / "integrations";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "report_doctor_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    home_ = pattern;
    env_.os = "linux";
    env_.home = home_;
    env_.getenv = [](const std::string& name) -> std::optional<std::string> {
      if (name == "PATH") return std::string("/usr/bin:/bin");
      return std::nullopt;
    };
    for (std::string_view id : mi::kClientIds) {
      auto descriptor = mi::load_client_descriptor(fs_, kDescriptors, id);
      ASSERT_TRUE(descriptor.is_ok());
      request_.clients.push_back(*descriptor);
    }
    request_.warden_path = MCP_WARDEN_BINARY;
    request_.db_path = home_ / "data" / "warden.db";
    request_.key_dir = home_ / "data";
    claude_ = home_ / ".config" / "Claude" / "claude_desktop_config.json";
    fs::create_directories(claude_.parent_path());
  }
  void TearDown() override { fs::remove_all(home_); }

  void write_claude(const std::string& warden, const std::string& policy, const std::string& server) {
    json config = {{"mcpServers",
                    {{"files", {{"command", warden},
                                {"args", {"proxy", "--policy", policy, "--server-name", "files", "--", server}}}},
                     {"plain", {{"command", "sh"}, {"args", {"-c", "true"}}}}}}};
    std::ofstream(claude_) << config.dump(2) << "\n";
  }

  int run(std::string& out) {
    std::ostringstream text;
    int status = run_doctor(request_, DoctorDeps{fs_, clock_, env_}, text);
    out = text.str();
    return status;
  }

  fs::path home_, claude_;
  mi::HostEnvironment env_;
  mi::PosixFileSystem fs_;
  FakeClock clock_;
  DoctorRequest request_;
};

TEST_F(DoctorTest, AHealthySetupHasNoProblems) {
  write_claude(MCP_WARDEN_BINARY, "strict", "sh");
  std::string out;
  EXPECT_EQ(run(out), 0) << out;
  EXPECT_THAT(out, HasSubstr("ok       \"files\": wrapped by"));
  EXPECT_THAT(out, HasSubstr("note     \"plain\": not wrapped"));
  EXPECT_THAT(out, HasSubstr("Cursor: " + (home_ / ".cursor" / "mcp.json").string() + " (not found)"));
  EXPECT_THAT(out, HasSubstr("No problems found."));
}

TEST_F(DoctorTest, MovedBinaryBadPolicyAndMissingServerAreProblems) {
  write_claude("/nowhere/bin/mcp-warden", "stirct", "no-such-server-xyz");
  std::string out;
  EXPECT_EQ(run(out), 1);
  EXPECT_THAT(out, HasSubstr("PROBLEM  \"files\": its mcp-warden /nowhere/bin/mcp-warden does not exist"));
  EXPECT_THAT(out, HasSubstr("policy stirct does not load"));
  EXPECT_THAT(out, HasSubstr("server command no-such-server-xyz not found"));
  EXPECT_THAT(out, HasSubstr("1 problem(s) found."));
}

TEST_F(DoctorTest, FixPointsStaleEntriesAtThisBinaryAndKeepsTheirPolicy) {
  write_claude("/nowhere/bin/mcp-warden", "moderate", "sh");
  request_.fix = true;
  std::string out;
  EXPECT_EQ(run(out), 0) << out;
  EXPECT_THAT(out, HasSubstr("fixed: " + claude_.string() + ": \"files\": binary /nowhere/bin/mcp-warden -> "));
  json config = json::parse(read_text(claude_));
  EXPECT_EQ(config["mcpServers"]["files"]["command"], MCP_WARDEN_BINARY);
  EXPECT_EQ(config["mcpServers"]["files"]["args"][2], "moderate");
  EXPECT_EQ(config["mcpServers"]["plain"]["command"], "sh") << "--fix repairs, it does not wrap";
}

TEST_F(DoctorTest, JsonSaysTheSame) {
  write_claude("/nowhere/bin/mcp-warden", "strict", "sh");
  request_.json = true;
  std::string out;
  EXPECT_EQ(run(out), 1);
  json doc = json::parse(out);
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["problems"], 1);
  bool found = false;
  for (const json& file : doc["files"]) {
    if (file["path"] != claude_.string()) continue;
    EXPECT_EQ(file["exists"], true);
    for (const json& f : file["findings"]) found = found || f["severity"] == "problem";
  }
  EXPECT_TRUE(found) << out;
}

TEST_F(DoctorTest, AConfigThatDoesNotParseIsAProblemWithItsPosition) {
  std::ofstream(claude_) << "{\n  \"mcpServers\": {\n    \"a\": \n}\n";
  std::string out;
  EXPECT_EQ(run(out), 1);
  EXPECT_THAT(out, HasSubstr(claude_.string() + ":4:1"));
}

TEST(SetupChecksTest, AMistypedPresetNamesTheNearestOne) {
  auto checked = check_policy_spec("stirct", "/tmp");
  ASSERT_FALSE(checked.is_ok());
  EXPECT_THAT(checked.status().message(), HasSubstr("did you mean strict?"));
  auto file = check_policy_spec("missing/policy.yaml", "/work");
  ASSERT_FALSE(file.is_ok());
  EXPECT_THAT(file.status().message(), HasSubstr("/work/missing/policy.yaml"));
  auto preset = check_policy_spec("moderate", "/tmp");
  ASSERT_TRUE(preset.is_ok());
  EXPECT_EQ(*preset, "moderate");
}

TEST(SetupChecksTest, NearestNameIgnoresWordsFarFromEveryCandidate) {
  EXPECT_EQ(nearest_name("polcy", {"proxy", "policy", "audit"}), "policy");
  EXPECT_EQ(nearest_name("zzzzzz", {"proxy", "policy", "audit"}), std::nullopt);
  EXPECT_EQ(nearest_name("--dry", {"--dry-run", "--undo"}), "--dry-run");
}

TEST(SetupChecksTest, ABinaryBesideACMakeCacheIsInABuildTree) {
  std::string pattern = (fs::temp_directory_path() / "report_tree_XXXXXX").string();
  fs::path dir = ::mkdtemp(pattern.data());
  fs::create_directories(dir / "build" / "src");
  std::ofstream(dir / "build" / "CMakeCache.txt") << "";
  EXPECT_EQ(build_tree_of(dir / "build" / "src" / "mcp-warden"), dir / "build");
  EXPECT_EQ(build_tree_of(dir / "mcp-warden"), std::nullopt);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mcp_warden::report
