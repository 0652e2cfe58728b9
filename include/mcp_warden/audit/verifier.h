// The offline verifier: recomputes the whole audit chain from stored data and
// checks it against every signed checkpoint.
//
// verify_log() opens the database read-only and, from seq 1 upwards, checks
// that seq numbers are contiguous, that each prev_hash is the previous
// entry_hash, that each entry_hash is SHA-256(prev_hash || canonical bytes),
// and that the Merkle root at each checkpoint's size — those recorded in the
// database and the `<db>.checkpoint` file — equals the signed root. A
// checkpoint larger than the log means rows were cut off the end. It stops
// at the first problem and names the first bad seq and what is wrong.
//
// Outcomes: Result error only for usage/IO problems (database missing or
// unreadable: kNotFound / kIoError). Anything wrong with the evidence itself,
// including a file SQLite calls malformed, is a report with intact == false.
// Never modifies the database; never crashes on damaged input.
//
// Thread safety: stateless; each call uses its own connection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/audit/checkpoint.h"
#include "mcp_warden/audit/digest.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

struct VerifyOptions {
  std::filesystem::path db_path;
  // Defaults to checkpoint_file_path(db_path).
  std::optional<std::filesystem::path> checkpoint_path;
  // The public key (32 raw bytes) every checkpoint must be signed with. When
  // empty and key_dir holds audit_ed25519.pem, that key is used; otherwise
  // each checkpoint is checked against the key it carries (noted in the
  // report: such a checkpoint proves integrity, not authorship).
  std::string trusted_public_key;
  std::filesystem::path key_dir;
  // Fail when there is no checkpoint file.
  bool require_checkpoint_file = false;
};

struct VerifyReport {
  bool intact = false;
  // Entries 1..valid_entries verified; the whole log when intact.
  int64_t valid_entries = 0;
  // First seq that is wrong or missing; 0 when intact or when the problem is
  // not tied to one entry (e.g. a forged checkpoint file).
  int64_t first_bad_seq = 0;
  std::string problem;  // empty when intact
  Digest root{};        // Merkle root of the valid entries
  int64_t checkpoints_checked = 0;
  std::optional<Checkpoint> file_checkpoint;
  std::vector<std::string> notes;  // not failures: "no checkpoint file", ...
};

Result<VerifyReport> verify_log(const VerifyOptions& options);

}  // namespace mcp_warden::audit
