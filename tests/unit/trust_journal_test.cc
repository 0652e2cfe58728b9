// The audit Journal with a TrustStore attached to its connection, on real
// SQLite files: trust changes commit in the same transaction as the audit
// entries describing them, a failing step rolls back only itself, a failed
// transaction fails everything, and older databases gain the event counter.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "mcp_warden/audit/journal.h"
#include "mcp_warden/audit/merkle.h"
#include "mcp_warden/audit/store.h"
#include "mcp_warden/audit/verifier.h"
#include "mcp_warden/trust/trust_event.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;

class TrustJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mw-trust-journal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.db_path = dir_ / "audit.db";
    options_.key_dir = dir_;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<audit::Journal> open_journal() {
    auto journal = audit::Journal::open(options_);
    EXPECT_TRUE(journal.is_ok()) << journal.status().to_string();
    return journal ? std::move(journal).value() : nullptr;
  }

  audit::NewEntry entry(const std::string& tool) {
    audit::NewEntry e;
    e.kind = audit::EntryKind::kToolCall;
    e.session_id = "s";
    e.server = "srv";
    e.tool = tool;
    e.decision = "allow";
    return e;
  }

  // A step that records `kind` for srv and appends its trust_event entry.
  audit::JournalStep trust_step(TrustStore& store, EventKind kind, Status* done) {
    return audit::JournalStep{[&store, kind](audit::AuditStore::Appender& appender) -> Status {
                                auto event = store.record("srv", kind, "t", "test");
                                if (!event) return event.status();
                                auto seq = appender.append(trust_event_entry(*event, "s"));
                                return seq ? Status::ok() : seq.status();
                              },
                              [done](Status s) { *done = s; }};
  }

  // Entries of an intact, verified log; -1 (and a failure) otherwise.
  int64_t verified_entries() {
    audit::VerifyOptions verify;
    verify.db_path = options_.db_path;
    verify.key_dir = dir_;
    auto report = audit::verify_log(verify);
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    if (!report.is_ok()) return -1;
    EXPECT_TRUE(report->intact) << report->problem;
    return report->intact ? report->valid_entries : -1;
  }

  // The Merkle root over every stored entry, recomputed from the rows.
  audit::Digest recomputed_root() {
    audit::StoreOptions read_only;
    read_only.read_only = true;
    auto store = audit::AuditStore::open(options_.db_path, read_only);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    audit::MerkleFrontier tree;
    if (!store) return tree.root();
    EXPECT_TRUE((*store)->scan(1, [&](const audit::Entry& e) {
      tree.append_leaf_hash(audit::merkle_leaf_hash(audit::compute_entry_hash(e)));
      return true;
    }).is_ok());
    return tree.root();
  }

  // Writes a checkpoint through `journal`; it must cover `size` entries
  // with the root recomputed from the rows.
  void expect_checkpoint_matches_rows(audit::Journal& journal, int64_t size) {
    auto made = journal.checkpoint();
    ASSERT_TRUE(made.is_ok()) << made.status().to_string();
    EXPECT_EQ(made->tree_size, size);
    EXPECT_EQ(made->root, recomputed_root());
  }

  fs::path dir_;
  audit::AuditLogOptions options_;
};

TEST_F(TrustJournalTest, TrustChangeAndItsEntryCommitTogetherWithTheBatch) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  auto store = TrustStore::attach(journal->connection(), options_.db_path);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  ASSERT_TRUE((*store)->ensure_server("srv", TrustLevel::kStandard).is_ok());

  std::vector<int64_t> seqs;
  Status step_done = Status::internal("not run");
  journal->append(entry("a"), [&](Result<int64_t> seq) { seqs.push_back(seq ? *seq : -1); });
  journal->run_step(trust_step(**store, EventKind::kCallTimedOut, &step_done));
  journal->append(entry("b"), [&](Result<int64_t> seq) { seqs.push_back(seq ? *seq : -1); });
  journal->flush();

  EXPECT_TRUE(step_done.is_ok()) << step_done.to_string();
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 3}));  // the trust event's entry is seq 2
  // Another process (its own connection) sees the lowered score.
  auto other = TrustStore::open(options_.db_path);
  ASSERT_TRUE(other.is_ok());
  auto state = (*other)->get("srv");
  ASSERT_TRUE(state.is_ok());
  EXPECT_LT(state->score(), 700);
  EXPECT_EQ(state->events, 1);
  ASSERT_TRUE(journal->close().is_ok());
  EXPECT_EQ(verified_entries(), 3);
}

TEST_F(TrustJournalTest, AFailingStepRollsBackOnlyItselfAndItsEntries) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  auto store = TrustStore::attach(journal->connection(), options_.db_path);
  ASSERT_TRUE(store.is_ok());
  ASSERT_TRUE((*store)->ensure_server("srv", TrustLevel::kStandard).is_ok());

  Status failed_done = Status::ok();
  journal->append(entry("a"), nullptr);
  journal->run_step(audit::JournalStep{[&](audit::AuditStore::Appender& appender) -> Status {
                                         auto event = (*store)->record("srv", EventKind::kCallTimedOut, "t", "x");
                                         if (!event) return event.status();
                                         (void)appender.append(trust_event_entry(*event, "s"));
                                         return Status::io_error("the step gives up after writing");
                                       },
                                       [&](Status s) { failed_done = s; }});
  int64_t last_seq = 0;
  journal->append(entry("b"), [&](Result<int64_t> seq) { last_seq = seq ? *seq : -1; });
  journal->flush();

  EXPECT_EQ(failed_done.code(), ErrorCode::kIoError);
  EXPECT_EQ(last_seq, 2);  // the step's entry was rolled back: no gap
  auto state = (*store)->get("srv");
  ASSERT_TRUE(state.is_ok());
  EXPECT_EQ(state->score(), 700);  // the score change was rolled back too
  EXPECT_EQ(state->events, 0);
}

TEST_F(TrustJournalTest, AFailedTransactionFailsEveryItemOfIt) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  auto store = TrustStore::attach(journal->connection(), options_.db_path);
  ASSERT_TRUE(store.is_ok());
  ASSERT_TRUE((*store)->ensure_server("srv", TrustLevel::kStandard).is_ok());
  // From now on the database cannot grow: a large entry fails the commit.
  ASSERT_EQ(sqlite3_exec(journal->connection(), "PRAGMA max_page_count = 1", nullptr, nullptr, nullptr), SQLITE_OK);
  std::vector<bool> ok;
  Status step_done = Status::ok();
  audit::NewEntry big = entry("big");
  big.payload = "{\"pad\":\"" + std::string(64 * 1024, 'x') + "\"}";
  journal->append(entry("a"), [&](Result<int64_t> seq) { ok.push_back(seq.is_ok()); });
  journal->run_step(trust_step(**store, EventKind::kCallTimedOut, &step_done));
  journal->append(big, [&](Result<int64_t> seq) { ok.push_back(seq.is_ok()); });
  journal->flush();
  EXPECT_EQ(ok, (std::vector<bool>{false, false}));
  EXPECT_FALSE(step_done.is_ok());
  auto state = (*store)->get("srv");
  ASSERT_TRUE(state.is_ok());
  EXPECT_EQ(state->events, 0);
}

TEST_F(TrustJournalTest, WakeupFiresWhenTheQueueStopsBeingIdle) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  int wakeups = 0;
  journal->set_wakeup([&] { ++wakeups; });
  journal->append(entry("a"), nullptr);
  journal->append(entry("b"), nullptr);
  EXPECT_EQ(wakeups, 1);
  // Work queued by a callback waits for the next flush and wakes the owner.
  journal->append(entry("c"), [&](Result<int64_t>) { journal->append(entry("d"), nullptr); });
  journal->flush();
  EXPECT_EQ(wakeups, 2);
  EXPECT_FALSE(journal->idle());
  journal->flush();
  EXPECT_TRUE(journal->idle());
}

TEST_F(TrustJournalTest, DeferredWorkWaitsForTheDeferredWakeupOrRidesWithUrgentWorkInOrder) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  int wakeups = 0;
  int deferred = 0;
  journal->set_wakeup([&] { ++wakeups; });
  journal->set_deferred_wakeup([&] { ++deferred; });
  std::vector<std::string> committed;
  auto note = [&](const std::string& tool) {
    return [&committed, tool](Result<int64_t> seq) { if (seq) committed.push_back(tool); };
  };
  journal->append(entry("result-1"), note("result-1"), audit::Urgency::kDeferred);
  journal->append(entry("result-2"), note("result-2"), audit::Urgency::kDeferred);
  EXPECT_EQ(wakeups, 0) << "nobody waits for deferred work";
  EXPECT_EQ(deferred, 1) << "one deferred wakeup when the queue stops being idle";
  journal->append(entry("call-3"), note("call-3"));
  EXPECT_EQ(wakeups, 1);
  journal->flush();
  EXPECT_EQ(committed, (std::vector<std::string>{"result-1", "result-2", "call-3"}));
  EXPECT_TRUE(journal->idle());

  // Alone, deferred work is committed by the flush its wakeup schedules.
  journal->append(entry("result-4"), note("result-4"), audit::Urgency::kDeferred);
  EXPECT_EQ(deferred, 2);
  EXPECT_EQ(wakeups, 1);
  journal->flush();
  EXPECT_EQ(committed.back(), "result-4");
  ASSERT_TRUE(journal->close().is_ok());
  EXPECT_EQ(verified_entries(), 4);
}

TEST_F(TrustJournalTest, WithoutADeferredWakeupDeferredWorkWakesLikeUrgentWork) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  int wakeups = 0;
  journal->set_wakeup([&] { ++wakeups; });
  journal->append(entry("result"), nullptr, audit::Urgency::kDeferred);
  EXPECT_EQ(wakeups, 1);
  journal->flush();
  EXPECT_TRUE(journal->idle());
}

TEST_F(TrustJournalTest, AfterCloseWorkIsRefusedWithACallback) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->close().is_ok());
  Status refused = Status::ok();
  bool entry_refused = false;
  journal->append(entry("a"), [&](Result<int64_t> seq) { entry_refused = !seq.is_ok(); });
  journal->run_step(audit::JournalStep{[](audit::AuditStore::Appender&) { return Status::ok(); },
                                       [&](Status s) { refused = s; }});
  EXPECT_TRUE(entry_refused);
  EXPECT_EQ(refused.code(), ErrorCode::kFailedPrecondition);
}

TEST_F(TrustJournalTest, OlderDatabasesGainTheEventCounterFromTheirEvents) {
  {
    auto store = TrustStore::open(options_.db_path);
    ASSERT_TRUE(store.is_ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*store)->record("srv", EventKind::kCallTimedOut).is_ok());
  }
  // Make it look like a database written before the counter existed.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE trust_servers DROP COLUMN events", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = TrustStore::open(options_.db_path);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto state = (*store)->get("srv");
  ASSERT_TRUE(state.is_ok());
  EXPECT_EQ(state->events, 3);
  ASSERT_TRUE((*store)->record("srv", EventKind::kCallTimedOut).is_ok());
  EXPECT_EQ((*store)->get("srv")->events, 4);
}

// The journal extends its Merkle frontier with the entries it commits, so a
// checkpoint need not read them back: the signed roots must still equal a
// recomputation from the rows, across a rolled-back step and another
// process's appends in between.
TEST_F(TrustJournalTest, CheckpointsMatchTheRowsAcrossRollbacksAndOtherWriters) {
  auto journal = open_journal();
  ASSERT_TRUE(journal);
  for (int i = 0; i < 3; ++i) journal->append(entry("a"), nullptr);
  journal->flush();
  journal->run_step(audit::JournalStep{[&](audit::AuditStore::Appender& appender) -> Status {
                                         (void)appender.append(entry("rolled-back"));
                                         return Status::io_error("the step gives up after appending");
                                       },
                                       nullptr});
  journal->append(entry("b"), nullptr);
  journal->flush();
  journal->append(entry("b2"), nullptr);
  journal->flush();
  expect_checkpoint_matches_rows(*journal, 5);
  EXPECT_EQ(journal->entry_hashes_read(), 0) << "the journal's own entries are not read back";

  auto other = open_journal();  // another process's connection
  ASSERT_TRUE(other);
  other->append(entry("other"), nullptr);
  other->append(entry("other"), nullptr);
  other->flush();
  journal->append(entry("c"), nullptr);
  journal->flush();
  expect_checkpoint_matches_rows(*journal, 8);
  EXPECT_GE(journal->entry_hashes_read(), 2) << "after another writer's entries the gap is read";

  journal->append(entry("d"), nullptr);
  journal->flush();
  expect_checkpoint_matches_rows(*journal, 9);
  ASSERT_TRUE(other->close().is_ok());
  ASSERT_TRUE(journal->close().is_ok());
  EXPECT_EQ(verified_entries(), 9);
}

}  // namespace
}  // namespace mcp_warden::trust
