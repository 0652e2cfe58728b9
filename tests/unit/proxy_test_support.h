// Test doubles shared by the proxy unit tests.
#pragma once

#include <string>
#include <vector>

#include "mcp_warden/proxy/session.h"

namespace mcp_warden::proxy::testing {

// Records every line the Session writes, per direction.
struct CapturingOutput : SessionOutput {
  std::vector<std::string> to_client;
  std::vector<std::string> to_server;
  void send_to_client(std::string line) override { to_client.push_back(std::move(line)); }
  void send_to_server(std::string line) override { to_server.push_back(std::move(line)); }
};

}  // namespace mcp_warden::proxy::testing
