// Signed checkpoints: (tree size, Merkle root, time) signed with Ed25519.
//
// A checkpoint commits to the first tree_size entries of the log. It is
// recorded in the database and written to `<db>.checkpoint` beside it, so
// cutting rows off the end of the database (or replacing it with an older
// copy) no longer matches the newest signed checkpoint.
//
// SigningKey is created on first use as `<key_dir>/audit_ed25519.pem`
// (PKCS#8 PEM, mode 0600, published atomically with link(2) so two processes
// racing to create it end up with one key). The signed message is the text
// checkpoint_signed_text() returns (docs/audit.md, "Checkpoints").
//
// Each checkpoint is also written to the key directory's witness for the
// database (witness_file_path), beside the key and out of reach of whoever
// can only write the database's directory.
//
// The checkpoint file is a small text file replaced atomically (write to a
// temporary file, fsync, rename, fsync the directory): after a crash it holds
// the old or the new checkpoint, never a mix.
//
// Thread safety: SigningKey is immutable after load and safe to share; the
// free functions are stateless. File writers must be serialised by the caller
// (AuditLog does so inside an SQLite write transaction).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

struct Checkpoint {
  int64_t tree_size = 0;
  Digest root{};
  int64_t time_us = 0;
  std::string public_key;  // 32 raw Ed25519 bytes
  std::string signature;   // 64 raw bytes over checkpoint_signed_text()
  // The Merkle frontier (MerkleFrontier::peaks()) at tree_size, as recorded
  // in the database row so a writer resumes without re-reading old entries.
  // Not signed and not in the file: it is derived data that `audit verify`
  // recomputes. Empty in the file, in proofs, and in rows from older writers.
  std::vector<Digest> frontier;
};

// The exact bytes that are signed:
// "mcp-warden audit checkpoint v1\ntree_size <n>\nroot <hex>\ntime_us <t>\n".
std::string checkpoint_signed_text(const Checkpoint& checkpoint);

class SigningKey {
 public:
  // Loads `<key_dir>/audit_ed25519.pem`, creating key_dir (0700) and the key
  // (0600) if missing. kIoError when it cannot be read or written;
  // kCorruption when the file is not an Ed25519 private key.
  static Result<std::shared_ptr<const SigningKey>> load_or_create(
      const std::filesystem::path& key_dir);
  // Loads an existing key only; kNotFound when absent.
  static Result<std::shared_ptr<const SigningKey>> load(const std::filesystem::path& key_dir);

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // 32 raw public-key bytes.
  const std::string& public_key() const { return public_key_; }
  // The key directory it was loaded from.
  const std::filesystem::path& dir() const;
  // Fills public_key and signature of `checkpoint`.
  Status sign(Checkpoint& checkpoint) const;

 private:
  struct Impl;
  struct Token {};  // a passkey: only SigningKey's own functions can construct one

 public:
  SigningKey(Token, std::unique_ptr<Impl> impl, std::string public_key);

 private:
  std::unique_ptr<Impl> impl_;
  std::string public_key_;
};

// The key file's name inside a key directory.
std::filesystem::path signing_key_path(const std::filesystem::path& key_dir);

// Checks the signature with checkpoint.public_key. kCorruption when invalid.
Status verify_checkpoint_signature(const Checkpoint& checkpoint);

// `<db>.checkpoint`.
std::filesystem::path checkpoint_file_path(const std::filesystem::path& db_path);

// The witness of a database's newest checkpoint, kept in the key directory:
// `<key_dir>/witness/<sha256 hex of the database's absolute path>.checkpoint`,
// in the checkpoint file's format. Whoever can write the database and its
// directory but not the key directory cannot delete it or move it back, so
// `audit verify` with that key directory notices a log that was checkpointed
// there once and lost rows or checkpoints since.
std::filesystem::path witness_file_path(const std::filesystem::path& key_dir,
                                        const std::filesystem::path& db_path);

// The file's text form (docs/audit.md) and its strict parser (kCorruption).
std::string format_checkpoint(const Checkpoint& checkpoint);
Result<Checkpoint> parse_checkpoint(std::string_view text);

// Atomic replace of `path` with format_checkpoint(checkpoint).
Status write_checkpoint_file(const std::filesystem::path& path, const Checkpoint& checkpoint);
// kNotFound when the file does not exist; kCorruption when unparseable.
Result<Checkpoint> read_checkpoint_file(const std::filesystem::path& path);

}  // namespace mcp_warden::audit
