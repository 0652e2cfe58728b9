// Private to src/audit: copies an audit database's WAL back into the main
// file on a connection and thread of its own, so that the fsyncs of a WAL
// checkpoint never sit on an append's commit path.
//
// The writer's connection turns SQLite's automatic checkpoint off and calls
// request() from its WAL hook once the WAL has grown past a threshold. The
// checkpoints are PASSIVE: they copy what no reader still needs and never
// wait for, or block, the writer. Durability is unchanged — a committed
// transaction is in the WAL either way; checkpointing only moves it.
//
// Thread safety: request() from any thread; the destructor stops and joins
// the thread (finishing a checkpoint in progress). Not for use across fork().
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "mcp_warden/base/status.h"
#include "sqlite_handle.h"

namespace mcp_warden::audit::detail {

class WalCheckpointer {
 public:
  // Opens a second read-write connection to `path` and starts the thread.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::filesystem::path& path);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Asks for a checkpoint soon; never blocks on one. Requests made while one
  // runs are merged into one more run.
  void request();
  // Checkpoints run so far (for tests and benchmarks).
  int64_t runs() const;

  explicit WalCheckpointer(DbPtr db);

 private:
  void run();
  bool wait_for_request();

  DbPtr db_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  int64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace mcp_warden::audit::detail
