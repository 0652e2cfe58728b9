// Logging set-up: spdlog to stderr (or a file), never to stdout.
//
// stdout belongs to the protocol in proxy mode, so every log line goes to
// stderr — which MCP clients collect as the server's log — or to --log-file.
// Call once at start-up, before other threads exist.
#pragma once

#include <string>

#include "mcp_warden/base/status.h"

namespace mcp_warden {

// level: trace|debug|info|warn|error|critical|off. file: empty for stderr.
Status setup_logging(const std::string& level, const std::string& file);

}  // namespace mcp_warden
