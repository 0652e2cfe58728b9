// `mcp-warden policy check|explain|test|list`: thin adapters over
// mcp_warden_policy (the logic lives in policy/policy_cases.h and policy.h so
// unit tests reach it). Output goes to stdout (these are not proxy mode);
// errors go to stderr as one "file:line:col: problem" line.
//
// Exit status: 0 success; 1 a policy/cases file that does not load, a failed
// case, or unreadable input.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/cli/commands.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/policy/policy_cases.h"
#include "mcp_warden/policy/presets.h"
#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::cli {
namespace {

using policy::Policy;

int fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "mcp-warden policy %s: %s\n", command.c_str(), message.c_str());
  return 1;
}

Result<nlohmann::json> read_json_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::not_found(path + ": cannot open");
  std::string text;
  char buffer[65536];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  std::fclose(file);
  Result<nlohmann::json> json = rpc::parse_json_strict(text);
  if (!json.is_ok()) return Status::invalid_argument(path + ": " + json.status().message());
  return json;
}

// One line per `servers:` entry, in the order they are consulted.
void print_server_entries(const Policy& p) {
  for (const policy::ServerEntry& e : p.servers()) {
    std::printf("  servers \"%s\" (%s): trust_level %s, %zu accepted tool change(s)\n", e.server.c_str(),
                e.origin.c_str(), e.trust_level ? e.trust_level->c_str() : "(not set)", e.accept_tool_changes.size());
  }
}

int run_check(const std::string& file) {
  Result<Policy> p = Policy::load_file(file);
  if (!p.is_ok()) return fail("check", p.status().message());
  std::printf("%s: ok: policy \"%s\", %zu rules, sha256 %s\n", file.c_str(), p->name().c_str(),
              p->rules().size(), p->content_hash().c_str());
  print_server_entries(*p);
  return 0;
}

struct ExplainArgs {
  std::string policy = "strict";
  std::string server = "server";
  std::string tools;
  std::string request;
};

int run_explain(const ExplainArgs& a) {
  Result<Policy> p = Policy::load(a.policy);
  if (!p.is_ok()) return fail("explain", p.status().message());
  nlohmann::json tools = nullptr;
  if (!a.tools.empty()) {
    Result<nlohmann::json> t = read_json_file(a.tools);
    if (!t.is_ok()) return fail("explain", t.status().message());
    tools = std::move(t).value();
  }
  Result<nlohmann::json> request = read_json_file(a.request);
  if (!request.is_ok()) return fail("explain", request.status().message());
  Result<nlohmann::json> out = policy::explain_call(*p, a.server, tools, *request, SystemClock::instance());
  if (!out.is_ok()) return fail("explain", a.request + ": " + out.status().message());
  std::cout << out->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

int run_test(const std::string& file) {
  Result<policy::CasesReport> report = policy::run_policy_cases(file);
  if (!report.is_ok()) return fail("test", report.status().message());
  for (const policy::CaseResult& r : report->results) {
    std::printf("%s  %s: %s\n", r.passed ? "PASS" : "FAIL", r.name.c_str(), r.detail.c_str());
  }
  std::printf("%zu cases, %d failed (policy \"%s\")\n", report->results.size(), report->failed(),
              report->policy_name.c_str());
  return report->failed() == 0 ? 0 : 1;
}

int run_list() {
  Result<std::string> dir = policy::locate_presets_dir();
  if (!dir.is_ok()) return fail("list", dir.status().message());
  Result<std::vector<policy::PresetInfo>> presets = policy::list_presets(*dir);
  if (!presets.is_ok()) return fail("list", presets.status().message());
  std::printf("presets in %s:\n", dir->c_str());
  for (const policy::PresetInfo& p : *presets) {
    std::printf("  %-12s %s\n", p.name.c_str(), p.description.c_str());
  }
  return 0;
}

void add_check(CLI::App& parent, int* exit_status) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = parent.add_subcommand("check", "Validate a policy file (exit 0 if it loads, 1 if not)");
  cmd->add_option("FILE", *file, "policy YAML file")->required();
  cmd->callback([file, exit_status] { *exit_status = run_check(*file); });
}

void add_explain(CLI::App& parent, int* exit_status) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = parent.add_subcommand("explain", "Print the decision and rule for one tools/call as JSON");
  cmd->add_option("--policy", args->policy, "preset name or policy file")->capture_default_str();
  cmd->add_option("--server", args->server, "server name rules match against")->capture_default_str();
  cmd->add_option("--tools", args->tools, "the server's tools/list result or response (JSON)");
  cmd->add_option("--request", args->request, "the tools/call request or its params (JSON)")->required();
  cmd->callback([args, exit_status] { *exit_status = run_explain(*args); });
}

void add_test(CLI::App& parent, int* exit_status) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = parent.add_subcommand("test", "Run a YAML file of cases (request -> expected decision)");
  cmd->add_option("FILE", *file, "cases YAML file (see policies/tests/)")->required();
  cmd->callback([file, exit_status] { *exit_status = run_test(*file); });
}

}  // namespace

void register_policy_commands(CLI::App& app, int* exit_status) {
  CLI::App* policy = app.add_subcommand("policy", "Check, explain, test and list policies");
  policy->require_subcommand(1);
  add_check(*policy, exit_status);
  add_explain(*policy, exit_status);
  add_test(*policy, exit_status);
  policy->add_subcommand("list", "List the shipped presets")->callback([exit_status] { *exit_status = run_list(); });
}

}  // namespace mcp_warden::cli
