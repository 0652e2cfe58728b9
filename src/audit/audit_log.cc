#include "mcp_warden/audit/audit_log.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>

#include "mcp_warden/audit/home.h"

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

StoreOptions store_options(const AuditLogOptions& options) {
  StoreOptions out;
  out.sync = options.sync;
  out.busy_timeout_ms = options.busy_timeout_ms;
  out.max_attempts = options.max_attempts;
  out.max_page_count = options.max_page_count;
  out.background_wal_checkpoint = true;
  return out;
}

// Starts `cache` from the frontier recorded with `latest` when that is ahead
// of the cache and usable: signed by `key`, folding to the signed root, and
// not beyond the log's `size`. Otherwise the cache stays, and extending it
// reads the missing hashes (the whole log for a fresh cache).
void resume_from(const Checkpoint& latest, const SigningKey& key, int64_t size,
                 MerkleFrontier& cache) {
  if (latest.frontier.empty() || latest.tree_size > size ||
      static_cast<uint64_t>(latest.tree_size) <= cache.size()) {
    return;
  }
  Result<MerkleFrontier> stored =
      MerkleFrontier::from_peaks(static_cast<uint64_t>(latest.tree_size), latest.frontier);
  bool usable = stored && stored->root() == latest.root && latest.public_key == key.public_key() &&
                verify_checkpoint_signature(latest).is_ok();
  if (usable) {
    cache = std::move(*stored);
  } else {
    spdlog::warn("audit: the frontier recorded at tree size {} is unusable; recomputing from seq 1",
                 latest.tree_size);
  }
}

// Brings `cache` up to `size` leaves from the store.
Status extend_frontier(AuditStore& store, MerkleFrontier& cache, int64_t size) {
  if (cache.size() > static_cast<uint64_t>(size)) cache = MerkleFrontier();
  int64_t from = static_cast<int64_t>(cache.size()) + 1;
  if (from > size) return Status::ok();
  Status read = store.scan_hashes(
      from, size, [&](const Digest& hash) { cache.append_leaf_hash(merkle_leaf_hash(hash)); });
  if (!read.is_ok()) cache = MerkleFrontier();
  return read;
}

// Replaces the checkpoint file unless it already covers at least as much.
Status publish_checkpoint_file(const fs::path& db_path, const Checkpoint& checkpoint) {
  fs::path path = checkpoint_file_path(db_path);
  Result<Checkpoint> on_disk = read_checkpoint_file(path);
  if (on_disk && on_disk->tree_size >= checkpoint.tree_size) return Status::ok();
  if (!on_disk && on_disk.status().code() == ErrorCode::kCorruption) {
    spdlog::warn("audit: replacing unreadable checkpoint file {}", path.string());
  }
  return write_checkpoint_file(path, checkpoint);
}

// The body of write_checkpoint's transaction.
Status checkpoint_in_transaction(AuditStore& store, const SigningKey& key, MerkleFrontier& cache,
                                 int64_t time_us, Checkpoint& out) {
  Result<int64_t> size = store.last_seq();
  if (!size) return size.status();
  if (*size == 0) return Status::failed_precondition("the audit log is empty");
  Result<std::optional<Checkpoint>> latest = store.latest_checkpoint();
  if (!latest) return latest.status();
  if (*latest && (*latest)->tree_size == *size) {
    out = **latest;
    return publish_checkpoint_file(store.path(), out);
  }
  if (*latest) resume_from(**latest, key, *size, cache);
  Status extended = extend_frontier(store, cache, *size);
  if (!extended.is_ok()) return extended;
  out = Checkpoint{*size, cache.root(), time_us, {}, {}, {}};
  out.frontier.assign(cache.peaks().begin(), cache.peaks().end());
  Status signed_ok = key.sign(out);
  if (!signed_ok.is_ok()) return signed_ok;
  Status recorded = store.insert_checkpoint(out);
  if (!recorded.is_ok()) return recorded;
  return publish_checkpoint_file(store.path(), out);
}

}  // namespace

Result<Checkpoint> write_checkpoint(AuditStore& store, const SigningKey& key,
                                    MerkleFrontier& cache, int64_t time_us) {
  Checkpoint out;
  Status done = store.write_transaction(
      [&] { return checkpoint_in_transaction(store, key, cache, time_us, out); });
  if (!done.is_ok()) return done;
  return out;
}

// Owns the store and the writer thread; everything below runs on that thread
// unless it says otherwise.
class AuditLog::Writer {
 public:
  Writer(std::unique_ptr<AuditStore> store, AuditLogOptions options)
      : store_(std::move(store)), options_(std::move(options)) {
    if (options_.clock == nullptr) options_.clock = &SystemClock::instance();
    if (options_.max_batch == 0) options_.max_batch = 1;
    thread_ = std::thread([this] { run(); });
  }
  ~Writer() { (void)close(); }

  const fs::path& db_path() const { return options_.db_path; }
  int64_t now_us() const { return options_.clock->now_unix_micros(); }

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

  Result<Checkpoint> checkpoint_now() {
    Result<Checkpoint> made = write_checkpoint_locked();
    if (made) since_checkpoint_ = 0;
    return made;
  }

  Status close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ && !thread_.joinable()) return close_status_;
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (since_checkpoint_ > 0) {
      Result<Checkpoint> last = checkpoint_now();
      if (!last) close_status_ = last.status();
    }
    return close_status_;
  }

 private:
  void run() {
    std::vector<Item> batch;
    while (take_batch(batch)) {
      if (std::holds_alternative<Task>(batch.front())) {
        std::get<Task>(batch.front())();
      } else {
        commit(batch);
      }
      batch.clear();
    }
  }

  // Waits for work; moves either one task or a run of entries into `batch`.
  // False when stopping and the queue is drained.
  bool take_batch(std::vector<Item>& batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return false;
    bool task = std::holds_alternative<Task>(queue_.front());
    do {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    } while (!task && !queue_.empty() && batch.size() < options_.max_batch &&
             std::holds_alternative<PendingEntry>(queue_.front()));
    return true;
  }

  void commit(std::vector<Item>& batch) {
    std::vector<NewEntry> entries;
    entries.reserve(batch.size());
    for (Item& item : batch) entries.push_back(std::move(std::get<PendingEntry>(item).entry));
    Result<int64_t> stored = store_->append_batch(entries);
    if (!stored) spdlog::error("audit: {} entries not recorded: {}", batch.size(), stored.status().to_string());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      CommitCallback& done = std::get<PendingEntry>(batch[i]).on_commit;
      if (done) done(stored ? Result<int64_t>(*stored + static_cast<int64_t>(i)) : stored);
    }
    if (stored) maybe_checkpoint(static_cast<int64_t>(batch.size()));
  }

  void maybe_checkpoint(int64_t committed) {
    since_checkpoint_ += committed;
    if (options_.checkpoint_every <= 0 || since_checkpoint_ < options_.checkpoint_every) return;
    Result<Checkpoint> made = checkpoint_now();
    if (!made) spdlog::error("audit: checkpoint failed: {}", made.status().to_string());
  }

  Result<Checkpoint> write_checkpoint_locked() {
    Status key = ensure_key();
    if (!key.is_ok()) return key;
    return write_checkpoint(*store_, *key_, frontier_, now_us());
  }

  Status ensure_key() {
    if (key_) return Status::ok();
    fs::path dir = options_.key_dir;
    if (dir.empty()) {
      Result<fs::path> home = warden_home();
      if (!home) return home.status();
      dir = *home;
    }
    Result<std::shared_ptr<const SigningKey>> loaded = SigningKey::load_or_create(dir);
    if (!loaded) return loaded.status();
    key_ = *loaded;
    return Status::ok();
  }

  std::unique_ptr<AuditStore> store_;
  AuditLogOptions options_;
  std::shared_ptr<const SigningKey> key_;
  MerkleFrontier frontier_;
  int64_t since_checkpoint_ = 0;
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
  Result<std::unique_ptr<AuditStore>> store = AuditStore::open(options.db_path, store_options(options));
  if (!store) return store.status();
  auto writer = std::make_unique<Writer>(std::move(*store), options);
  return std::make_unique<AuditLog>(Token{}, std::move(writer));
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
