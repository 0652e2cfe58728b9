// `mcp-warden proxy`: the command MCP clients run in place of a server.
#include <CLI/CLI.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "mcp_warden/base/logging.h"
#include "mcp_warden/cli/commands.h"
#include "mcp_warden/proxy/proxy_runner.h"

namespace mcp_warden::cli {
namespace {

struct ProxyArgs {
  proxy::ProxyOptions options;
  std::string log_level = "info";
  std::string log_file;
};

void run(ProxyArgs& args, int* exit_status) {
  if (args.options.command.empty()) {
    throw std::runtime_error("proxy: no server command given; use `mcp-warden proxy [options] -- COMMAND [ARGS...]`");
  }
  Status logging = setup_logging(args.log_level, args.log_file);
  if (!logging) throw std::runtime_error(logging.message());
  *exit_status = proxy::run_proxy(args.options);
}

}  // namespace

void register_proxy_command(CLI::App& app, int* exit_status) {
  auto args = std::make_shared<ProxyArgs>();
  CLI::App* cmd = app.add_subcommand("proxy", "Run an MCP server under mcp-warden's governance");
  cmd->add_option("--max-message-bytes", args->options.max_message_bytes,
                  "Largest JSON-RPC line accepted in either direction; larger lines get an error reply")
      ->default_val(64u << 20)
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 34));
  cmd->add_option("--shutdown-grace-ms", args->options.shutdown_grace_ms,
                  "After stdin closes: wait this long before SIGTERM, and again before SIGKILL")
      ->default_val(1000)
      ->check(CLI::Range(0, 600000));
  cmd->add_option("--call-timeout-ms", args->options.call_timeout_ms,
                  "Answer a tools/call the server leaves unanswered this long (since it was forwarded or the server's "
                  "last progress for it) with a timeout error, cancel it and lower the server's trust; 0 = never")
      ->default_val(600000)
      ->check(CLI::Range(int64_t{0}, int64_t{86400000}));
  cmd->add_option_function<double>(
         "--ask-timeout",
         [args](double seconds) { args->options.ask_timeout_ms = static_cast<int64_t>(seconds * 1000); },
         "Seconds a question to the person (a policy `ask`, shown by the client's elicitation) stays open; "
         "unanswered by then, the call is denied (default 120)")
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--policy", args->options.policy, "strict|moderate|permissive or a policy YAML file")
      ->default_val("strict");
  cmd->add_option("--db", args->options.db_path, "Audit/trust database (default $MCP_WARDEN_HOME/warden.db)");
  cmd->add_option("--server-name", args->options.server_name, "The server's name for policy, audit and trust");
  cmd->add_flag("--show-denied-tools", args->options.show_denied_tools,
                "Keep tools the policy always denies in tools/list results");
  cmd->add_option_function<std::string>(
         "--audit-sync",
         [args](const std::string& mode) { args->options.audit_sync_full = mode == "full"; },
         "normal (survives a crash of mcp-warden) or full (survives power loss)")
      ->check(CLI::IsMember({"normal", "full"}));
  cmd->add_option_function<std::string>(
      "--trust-level", [args](const std::string& level) { args->options.trust_level = level; },
      "The server's declared trust: verified_partner|trusted|standard|unknown|untrusted "
      "(default: the policy's servers: entry, else standard)");
  cmd->add_flag_callback("--no-footer", [args] { args->options.footer = false; },
                         "Do not add the verification footer to allowed tool results");
  cmd->add_flag("--audit-fail-open", args->options.audit_fail_open,
                "Forward allowed calls even when the audit log cannot record them (default: deny)");
  cmd->add_option_function<std::string>(
         "--sandbox",
         [args](const std::string& mode) {
           args->options.sandbox = mode.empty() ? policy::SandboxMode::kEnforce : *policy::parse_sandbox_mode(mode);
         },
         "Kernel sandbox of the server (Landlock, docs/sandbox.md): off, auto (the default: sandbox where "
         "the kernel can, else log one warning) or enforce (refuse to start without it); bare --sandbox means enforce. The policy's "
         "sandbox: entry can only make it stricter")
      ->check(CLI::IsMember({"off", "auto", "enforce"}))
      ->expected(0, 1);
  cmd->add_option("--log-level", args->log_level, "trace|debug|info|warn|error|off")->default_val("info");
  cmd->add_option("--log-file", args->log_file, "Write logs to this file instead of stderr");
  cmd->add_option("command", args->options.command, "The MCP server's command line (after --)");
  cmd->callback([args, exit_status] { run(*args, exit_status); });
}

std::vector<std::string> normalize_target_args(std::vector<std::string> argv) {
  // AgentMesh's form `proxy --target CMD --target ARG ...` becomes `proxy ... -- CMD ARG ...`,
  // so users of `agentmesh proxy` can switch without rewriting their configs.
  if (argv.size() < 2 || argv[1] != "proxy") return argv;
  std::vector<std::string> out, target;
  bool after_dashes = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (!after_dashes && argv[i] == "--") after_dashes = true;
    if (!after_dashes && argv[i] == "--target" && i + 1 < argv.size()) {
      target.push_back(argv[++i]);
    } else if (!after_dashes && argv[i].rfind("--target=", 0) == 0) {
      target.push_back(argv[i].substr(9));
    } else {
      out.push_back(argv[i]);
    }
  }
  if (target.empty()) return out;
  if (!after_dashes) out.push_back("--");
  out.insert(out.end(), target.begin(), target.end());
  return out;
}

}  // namespace mcp_warden::cli
