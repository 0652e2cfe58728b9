// sandbox_request: what the kernel sandbox of a proxied server is asked to
// enforce — the proxy's options and policy, plus the paths only the proxy
// knows: the audit database (with its -wal, -shm, -journal and .checkpoint
// files) and mcp-warden's home, where the signing key lives. The server must
// never read or write them (docs/sandbox.md).
//
// Used by the proxy runner and by `mcp-warden sandbox explain`, so both show
// the same rules. Reads the environment (MCP_WARDEN_HOME, HOME).
#pragma once

#include <string>

#include "mcp_warden/proxy/proxy_runner.h"
#include "mcp_warden/sandbox/sandbox.h"

namespace mcp_warden::policy {
class Policy;
}

namespace mcp_warden::proxy {

// `policy` may be null (the relay-only layer). Layers other than kFull get
// mode off: only `mcp-warden proxy` itself sandboxes.
sandbox::LaunchRequest sandbox_request(const ProxyOptions& options, const policy::Policy* policy,
                                       const std::string& server_name);

}  // namespace mcp_warden::proxy
