// AuditLog and AuditStore on real SQLite files: group commit order, chain
// continuity across reopen, checkpoints, failures that must never silently
// succeed (read-only, full, locked), and four processes sharing one file.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/verifier.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest() {
    std::string pattern = (fs::temp_directory_path() / "audit_log_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    ::chmod(dir_.c_str(), 0777);
  }
  ~AuditLogTest() override { fs::remove_all(dir_); }

  fs::path db() const { return dir_ / "warden.db"; }

  AuditLogOptions options() const {
    AuditLogOptions o;
    o.db_path = db();
    o.key_dir = dir_ / "keys";
    o.clock = &clock_;
    o.checkpoint_every = 0;
    return o;
  }

  std::unique_ptr<AuditLog> open_log(const AuditLogOptions& o) {
    auto log = AuditLog::open(o);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    return log ? std::move(*log) : nullptr;
  }

  static NewEntry call(int n) {
    NewEntry e;
    e.kind = EntryKind::kToolCall;
    e.session_id = "session";
    e.server = "srv";
    e.tool = "tool_" + std::to_string(n % 3);
    e.request_id = std::to_string(n);
    e.decision = n % 2 ? "deny" : "allow";
    e.payload = R"({"n":)" + std::to_string(n) + "}";
    return e;
  }

  VerifyReport verify() const {
    VerifyOptions v;
    v.db_path = db();
    v.key_dir = dir_ / "keys";
    auto report = verify_log(v);
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    return report ? *report : VerifyReport{};
  }

  int64_t stored_entries() const {
    StoreOptions ro;
    ro.read_only = true;
    auto store = AuditStore::open(db(), ro);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store ? (*store)->last_seq().value() : -1;
  }

  std::shared_ptr<const SigningKey> key() const {
    auto key = SigningKey::load_or_create(dir_ / "keys");
    EXPECT_TRUE(key.is_ok()) << key.status().to_string();
    return key ? *key : nullptr;
  }

  // Appends entries first..first+count-1 in one transaction.
  static void append_calls(AuditStore& store, int first, int count) {
    std::vector<NewEntry> batch;
    for (int i = first; i < first + count; ++i) {
      batch.push_back(call(i));
      batch.back().time_us = 1000 + i;
    }
    ASSERT_TRUE(store.append_batch(batch).is_ok());
  }

  // The tree over every stored entry, rebuilt from seq 1 (what verify does).
  MerkleFrontier recomputed_tree() const {
    StoreOptions ro;
    ro.read_only = true;
    auto store = AuditStore::open(db(), ro);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    MerkleFrontier tree;
    if (!store) return tree;
    EXPECT_TRUE((*store)->scan(1, [&](const Entry& e) {
      tree.append_leaf_hash(merkle_leaf_hash(compute_entry_hash(e)));
      return true;
    }).is_ok());
    return tree;
  }

  std::optional<Checkpoint> latest_checkpoint() const {
    auto store = AuditStore::open(db());
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    if (!store) return std::nullopt;
    auto latest = (*store)->latest_checkpoint();
    EXPECT_TRUE(latest.is_ok()) << latest.status().to_string();
    return latest ? *latest : std::nullopt;
  }

  void sql(const std::string& statement) const {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, statement.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(raw);
  }

  fs::path dir_;
  FakeClock clock_;
};

TEST_F(AuditLogTest, CallbacksRunAfterCommitInAppendOrder) {
  auto log = open_log(options());
  std::mutex mu;
  std::vector<int64_t> seqs;
  for (int i = 0; i < 500; ++i) {
    log->append(call(i), [&](Result<int64_t> seq) {
      ASSERT_TRUE(seq.is_ok()) << seq.status().to_string();
      std::lock_guard<std::mutex> lock(mu);
      seqs.push_back(*seq);
    });
  }
  log->flush();
  ASSERT_EQ(seqs.size(), 500u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<int64_t>(i) + 1);
  EXPECT_EQ(stored_entries(), 500);
  ASSERT_TRUE(log->close().is_ok());
}

TEST_F(AuditLogTest, CommittedEntryIsReadableWhenTheCallbackRuns) {
  auto log = open_log(options());
  std::atomic<bool> seen{false};
  log->append(call(1), [&](Result<int64_t> seq) {
    ASSERT_TRUE(seq.is_ok());
    StoreOptions ro;
    ro.read_only = true;
    auto other = AuditStore::open(db(), ro);
    ASSERT_TRUE(other.is_ok());
    auto entry = (*other)->read_entry(*seq);
    ASSERT_TRUE(entry.is_ok()) << entry.status().to_string();
    EXPECT_EQ(entry->request_id, "1");
    seen = true;
  });
  log->flush();
  EXPECT_TRUE(seen);
}

TEST_F(AuditLogTest, EntriesAreStampedFromTheClockAndStoredExactly) {
  auto log = open_log(options());
  NewEntry e = call(3);
  e.payload = "{\"text\":\"caf\xc3\xa9 \\u0000 \\n\"}";
  clock_.set_unix_micros(1'234'567);
  auto seq = log->append_sync(e);
  ASSERT_TRUE(seq.is_ok());
  ASSERT_TRUE(log->close().is_ok());
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok());
  auto stored = (*store)->read_entry(*seq);
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->time_us, 1'234'567);
  EXPECT_EQ(stored->payload, e.payload);
  EXPECT_EQ(stored->kind, "tool_call");
  EXPECT_EQ(stored->entry_hash, compute_entry_hash(*stored));
}

TEST_F(AuditLogTest, ChainContinuesAcrossReopen) {
  for (int round = 0; round < 3; ++round) {
    auto log = open_log(options());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append_sync(call(i)).is_ok());
    ASSERT_TRUE(log->close().is_ok());
  }
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok());
  auto eleventh = (*store)->read_entry(11);
  auto tenth = (*store)->read_entry(10);
  ASSERT_TRUE(eleventh.is_ok() && tenth.is_ok());
  EXPECT_EQ(eleventh->prev_hash, tenth->entry_hash);
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.valid_entries, 30);
  EXPECT_EQ(report.checkpoints_checked, 5) << "three close() checkpoints, the file and the witness";
}

TEST_F(AuditLogTest, CloseWritesASignedCheckpointOfTheWholeLog) {
  auto log = open_log(options());
  for (int i = 0; i < 25; ++i) log->append(call(i), nullptr);
  ASSERT_TRUE(log->close().is_ok());
  auto file = read_checkpoint_file(checkpoint_file_path(db()));
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  EXPECT_EQ(file->tree_size, 25);
  EXPECT_TRUE(verify_checkpoint_signature(*file).is_ok());
  auto key = SigningKey::load(dir_ / "keys");
  ASSERT_TRUE(key.is_ok());
  EXPECT_EQ(file->public_key, (*key)->public_key());
}

TEST_F(AuditLogTest, PeriodicCheckpointsFollowCheckpointEvery) {
  AuditLogOptions o = options();
  o.checkpoint_every = 10;
  auto log = open_log(o);
  for (int i = 0; i < 35; ++i) ASSERT_TRUE(log->append_sync(call(i)).is_ok());
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok());
  auto recorded = (*store)->checkpoints();
  ASSERT_TRUE(recorded.is_ok());
  ASSERT_EQ(recorded->size(), 3u);
  EXPECT_EQ((*recorded)[0].tree_size, 10);
  EXPECT_EQ((*recorded)[2].tree_size, 30);
  auto explicit_cp = log->checkpoint();
  ASSERT_TRUE(explicit_cp.is_ok());
  EXPECT_EQ(explicit_cp->tree_size, 35);
  auto again = log->checkpoint();
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->signature, explicit_cp->signature) << "no new checkpoint without new entries";
}

TEST_F(AuditLogTest, AppendAfterCloseFailsImmediately) {
  auto log = open_log(options());
  ASSERT_TRUE(log->close().is_ok());
  auto seq = log->append_sync(call(1));
  EXPECT_EQ(seq.status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(AuditLogTest, FullDatabaseFailsTheAppendAndStaysVerifiable) {
  { auto log = open_log(options()); ASSERT_TRUE(log->append_sync(call(0)).is_ok()); ASSERT_TRUE(log->close().is_ok()); }
  int64_t pages = 0;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA page_count", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    pages = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  AuditLogOptions o = options();
  o.max_page_count = pages;
  auto log = open_log(o);
  NewEntry big = call(1);
  big.payload = "\"" + std::string(64 * 1024, 'x') + "\"";
  auto seq = log->append_sync(big);
  ASSERT_FALSE(seq.is_ok()) << "a full database must never report success";
  EXPECT_EQ(seq.status().code(), ErrorCode::kIoError) << seq.status().to_string();
  EXPECT_EQ(stored_entries(), 1);
  EXPECT_TRUE(log->append_sync(call(2)).is_ok()) << "small entries still fit";
  ASSERT_TRUE(log->close().is_ok());
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.valid_entries, 2);
}

TEST_F(AuditLogTest, LockedPastTheRetryBudgetFailsWithBusy) {
  { auto log = open_log(options()); ASSERT_TRUE(log->append_sync(call(0)).is_ok()); ASSERT_TRUE(log->close().is_ok()); }
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  AuditLogOptions o = options();
  o.busy_timeout_ms = 20;
  o.max_attempts = 2;
  auto log = open_log(o);
  auto seq = log->append_sync(call(1));
  EXPECT_EQ(seq.status().code(), ErrorCode::kBusy) << seq.status().to_string();
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_TRUE(log->append_sync(call(2)).is_ok()) << "the lock is gone";
  ASSERT_TRUE(log->close().is_ok());
  EXPECT_EQ(stored_entries(), 2);
}

// Runs `body` in a child process as an unprivileged user when we are root
// (root ignores file modes); returns its exit status.
template <typename Body>
int run_unprivileged(Body body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(90);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

TEST_F(AuditLogTest, ReadOnlyDatabaseFailsTheAppend) {
  { auto log = open_log(options()); ASSERT_TRUE(log->append_sync(call(0)).is_ok()); ASSERT_TRUE(log->close().is_ok()); }
  ASSERT_EQ(::chmod(db().c_str(), 0444), 0);
  AuditLogOptions o = options();
  int rc = run_unprivileged([&] {
    auto log = AuditLog::open(o);
    if (!log) return log.status().code() == ErrorCode::kIoError ? 10 : 11;
    auto seq = (*log)->append_sync(call(1));
    if (seq.is_ok()) return 1;
    return seq.status().code() == ErrorCode::kIoError ? 0 : 12;
  });
  EXPECT_TRUE(rc == 0 || rc == 10) << "child exit " << rc << " (1 = append succeeded)";
  EXPECT_EQ(stored_entries(), 1);
}

TEST_F(AuditLogTest, FourProcessesAppendingConcurrentlyLoseAndForkNothing) {
  { auto log = open_log(options()); ASSERT_TRUE(log->append_sync(call(0)).is_ok()); ASSERT_TRUE(log->close().is_ok()); }
  constexpr int kProcesses = 4;
  constexpr int kPerProcess = 300;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      AuditLogOptions o = options();
      o.checkpoint_every = 50;
      o.busy_timeout_ms = 5000;
      o.max_batch = 7;
      auto log = AuditLog::open(o);
      if (!log) ::_exit(2);
      std::atomic<int> failed{0};
      for (int i = 0; i < kPerProcess; ++i) {
        NewEntry e = call(i);
        e.session_id = "proc-" + std::to_string(p);
        (*log)->append(e, [&](Result<int64_t> seq) { failed += seq.is_ok() ? 0 : 1; });
      }
      Status closed = (*log)->close();
      ::_exit(failed == 0 && closed.is_ok() ? 0 : 3);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  EXPECT_EQ(stored_entries(), 1 + kProcesses * kPerProcess);
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok());
  for (int p = 0; p < kProcesses; ++p) {
    EntryFilter mine;
    mine.session_id = "proc-" + std::to_string(p);
    int count = 0;
    int64_t last_request = -1;
    ASSERT_TRUE((*store)->query(mine, [&](const Entry& e) {
      EXPECT_EQ(std::stoll(e.request_id), last_request + 1) << "per-process order kept";
      last_request = std::stoll(e.request_id);
      return ++count > 0;
    }).is_ok());
    EXPECT_EQ(count, kPerProcess);
  }
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.first_bad_seq << ": " << report.problem;
  EXPECT_EQ(report.valid_entries, 1 + kProcesses * kPerProcess);
  ASSERT_TRUE(report.file_checkpoint.has_value());
  EXPECT_EQ(report.file_checkpoint->tree_size, 1 + kProcesses * kPerProcess);
}

TEST_F(AuditLogTest, EntriesQueuedWhileTheWriterIsBusyCommitInOneTransaction) {
  auto log = open_log(options());
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int64_t> wal_before{-1};
  log->append(call(0), [&](Result<int64_t>) {
    wal_before = static_cast<int64_t>(fs::file_size(db().string() + "-wal"));
    entered.set_value();
    released.wait();  // holds the writer thread while the test queues more
  });
  entered.get_future().wait();
  std::atomic<int> committed{0};
  for (int i = 1; i <= 100; ++i) log->append(call(i), [&](Result<int64_t> seq) { committed += seq.is_ok(); });
  release.set_value();
  log->flush();
  EXPECT_EQ(committed, 100);
  int64_t frames = (static_cast<int64_t>(fs::file_size(db().string() + "-wal")) - wal_before) / (24 + 4096);
  EXPECT_LT(frames, 30) << "100 queued entries in one transaction write a few pages, not one frame each";
  ASSERT_TRUE(log->close().is_ok());
}

TEST_F(AuditLogTest, CallbacksRunBeforeTheCheckpointTheirEntriesTrigger) {
  AuditLogOptions o = options();
  o.checkpoint_every = 1;
  auto log = open_log(o);
  std::atomic<int64_t> covered_at_callback{-1};
  log->append(call(0), [&](Result<int64_t>) {
    StoreOptions ro;
    ro.read_only = true;
    auto store = AuditStore::open(db(), ro);
    auto latest = store ? (*store)->latest_checkpoint() : Result<std::optional<Checkpoint>>(store.status());
    covered_at_callback = latest && *latest ? (*latest)->tree_size : (latest ? 0 : -2);
  });
  log->flush();
  EXPECT_EQ(covered_at_callback, 0) << "the caller hears of its commit before any checkpoint work";
  std::optional<Checkpoint> after = latest_checkpoint();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->tree_size, 1) << "and the checkpoint follows";
  ASSERT_TRUE(log->close().is_ok());
}

TEST_F(AuditLogTest, WalPastTheThresholdIsCheckpointedInTheBackgroundAndStaysIntact) {
  StoreOptions o;
  o.background_wal_checkpoint = true;
  {
    auto store = AuditStore::open(db(), o);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    for (int i = 0; i < 1500; ++i) append_calls(**store, i, 1);  // one WAL frame or more each
    EXPECT_GT((*store)->wal_checkpoint_requests(), 0) << "1000 WAL frames ask for a checkpoint";
    EXPECT_EQ((*store)->last_seq().value(), 1500);
  }
  EXPECT_EQ(stored_entries(), 1500);
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.first_bad_seq << ": " << report.problem;
  EXPECT_EQ(report.valid_entries, 1500);
}

// ---- checkpoints resume from the stored Merkle frontier ----------------------

TEST_F(AuditLogTest, CheckpointAfterReopenReadsOnlyTheNewEntries) {
  auto signer = key();
  ASSERT_NE(signer, nullptr);
  {
    auto store = AuditStore::open(db());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    append_calls(**store, 0, 37);
    MerkleFrontier fresh;
    ASSERT_TRUE(write_checkpoint(**store, *signer, fresh, 1).is_ok());
    EXPECT_EQ((*store)->entry_hashes_read(), 37) << "no frontier recorded yet: the first checkpoint reads all";
  }
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  append_calls(**store, 37, 5);
  MerkleFrontier fresh;
  auto made = write_checkpoint(**store, *signer, fresh, 2);
  ASSERT_TRUE(made.is_ok()) << made.status().to_string();
  EXPECT_EQ((*store)->entry_hashes_read(), 5) << "only the entries after the recorded checkpoint";
  MerkleFrontier full = recomputed_tree();
  EXPECT_EQ(made->tree_size, 42);
  EXPECT_EQ(made->root, full.root());
  EXPECT_TRUE(std::ranges::equal(made->frontier, full.peaks())) << "the new row records the frontier at 42";
  auto again = write_checkpoint(**store, *signer, fresh, 3);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->signature, made->signature) << "nothing new: the recorded checkpoint is returned";
  EXPECT_EQ((*store)->entry_hashes_read(), 5);
}

TEST_F(AuditLogTest, CheckpointsAcrossReopenEqualAFullRecomputationForRandomSizes) {
  std::mt19937 random(20240501);
  std::uniform_int_distribution<int> size(0, 70);
  std::uniform_int_distribution<int> every(0, 9);
  int64_t total = 0;
  for (int round = 0; round < 12; ++round) {
    AuditLogOptions o = options();
    o.checkpoint_every = every(random);  // 0 = only at close; otherwise also mid-session
    auto log = open_log(o);
    ASSERT_NE(log, nullptr);
    int n = size(random);
    for (int i = 0; i < n; ++i) log->append(call(static_cast<int>(total) + i), nullptr);
    total += n;
    ASSERT_TRUE(log->close().is_ok());
    if (total == 0) continue;
    std::optional<Checkpoint> latest = latest_checkpoint();
    ASSERT_TRUE(latest.has_value()) << "round " << round;
    MerkleFrontier full = recomputed_tree();
    EXPECT_EQ(latest->tree_size, total) << "round " << round;
    EXPECT_EQ(latest->root, full.root()) << "round " << round << ", " << n << " new entries";
    EXPECT_TRUE(std::ranges::equal(latest->frontier, full.peaks())) << "round " << round;
  }
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.first_bad_seq << ": " << report.problem;
  EXPECT_EQ(report.valid_entries, total);
}

TEST_F(AuditLogTest, TamperedFrontierIsNotBuiltOnAndVerifyReportsIt) {
  { auto log = open_log(options()); for (int i = 0; i < 21; ++i) log->append(call(i), nullptr); ASSERT_TRUE(log->close().is_ok()); }
  sql("UPDATE audit_checkpoints SET frontier = randomblob(length(frontier))");
  VerifyReport tampered = verify();
  EXPECT_FALSE(tampered.intact);
  EXPECT_NE(tampered.problem.find("frontier"), std::string::npos) << tampered.problem;
  auto log = open_log(options());
  for (int i = 21; i < 30; ++i) log->append(call(i), nullptr);
  ASSERT_TRUE(log->close().is_ok());
  std::optional<Checkpoint> latest = latest_checkpoint();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->tree_size, 30);
  EXPECT_EQ(latest->root, recomputed_tree().root()) << "the writer recomputed instead of trusting the bad frontier";
}

TEST_F(AuditLogTest, DatabaseFromBeforeFrontiersIsUpgradedByTheNextWriter) {
  { auto log = open_log(options()); for (int i = 0; i < 9; ++i) log->append(call(i), nullptr); ASSERT_TRUE(log->close().is_ok()); }
  sql("DROP INDEX audit_checkpoints_by_size; ALTER TABLE audit_checkpoints DROP COLUMN frontier");
  VerifyReport old_format = verify();
  EXPECT_TRUE(old_format.intact) << "a read-only verifier needs no upgrade: " << old_format.problem;
  auto log = open_log(options());
  for (int i = 9; i < 14; ++i) log->append(call(i), nullptr);
  ASSERT_TRUE(log->close().is_ok());
  std::optional<Checkpoint> latest = latest_checkpoint();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->tree_size, 14);
  EXPECT_TRUE(std::ranges::equal(latest->frontier, recomputed_tree().peaks()));
  VerifyReport upgraded = verify();
  EXPECT_TRUE(upgraded.intact) << upgraded.problem;
  ASSERT_EQ(upgraded.notes.size(), 1u);
  EXPECT_NE(upgraded.notes[0].find("1 database checkpoints predate"), std::string::npos) << upgraded.notes[0];
}

}  // namespace
}  // namespace mcp_warden::audit
