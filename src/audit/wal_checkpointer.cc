#include "wal_checkpointer.h"

#include <spdlog/spdlog.h>

namespace mcp_warden::audit::detail {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::filesystem::path& path) {
  Result<DbPtr> db = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (!db) return db.status();
  return std::make_unique<WalCheckpointer>(std::move(*db));
}

WalCheckpointer::WalCheckpointer(DbPtr db) : db_(std::move(db)) {
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::request() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (requested_) return;
    requested_ = true;
  }
  wake_.notify_one();
}

int64_t WalCheckpointer::runs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return runs_;
}

// False when stopping.
bool WalCheckpointer::wait_for_request() {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [&] { return requested_ || stopping_; });
  requested_ = false;
  return !stopping_;
}

void WalCheckpointer::run() {
  while (wait_for_request()) {
    int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) {
      spdlog::warn("audit: WAL checkpoint failed: {}", sqlite_status(db_.get(), rc, "checkpoint").message());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++runs_;
  }
}

}  // namespace mcp_warden::audit::detail
