// `mcp-warden init-integration --claude|--claude-code|--cursor|--vscode|
// --windsurf|--all [options]`: argument parsing only. The command itself is
// integrations::run_init_integration() (integrations/init_integration.h), so
// unit tests reach it. Not proxy mode: the report goes to stdout, start-up
// problems to stderr.
//
// Exit status: 0 done (or nothing to do); 1 a file was refused, could not be
// written, or none was found; 2 start-up error (no binary path, no client
// descriptors, a --policy that does not load); CLI11's usage errors as main()
// reports them.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "mcp_warden/cli/commands.h"
#include "mcp_warden/integrations/executable_path.h"
#include "mcp_warden/integrations/init_integration.h"
#include "mcp_warden/report/setup_checks.h"

namespace mcp_warden::cli {
namespace {

namespace fs = std::filesystem;
namespace mi = mcp_warden::integrations;

struct IntegrationArgs {
  std::vector<std::pair<std::string, bool>> clients;  // id → flag given; filled in kClientIds order
  bool all = false;
  std::string config_path;
  std::string project_dir;
  std::string policy = mi::kDefaultPolicy;
  bool policy_given = false;
  std::vector<std::string> only;
  std::vector<std::string> except;
  bool dry_run = false;
  bool undo = false;
};

std::vector<std::string> chosen_ids(const IntegrationArgs& args) {
  std::vector<std::string> ids;
  for (const auto& [id, given] : args.clients) {
    if (given || args.all) ids.push_back(id);
  }
  return ids;
}

// The request, or a message for stderr when a start-up step fails.
Result<mi::IntegrationRequest> build_request(const IntegrationArgs& args, mi::FileSystem& fs,
                                             const mi::HostEnvironment& env, const fs::path& exe) {
  auto dir = mi::find_descriptor_dir(fs, env, exe);
  if (!dir) return dir.status();
  mi::IntegrationRequest request;
  for (const std::string& id : chosen_ids(args)) {
    auto descriptor = mi::load_client_descriptor(fs, *dir, id);
    if (!descriptor) return descriptor.status();
    request.clients.push_back(std::move(descriptor).value());
  }
  request.all_clients = args.all;
  if (!args.config_path.empty()) request.config_path = fs::absolute(args.config_path);
  if (!args.project_dir.empty()) request.project_dir = fs::absolute(args.project_dir);
  request.rewrite.mode = args.undo ? mi::RewriteMode::kUndo : mi::RewriteMode::kWrap;
  if (!args.undo) {
    auto policy = report::check_policy_spec(args.policy, fs::current_path());
    if (!policy) return Status::invalid_argument(policy.status().message() + "; nothing was written");
    request.rewrite.wrap = mi::WrapSpec{exe.string(), *policy, args.policy_given};
  }
  request.rewrite.only = args.only;
  request.rewrite.except = args.except;
  request.rewrite.dry_run = args.dry_run;
  return request;
}

int run(const IntegrationArgs& args) {
  auto exe = mi::current_executable_path();
  mi::PosixFileSystem fs;
  mi::HostEnvironment env = mi::HostEnvironment::current();
  auto request = exe ? build_request(args, fs, env, *exe) : Result<mi::IntegrationRequest>(exe.status());
  if (!request) {
    std::cerr << "mcp-warden init-integration: " << request.status().message() << "\n";
    return 2;
  }
  if (auto tree = exe && !args.undo ? report::build_tree_of(*exe) : std::nullopt) {
    std::cerr << "mcp-warden init-integration: warning: " << exe->string() << " is in the build tree "
              << tree->string() << "; the clients will run it from there, so rebuilding or removing that tree "
              << "breaks them. Install it (cmake --install) and run the installed init-integration instead.\n";
  }
  return mi::run_init_integration(*request, mi::IntegrationDeps{fs, SystemClock::instance(), env}, std::cout);
}

void add_client_flags(CLI::App& sub, IntegrationArgs& args) {
  CLI::Option_group* group = sub.add_option_group("clients", "which client's config files to rewrite");
  args.clients.reserve(std::size(mi::kClientIds));
  for (std::string_view id : mi::kClientIds) args.clients.emplace_back(std::string(id), false);
  std::vector<CLI::Option*> flags;
  for (auto& [id, given] : args.clients) {
    flags.push_back(group->add_flag("--" + id, given, "the " + id + " config"));
  }
  CLI::Option* all = group->add_flag("--all", args.all, "every client whose config file exists");
  for (CLI::Option* flag : flags) all->excludes(flag);
  group->require_option(1, 0);
}

void add_options(CLI::App& sub, IntegrationArgs& args) {
  sub.add_option("--config-path", args.config_path, "rewrite this file instead of the client's usual one");
  sub.add_option("--project-dir", args.project_dir,
                 "also rewrite this project's files (.mcp.json, .cursor/mcp.json, .vscode/mcp.json)");
  CLI::Option* policy = sub.add_option_function<std::string>(
      "--policy",
      [&args](const std::string& value) {
        args.policy = value;
        args.policy_given = true;
      },
      "policy preset or file for wrapped servers (default strict; checked before anything is written; also "
      "replaces the policy of servers already wrapped)");
  sub.add_option("--only", args.only, "only this server (repeatable)")->allow_extra_args(false);
  sub.add_option("--except", args.except, "not this server (repeatable)")->allow_extra_args(false);
  sub.add_flag("--dry-run", args.dry_run, "print a unified diff and write nothing");
  sub.add_flag("--undo", args.undo, "restore wrapped servers to their original commands")->excludes(policy);
}

}  // namespace

void register_integration_commands(CLI::App& app, int* exit_status) {
  auto args = std::make_shared<IntegrationArgs>();
  CLI::App* sub = app.add_subcommand(
      "init-integration", "wrap every stdio MCP server of a client's config in `mcp-warden proxy` (or --undo it)");
  add_client_flags(*sub, *args);
  add_options(*sub, *args);
  sub->callback([args, exit_status] { *exit_status = run(*args); });
}

}  // namespace mcp_warden::cli
