// `mcp-warden doctor [--fix] [--json]` and `mcp-warden report [--since 24h]
// [--out FILE]`: argument parsing and wiring only; the work is in
// mcp_warden_report (report/doctor.h, report/html_report.h).
//
// Exit status: doctor 0 when nothing is wrong, 1 when a problem is left, 2
// start-up error; report 0 written, 2 the database cannot be read or the
// file cannot be written.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "mcp_warden/audit/export.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/cli/commands.h"
#include "mcp_warden/integrations/executable_path.h"
#include "mcp_warden/report/doctor.h"
#include "mcp_warden/report/html_report.h"

namespace mcp_warden::cli {
namespace {

namespace fs = std::filesystem;
namespace mi = mcp_warden::integrations;

struct DoctorArgs {
  std::string db;
  std::string key_dir;
  std::string project_dir;
  bool fix = false;
  bool json = false;
};

int run_doctor(const DoctorArgs& args) {
  auto exe = mi::current_executable_path();
  mi::PosixFileSystem fs;
  mi::HostEnvironment env = mi::HostEnvironment::current();
  auto dir = exe ? mi::find_descriptor_dir(fs, env, *exe) : Result<fs::path>(exe.status());
  if (!dir) {
    std::cerr << "mcp-warden doctor: " << dir.status().message() << "\n";
    return 2;
  }
  report::DoctorRequest request;
  for (std::string_view id : mi::kClientIds) {
    auto descriptor = mi::load_client_descriptor(fs, *dir, id);
    if (!descriptor) {
      std::cerr << "mcp-warden doctor: " << descriptor.status().message() << "\n";
      return 2;
    }
    request.clients.push_back(std::move(descriptor).value());
  }
  if (!args.project_dir.empty()) request.project_dir = fs::absolute(args.project_dir);
  request.warden_path = *exe;
  request.db_path = args.db;
  request.key_dir = args.key_dir;
  request.fix = args.fix;
  request.json = args.json;
  return report::run_doctor(request, report::DoctorDeps{fs, SystemClock::instance(), env}, std::cout);
}

struct ReportArgs {
  std::string db;
  std::string key_dir;
  std::string since = "24h";
  std::string out = "mcp-warden-report.html";
};

int run_report(const ReportArgs& args) {
  const Clock& clock = SystemClock::instance();
  auto since = audit::parse_time(args.since, clock);
  if (!since) {
    std::cerr << "mcp-warden report: --since " << args.since << ": " << since.status().message() << "\n";
    return 2;
  }
  report::ReportOptions options{args.db, args.key_dir, *since, clock.now_unix_micros()};
  auto data = report::collect_report_data(options);
  if (!data) {
    std::cerr << "mcp-warden report: " << data.status().message() << "\n";
    return 2;
  }
  std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
  file << report::render_html_report(*data);
  file.close();
  if (!file) {
    std::cerr << "mcp-warden report: cannot write " << args.out << "\n";
    return 2;
  }
  std::cout << "wrote " << fs::absolute(args.out).string() << " (" << data->calls.size() << " call(s), "
            << data->denials.size() << " denial(s) since " << audit::format_time_rfc3339(*since) << "; log "
            << (data->verified ? "verified" : "NOT verified") << ")\n";
  return 0;
}

}  // namespace

void register_doctor_command(CLI::App& app, int* exit_status) {
  auto args = std::make_shared<DoctorArgs>();
  CLI::App* sub = app.add_subcommand(
      "doctor", "check every client's MCP servers (wrapped or not), the policies they use and the audit database");
  sub->add_flag("--fix", args->fix, "point entries whose mcp-warden binary is gone at this binary (with a backup)");
  sub->add_flag("--json", args->json, "print the findings as one JSON document");
  sub->add_option("--project-dir", args->project_dir, "also check this project's files (.mcp.json, ...)");
  sub->add_option("--db", args->db, "audit database (default $MCP_WARDEN_HOME/warden.db)");
  sub->add_option("--key-dir", args->key_dir, "directory of audit_ed25519.pem (default $MCP_WARDEN_HOME)");
  sub->callback([args, exit_status] { *exit_status = run_doctor(*args); });
}

void register_report_command(CLI::App& app, int* exit_status) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* sub = app.add_subcommand(
      "report", "write one self-contained HTML page of what the agents did (charts, denials, trust)");
  sub->add_option("--since", args->since, "15m, 24h (default), 7d, 2025-05-01 or @unix");
  sub->add_option("-o,--out", args->out, "the HTML file to write (default mcp-warden-report.html)");
  sub->add_option("--db", args->db, "audit database (default $MCP_WARDEN_HOME/warden.db)");
  sub->add_option("--key-dir", args->key_dir, "directory of audit_ed25519.pem (default $MCP_WARDEN_HOME)");
  sub->callback([args, exit_status] { *exit_status = run_report(*args); });
}

}  // namespace mcp_warden::cli
