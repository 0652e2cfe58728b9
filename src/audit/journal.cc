#include "mcp_warden/audit/journal.h"

#include <spdlog/spdlog.h>

#include "mcp_warden/audit/home.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

// How many times close() flushes work that callbacks keep queuing.
constexpr int kCloseFlushRounds = 4;

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

// Replaces the key directory's witness for the database the same way. A
// failure is logged, not returned: the checkpoint itself stands, only the
// protection against deleted checkpoints is weaker (`audit verify` then
// still fails a log with entries and no checkpoint while the key exists).
void publish_witness(const SigningKey& key, const fs::path& db_path, const Checkpoint& checkpoint) {
  fs::path path = witness_file_path(key.dir(), db_path);
  Status dir = ensure_private_dir(path.parent_path());
  Result<Checkpoint> on_disk = read_checkpoint_file(path);
  if (dir.is_ok() && on_disk && on_disk->tree_size >= checkpoint.tree_size) return;
  Status written = dir.is_ok() ? write_checkpoint_file(path, checkpoint) : dir;
  if (!written.is_ok()) spdlog::warn("audit: cannot write the checkpoint witness: {}", written.to_string());
}

// The checkpoint file beside the database and the witness beside the key.
Status publish(AuditStore& store, const SigningKey& key, const Checkpoint& checkpoint) {
  publish_witness(key, store.path(), checkpoint);
  return publish_checkpoint_file(store.path(), checkpoint);
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
    return publish(store, key, out);
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
  return publish(store, key, out);
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


Journal::Journal(Token, std::unique_ptr<AuditStore> store, AuditLogOptions options)
    : store_(std::move(store)), options_(std::move(options)) {
  if (options_.clock == nullptr) options_.clock = &SystemClock::instance();
  if (options_.max_batch == 0) options_.max_batch = 1;
}

Journal::~Journal() { (void)close(); }

Result<std::unique_ptr<Journal>> Journal::open(const AuditLogOptions& options) {
  Result<std::unique_ptr<AuditStore>> store = AuditStore::open(options.db_path, store_options(options));
  if (!store) return store.status();
  return std::make_unique<Journal>(Token{}, std::move(*store), options);
}

void Journal::set_wakeup(std::function<void()> wakeup) { wakeup_ = std::move(wakeup); }

void Journal::set_deferred_wakeup(std::function<void()> deferred) { deferred_wakeup_ = std::move(deferred); }

void Journal::append(NewEntry entry, CommitCallback on_commit, Urgency urgency) {
  if (closed_) {
    if (on_commit) on_commit(Status::failed_precondition("the audit log is closed"));
    return;
  }
  if (entry.time_us == 0) entry.time_us = now_us();
  enqueue(PendingEntry{std::move(entry), std::move(on_commit)}, urgency);
}

void Journal::run_step(JournalStep step, Urgency urgency) {
  if (closed_) {
    if (step.done) step.done(Status::failed_precondition("the audit log is closed"));
    return;
  }
  enqueue(std::move(step), urgency);
}

void Journal::enqueue(Item item, Urgency urgency) {
  bool was_idle = queue_.empty();
  queue_.push_back(std::move(item));
  if (urgency == Urgency::kDeferred && deferred_wakeup_) {
    if (was_idle) deferred_wakeup_();
    return;
  }
  if (woken_ || !wakeup_) return;
  woken_ = true;
  wakeup_();
}

void Journal::flush() {
  woken_ = false;
  std::deque<Item> work = std::move(queue_);
  queue_.clear();
  while (!work.empty()) {
    std::deque<Item> batch;
    while (!work.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(work.front()));
      work.pop_front();
    }
    commit(batch);
  }
}

// One transaction for `batch`; then every callback, in order.
void Journal::commit(std::deque<Item>& batch) {
  std::vector<Result<int64_t>> seqs;  // per item; steps hold 0 or their failure
  seqs.reserve(batch.size());
  int64_t entries = 0;
  int64_t first_seq = 0;
  std::vector<Digest> hashes;
  Status done = store_->append_transaction([&](AuditStore::Appender& appender) {
    Result<int64_t> version = store_->data_version();
    data_version_ = version ? *version : -1;
    seqs.clear();
    for (Item& item : batch) {
      if (auto* pending = std::get_if<PendingEntry>(&item)) {
        Result<int64_t> seq = appender.append(pending->entry);
        if (!seq) return seq.status();
        seqs.push_back(*seq);
        ++entries;
      } else {
        Status step = appender.isolated(std::get<JournalStep>(item).run);
        seqs.push_back(step.is_ok() ? Result<int64_t>(int64_t{0}) : Result<int64_t>(step));
      }
    }
    first_seq = appender.first_appended_seq();
    hashes.assign(appender.appended().begin(), appender.appended().end());
    return Status::ok();
  });
  if (done.is_ok()) extend_frontier_with(first_seq, hashes);
  if (!done.is_ok()) {
    spdlog::error("audit: {} queued items not recorded: {}", batch.size(), done.to_string());
    seqs.assign(batch.size(), done);
    entries = 0;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (auto* pending = std::get_if<PendingEntry>(&batch[i])) {
      if (pending->on_commit) pending->on_commit(std::move(seqs[i]));
    } else if (auto& step = std::get<JournalStep>(batch[i]); step.done) {
      step.done(seqs[i].status());
    }
  }
  if (entries > 0) maybe_checkpoint(entries);
}

// Entries this process just committed extend the cached frontier when they
// follow it directly, so a checkpoint need not read them back. After a gap
// (another process appended, or the cache starts behind the log) the
// frontier is left alone: the next checkpoint reads what it lacks.
void Journal::extend_frontier_with(int64_t first_seq, const std::vector<Digest>& hashes) {
  if (hashes.empty() || frontier_.size() + 1 != static_cast<uint64_t>(first_seq)) return;
  for (const Digest& hash : hashes) frontier_.append_leaf_hash(merkle_leaf_hash(hash));
}

void Journal::maybe_checkpoint(int64_t committed) {
  since_checkpoint_ += committed;
  if (options_.checkpoint_every <= 0 || since_checkpoint_ < options_.checkpoint_every) return;
  Result<Checkpoint> made = write_checkpoint_now();
  if (!made) spdlog::error("audit: checkpoint failed: {}", made.status().to_string());
}

Result<Checkpoint> Journal::write_checkpoint_now() {
  Status key = ensure_key();
  if (!key.is_ok()) return key;
  Result<Checkpoint> made = write_checkpoint(*store_, *key_, frontier_, now_us());
  if (made) since_checkpoint_ = 0;
  return made;
}

Status Journal::ensure_key() {
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

Result<Checkpoint> Journal::checkpoint() {
  if (closed_) return Status::failed_precondition("the audit log is closed");
  flush();
  return write_checkpoint_now();
}

Status Journal::close() {
  if (closed_) return Status::ok();
  // Callbacks may queue follow-up work (a trust event after a denial); give
  // it a few rounds, then refuse more.
  for (int round = 0; round < kCloseFlushRounds && !queue_.empty(); ++round) flush();
  closed_ = true;
  if (!queue_.empty()) {
    spdlog::warn("audit: {} items queued while closing were not recorded", queue_.size());
    queue_.clear();
  }
  if (since_checkpoint_ == 0) return Status::ok();
  Result<Checkpoint> last = write_checkpoint_now();
  return last ? Status::ok() : last.status();
}

}  // namespace mcp_warden::audit
