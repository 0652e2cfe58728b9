// `mcp-warden grant CODE` and `mcp-warden approvals list|revoke|add`:
// argument parsing only. The commands live in mcp_warden_approval
// (approval/commands.h) so unit tests reach them. Not proxy mode: results go
// to stdout, diagnostics to stderr.
//
// Exit status: 0 success; 1 no such code or grant; 2 usage or I/O error.
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "mcp_warden/approval/commands.h"
#include "mcp_warden/cli/commands.h"

namespace mcp_warden::cli {
namespace {

struct ApprovalArgs {
  std::string db;
  std::string code;
  std::string id;
  std::string server;
  std::string tool;
  std::string expires;
  std::string note;
  bool all = false;
  bool json = false;

  approval::CommandContext context() const {
    return approval::CommandContext{std::filesystem::path(db), &std::cout, &std::cerr, nullptr};
  }
};

CLI::App* add_command(CLI::App& parent, const char* name, const char* help, ApprovalArgs& args) {
  CLI::App* sub = parent.add_subcommand(name, help);
  sub->add_option("--db", args.db, "database (default $MCP_WARDEN_HOME/warden.db)");
  return sub;
}

void add_list_and_revoke(CLI::App& approvals, std::shared_ptr<ApprovalArgs> a, int* exit_status) {
  CLI::App* list = add_command(approvals, "list", "grants in force: session, always and one-time grants", *a);
  list->add_flag("--all", a->all, "every grant, also used, revoked, ended and expired ones");
  list->add_flag("--json", a->json, "a JSON array of grants");
  list->callback([a, exit_status] { *exit_status = approval::run_list(a->context(), a->all, a->json); });
  CLI::App* revoke = add_command(approvals, "revoke", "end a grant in force (running proxies honour it at once)", *a);
  revoke->add_option("id", a->id, "the grant's id (from `approvals list`)")->required();
  revoke->callback([a, exit_status] { *exit_status = approval::run_revoke(a->context(), a->id); });
}

void add_always(CLI::App& approvals, std::shared_ptr<ApprovalArgs> a, int* exit_status) {
  CLI::App* add = add_command(approvals, "add",
                              "allow a tool's calls that the policy asks about, without asking, until the grant expires",
                              *a);
  add->add_option("--server", a->server, "the server's name (as in the audit log)")->required();
  add->add_option("--tool", a->tool, "the tool's name")->required();
  add->add_option("--expires", a->expires, "how long the grant lasts: 30m, 24h, 7d (at most 365d)")->required();
  add->add_option("--note", a->note, "why (kept with the grant)");
  add->callback([a, exit_status] {
    *exit_status = approval::run_add(a->context(), a->server, a->tool, a->expires, a->note);
  });
}

}  // namespace

void register_approval_commands(CLI::App& app, int* exit_status) {
  auto args = std::make_shared<ApprovalArgs>();
  CLI::App* grant = app.add_subcommand("grant", "allow, once, the call a one-time grant code was issued for");
  grant->add_option("--db", args->db, "database (default $MCP_WARDEN_HOME/warden.db)");
  grant->add_option("code", args->code, "the code from the denial (e.g. 7QK2M-XW4RD)")->required();
  grant->callback([args, exit_status] { *exit_status = approval::run_grant(args->context(), args->code); });
  CLI::App* approvals = app.add_subcommand("approvals", "show, end and give standing grants for calls the policy asks about");
  approvals->require_subcommand(1);
  add_list_and_revoke(*approvals, args, exit_status);
  add_always(*approvals, args, exit_status);
}

}  // namespace mcp_warden::cli
