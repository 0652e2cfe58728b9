// `mcp-warden sandbox explain [options] -- COMMAND [ARGS...]`: prints the
// kernel sandbox `mcp-warden proxy` would start that server under — the mode,
// the kernel's Landlock ABI, what is readable, writable, kept out and carved
// (docs/sandbox.md). Reads directories like the proxy would; starts nothing
// and creates nothing. Not proxy mode: the listing goes to stdout.
//
// Exit status: 0; 1 when `enforce` could not be applied (the proxy would
// refuse to start); 2 usage or a policy that does not load.
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mcp_warden/cli/commands.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/sandbox_request.h"
#include "mcp_warden/proxy/server_name.h"
#include "mcp_warden/sandbox/landlock.h"

namespace mcp_warden::cli {
namespace {

struct ExplainArgs {
  proxy::ProxyOptions options;
  bool json = false;
};

policy::Policy load(const std::string& spec) {
  auto loaded = policy::Policy::load(spec);
  if (!loaded) throw std::runtime_error("cannot load policy " + spec + ": " + loaded.status().message());
  return std::move(loaded).value();
}

int explain(const ExplainArgs& args) {
  if (args.options.command.empty()) throw std::runtime_error("sandbox explain: no server command given (-- COMMAND ARGS)");
  policy::Policy policy = load(args.options.policy);
  std::string server = args.options.server_name.empty() ? proxy::derive_server_name(args.options.command)
                                                        : args.options.server_name;
  sandbox::LaunchRequest request = proxy::sandbox_request(args.options, &policy, server);
  sandbox::Resolved resolved = sandbox::resolve(request);
  std::string why;
  int abi = sandbox::landlock_abi(&why);
  sandbox::SandboxPlan plan = sandbox::build_plan(resolved.inputs);
  bool refused = resolved.mode == policy::SandboxMode::kEnforce && abi == 0;
  if (args.json) {
    nlohmann::json out = plan.summary();
    out["server"] = server;
    out["mode"] = policy::sandbox_mode_name(resolved.mode);
    out["abi"] = abi;
    std::cout << out.dump(2) << "\n";
    return refused ? 1 : 0;
  }
  std::cout << "server: " << server << "\nmode: " << policy::sandbox_mode_name(resolved.mode) << "\n";
  std::cout << "landlock: " << (abi > 0 ? "ABI " + std::to_string(abi) : "unavailable (" + why + ")") << "\n";
  if (resolved.mode == policy::SandboxMode::kOff) std::cout << "(mode off: the server would run unsandboxed)\n";
  std::cout << plan.explain();
  return refused ? 1 : 0;
}

}  // namespace

void register_sandbox_commands(CLI::App& app, int* exit_status) {
  CLI::App* group = app.add_subcommand("sandbox", "the kernel sandbox of proxied servers (Landlock)");
  group->require_subcommand(1);
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = group->add_subcommand("explain", "print the rules a server would get: sandbox explain -- CMD ARGS");
  cmd->add_option("--policy", args->options.policy, "strict|moderate|permissive or a policy YAML file")
      ->default_val("strict");
  cmd->add_option("--server-name", args->options.server_name, "The server's name for the policy's servers: entry");
  cmd->add_option("--db", args->options.db_path, "Audit database (default $MCP_WARDEN_HOME/warden.db)");
  cmd->add_option_function<std::string>(
         "--sandbox",
         [args](const std::string& mode) {
           args->options.sandbox = mode.empty() ? policy::SandboxMode::kEnforce : *policy::parse_sandbox_mode(mode);
         },
         "off|auto|enforce, as for proxy")
      ->check(CLI::IsMember({"off", "auto", "enforce"}))
      ->expected(0, 1);
  cmd->add_flag("--json", args->json, "the plan as JSON");
  cmd->add_option("command", args->options.command, "The MCP server's command line (after --)");
  cmd->callback([args, exit_status] { *exit_status = explain(*args); });
}

}  // namespace mcp_warden::cli
