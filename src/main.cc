// mcp-warden's entry point: parses the command line and runs one sub-command.
// Everything else lives in mcp_warden_core; see docs/architecture.md.
#include <csignal>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include "mcp_warden/cli/commands.h"

int main(int argc, char** argv) {
  // A closed pipe is reported as EPIPE by write(), never as a fatal signal.
  std::signal(SIGPIPE, SIG_IGN);
  // mcp-warden uses OpenSSL only for SHA-256 and Ed25519 from the default
  // provider; reading the system's openssl.cnf would cost every start-up
  // a millisecond or more and could load engines nobody asked for.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);

  CLI::App app{"mcp-warden: a governance proxy for MCP servers", "mcp-warden"};
  app.set_version_flag("--version", MCP_WARDEN_VERSION);
  app.require_subcommand(1);
  int exit_status = 0;
  mcp_warden::cli::register_proxy_command(app, &exit_status);
  mcp_warden::cli::register_policy_commands(app, &exit_status);
  mcp_warden::cli::register_audit_commands(app, &exit_status);
  mcp_warden::cli::register_trust_commands(app, &exit_status);
  mcp_warden::cli::register_integration_commands(app, &exit_status);
  try {
    std::vector<std::string> args =
        mcp_warden::cli::normalize_target_args(std::vector<std::string>(argv, argv + argc));
    args.erase(args.begin());
    std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-warden: %s\n", e.what());
    return 2;
  }
  return exit_status;
}
