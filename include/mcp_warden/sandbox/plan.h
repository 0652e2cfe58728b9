// SandboxPlan: which paths the spawned server may read and write, worked out
// before it starts (docs/sandbox.md).
//
// Landlock only allows: a rule on a directory covers everything beneath it,
// and nothing can take a secret back out of an allowed tree. So a grant (a
// root: "/" readable, the temp dir writable, ...) whose tree holds a secret
// path is *carved*: the directory itself gets no rule, and each of its
// entries is granted on its own, except the secret ones, recursing toward
// the secret. A carved directory gets only the right to be listed — which,
// Landlock rules being hierarchical, lets the names (never the contents) in
// the secret directories beneath it be listed too; nothing new can be created
// directly in it, and entries that appear later are not covered (a secret
// created later in a carved directory stays out, and so does anything else). A
// symbolic link never gets a rule: its target is judged where it lives.
//
// Secret paths: anchored patterns of the policy's secret rules as written
// ("/etc/shadow"); unanchored ones without wildcards under the home directory
// ("~/.ssh", "~/.docker/config.json"); the mcp-warden database (with its
// -wal, -shm, -journal and .checkpoint files) and mcp-warden's home (the
// signing key). Patterns with wildcards ("id_rsa*", "*.pem") are matched
// against the name of every entry a carve lists; deeper matches are left to
// the protocol-level judge.
//
// build_plan reads directories (the carves) and resolves paths; it creates
// nothing. Thread safety: pure apart from those reads.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcp_warden::sandbox {

enum class Access {
  kRead,       // execute, read files, list directories
  kReadWrite,  // and every write right
  kDevice,     // read, write, truncate and ioctl on device files (/dev)
  kList,       // list directories only: what a carved directory gets
};
const char* access_name(Access access);

// A root the plan starts from, and why it is there.
struct Grant {
  std::filesystem::path path;
  Access access = Access::kRead;
  std::string why;
};

// One Landlock rule: `access` beneath `path`.
struct PlannedRule {
  std::filesystem::path path;
  Access access = Access::kRead;
  bool directory = true;  // a rule on a file carries only file rights
};

struct PlanInputs {
  std::vector<std::string> command;   // the server's argv
  std::filesystem::path home;         // "" when unknown
  std::filesystem::path working_dir;  // relative command-line paths resolve here
  std::filesystem::path temp_dir;
  std::vector<std::filesystem::path> caches;         // package managers' caches
  std::vector<std::string> secret_globs;             // Policy::secret_path_globs()
  std::vector<std::filesystem::path> warden_paths;   // database files, mcp-warden's home
  std::vector<std::string> extra_writable;           // the policy's sandbox.writable, as written
  bool writable_args = true;   // the command line's existing directories are writable
  bool network_deny = false;
};

struct SandboxPlan {
  std::vector<Grant> grants;
  std::vector<std::filesystem::path> secrets;  // concrete secret paths, resolved
  std::vector<std::filesystem::path> carved;   // directories granted entry by entry
  std::vector<PlannedRule> rules;
  std::vector<std::string> notes;  // missing paths, dropped grants: for the log and the audit
  bool network_deny = false;

  // {grants, secrets, carved, rules (count), network, notes} for the audit.
  nlohmann::json summary() const;
  // The human-readable listing `mcp-warden sandbox explain` prints.
  std::string explain() const;
};

SandboxPlan build_plan(const PlanInputs& inputs);

// `~` and `~/...` expanded with `home`; other text unchanged.
std::filesystem::path expand_home(const std::string& text, const std::filesystem::path& home);

}  // namespace mcp_warden::sandbox
