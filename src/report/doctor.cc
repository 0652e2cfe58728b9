#include "mcp_warden/report/doctor.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/verifier.h"
#include "mcp_warden/integrations/config_document.h"
#include "mcp_warden/integrations/config_rewriter.h"
#include "mcp_warden/integrations/server_entry.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/report/setup_checks.h"

namespace mcp_warden::report {
namespace {

namespace fs = std::filesystem;
namespace mi = integrations;
using nlohmann::ordered_json;

constexpr uint64_t kLowSpaceBytes = 64ull << 20;     // below: a problem (appends may fail)
constexpr uint64_t kSpaceNoteBytes = 1024ull << 20;  // below: worth a note

std::string quoted(const std::string& text) {
  return ordered_json(text).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string entry_subject(const std::string& table, const std::string& name) {
  return table.empty() ? quoted(name) : table + " > " + quoted(name);
}

std::string path_env(const mi::HostEnvironment& env) {
  auto path = env.getenv ? env.getenv("PATH") : std::nullopt;
  return path.value_or("/usr/local/bin:/usr/bin:/bin");
}

// Appends the problems of one server command (what the client or the proxy starts).
void check_server_command(const std::string& command, const mi::HostEnvironment& env, std::vector<std::string>& ok,
                          std::vector<std::string>& problems) {
  if (resolve_command(command, path_env(env))) {
    ok.push_back("server " + command + " found");
  } else {
    problems.push_back("server command " + command + " not found on the PATH (the client's PATH may differ)");
  }
}

Finding check_wrapped(const std::string& subject, const ordered_json& entry, const mi::ClientDescriptor& client,
                      const mi::HostEnvironment& env) {
  auto wrapped = mi::read_wrapped_entry(entry, client.entry);
  if (!wrapped) return {Severity::kProblem, subject, "wrapped, but " + wrapped.status().message()};
  std::vector<std::string> ok, problems;
  if (is_executable_file(wrapped->warden_path)) {
    ok.push_back("wrapped by " + wrapped->warden_path);
  } else {
    problems.push_back("its mcp-warden " + wrapped->warden_path +
                       " does not exist or is not executable (run `mcp-warden doctor --fix` or init-integration again)");
  }
  std::string policy = wrapped->policy.value_or("strict");
  auto loaded = policy::Policy::load(policy);
  if (loaded) ok.push_back("policy " + policy + " loads");
  if (!loaded) problems.push_back("policy " + policy + " does not load: " + loaded.status().message());
  check_server_command(wrapped->server_command.front(), env, ok, problems);
  std::string text;
  for (const std::string& part : problems.empty() ? ok : problems) text += (text.empty() ? "" : "; ") + part;
  return {problems.empty() ? Severity::kOk : Severity::kProblem, subject, text};
}

Finding check_entry(const std::string& subject, const ordered_json& entry, const mi::ClientDescriptor& client,
                    const mi::HostEnvironment& env) {
  mi::EntryClass entry_class = mi::classify_entry(entry, client.entry);
  switch (entry_class.kind) {
    case mi::EntryKind::kWrapped:
      return check_wrapped(subject, entry, client, env);
    case mi::EntryKind::kRemote:
      return {Severity::kNote, subject, entry_class.reason + "; not governed by mcp-warden"};
    case mi::EntryKind::kUnsupported:
      return {Severity::kNote, subject, "left alone by init-integration: " + entry_class.reason};
    case mi::EntryKind::kStdio:
      break;
  }
  std::vector<std::string> ok, problems;
  check_server_command(mi::entry_command(entry, client.entry), env, ok, problems);
  std::string text = "not wrapped (run `mcp-warden init-integration --" + client.id + "`)";
  if (!problems.empty()) return {Severity::kProblem, subject, text + "; " + problems.front()};
  return {Severity::kNote, subject, text + "; " + ok.front()};
}

void check_file(CheckedFile& file, const mi::ClientDescriptor& client, const DoctorDeps& deps) {
  auto real = deps.fs.resolve(file.path);
  auto text = real ? deps.fs.read_file(*real) : Result<std::string>(real.status());
  if (!text && text.status().code() == ErrorCode::kNotFound) return;
  file.exists = true;
  if (!text) return file.findings.push_back({Severity::kProblem, "file", text.status().message()});
  auto document = mi::parse_config_document(*text, file.path.string());
  if (!document) return file.findings.push_back({Severity::kProblem, "file", document.status().message()});
  Status plain = mi::check_plain_json(*document, client);
  if (!plain.is_ok()) file.findings.push_back({Severity::kProblem, "file", plain.message()});
  for (const auto& table : mi::find_server_tables(document->root, client)) {
    const ordered_json& servers = document->root.at(table);
    if (!servers.is_object()) {
      file.findings.push_back({Severity::kProblem, "file", "\"" + table.back() + "\" is not an object"});
      continue;
    }
    for (const auto& [name, entry] : servers.items()) {
      file.findings.push_back(
          check_entry(entry_subject(mi::server_table_label(table), name), entry, client, deps.env));
    }
  }
  if (file.findings.empty()) file.findings.push_back({Severity::kNote, "file", "no MCP servers configured"});
}

std::vector<fs::path> files_of(const mi::ClientDescriptor& client, const DoctorRequest& request,
                               const mi::HostEnvironment& env) {
  std::vector<fs::path> paths;
  for (const std::string& pattern : client.paths_for(env.os)) {
    if (auto path = mi::expand_config_path(pattern, env)) paths.push_back(*path);
  }
  if (request.project_dir) {
    for (const std::string& relative : client.project_config_paths) paths.push_back(*request.project_dir / relative);
  }
  return paths;
}

// Names of entries whose mcp-warden binary is gone: what --fix repairs.
std::vector<std::string> stale_entries(const fs::path& path, const mi::ClientDescriptor& client, mi::FileSystem& fs) {
  std::vector<std::string> names;
  auto text = fs.read_file(path);
  auto document = text ? mi::parse_config_document(*text, path.string()) : Result<mi::ConfigDocument>(text.status());
  if (!document) return names;
  for (const auto& table : mi::find_server_tables(document->root, client)) {
    if (!document->root.at(table).is_object()) continue;
    for (const auto& [name, entry] : document->root.at(table).items()) {
      if (mi::classify_entry(entry, client.entry).kind != mi::EntryKind::kWrapped) continue;
      auto wrapped = mi::read_wrapped_entry(entry, client.entry);
      if (wrapped && !is_executable_file(wrapped->warden_path)) names.push_back(name);
    }
  }
  return names;
}

void fix_file(const fs::path& path, const mi::ClientDescriptor& client, const DoctorRequest& request,
              const DoctorDeps& deps, DoctorResult& result) {
  std::vector<std::string> stale = stale_entries(path, client, deps.fs);
  if (stale.empty()) return;
  mi::RewriteOptions options;
  options.wrap = mi::WrapSpec{request.warden_path.string(), "strict", false};
  options.only = stale;
  auto report = mi::rewrite_config_file(path, client, options, deps.fs, deps.clock);
  if (!report) {
    result.fixed.push_back(path.string() + ": not repaired: " + report.status().message());
    return;
  }
  for (const mi::EntryReport& entry : report->entries) {
    if (entry.action != mi::EntryAction::kUpdated) continue;
    result.fixed.push_back(path.string() + ": " + entry_subject(entry.table, entry.name) + ": " + entry.detail +
                           (report->backup ? " (backup " + report->backup->string() + ")" : ""));
  }
}

Finding integrity(const fs::path& db) {
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
  std::string answer;
  if (rc == SQLITE_OK) {
    sqlite3_exec(
        handle, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          auto* text = static_cast<std::string*>(out);
          *text += (text->empty() ? "" : "; ") + std::string(values[0] ? values[0] : "");
          return 0;
        },
        &answer, nullptr);
    if (answer.empty()) answer = sqlite3_errmsg(handle);
  }
  sqlite3_close(handle);
  if (answer == "ok") return {Severity::kOk, "integrity_check", "ok"};
  return {Severity::kProblem, "integrity_check", answer.empty() ? "cannot open the database" : answer};
}

Finding chain(const DoctorRequest& request, const fs::path& db) {
  audit::VerifyOptions options;
  options.db_path = db;
  auto home = request.key_dir.empty() ? audit::warden_home() : Result<fs::path>(request.key_dir);
  if (home) options.key_dir = *home;
  auto report = audit::verify_log(options);
  if (!report) return {Severity::kProblem, "audit verify", report.status().message()};
  if (!report->intact) {
    return {Severity::kProblem, "audit verify",
            "FAILED at seq " + std::to_string(report->first_bad_seq) + ": " + report->problem};
  }
  return {Severity::kOk, "audit verify", std::to_string(report->valid_entries) + " entries, chain and checkpoints intact"};
}

std::string megabytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

Finding free_space(const fs::path& db) {
  struct statvfs info {};
  fs::path dir = db.parent_path().empty() ? fs::path(".") : db.parent_path();
  std::error_code error;
  while (!fs::exists(dir, error) && dir.has_parent_path() && dir != dir.parent_path()) dir = dir.parent_path();
  if (::statvfs(dir.c_str(), &info) != 0) return {Severity::kNote, "free space", "cannot be measured"};
  uint64_t bytes = static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
  if (bytes < kLowSpaceBytes) {
    return {Severity::kProblem, "free space", megabytes(bytes) + " left beside the database; calls are denied "
                                             "when the audit log cannot be written"};
  }
  return {bytes < kSpaceNoteBytes ? Severity::kNote : Severity::kOk, "free space", megabytes(bytes)};
}

void check_database(const DoctorRequest& request, DoctorResult& result) {
  auto db = request.db_path.empty() ? audit::default_db_path() : Result<fs::path>(request.db_path);
  if (!db) return result.database.push_back({Severity::kProblem, "database", db.status().message()});
  result.db_path = *db;
  std::error_code error;
  if (!fs::exists(*db, error)) {
    result.database.push_back({Severity::kNote, "database", "none yet (created by the first proxied session)"});
    return result.database.push_back(free_space(*db));
  }
  result.database.push_back(integrity(*db));
  result.database.push_back(chain(request, *db));
  result.database.push_back(free_space(*db));
}

ordered_json finding_json(const Finding& f) {
  return {{"severity", f.severity == Severity::kProblem ? "problem" : severity_label(f.severity)},
          {"subject", f.subject}, {"text", f.text}};
}

void print_json(const DoctorResult& result, std::ostream& out) {
  ordered_json files = ordered_json::array();
  for (const CheckedFile& file : result.files) {
    ordered_json findings = ordered_json::array();
    for (const Finding& f : file.findings) findings.push_back(finding_json(f));
    files.push_back({{"client", file.client}, {"path", file.path.string()}, {"exists", file.exists},
                     {"findings", findings}});
  }
  ordered_json database = ordered_json::array();
  for (const Finding& f : result.database) database.push_back(finding_json(f));
  ordered_json doc = {{"ok", result.problems() == 0}, {"problems", result.problems()}, {"files", files},
                      {"database", {{"path", result.db_path.string()}, {"findings", database}}},
                      {"fixed", result.fixed}};
  out << doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

void print_finding(const Finding& f, std::ostream& out) {
  std::string label = severity_label(f.severity);
  label.resize(9, ' ');
  out << "  " << label << f.subject << ": " << f.text << "\n";
}

void print_text(const DoctorResult& result, std::ostream& out) {
  for (const std::string& line : result.fixed) out << "fixed: " << line << "\n";
  for (const CheckedFile& file : result.files) {
    out << file.client << ": " << file.path.string() << (file.exists ? "" : " (not found)") << "\n";
    for (const Finding& f : file.findings) print_finding(f, out);
  }
  out << "Audit database: " << result.db_path.string() << "\n";
  for (const Finding& f : result.database) print_finding(f, out);
  int problems = result.problems();
  out << (problems == 0 ? std::string("No problems found.")
                        : std::to_string(problems) + " problem(s) found.")
      << "\n";
}

}  // namespace

const char* severity_label(Severity severity) {
  switch (severity) {
    case Severity::kOk:
      return "ok";
    case Severity::kNote:
      return "note";
    case Severity::kProblem:
      return "PROBLEM";
  }
  return "?";
}

int DoctorResult::problems() const {
  int count = 0;
  for (const CheckedFile& file : files) {
    count += static_cast<int>(std::count_if(file.findings.begin(), file.findings.end(),
                                            [](const Finding& f) { return f.severity == Severity::kProblem; }));
  }
  return count + static_cast<int>(std::count_if(database.begin(), database.end(), [](const Finding& f) {
           return f.severity == Severity::kProblem;
         }));
}

DoctorResult run_checks(const DoctorRequest& request, const DoctorDeps& deps) {
  DoctorResult result;
  for (const mi::ClientDescriptor& client : request.clients) {
    for (const fs::path& path : files_of(client, request, deps.env)) {
      CheckedFile file{client.display_name, path, false, {}};
      check_file(file, client, deps);
      result.files.push_back(std::move(file));
    }
  }
  check_database(request, result);
  return result;
}

int run_doctor(const DoctorRequest& request, const DoctorDeps& deps, std::ostream& out) {
  std::vector<std::string> fixed;
  if (request.fix) {
    DoctorResult before;
    for (const mi::ClientDescriptor& client : request.clients) {
      for (const fs::path& path : files_of(client, request, deps.env)) fix_file(path, client, request, deps, before);
    }
    fixed = std::move(before.fixed);
  }
  DoctorResult result = run_checks(request, deps);
  result.fixed = std::move(fixed);
  if (request.json) print_json(result, out);
  if (!request.json) print_text(result, out);
  return result.problems() == 0 ? 0 : 1;
}

}  // namespace mcp_warden::report
