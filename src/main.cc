// mcp-warden's entry point: parses the command line and runs one sub-command.
// Everything else lives in mcp_warden_core; see docs/architecture.md.
#include <csignal>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include "mcp_warden/cli/commands.h"
#include "mcp_warden/cli/diagnose.h"

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

// "0.1.0 (commit 1a2b3c4, Debug build)": what a bug report needs.
std::string version_text() {
  return std::string("mcp-warden ") + MCP_WARDEN_VERSION + " (commit " + MCP_WARDEN_COMMIT + ", " +
         MCP_WARDEN_BUILD_TYPE + " build)";
}

// A line naming what was probably meant, when CLI11 refused the command line
// for an unknown word; CLI11's own report otherwise.
int report_parse_error(CLI::App& app, const std::vector<std::string>& argv, const CLI::ParseError& e) {
  if (auto problem = mcp_warden::cli::diagnose_command_line(app, argv)) {
    std::fprintf(stderr, "mcp-warden: %s\n", problem->c_str());
    return static_cast<int>(CLI::ExitCodes::ExtrasError);
  }
  if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e)) return report_unexpected(*extras);
  return app.exit(e);
}

// The hidden `mcp-warden help-man`: the manual page, from the same tree as --help.
void register_man_command(CLI::App& app) {
  CLI::App* man = app.add_subcommand("help-man", "print the manual page (troff)");
  man->group("");
  auto out = std::make_shared<std::string>();
  man->add_option("--out", *out, "write it to this file instead of stdout");
  man->callback([&app, out] {
    std::string page = mcp_warden::cli::man_page(app, version_text());
    std::FILE* file = out->empty() ? stdout : std::fopen(out->c_str(), "w");
    if (file == nullptr) throw std::runtime_error("cannot write " + *out);
    std::fputs(page.c_str(), file);
    if (file != stdout) std::fclose(file);
  });
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
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  int exit_status = 0;
  mcp_warden::cli::register_proxy_command(app, &exit_status);
  mcp_warden::cli::register_policy_commands(app, &exit_status);
  mcp_warden::cli::register_audit_commands(app, &exit_status);
  mcp_warden::cli::register_trust_commands(app, &exit_status);
  mcp_warden::cli::register_integration_commands(app, &exit_status);
  mcp_warden::cli::register_doctor_command(app, &exit_status);
  mcp_warden::cli::register_report_command(app, &exit_status);
  mcp_warden::cli::register_inspect_command(app, &exit_status);
  mcp_warden::cli::register_sandbox_commands(app, &exit_status);
  mcp_warden::cli::register_approval_commands(app, &exit_status);
  register_man_command(app);
  std::vector<std::string> given = mcp_warden::cli::normalize_target_args(std::vector<std::string>(argv, argv + argc));
  // `proxy npx server` parses (the words fill the server command) but means
  // nothing good: say to put `--` before the server command.
  if (given.size() > 1 && given[1] == "proxy") {
    if (auto problem = mcp_warden::cli::diagnose_command_line(app, given)) {
      std::fprintf(stderr, "mcp-warden: %s\n", problem->c_str());
      return static_cast<int>(CLI::ExitCodes::ExtrasError);
    }
  }
  try {
    std::vector<std::string> args = given;
    args.erase(args.begin());
    std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
    app.parse(args);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, given, e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-warden: %s\n", e.what());
    return 2;
  }
  return exit_status;
}
