// attest() on real files laid out as npm, npx, uv and a venv leave them:
// the executable resolved on PATH and hashed, the package and version as
// installed with npm's recorded integrity, the dist-info of a Python
// distribution, a docker image's pinned digest; what changed between two
// attestations; the stored form round-trips.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "mcp_warden/trust/attestation.h"

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;

class AttestationTest : public ::testing::Test {
 protected:
  AttestationTest() {
    std::string pattern = (fs::temp_directory_path() / "trust_attest_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    write(dir_ / "bin" / "node", "#!/bin/sh\n", true);
    write(dir_ / "bin" / "npx", "#!/bin/sh\n", true);
    write(dir_ / "bin" / "npm", "#!/bin/sh\n", true);
    write(dir_ / "bin" / "uvx", "#!/bin/sh\n", true);
    write(dir_ / "bin" / "docker", "#!/bin/sh\n", true);
    fs::create_directories(dir_ / "work");
  }
  ~AttestationTest() override { fs::remove_all(dir_); }

  static void write(const fs::path& path, const std::string& text, bool executable = false) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    if (executable) ::chmod(path.c_str(), 0755);
  }

  // An npm install of `name` at `version` under `root`/node_modules with its hidden lockfile.
  static fs::path install(const fs::path& root, const std::string& name, const std::string& version) {
    fs::path dir = root / "node_modules" / name;
    write(dir / "package.json", R"({"name":")" + name + R"(","version":")" + version + R"("})");
    write(dir / "dist" / "index.js", "console.log('hi')\n");
    write(root / "node_modules" / ".package-lock.json",
          R"({"packages":{"node_modules/)" + name + R"(":{"version":")" + version + R"(","integrity":"sha512-)" +
              version + R"("}}})");
    return dir;
  }

  AttestationRequest request(std::vector<std::string> argv) const {
    AttestationRequest r;
    r.argv = std::move(argv);
    r.path_env = (dir_ / "bin").string();
    r.cwd = dir_ / "work";
    r.home = dir_ / "home";
    return r;
  }

  fs::path dir_;
};

TEST_F(AttestationTest, TheExecutableIsResolvedOnPathAndHashed) {
  Attestation a = attest(request({"node", "--version"}));
  EXPECT_EQ(a.kind, SubjectKind::kExecutable);
  EXPECT_EQ(a.executable, fs::canonical(dir_ / "bin" / "node").string());
  EXPECT_EQ(a.executable_sha256, "a8076d3d28d21e02012b20eaf7dbf75409a6277134439025f282e368e3305abf");  // sha256sum of the file
  Attestation missing = attest(request({"no-such-server"}));
  EXPECT_TRUE(missing.executable.empty());
  EXPECT_FALSE(missing.note.empty());
}

TEST_F(AttestationTest, ANodeScriptInsideAPackageIsThatPackageWithItsRecordedIntegrity) {
  fs::path pkg = install(dir_ / "proj", "@scope/server", "1.2.3");
  Attestation a = attest(request({"node", (pkg / "dist" / "index.js").string(), "/data"}));
  EXPECT_EQ(a.kind, SubjectKind::kNpmPackage);
  EXPECT_EQ(a.package, "@scope/server");
  EXPECT_EQ(a.version, "1.2.3");
  EXPECT_EQ(a.integrity, "sha512-1.2.3");
  EXPECT_EQ(a.script, fs::canonical(pkg / "dist" / "index.js").string());
  EXPECT_EQ(a.script_sha256.size(), 64u);
  EXPECT_NE(describe(a).find("@scope/server 1.2.3"), std::string::npos) << describe(a);
}

TEST_F(AttestationTest, NpxFindsThePackageUnderTheWorkingDirectoryFirstThenInItsCache) {
  install(dir_ / "work", "server-a", "1.0.0");
  Attestation local = attest(request({"npx", "-y", "server-a", "/data"}));
  EXPECT_EQ(local.kind, SubjectKind::kNpmPackage);
  EXPECT_EQ(local.version, "1.0.0");
  EXPECT_NE(local.source.find("working directory"), std::string::npos) << local.source;

  install(dir_ / "home" / ".npm" / "_npx" / "0123456789abcdef", "@s/b", "2.0.0");
  install(dir_ / "home" / ".npm" / "_npx" / "fedcba9876543210", "@s/b", "2.1.0");
  Attestation exact = attest(request({"npx", "-y", "@s/b@2.0.0"}));
  EXPECT_EQ(exact.version, "2.0.0");
  EXPECT_EQ(exact.integrity, "sha512-2.0.0");
  Attestation via_npm_exec = attest(request({"npm", "exec", "--yes", "--package=@s/b@2.1.0", "--", "b"}));
  EXPECT_EQ(via_npm_exec.version, "2.1.0");
  Attestation absent = attest(request({"npx", "-y", "never-installed@9.9.9"}));
  EXPECT_EQ(absent.package, "never-installed");
  EXPECT_EQ(absent.version, "9.9.9");
  EXPECT_FALSE(absent.note.empty());
}

TEST_F(AttestationTest, PythonModulesAndUvxToolsAreTheirDistInfo) {
  fs::path venv = dir_ / "venv";
  write(venv / "bin" / "python3", "#!/bin/sh\n", true);
  fs::path info = venv / "lib" / "python3.12" / "site-packages" / "mcp_server_git-0.6.2.dist-info";
  write(info / "METADATA", "Metadata-Version: 2.1\nName: mcp-server-git\nVersion: 0.6.2\n\nbody\n");
  write(info / "RECORD", "mcp_server_git/__init__.py,sha256=x,1\n");
  write(info / "top_level.txt", "mcp_server_git\n");
  Attestation module = attest(request({(venv / "bin" / "python3").string(), "-m", "mcp_server_git"}));
  EXPECT_EQ(module.kind, SubjectKind::kPythonDistribution);
  EXPECT_EQ(module.package, "mcp-server-git");
  EXPECT_EQ(module.version, "0.6.2");
  EXPECT_EQ(module.integrity.rfind("sha256-record:", 0), 0u) << module.integrity;

  fs::path uv_cache = dir_ / "uv";
  ::setenv("UV_CACHE_DIR", uv_cache.c_str(), 1);
  fs::path uv_info = uv_cache / "archive-v0" / "abc" / "lib" / "python3.12" / "site-packages" / "mcp_server_fetch-1.1.dist-info";
  write(uv_info / "METADATA", "Name: mcp-server-fetch\nVersion: 1.1\n\n");
  write(uv_info / "RECORD", "x\n");
  Attestation tool = attest(request({"uvx", "mcp-server-fetch"}));
  ::unsetenv("UV_CACHE_DIR");
  EXPECT_EQ(tool.kind, SubjectKind::kPythonDistribution);
  EXPECT_EQ(tool.version, "1.1");
}

TEST_F(AttestationTest, ADockerImageIsItsPinnedDigestOrSaysItHasNone) {
  Attestation pinned = attest(request({"docker", "run", "-i", "--rm", "-e", "TOKEN", "mcp/fetch@sha256:abcd", "--x"}));
  EXPECT_EQ(pinned.kind, SubjectKind::kDockerImage);
  EXPECT_EQ(pinned.package, "mcp/fetch");
  EXPECT_EQ(pinned.version, "sha256:abcd");
  Attestation tag = attest(request({"docker", "run", "-i", "--rm", "-v", "/a:/b", "mcp/fetch:latest"}));
  EXPECT_EQ(tag.package, "mcp/fetch:latest");
  EXPECT_TRUE(tag.version.empty());
  EXPECT_NE(tag.note.find("docker image inspect"), std::string::npos) << tag.note;
}

TEST_F(AttestationTest, AHashIsReusedOnlyWhileTheFilesStatIsUnchanged) {
  fs::path script = dir_ / "work" / "server.sh";
  write(script, "echo one\n");
  Attestation first = attest(request({"node", script.string()}));
  Attestation lent = first;
  lent.script_sha256 = std::string(64, '0');  // what a previous attestation recorded
  EXPECT_EQ(attest(request({"node", script.string()}), &lent).script_sha256, std::string(64, '0'));
  write(script, "echo two\n");  // a write changes size/mtime/ctime
  Attestation after = attest(request({"node", script.string()}), &lent);
  EXPECT_NE(after.script_sha256, std::string(64, '0'));
  EXPECT_NE(after.script_sha256, first.script_sha256);
  EXPECT_EQ(compare_attestations(first, after), AttestationChange::kVersion);
}

TEST_F(AttestationTest, ChangesAreClassifiedAsRuntimeVersionOrContent) {
  Attestation a;
  a.kind = SubjectKind::kNpmPackage;
  a.executable = "/usr/bin/node";
  a.executable_sha256 = "1";
  a.package = "p";
  a.version = "1.0.0";
  a.integrity = "sha512-x";
  Attestation b = a;
  EXPECT_EQ(compare_attestations(a, b), AttestationChange::kNone);
  b.executable_sha256 = "2";
  EXPECT_EQ(compare_attestations(a, b), AttestationChange::kRuntime);
  b = a;
  b.version = "1.0.1";
  b.integrity = "sha512-y";
  EXPECT_EQ(compare_attestations(a, b), AttestationChange::kVersion);
  b = a;
  b.integrity = "sha512-y";
  EXPECT_EQ(compare_attestations(a, b), AttestationChange::kContent);
  b = a;
  b.package = "q";
  EXPECT_EQ(compare_attestations(a, b), AttestationChange::kVersion);
  Attestation exe;
  exe.executable = "/usr/local/bin/server";
  exe.executable_sha256 = "1";
  Attestation rebuilt = exe;
  rebuilt.executable_sha256 = "2";
  EXPECT_EQ(compare_attestations(exe, rebuilt), AttestationChange::kVersion);
}

TEST_F(AttestationTest, TheStoredFormRoundTrips) {
  fs::path pkg = install(dir_ / "proj", "@scope/server", "1.2.3");
  Attestation a = attest(request({"node", (pkg / "dist" / "index.js").string()}));
  auto back = parse_attestation(attestation_json(a));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, a);
  EXPECT_FALSE(parse_attestation("[1]").is_ok());
  EXPECT_EQ(parse_pin_mode("strict"), PinMode::kStrict);
  EXPECT_FALSE(parse_pin_mode("lenient").has_value());
}

}  // namespace
}  // namespace mcp_warden::trust
