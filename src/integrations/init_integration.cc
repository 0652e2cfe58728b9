#include "mcp_warden/integrations/init_integration.h"

#include <algorithm>
#include <set>
#include <string>

namespace mcp_warden::integrations {
namespace {

namespace fs = std::filesystem;

// What happened across all files; decides the exit status and the reminders.
struct RunSummary {
  int files_found = 0;
  bool failed = false;
  std::vector<const ClientDescriptor*> clients_to_restart;
  std::set<std::string> names_seen;
};

std::string quoted(const std::string& name) { return nlohmann::ordered_json(name).dump(); }

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string entry_line(const EntryReport& entry) {
  std::string where = entry.table.empty() ? quoted(entry.name) : entry.table + " > " + quoted(entry.name);
  std::string detail = entry.detail.empty() ? "" : " (" + entry.detail + ")";
  std::string disabled = entry.disabled ? " [disabled]" : "";
  return "  " + padded(entry_action_name(entry.action), 16) + where + detail + disabled + "\n";
}

int count(const FileReport& report, EntryAction action) {
  return static_cast<int>(std::count_if(report.entries.begin(), report.entries.end(),
                                        [action](const EntryReport& e) { return e.action == action; }));
}

// "wrap 2 server(s)", "wrap 1 and update 2 server(s)", ... ("wrapped", ... when `past`).
std::string what_changed(const FileReport& report, bool wrap, bool past) {
  auto verb = [past](const char* v) { return std::string(v) + (past ? "d" : ""); };
  if (!wrap) return verb("restore") + " " + std::to_string(count(report, EntryAction::kUnwrapped)) + " server(s)";
  int wrapped = count(report, EntryAction::kWrapped);
  int updated = count(report, EntryAction::kUpdated);
  std::string wrap_verb = past ? "wrapped" : "wrap";
  if (updated == 0) return wrap_verb + " " + std::to_string(wrapped) + " server(s)";
  if (wrapped == 0) return verb("update") + " " + std::to_string(updated) + " server(s)";
  return wrap_verb + " " + std::to_string(wrapped) + " and " + verb("update") + " " + std::to_string(updated) +
         " server(s)";
}

std::string outcome_line(const FileReport& report, const RewriteOptions& options) {
  bool wrap = options.mode == RewriteMode::kWrap;
  if (!report.changed) return "  unchanged       nothing to do; the file was not touched\n";
  if (report.created) {
    return std::string("  ") + (options.dry_run ? "would create    " : "created         ") + "with no servers\n";
  }
  if (options.dry_run) return "  dry run         would " + what_changed(report, wrap, false) + "; nothing was written\n";
  return "  written         " + what_changed(report, wrap, true) +
         (wrap ? " (policy " + options.wrap.policy + ")" : "") + "\n";
}

void print_report(const FileReport& report, const RewriteOptions& options, std::ostream& out) {
  for (const EntryReport& entry : report.entries) out << entry_line(entry);
  for (const std::string& note : report.notes) out << "  note            " << note << "\n";
  if (report.backup) out << "  backup          " << report.backup->string() << "\n";
  out << outcome_line(report, options);
  if (!report.diff.empty()) out << report.diff;
}

void remember(const ConfigTarget& target, const FileReport& report, RunSummary& summary) {
  for (const EntryReport& entry : report.entries) summary.names_seen.insert(entry.name);
  summary.failed = summary.failed || report.has_failures();
  auto& restart = summary.clients_to_restart;
  if (report.changed && std::find(restart.begin(), restart.end(), target.client) == restart.end()) {
    restart.push_back(target.client);
  }
}

void visit(const ConfigTarget& target, const IntegrationRequest& request, const IntegrationDeps& deps,
           std::ostream& out, RunSummary& summary) {
  RewriteOptions options = request.rewrite;
  options.create_if_missing = target.may_create;
  auto report = rewrite_config_file(target.path, *target.client, options, deps.fs, deps.clock);
  if (!report && report.status().code() == ErrorCode::kNotFound) {
    out << target.client->display_name << ": no config at " << target.path.string() << " (skipped)\n";
    return;
  }
  ++summary.files_found;
  out << target.client->display_name << ": " << (report ? report->path : target.path).string() << "\n";
  if (!report) {
    out << "  error           " << report.status().message() << "\n";
    summary.failed = true;
    return;
  }
  print_report(*report, options, out);
  remember(target, *report, summary);
}

int finish(const IntegrationRequest& request, const RunSummary& summary, std::ostream& out) {
  bool failed = summary.failed;
  for (const std::string& name : request.rewrite.only) {
    if (summary.names_seen.count(name) == 0) {
      out << "note: no server named " << quoted(name) << " was found\n";
      failed = true;
    }
  }
  if (summary.files_found == 0) {
    out << "No config file was found; pass --config-path PATH to name one.\n";
    return 1;
  }
  for (const ClientDescriptor* client : summary.clients_to_restart) {
    out << (request.rewrite.dry_run ? "After applying, restart " : "Restart ") << client->display_name << ": "
        << client->restart_hint << "\n";
  }
  return failed ? 1 : 0;
}

void add_user_targets(const IntegrationRequest& request, const ClientDescriptor& client,
                      const HostEnvironment& env, std::vector<ConfigTarget>& targets,
                      std::vector<std::string>& notes) {
  bool may_create = !request.all_clients && client.create_if_missing.has_value();
  for (const std::string& pattern : client.paths_for(env.os)) {
    auto path = expand_config_path(pattern, env);
    if (path) targets.push_back(ConfigTarget{&client, *path, may_create});
    if (!path) notes.push_back(client.display_name + ": skipped " + pattern + ": " + path.status().message());
  }
}

}  // namespace

Result<std::vector<ConfigTarget>> resolve_targets(const IntegrationRequest& request, const HostEnvironment& env,
                                                  std::vector<std::string>& notes) {
  std::vector<ConfigTarget> targets;
  if (request.config_path && request.clients.size() != 1) {
    return Status::invalid_argument("--config-path needs exactly one client (--claude, --cursor, ...)");
  }
  for (const ClientDescriptor& client : request.clients) {
    if (request.config_path) {
      targets.push_back(ConfigTarget{&client, *request.config_path, client.create_if_missing.has_value()});
      continue;
    }
    add_user_targets(request, client, env, targets, notes);
    for (const std::string& relative : client.project_config_paths) {
      if (request.project_dir) targets.push_back(ConfigTarget{&client, *request.project_dir / relative, false});
    }
  }
  return targets;
}

std::string policy_argument(const std::string& policy, const fs::path& cwd) {
  fs::path path(policy);
  std::string extension = path.extension().string();
  bool is_file = policy.find('/') != std::string::npos || extension == ".yaml" || extension == ".yml";
  if (!is_file || path.is_absolute()) return policy;
  return (cwd / path).lexically_normal().string();
}

int run_init_integration(const IntegrationRequest& request, const IntegrationDeps& deps, std::ostream& out) {
  std::vector<std::string> notes;
  auto targets = resolve_targets(request, deps.env, notes);
  if (!targets) {
    out << "error: " << targets.status().message() << "\n";
    return 1;
  }
  for (const std::string& note : notes) out << note << "\n";
  RunSummary summary;
  for (const ConfigTarget& target : *targets) visit(target, request, deps, out, summary);
  return finish(request, summary, out);
}

}  // namespace mcp_warden::integrations
