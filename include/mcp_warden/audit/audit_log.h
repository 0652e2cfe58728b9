// AuditLog: a Journal (journal.h) driven by its own writer thread — for
// callers that must not wait on disk and have no event loop of their own
// (CLI commands, tests, benchmarks). The proxy drives a Journal directly.
//
// append() queues an entry and returns at once; its callback runs on the
// writer thread after the entry is COMMITTED (Result holds its seq) or after
// the append failed (Result holds the Status; nothing of that batch is
// stored). Entries commit in append() order, callbacks run in that order.
// Consecutive queued entries are written in one transaction (group commit);
// a failure fails every entry of that transaction. The log never decides
// what a failure means: failing closed (deny the call) or open is the
// caller's choice.
//
// Durability: as AuditStore (WAL; synchronous=NORMAL survives SIGKILL,
// SyncMode::kFull survives power loss). Checkpoints are written every
// `checkpoint_every` entries committed by this process and at close(); a
// checkpoint failure is logged to stderr (spdlog) and does not fail appends.
// A checkpoint reads only the entries after the newest recorded one (see
// write_checkpoint), so close() does not slow down as the database grows.
//
// Several processes may share one database (see store.h). Do not use an
// AuditLog in a forked child; open a new one there.
//
// Thread safety: append(), append_sync(), flush() and checkpoint() may be
// called from any thread, concurrently. Callbacks must not call
// append_sync(), flush(), checkpoint() or close() (they run on the writer
// thread and would wait for themselves); append() from a callback is fine.
// close() once, from one thread; the destructor closes if needed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

#include "mcp_warden/audit/journal.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {


class AuditLog {
 public:
  // Opens the store (creating it) and starts the writer thread. The signing
  // key is loaded or created on the first checkpoint, not here. Errors as
  // AuditStore::open.
  static Result<std::unique_ptr<AuditLog>> open(const AuditLogOptions& options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `entry` (stamping time_us from the clock if 0). After close() the
  // callback runs at once, on the calling thread, with kFailedPrecondition.
  void append(NewEntry entry, CommitCallback on_commit);
  // Appends and waits for the commit. For CLI and tests; not on the relay.
  Result<int64_t> append_sync(NewEntry entry);
  // Waits until every entry appended before this call has committed or failed.
  void flush();
  // Writes a signed checkpoint now (after everything queued before it) and
  // returns it; returns the newest existing one when nothing was added since.
  // kFailedPrecondition on an empty log.
  Result<Checkpoint> checkpoint();
  // Drains the queue, writes a final checkpoint if entries were added since
  // the last one, stops the writer thread. Returns the first checkpoint or
  // close error; appends after close() fail.
  Status close();

  const std::filesystem::path& db_path() const;

 private:
  class Writer;
  struct Token {};  // a passkey: only open() constructs a log

 public:
  AuditLog(Token, std::unique_ptr<Writer> writer);

 private:
  std::unique_ptr<Writer> writer_;
};

}  // namespace mcp_warden::audit
