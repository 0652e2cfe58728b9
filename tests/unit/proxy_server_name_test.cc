#include "mcp_warden/proxy/server_name.h"

#include <gtest/gtest.h>

namespace mcp_warden::proxy {
namespace {

TEST(ServerNameTest, NpxPackageKeepsScopeAndDropsTheVersion) {
  EXPECT_EQ(derive_server_name({"npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"}),
            "npm:@modelcontextprotocol/server-filesystem");
  EXPECT_EQ(derive_server_name({"npx", "-y", "@modelcontextprotocol/server-everything@2026.8.31"}),
            "npm:@modelcontextprotocol/server-everything");
  EXPECT_EQ(derive_server_name({"npx", "mcp-server-kubernetes@latest"}), "npm:mcp-server-kubernetes");
  EXPECT_EQ(derive_server_name({"npx.cmd", "--yes", "--package", "@acme/tools@1", "acme-mcp"}), "npm:@acme/tools");
  EXPECT_EQ(derive_server_name({"pnpm", "dlx", "@a/server"}), "npm:@a/server");
}

TEST(ServerNameTest, PackagesOfTheSameNameInDifferentScopesDoNotShareAName) {
  EXPECT_NE(derive_server_name({"npx", "-y", "@evil/server-filesystem"}),
            derive_server_name({"npx", "-y", "@modelcontextprotocol/server-filesystem"}));
  EXPECT_NE(derive_server_name({"npx", "-y", "server-git"}), derive_server_name({"uvx", "server-git"}));
  EXPECT_NE(derive_server_name({"docker", "run", "-i", "acme/git"}), derive_server_name({"docker", "run", "-i", "mcp/git"}));
}

TEST(ServerNameTest, NodeScriptInNodeModulesGivesItsPackage) {
  EXPECT_EQ(derive_server_name({"node", "/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js", "/tmp/a"}),
            "npm:@modelcontextprotocol/server-filesystem");
  EXPECT_EQ(derive_server_name({"node", "--require", "/opt/preload.js", "/x/node_modules/mcp-foo/build/cli.js"}),
            "npm:mcp-foo");
}

TEST(ServerNameTest, NodeScriptElsewhereGivesItsDirectory) {
  EXPECT_EQ(derive_server_name({"node", "/home/u/my-server/dist/index.js"}), "my-server");
  EXPECT_EQ(derive_server_name({"/usr/local/bin/my-server", "--flag"}), "my-server");
}

TEST(ServerNameTest, PythonModuleAndPythonPackageRunners) {
  EXPECT_EQ(derive_server_name({"python", "-m", "mcp_server_git", "--repository", "/r"}), "python:mcp_server_git");
  EXPECT_EQ(derive_server_name({"python3.12", "-u", "-mmcp_server_time"}), "python:mcp_server_time");
  EXPECT_EQ(derive_server_name({"uvx", "mcp-server-git"}), "pypi:mcp-server-git");
  EXPECT_EQ(derive_server_name({"uvx", "--from", "mcp-server-git==1.2", "mcp-git"}), "pypi:mcp-server-git");
  EXPECT_EQ(derive_server_name({"uvx", "mcp-server-fetch@0.6.2"}), "pypi:mcp-server-fetch");
  EXPECT_EQ(derive_server_name({"uv", "tool", "run", "--python", "3.12", "mcp-server-time[extra]>=1"}), "pypi:mcp-server-time");
  EXPECT_EQ(derive_server_name({"pipx", "run", "--spec", "acme-mcp", "acme"}), "pypi:acme-mcp");
  EXPECT_EQ(derive_server_name({"python", "/srv/weather/server.py"}), "weather");
}

TEST(ServerNameTest, DockerImageKeepsRegistryAndNamespaceAndDropsTagAndDigest) {
  EXPECT_EQ(derive_server_name({"docker", "run", "-i", "--rm", "-e", "GITHUB_TOKEN", "-v", "/a:/b", "ghcr.io/github/github-mcp-server:v1"}),
            "docker:ghcr.io/github/github-mcp-server");
  EXPECT_EQ(derive_server_name({"podman", "run", "--env=X=1", "--name", "x", "mcp/fetch@sha256:abc"}), "docker:mcp/fetch");
  EXPECT_EQ(derive_server_name({"docker", "run", "-i", "localhost:5000/team/img:2"}), "docker:localhost:5000/team/img");
}

TEST(ServerNameTest, OptionValuesAreNeverNames) {
  EXPECT_EQ(derive_server_name({"docker", "run", "-e", "API_KEY", "-v", "data:/data", "mcp/fs"}), "docker:mcp/fs");
  EXPECT_EQ(derive_server_name({"env", "FOO=1", "-u", "BAR", "npx", "-y", "srv"}), "npm:srv");
  EXPECT_EQ(derive_server_name({"node", "--import", "tsx", "/p/acme-server/src/main.ts"}), "acme-server");
  EXPECT_EQ(derive_server_name({"deno", "run", "--allow-read", "-A", "jsr:@acme/mcp"}), "jsr:@acme/mcp");
}

TEST(ServerNameTest, EmptyOrUnreadableCommandsStillGetAName) {
  EXPECT_EQ(derive_server_name({}), "mcp-server");
  EXPECT_EQ(derive_server_name({"npx"}), "npx");
  EXPECT_EQ(derive_server_name({"docker", "run", "-i"}), "docker");
}

}  // namespace
}  // namespace mcp_warden::proxy
