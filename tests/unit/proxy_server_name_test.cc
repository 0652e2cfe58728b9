#include "mcp_warden/proxy/server_name.h"

#include <gtest/gtest.h>

namespace mcp_warden::proxy {
namespace {

TEST(ServerNameTest, NpxPackageGivesThePackageName) {
  EXPECT_EQ(derive_server_name({"npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"}), "server-filesystem");
  EXPECT_EQ(derive_server_name({"npx", "-y", "@modelcontextprotocol/server-everything@2026.8.31"}), "server-everything");
}

TEST(ServerNameTest, NodeScriptInDistGivesThePackageDirectory) {
  EXPECT_EQ(derive_server_name({"node", "/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js", "/tmp/a"}),
            "server-filesystem");
}

TEST(ServerNameTest, PlainCommandGivesItsName) {
  EXPECT_EQ(derive_server_name({"uvx", "mcp-server-git"}), "mcp-server-git");
  EXPECT_EQ(derive_server_name({"/usr/local/bin/my-server", "--flag"}), "my-server");
}

}  // namespace
}  // namespace mcp_warden::proxy
