#include "mcp_warden/audit/audit_log.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>


namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

struct PendingEntry {
  NewEntry entry;
  CommitCallback on_commit;
};
// Work that must run on the writer thread after everything queued before it.
using Task = std::function<void()>;
using Item = std::variant<PendingEntry, Task>;

}  // namespace

// Owns the journal and the writer thread; the journal is used only on that
// thread (and by close() after the thread has stopped).
class AuditLog::Writer {
 public:
  explicit Writer(std::unique_ptr<Journal> journal) : journal_(std::move(journal)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Writer() { (void)close(); }

  const fs::path& db_path() const { return journal_->db_path(); }
  int64_t now_us() const { return journal_->now_us(); }

  // Any thread. False after close(): the item was not queued (nor moved from).
  bool enqueue(Item&& item) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return false;
      queue_.push_back(std::move(item));
    }
    wake_.notify_one();
    return true;
  }

  // Any thread; runs `task` on the writer thread and waits for it.
  template <typename T>
  std::optional<T> run_on_writer(std::function<T()> task) {
    std::promise<T> done;
    std::future<T> result = done.get_future();
    if (!enqueue(Task([&] { done.set_value(task()); }))) return std::nullopt;
    return result.get();
  }

  // Writer thread only.
  Result<Checkpoint> checkpoint_now() { return journal_->checkpoint(); }

  Status close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ && !thread_.joinable()) return close_status_;
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    close_status_ = journal_->close();
    return close_status_;
  }

 private:
  // Hands everything queued to the journal (group commit) and flushes it;
  // a task runs after what was queued before it has committed.
  void run() {
    std::deque<Item> taken;
    while (take_all(taken)) {
      for (Item& item : taken) {
        if (auto* pending = std::get_if<PendingEntry>(&item)) {
          journal_->append(std::move(pending->entry), std::move(pending->on_commit));
        } else {
          journal_->flush();
          std::get<Task>(item)();
        }
      }
      taken.clear();
      journal_->flush();
    }
  }

  // Waits for work and takes all of it. False when stopping and drained.
  bool take_all(std::deque<Item>& out) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return false;
    out.swap(queue_);
    return true;
  }

  std::unique_ptr<Journal> journal_;
  Status close_status_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

AuditLog::AuditLog(Token, std::unique_ptr<Writer> writer) : writer_(std::move(writer)) {}

AuditLog::~AuditLog() { (void)close(); }

Result<std::unique_ptr<AuditLog>> AuditLog::open(const AuditLogOptions& options) {
  Result<std::unique_ptr<Journal>> journal = Journal::open(options);
  if (!journal) return journal.status();
  return std::make_unique<AuditLog>(Token{}, std::make_unique<Writer>(std::move(*journal)));
}

void AuditLog::append(NewEntry entry, CommitCallback on_commit) {
  if (entry.time_us == 0) entry.time_us = writer_->now_us();
  Item pending = PendingEntry{std::move(entry), std::move(on_commit)};
  if (!writer_->enqueue(std::move(pending))) {
    CommitCallback& refused = std::get<PendingEntry>(pending).on_commit;
    if (refused) refused(Status::failed_precondition("the audit log is closed"));
  }
}

Result<int64_t> AuditLog::append_sync(NewEntry entry) {
  auto done = std::make_shared<std::promise<Result<int64_t>>>();
  std::future<Result<int64_t>> result = done->get_future();
  append(std::move(entry), [done](Result<int64_t> seq) { done->set_value(std::move(seq)); });
  return result.get();
}

void AuditLog::flush() { (void)writer_->run_on_writer<bool>([] { return true; }); }

Result<Checkpoint> AuditLog::checkpoint() {
  auto made = writer_->run_on_writer<Result<Checkpoint>>([this] { return writer_->checkpoint_now(); });
  if (!made) return Status::failed_precondition("the audit log is closed");
  return std::move(*made);
}

Status AuditLog::close() { return writer_->close(); }

const fs::path& AuditLog::db_path() const { return writer_->db_path(); }

}  // namespace mcp_warden::audit
