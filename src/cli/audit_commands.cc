// `mcp-warden audit verify|show|tail|query|export|proof|checkpoint|stats`:
// argument parsing only. The commands live in mcp_warden_audit
// (audit/commands.h) so unit tests reach them. These are not proxy mode:
// results go to stdout, diagnostics to stderr.
//
// Exit status: 0 success; 1 verification failed or no such entry; 2 usage or
// I/O error (see audit/commands.h).
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mcp_warden/audit/commands.h"
#include "mcp_warden/cli/commands.h"

namespace mcp_warden::cli {
namespace {

namespace fs = std::filesystem;
using audit::CommandContext;

// Options every audit sub-command shares.
struct CommonArgs {
  std::string db;
  std::string key_dir;

  CommandContext context() const {
    return CommandContext{fs::path(db), fs::path(key_dir), &std::cout, &std::cerr, nullptr};
  }
};

CLI::App* add_command(CLI::App& audit, const char* name, const char* help, CommonArgs& common) {
  CLI::App* sub = audit.add_subcommand(name, help);
  sub->add_option("--db", common.db, "audit database (default $MCP_WARDEN_HOME/warden.db)");
  sub->add_option("--key-dir", common.key_dir, "directory of audit_ed25519.pem (default $MCP_WARDEN_HOME)");
  return sub;
}

struct AuditArgs {
  CommonArgs common;
  std::string proof_file;
  int64_t seq = 0;
  int64_t count = 10;
  bool follow = false;
  audit::QueryArgs query;
  std::string format = "jsonl";
  std::string since;
};

void add_verify(CLI::App& audit, std::shared_ptr<AuditArgs> a, int* exit_status) {
  CLI::App* sub = add_command(audit, "verify", "recompute the hash chain, Merkle roots and checkpoints", a->common);
  sub->add_option("--proof", a->proof_file, "check an inclusion proof file (from `audit proof`) instead");
  sub->callback([a, exit_status] {
    std::optional<fs::path> proof;
    if (!a->proof_file.empty()) proof = a->proof_file;
    *exit_status = audit::run_verify(a->common.context(), proof);
  });
}

void add_show_and_proof(CLI::App& audit, std::shared_ptr<AuditArgs> a, int* exit_status) {
  CLI::App* show = add_command(audit, "show", "print one entry as JSON", a->common);
  show->add_option("seq", a->seq, "sequence number")->required();
  show->callback([a, exit_status] { *exit_status = audit::run_show(a->common.context(), a->seq); });
  CLI::App* proof = add_command(audit, "proof", "print an inclusion proof of one entry", a->common);
  proof->add_option("seq", a->seq, "sequence number")->required();
  proof->callback([a, exit_status] { *exit_status = audit::run_proof(a->common.context(), a->seq); });
}

// Filters and output shared by tail and query.
void add_entry_filters(CLI::App& sub, audit::QueryArgs& query) {
  sub.add_option("--server", query.server, "server name (as in the client's config)");
  sub.add_option("--client", query.client, "client name, e.g. claude-ai (its clientInfo.name; any case)");
  sub.add_option("--tool", query.tool, "tool name");
  sub.add_option("--decision", query.decision, "allow, deny, warn, log, or ask (approval_request entries)");
  sub.add_option("--kind", query.kind, "entry kind, e.g. tool_call");
  sub.add_flag("--json", query.json, "one JSON object per line (seq, time, kind, server, tool, decision, "
                                     "request_id, session, client, rule, reason)");
}

void add_tail(CLI::App& audit, std::shared_ptr<AuditArgs> a, int* exit_status) {
  CLI::App* sub = add_command(audit, "tail", "print the newest entries", a->common);
  sub->add_option("-n,--lines", a->count, "how many (default 10)");
  sub->add_flag("-f,--follow", a->follow, "keep printing new entries");
  add_entry_filters(*sub, a->query);
  sub->callback([a, exit_status] {
    *exit_status = audit::run_tail(a->common.context(), a->count, a->follow, nullptr, a->query);
  });
}

void add_query(CLI::App& audit, std::shared_ptr<AuditArgs> a, int* exit_status) {
  CLI::App* sub = add_command(audit, "query", "list entries matching every given filter", a->common);
  add_entry_filters(*sub, a->query);
  sub->add_option("--session", a->query.session_id, "session id");
  sub->add_option("--since", a->query.since, "2024-05-01T12:00:00Z, 2024-05-01, @unix or 15m/2h/7d");
  sub->add_option("--limit", a->query.limit, "at most this many");
  sub->callback([a, exit_status] { *exit_status = audit::run_query(a->common.context(), a->query); });
}

void add_export(CLI::App& audit, std::shared_ptr<AuditArgs> a, int* exit_status) {
  CLI::App* sub = add_command(audit, "export", "write entries as JSON Lines or CloudEvents", a->common);
  sub->add_option("--format", a->format, "jsonl (default) or cloudevents");
  sub->add_option("--since", a->since, "only entries at or after this time");
  sub->callback([a, exit_status] {
    std::optional<std::string> since;
    if (!a->since.empty()) since = a->since;
    *exit_status = audit::run_export(a->common.context(), a->format, since);
  });
}

void add_checkpoint_and_stats(CLI::App& audit, std::shared_ptr<AuditArgs> a, int* exit_status) {
  CLI::App* cp = add_command(audit, "checkpoint", "write a signed checkpoint of the whole log", a->common);
  cp->callback([a, exit_status] { *exit_status = audit::run_checkpoint(a->common.context()); });
  CLI::App* stats = add_command(audit, "stats", "counts by kind and decision, sizes", a->common);
  stats->callback([a, exit_status] { *exit_status = audit::run_stats(a->common.context()); });
}

}  // namespace

void register_audit_commands(CLI::App& app, int* exit_status) {
  CLI::App* audit = app.add_subcommand("audit", "inspect and verify the audit log");
  audit->require_subcommand(1);
  auto args = std::make_shared<AuditArgs>();
  add_verify(*audit, args, exit_status);
  add_show_and_proof(*audit, args, exit_status);
  add_tail(*audit, args, exit_status);
  add_query(*audit, args, exit_status);
  add_export(*audit, args, exit_status);
  add_checkpoint_and_stats(*audit, args, exit_status);
}

}  // namespace mcp_warden::cli
