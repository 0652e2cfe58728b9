// Journal: the audit log's single writer, driven by its owner's thread.
//
// Work is queued (entries, and steps that change other tables of the same
// database in the same transaction) and committed by flush(): everything
// queued, in queue order, in transactions of at most `max_batch` items
// (group commit), then each item's callback runs, in order, on the thread
// that called flush(). A failed transaction fails every item of it; nothing
// of it is stored. Checkpoints are written every `checkpoint_every`
// committed entries and at close(); a checkpoint failure is logged (spdlog)
// and does not fail appends.
//
// Who drives it: the proxy flushes on its relay thread right after the
// handler that queued the work (no thread hand-off on a call's path);
// AuditLog drives one from a writer thread for everybody else.
//
// Durability: as AuditStore (WAL; synchronous=NORMAL survives SIGKILL,
// SyncMode::kFull survives power loss). Several processes may share one
// database (see store.h). Do not use a Journal in a forked child.
//
// Thread safety: none; one thread at a time, including callbacks. Callbacks
// may queue more work (it is committed by the next flush(); the wakeup
// hook fires for it) but must not call flush(), checkpoint() or close().
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <variant>
#include <vector>

#include "mcp_warden/audit/checkpoint.h"
#include "mcp_warden/audit/entry.h"
#include "mcp_warden/audit/merkle.h"
#include "mcp_warden/audit/store.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

struct AuditLogOptions {
  // Required; see default_db_path() in home.h.
  std::filesystem::path db_path;
  // Where audit_ed25519.pem lives; empty means warden_home().
  std::filesystem::path key_dir;
  SyncMode sync = SyncMode::kNormal;
  // Checkpoint after this many entries committed by this log; 0 = only at
  // close() and on checkpoint().
  int64_t checkpoint_every = 10000;
  // Lock waiting and retries per transaction, and an optional size cap.
  int busy_timeout_ms = 2000;
  int max_attempts = 3;
  int64_t max_page_count = 0;
  // Largest number of queued items written in one transaction.
  std::size_t max_batch = 4096;
  // Stamps entries whose time_us is 0. Must outlive the log. Null = system.
  const Clock* clock = nullptr;
};

using CommitCallback = std::function<void(Result<int64_t> seq)>;

// How soon queued work must be committed.
enum class Urgency {
  kNow,       // someone waits for the commit (a call is held until it is recorded)
  kDeferred,  // nobody waits (a call's result, a success's trust event): it
              // may ride along with the next kNow work, or wait for the
              // owner's deferred wakeup
};

// Work that runs inside the journal's transaction, in queue order.
struct JournalStep {
  // Runs in a savepoint of the transaction: may change other tables on
  // appender.connection() and append entries. Its failure rolls back only
  // its own changes and entries; the rest of the batch still commits.
  std::function<Status(AuditStore::Appender& appender)> run;
  // After the transaction: ok when the step's changes committed, else the
  // step's own failure or the transaction's. May be empty.
  std::function<void(Status)> done;
};

class Journal {
 public:
  // Opens the store (creating it; WAL checkpoints on a background
  // connection). The signing key is loaded or created on the first
  // checkpoint, not here. Errors as AuditStore::open.
  static Result<std::unique_ptr<Journal>> open(const AuditLogOptions& options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Queues `entry` (stamping time_us from the clock if 0). After close() the
  // callback runs at once with kFailedPrecondition.
  void append(NewEntry entry, CommitCallback on_commit, Urgency urgency = Urgency::kNow);
  // Queues a step. After close() its `done` runs at once with kFailedPrecondition.
  void run_step(JournalStep step, Urgency urgency = Urgency::kNow);
  // `wakeup` is called when kNow work is queued and no wakeup has been
  // called since the last flush(), so that the owner schedules flush() at
  // once. Runs inside append()/run_step().
  void set_wakeup(std::function<void()> wakeup);
  // `deferred` is called when kDeferred work is queued into an empty
  // queue, so that the owner schedules a flush() soon (it may be committed
  // earlier, with kNow work). Without one, kDeferred work wakes like kNow.
  // Queue order is kept either way: a deferred entry never lands after
  // work queued later.
  void set_deferred_wakeup(std::function<void()> deferred);
  bool idle() const { return queue_.empty(); }
  // The database's data_version (AuditStore::data_version) as read at the
  // start of the latest transaction: it changes once a commit of another
  // process has been seen. 0 before the first transaction, -1 when it could
  // not be read (then nothing can be assumed unchanged).
  int64_t data_version() const { return data_version_; }
  // Entry hashes its checkpoints have read back from the database so far
  // (AuditStore::entry_hashes_read): for tests of the frontier it keeps.
  int64_t entry_hashes_read() const { return store_->entry_hashes_read(); }

  // Commits everything queued before this call, then writes a checkpoint if
  // one is due. Work queued by callbacks waits for the next flush().
  void flush();
  // Writes a signed checkpoint now (after flushing) and returns it; returns
  // the newest existing one when nothing was added since.
  // kFailedPrecondition on an empty log or after close().
  Result<Checkpoint> checkpoint();
  // Flushes, writes a final checkpoint if entries were committed since the
  // last one, and refuses further work. Returns the checkpoint's error.
  Status close();

  const std::filesystem::path& db_path() const { return options_.db_path; }
  // The store's connection, for a store that shares its transactions
  // (trust::TrustStore::attach). Same thread as the journal.
  sqlite3* connection() const { return store_->connection(); }
  int64_t now_us() const { return options_.clock->now_unix_micros(); }

 private:
  struct PendingEntry {
    NewEntry entry;
    CommitCallback on_commit;
  };
  using Item = std::variant<PendingEntry, JournalStep>;
  struct Token {};  // a passkey: only open() constructs a journal

 public:
  Journal(Token, std::unique_ptr<AuditStore> store, AuditLogOptions options);

 private:
  void enqueue(Item item, Urgency urgency);
  void commit(std::deque<Item>& batch);
  void extend_frontier_with(int64_t first_seq, const std::vector<Digest>& hashes);
  void maybe_checkpoint(int64_t committed);
  Result<Checkpoint> write_checkpoint_now();
  Status ensure_key();

  std::unique_ptr<AuditStore> store_;
  AuditLogOptions options_;
  std::shared_ptr<const SigningKey> key_;
  MerkleFrontier frontier_;
  int64_t since_checkpoint_ = 0;
  int64_t data_version_ = 0;  // see data_version(); -1 when it could not be read
  std::deque<Item> queue_;
  std::function<void()> wakeup_;
  std::function<void()> deferred_wakeup_;
  bool woken_ = false;  // wakeup_ called since the last flush()
  bool closed_ = false;
};

// Writes a checkpoint of everything currently in `store`: inside a write
// transaction, brings `cache` up to the log's size, signs (size, root,
// time_us), records it with its Merkle frontier and — when larger than the
// one on disk — replaces `<db>.checkpoint`. If the newest recorded
// checkpoint already has the current size it is returned unchanged.
// kFailedPrecondition on an empty log.
//
// Cost: O(log n) plus the entries after the newer of `cache` and the newest
// recorded checkpoint. A fresh cache resumes from that checkpoint's stored
// frontier when it is signed by `key` and folds to its root; only a database
// without a usable frontier is read from seq 1 (once: the checkpoint written
// then records one).
Result<Checkpoint> write_checkpoint(AuditStore& store, const SigningKey& key,
                                    MerkleFrontier& cache, int64_t time_us);

}  // namespace mcp_warden::audit
