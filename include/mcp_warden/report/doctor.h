// `mcp-warden doctor`: checks the set-up a user lives with and says what is
// wrong in one line per finding.
//
// For every known client (integrations/*.json) and each of its user config
// files that exists (and the project files of --project-dir): the file
// parses (JSON or JSONC); every server entry, wrapped or not: a wrapped
// entry's mcp-warden binary exists and is executable, its --policy loads, and
// the server command it wraps resolves on the PATH; an unwrapped stdio entry
// is noted (not a problem) with its command checked the same way; remote
// entries are listed. Then the audit database: SQLite's integrity_check, the
// audit chain's verification (`audit verify`), and the free space beside it.
//
// With `fix`, entries whose binary is missing are pointed at the running
// binary in place (init-integration's update, with its backup and atomic
// replace), and then checked again. Findings are kOk, kNote (worth knowing),
// kProblem (something will fail). The exit status is 0 when no problem is
// left, 1 otherwise. Text goes to `out` (one line per finding) or, with
// `json`, one JSON document (see docs/doctor-and-report.md).
//
// Thread safety: runs on the caller's thread; reads files and the database
// (read-only, except for `fix`).
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/integrations/client_descriptor.h"
#include "mcp_warden/integrations/file_system.h"

namespace mcp_warden::report {

enum class Severity { kOk, kNote, kProblem };

// "ok", "note", "PROBLEM".
const char* severity_label(Severity severity);

struct Finding {
  Severity severity = Severity::kOk;
  std::string subject;  // "\"filesystem\"", "integrity_check", ...
  std::string text;     // what was found, in a sentence
};

struct CheckedFile {
  std::string client;  // display name
  std::filesystem::path path;
  bool exists = false;
  std::vector<Finding> findings;
};

struct DoctorResult {
  std::vector<CheckedFile> files;
  std::filesystem::path db_path;
  std::vector<Finding> database;
  std::vector<std::string> fixed;  // one line per repaired entry
  int problems() const;
};

struct DoctorRequest {
  std::vector<integrations::ClientDescriptor> clients;
  std::optional<std::filesystem::path> project_dir;
  std::filesystem::path warden_path;  // the running binary (what --fix writes)
  std::filesystem::path db_path;      // empty: the default database
  std::filesystem::path key_dir;      // empty: MCP_WARDEN_HOME
  bool fix = false;
  bool json = false;
};

struct DoctorDeps {
  integrations::FileSystem& fs;
  const Clock& clock;
  const integrations::HostEnvironment& env;
};

DoctorResult run_checks(const DoctorRequest& request, const DoctorDeps& deps);

// Runs the checks (and the fix), prints them, returns the exit status.
int run_doctor(const DoctorRequest& request, const DoctorDeps& deps, std::ostream& out);

}  // namespace mcp_warden::report
