// Attestation: what a server command actually runs, identified at every
// spawn and pinned per server on first use, as SSH pins host keys
// (TrustStore::observe_attestation keeps the pin and records changes).
//
// From the argv the proxy spawns (with the PATH and working directory the
// child inherits) attest() finds, best effort and without running anything:
// - the resolved executable (PATH lookup as execvp, symlinks resolved) and
//   its SHA-256;
// - for `node SCRIPT`, `python SCRIPT` and a script a shell or interpreter runs
//   (sh, bash, zsh, dash, ruby, perl, php, bun) the script and its SHA-256;
// - for `npx PKG`, `npm exec PKG` / `npm x PKG` and `node .../node_modules/PKG/…`
//   the npm package name, version and integrity as installed: the nearest
//   node_modules/PKG above the working directory (as npx looks first), else
//   the npx cache (`$npm_config_cache` or ~/.npm, `_npx/*/node_modules/PKG`,
//   the exact version the command names, else the most recently installed);
//   the integrity comes from the sibling node_modules/.package-lock.json;
// - for `uvx PKG`, `pipx run PKG` and `python -m MODULE` the distribution
//   and version from a `*.dist-info/METADATA` (uv's and pipx's caches, the
//   interpreter's own site-packages), integrity = SHA-256 of its RECORD;
// - for `docker run … IMAGE` the image reference; the digest only when the
//   command pins one (`image@sha256:…`): mcp-warden runs no `docker image
//   inspect` (docs/trust.md, "Attestation").
// What cannot be found is left empty and `note` says why; the executable is
// always there when the command could be spawned.
//
// Hashing a large interpreter costs tens of milliseconds, so attest() reuses
// the hash the previous attestation recorded when the file's device, inode,
// size, mtime and ctime are unchanged (ctime cannot be set back by a user:
// any write or replacement changes it).
//
// Thread safety: pure functions over the file system; nothing is cached
// between calls.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/base/status.h"

namespace mcp_warden::trust {

enum class SubjectKind { kExecutable, kNpmPackage, kPythonDistribution, kDockerImage };

struct Attestation {
  SubjectKind kind = SubjectKind::kExecutable;
  std::string executable;         // resolved absolute path; "" when it could not be resolved
  std::string executable_sha256;  // hex; "" when unreadable
  std::string executable_stat;    // "dev:ino:size:mtime_ns:ctime_ns", for reusing the hash
  std::string script;             // the script an interpreter runs, resolved; may be ""
  std::string script_sha256;
  std::string script_stat;
  std::string package;            // npm package, python distribution or docker image reference
  std::string version;            // package version, or the image digest the command pins
  std::string integrity;          // npm integrity ("sha512-…"), sha256 of a dist-info RECORD, or ""
  std::string source;             // where the package was found (package.json, dist-info, command line)
  std::string note;               // what could not be established, and why; "" when nothing is missing

  bool operator==(const Attestation&) const = default;
};

struct AttestationRequest {
  std::vector<std::string> argv;   // the server command as spawned
  std::string path_env;            // the child's PATH
  std::filesystem::path cwd;       // the child's working directory
  std::filesystem::path home;      // $HOME (npx, uv and pipx caches); may be empty
  std::filesystem::path npm_cache; // $npm_config_cache; empty: home/.npm
};

// A request for `argv` with this process's PATH, working directory, $HOME
// and $npm_config_cache (what a child spawned now inherits).
AttestationRequest request_from_environment(std::vector<std::string> argv);

// Identifies what `request` runs; `previous` (the pinned attestation, may be
// null) only lends its hashes for files whose stat is unchanged.
Attestation attest(const AttestationRequest& request, const Attestation* previous = nullptr);

// How a new attestation differs from the pinned one.
enum class AttestationChange {
  kNone,     // the same thing runs
  kRuntime,  // only the interpreter behind a package or script changed (node, python, docker)
  kVersion,  // another package version, another script or executable: an upgrade to review
  kContent,  // same package name and version, different integrity: tampering or a republished package
};
AttestationChange compare_attestations(const Attestation& pinned, const Attestation& now);

// One line for a person: "npm @scope/pkg 1.2.3 (sha512-…)", "executable
// /usr/bin/x (sha256 ab12…)", "docker image foo:1 (digest not pinned)".
std::string describe(const Attestation& attestation);

// "executable", "npm", "python", "docker".
std::string_view subject_kind_name(SubjectKind kind);

// Stored form: a JSON object with every field (sorted keys); parse_attestation
// is its inverse (kInvalidArgument on anything else).
std::string attestation_json(const Attestation& attestation);
Result<Attestation> parse_attestation(std::string_view json_text);

// How a server's pin is enforced (`servers: NAME: pin:` in the policy).
enum class PinMode {
  kRecord,  // default: a change is recorded and costs trust; changed tools are blocked as always
  kStrict,  // additionally, every tool of the server is held until a person reviews the change
};
// "record", "strict"; nullopt for anything else.
std::optional<PinMode> parse_pin_mode(std::string_view name);
std::string_view pin_mode_name(PinMode mode);

}  // namespace mcp_warden::trust
