// `mcp-warden trust show|history|reset|approve|review`: argument parsing only. The
// commands live in mcp_warden_trust (trust/commands.h) so unit tests reach
// them. Not proxy mode: results go to stdout, diagnostics to stderr.
//
// Exit status: 0 success; 1 no such server or tool; 2 usage or I/O error.
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mcp_warden/cli/commands.h"
#include "mcp_warden/trust/commands.h"

namespace mcp_warden::cli {
namespace {

struct TrustArgs {
  std::string db;
  std::string server;
  std::string tool;
  std::vector<std::string> tools;
  int64_t count = 0;
  bool json = false;
  bool approve = false;

  trust::CommandContext context() const {
    return trust::CommandContext{std::filesystem::path(db), &std::cout, &std::cerr, nullptr};
  }
};

CLI::App* add_command(CLI::App& parent, const char* name, const char* help, TrustArgs& args) {
  CLI::App* sub = parent.add_subcommand(name, help);
  sub->add_option("--db", args.db, "database (default $MCP_WARDEN_HOME/warden.db)");
  return sub;
}

void add_show(CLI::App& parent, std::shared_ptr<TrustArgs> a, int* exit_status) {
  CLI::App* sub = add_command(parent, "show", "scores, tiers and bases of every server (or one)", *a);
  sub->add_option("server", a->server, "only this server");
  sub->add_flag("--json", a->json, "a JSON array of {server, score, tier, base, events, last_seen}");
  sub->callback([a, exit_status] {
    std::optional<std::string> server;
    if (!a->server.empty()) server = a->server;
    *exit_status = trust::run_show(a->context(), server, a->json);
  });
}

void add_history(CLI::App& parent, std::shared_ptr<TrustArgs> a, int* exit_status) {
  CLI::App* sub = add_command(parent, "history", "the events that moved a server's score, newest first", *a);
  sub->add_option("server", a->server, "server name")->required();
  sub->add_option("-n,--lines", a->count, "at most this many (default all)");
  sub->add_flag("--json", a->json, "a JSON array of events");
  sub->callback([a, exit_status] {
    *exit_status = trust::run_history(a->context(), a->server, a->count, a->json);
  });
}

void add_reset_and_approve(CLI::App& parent, std::shared_ptr<TrustArgs> a, int* exit_status) {
  CLI::App* reset = add_command(parent, "reset", "set a server's score back to its base", *a);
  reset->add_option("server", a->server, "server name")->required();
  reset->callback([a, exit_status] { *exit_status = trust::run_reset(a->context(), a->server); });
  CLI::App* approve = add_command(parent, "approve", "accept a changed tool's current definition", *a);
  approve->add_option("server", a->server, "server name")->required();
  approve->add_option("tool", a->tool, "tool name")->required();
  approve->callback([a, exit_status] {
    *exit_status = trust::run_approve(a->context(), a->server, a->tool);
  });
}

void add_review(CLI::App& parent, std::shared_ptr<TrustArgs> a, int* exit_status) {
  CLI::App* sub = add_command(parent, "review",
                              "show a server's pending upgrade and changed tools as a diff; approve them in one step", *a);
  sub->add_option("server", a->server, "server name")->required();
  sub->add_option("tools", a->tools, "only these tools (default: every changed tool)");
  sub->add_flag("--approve", a->approve, "approve the shown changes (and close the upgrade review)");
  sub->callback([a, exit_status] {
    *exit_status = trust::run_review(a->context(), a->server, a->tools, a->approve);
  });
}

}  // namespace

void register_trust_commands(CLI::App& app, int* exit_status) {
  CLI::App* trust = app.add_subcommand("trust", "inspect and manage per-server trust scores");
  trust->require_subcommand(1);
  auto args = std::make_shared<TrustArgs>();
  add_show(*trust, args, exit_status);
  add_history(*trust, args, exit_status);
  add_reset_and_approve(*trust, args, exit_status);
  add_review(*trust, args, exit_status);
}

}  // namespace mcp_warden::cli
