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

namespace {

// CLI11 sees the arguments in reverse (see below), so its "not expected"
// list also names the `--` before the server command. Say only what was
// wrong: the unknown options.
int report_unexpected(const CLI::ExtrasError& e) {
  std::string what = e.what();
  std::size_t colon = what.find(": ");
  std::string listed = colon == std::string::npos ? what : what.substr(colon + 2);
  std::string unexpected;
  std::size_t start = 0;
  while (start <= listed.size()) {
    std::size_t end = listed.find(' ', start);
    std::string word = listed.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!word.empty() && word != "--") unexpected += (unexpected.empty() ? "" : " ") + word;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::fprintf(stderr, "mcp-warden: unknown option or argument: %s (see mcp-warden --help, or mcp-warden COMMAND --help)\n",
               unexpected.empty() ? listed.c_str() : unexpected.c_str());
  return e.get_exit_code();
}

}  // namespace

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
  mcp_warden::cli::register_sandbox_commands(app, &exit_status);
  try {
    std::vector<std::string> args =
        mcp_warden::cli::normalize_target_args(std::vector<std::string>(argv, argv + argc));
    args.erase(args.begin());
    std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
    app.parse(args);
  } catch (const CLI::ExtrasError& e) {
    return report_unexpected(e);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-warden: %s\n", e.what());
    return 2;
  }
  return exit_status;
}
