// AuditStore: the SQLite file behind the audit log (schema, chain appends,
// reads, checkpoints) on one connection.
//
// Durability: the database is in WAL mode. An append is durable once
// append_batch() returns: with SyncMode::kNormal it survives a crash or
// SIGKILL of the process, with kFull also a power loss. A failed append
// (disk full, read-only file, lock not obtained within the retry budget)
// rolls back completely: nothing of the batch is stored and the chain stays
// verifiable.
//
// Several processes may append to one file: every append runs in
// BEGIN IMMEDIATE and reads the previous seq/entry_hash inside that write
// transaction, so the chain never forks. A connection must not be used in a
// forked child; open a new store there (SQLite opens its files O_CLOEXEC).
//
// Thread safety: one thread at a time (AuditLog gives it to its writer).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mcp_warden/audit/checkpoint.h"
#include "mcp_warden/audit/entry.h"
#include "mcp_warden/base/status.h"

struct sqlite3;

namespace mcp_warden::audit {

enum class SyncMode {
  kNormal,  // PRAGMA synchronous=NORMAL: survives process death, not power loss
  kFull,    // PRAGMA synchronous=FULL: also survives power loss
};

struct StoreOptions {
  SyncMode sync = SyncMode::kNormal;
  // Open without write access; the schema must already exist.
  bool read_only = false;
  // How long SQLite waits for another process's lock per attempt.
  int busy_timeout_ms = 2000;
  // BEGIN IMMEDIATE attempts before an append fails with kBusy.
  int max_attempts = 3;
  // When > 0, caps the database at this many pages (PRAGMA max_page_count):
  // appends beyond it fail as if the disk were full.
  int64_t max_page_count = 0;
  // Copy the WAL into the database (a WAL checkpoint, with its fsyncs) on a
  // background connection and thread instead of inside whichever commit
  // crosses SQLite's 1000-page threshold. Same durability; AuditLog sets it
  // so that no append waits for a disk flush.
  bool background_wal_checkpoint = false;
};

// Narrows query()/export; unset fields match everything.
struct EntryFilter {
  std::optional<std::string> tool;
  std::optional<std::string> decision;
  std::optional<std::string> session_id;
  std::optional<std::string> kind;
  std::optional<int64_t> since_us;  // time_us >= since_us
  int64_t from_seq = 1;             // seq >= from_seq
  std::optional<int64_t> limit;     // at most this many, oldest first
};

struct StoreStats {
  int64_t entries = 0;
  int64_t first_time_us = 0;
  int64_t last_time_us = 0;
  int64_t sessions = 0;
  std::map<std::string, int64_t> by_kind;
  std::map<std::string, int64_t> by_decision;  // tool_call entries only
  int64_t checkpoints = 0;
  int64_t file_bytes = 0;
};

class AuditStore {
 public:
  // Opens (creating if allowed) the database and its schema. kIoError when the
  // file cannot be opened or created, kCorruption when it is not an SQLite
  // database or not an mcp-warden audit database, kNotFound when read_only
  // and the file does not exist.
  static Result<std::unique_ptr<AuditStore>> open(const std::filesystem::path& path,
                                                  const StoreOptions& options = {});
  ~AuditStore();
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The connection, for stores of other modules that keep their tables in
  // this database and must commit with its transactions (trust). Same
  // thread as the store; never inside a forked child.
  sqlite3* connection() const;

  // Appends `entries` (time_us already stamped) after the current tail in one
  // write transaction; all or nothing. Returns the seq of the first entry;
  // entry i got first + i.
  Result<int64_t> append_batch(std::span<const NewEntry> entries);

  // An open append transaction (see append_transaction): appends entries
  // after the chain's tail and lets other tables of the same database
  // (trust) change in the same transaction, on connection().
  class Appender {
   public:
    // Seals and inserts `entry` (time_us already stamped); returns its seq,
    // which is final once the transaction commits.
    Result<int64_t> append(const NewEntry& entry);
    // Runs `body` in a SAVEPOINT: when it (or the release) fails, its changes
    // and the entries it appended are rolled back and the transaction stays
    // usable for the rest of the batch. Returns body's Status.
    Status isolated(const std::function<Status(Appender&)>& body);
    // The store's connection, inside the open transaction. Same thread only.
    sqlite3* connection() const;
    // The entry_hash of every entry this transaction has appended (and not
    // rolled back), in seq order; the first has seq first_appended_seq().
    std::span<const Digest> appended() const { return appended_; }
    int64_t first_appended_seq() const { return first_seq_; }

   private:
    friend class AuditStore;
    explicit Appender(AuditStore& store) : store_(store) {}
    Status load_tail();
    AuditStore& store_;
    int64_t seq_ = 0;  // the tail: last appended seq and its hash
    Digest prev_{};
    int64_t first_seq_ = 1;
    std::vector<Digest> appended_;
  };

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT with the retry budget; all of
  // it commits or none of it does (a failing body rolls everything back).
  Status append_transaction(const std::function<Status(Appender&)>& body);

  // The highest stored seq (0 when empty).
  Result<int64_t> last_seq();
  // kNotFound when no row has `seq`.
  Result<Entry> read_entry(int64_t seq);
  // Calls visit for every entry with seq >= from_seq in ascending seq order
  // until it returns false. A row whose hash columns are not 32 bytes stops
  // the scan with kCorruption; *bad_seq (if given) is then set to its seq.
  // SQLite errors (a damaged file) stop it with their Status.
  Status scan(int64_t from_seq, const std::function<bool(const Entry&)>& visit,
              int64_t* bad_seq = nullptr);
  // entry_hash of seq in [from_seq, to_seq], ascending; kCorruption on a gap
  // or a malformed hash.
  Status scan_hashes(int64_t from_seq, int64_t to_seq,
                     const std::function<void(const Digest&)>& visit);
  // SQLite's data_version of the database: changes when another connection
  // commits, never for this connection's own commits. Inside a transaction
  // it costs no I/O.
  Result<int64_t> data_version();
  // How many hashes scan_hashes() has visited on this connection: lets tests
  // check that checkpoints read only entries after the newest recorded one.
  int64_t entry_hashes_read() const;
  // Commits after which the WAL had grown past the threshold and a
  // background checkpoint was requested (background_wal_checkpoint only).
  int64_t wal_checkpoint_requests() const;
  // Matching entries, ascending seq, until visit returns false.
  Status query(const EntryFilter& filter, const std::function<bool(const Entry&)>& visit);

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT with the retry budget;
  // rolls back when body or COMMIT fails. Used for checkpoints.
  Status write_transaction(const std::function<Status()>& body);
  // Inserts a checkpoint row with its frontier (call inside write_transaction).
  // kFailedPrecondition on a read-only store of a database from before
  // frontiers were recorded.
  Status insert_checkpoint(const Checkpoint& checkpoint);
  // Every recorded checkpoint, ascending tree_size; rows from older writers
  // have an empty frontier.
  Result<std::vector<Checkpoint>> checkpoints();
  // The recorded checkpoint with the largest tree_size (the newest of equals),
  // nullopt when there is none. One indexed row, whatever the table's size.
  Result<std::optional<Checkpoint>> latest_checkpoint();

  Result<StoreStats> stats();

 private:
  struct Impl;
  struct Token {};  // a passkey: only open() constructs a store

 public:
  AuditStore(Token, std::filesystem::path path, std::unique_ptr<Impl> impl);

 private:
  Status create_schema_if_missing();

  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_warden::audit
