// Audit benchmarks: appends through AuditLog's writer thread (group commit,
// one-at-a-time commit latency, the proxy's pipelined load), the cost of a
// session's open/append/close against a large database, and verify_log()
// entries per second. Targets: appends >= 100 000/s, verify >= 200 000/s, an
// idle commit of a few tens of µs, close() independent of the database size.
// Each run uses a fresh database in a temporary directory; nothing here is a
// pass/fail test.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <benchmark/benchmark.h>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/journal.h"
#include "mcp_warden/audit/verifier.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

// A tool_call entry shaped like a real one (~200 bytes of payload).
NewEntry sample_entry(int64_t i) {
  NewEntry e;
  e.kind = EntryKind::kToolCall;
  e.session_id = "0b6f3c1e-bench";
  e.server = "filesystem";
  e.tool = "read_text_file";
  e.request_id = std::to_string(i);
  e.decision = "allow";
  e.payload = R"({"arguments":{"path":"/home/user/project/src/file_)" + std::to_string(i) +
              R"(.cc"},"rule":"read-only-tools","reason":"tool is annotated readOnlyHint","trust":0.92})";
  return e;
}

// The tool_result the proxy appends, fire and forget, when the reply arrives.
NewEntry sample_result(int64_t i) {
  NewEntry e = sample_entry(i);
  e.kind = EntryKind::kToolResult;
  e.decision.clear();
  e.payload = R"({"call_seq":)" + std::to_string(i) +
              R"(,"outcome":"ok","latency_us":412,"result_bytes":5120,"result_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})";
  return e;
}

// A temporary directory with a database in it, removed at the end.
class BenchDir {
 public:
  BenchDir() {
    std::string pattern = (fs::temp_directory_path() / "audit_bench_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~BenchDir() { fs::remove_all(path_); }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;

  // The proxy's settings, except checkpoint_every (0: only at close).
  AuditLogOptions options(int64_t checkpoint_every = 0) const {
    AuditLogOptions o;
    o.db_path = path_ / "warden.db";
    o.key_dir = path_;
    o.checkpoint_every = checkpoint_every;
    return o;
  }

 private:
  fs::path path_;
};

// Opens a log (AuditLog, or the proxy's Journal) or marks the benchmark
// skipped (null).
template <typename Log = AuditLog>
std::unique_ptr<Log> open_or_skip(benchmark::State& state, const AuditLogOptions& o) {
  auto log = Log::open(o);
  if (!log) {
    state.SkipWithError(log.status().to_string().c_str());
    return nullptr;
  }
  return std::move(*log);
}

// Counts commit callbacks (run on the writer thread) and lets the benchmark
// thread wait for a count. Notifies after unlocking, as a relay would.
class Completions {
 public:
  void done(const Result<int64_t>& seq) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++done_;
      failed_ += seq.is_ok() ? 0 : 1;
    }
    changed_.notify_one();
  }
  CommitCallback callback() {
    return [this](Result<int64_t> seq) { done(seq); };
  }
  // Waits until at least `count` callbacks have run.
  void wait_for(int64_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return done_ >= count; });
  }
  int64_t failed() {
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t done_ = 0;
  int64_t failed_ = 0;
};

// Appends state.range(0) entries per iteration without waiting in between,
// then flushes: the writer commits whatever has queued in one transaction.
void BM_AppendGroupCommit(benchmark::State& state) {
  BenchDir dir;
  auto log = open_or_skip(state, dir.options());
  if (!log) return;
  Completions completions;
  int64_t next = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) log->append(sample_entry(next++), completions.callback());
    log->flush();
  }
  if (completions.failed() != 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations() * state.range(0));
  (void)log->close();
}
BENCHMARK(BM_AppendGroupCommit)->Arg(1000)->Arg(10000)->UseRealTime();

// One append_sync() at a time (promise/future): the CLI's path.
void BM_AppendSyncOneByOne(benchmark::State& state) {
  BenchDir dir;
  auto log = open_or_skip(state, dir.options());
  if (!log) return;
  int64_t next = 0;
  for (auto _ : state) benchmark::DoNotOptimize(log->append_sync(sample_entry(next++)));
  state.SetItemsProcessed(state.iterations());
  (void)log->close();
}
BENCHMARK(BM_AppendSyncOneByOne)->UseRealTime();

// The proxy's path for one sequential tools/call (audit::Journal, on the
// relay's own thread): the call's entry appended and committed alone, with
// the previous call's result entry riding along, as when a client calls
// tools one after another. The time per iteration is what the commit adds
// to a call's latency. Proxy settings: a checkpoint every 10 000 entries.
void BM_JournalCommitPerCall(benchmark::State& state) {
  BenchDir dir;
  auto journal = open_or_skip<Journal>(state, dir.options(10000));
  if (!journal) return;
  int64_t next = 0;
  int64_t failed = 0;
  auto count_failure = [&failed](Result<int64_t> seq) { failed += seq.is_ok() ? 0 : 1; };
  for (auto _ : state) {
    if (next > 0) journal->append(sample_result(next - 1), count_failure, Urgency::kDeferred);
    journal->append(sample_entry(next++), count_failure);
    journal->flush();
  }
  if (failed != 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations());
  (void)journal->close();
}
BENCHMARK(BM_JournalCommitPerCall)->UseRealTime();

// The proxy's path for one sequential tools/call on an idle queue: append(),
// then block until the commit callback (writer thread) signals. The time per
// iteration is the commit latency the audit adds to a call, two thread
// hand-offs included. Proxy settings: a checkpoint every 10 000 entries.
void BM_AppendIdleCommitLatency(benchmark::State& state) {
  BenchDir dir;
  auto log = open_or_skip(state, dir.options(10000));
  if (!log) return;
  Completions completions;
  int64_t next = 0;
  for (auto _ : state) {
    log->append(sample_entry(next++), completions.callback());
    completions.wait_for(next);
  }
  if (completions.failed() != 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations());
  (void)log->close();
}
BENCHMARK(BM_AppendIdleCommitLatency)->UseRealTime();

// The relay's pipelined load: state.range(0) tools/call in flight; each
// commit lets a new call in and appends its tool_result (fire and forget),
// so two entries per call. Items are calls.
void BM_AppendPipelined(benchmark::State& state) {
  BenchDir dir;
  auto log = open_or_skip(state, dir.options(10000));
  if (!log) return;
  const int64_t window = state.range(0);
  Completions completions;
  AuditLog* raw = log.get();
  int64_t next = 0;
  for (auto _ : state) {
    if (next >= window) completions.wait_for(next - window + 1);
    int64_t call = next++;
    log->append(sample_entry(call), [&completions, raw, call](Result<int64_t> seq) {
      raw->append(sample_result(call), nullptr);
      completions.done(seq);
    });
  }
  log->flush();
  if (completions.failed() != 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations());
  (void)log->close();
}
BENCHMARK(BM_AppendPipelined)->Arg(16)->UseRealTime();

// A proxy session against a database of state.range(0) entries: open, one
// append, close (which writes the final checkpoint). Must not grow with the
// database.
void BM_SessionOpenAppendClose(benchmark::State& state) {
  BenchDir dir;
  {
    auto filler = open_or_skip(state, dir.options());
    if (!filler) return;
    for (int64_t i = 0; i < state.range(0); ++i) filler->append(sample_entry(i), nullptr);
    if (!filler->close().is_ok()) return state.SkipWithError("cannot fill the log");
  }
  int64_t next = state.range(0);
  for (auto _ : state) {
    auto log = open_or_skip(state, dir.options());
    if (!log) break;
    log->append(sample_entry(next++), nullptr);
    if (!log->close().is_ok()) state.SkipWithError("close failed");
  }
}
BENCHMARK(BM_SessionOpenAppendClose)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

// verify_log() over a log of state.range(0) entries with a checkpoint every 10 000.
void BM_Verify(benchmark::State& state) {
  BenchDir dir;
  AuditLogOptions o = dir.options(10000);
  {
    auto log = open_or_skip(state, o);
    if (!log) return;
    for (int64_t i = 0; i < state.range(0); ++i) log->append(sample_entry(i), nullptr);
    (void)log->close();
  }
  VerifyOptions v;
  v.db_path = o.db_path;
  v.key_dir = o.key_dir;
  for (auto _ : state) {
    auto report = verify_log(v);
    if (!report || !report->intact) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Verify)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_EntryHash(benchmark::State& state) {
  Entry entry = seal_entry(sample_entry(1), 1, kZeroDigest);
  for (auto _ : state) benchmark::DoNotOptimize(compute_entry_hash(entry));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntryHash);

}  // namespace
}  // namespace mcp_warden::audit

BENCHMARK_MAIN();
