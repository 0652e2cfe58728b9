// derive_server_name: a readable default for --server-name from the command line.
//
// Skips launchers (npx, node, uvx, python, docker run, ...) and their flags,
// then takes the package or script name: `npx -y @modelcontextprotocol/
// server-filesystem /tmp` → "server-filesystem"; `node /x/server-everything/
// dist/index.js` → "server-everything"; `uvx mcp-server-git` → "mcp-server-git".
// Pure function.
#pragma once

#include <string>
#include <vector>

namespace mcp_warden::proxy {

std::string derive_server_name(const std::vector<std::string>& command);

}  // namespace mcp_warden::proxy
