// Audit benchmarks (issue 4): appends per second through AuditLog's writer
// thread with group commit, and verify_log() entries per second. Targets:
// appends >= 100 000/s, verify >= 200 000/s. Each run uses a fresh database
// in a temporary directory; nothing here is a pass/fail test.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/verifier.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "audit_bench_XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

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

AuditLogOptions bench_options(const fs::path& dir) {
  AuditLogOptions o;
  o.db_path = dir / "warden.db";
  o.key_dir = dir;
  o.checkpoint_every = 0;
  return o;
}

// Appends state.range(0) entries per iteration without waiting in between,
// then flushes: the writer commits whatever has queued in one transaction.
void BM_AppendGroupCommit(benchmark::State& state) {
  fs::path dir = make_temp_dir();
  auto log = AuditLog::open(bench_options(dir));
  if (!log) {
    state.SkipWithError(log.status().to_string().c_str());
    return;
  }
  std::atomic<int64_t> failed{0};
  int64_t next = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) {
      (*log)->append(sample_entry(next++), [&](Result<int64_t> seq) { failed += seq ? 0 : 1; });
    }
    (*log)->flush();
  }
  if (failed != 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations() * state.range(0));
  (void)(*log)->close();
  fs::remove_all(dir);
}
BENCHMARK(BM_AppendGroupCommit)->Arg(1000)->Arg(10000)->UseRealTime();

// One append and wait at a time: the latency floor of a commit without grouping.
void BM_AppendSyncOneByOne(benchmark::State& state) {
  fs::path dir = make_temp_dir();
  auto log = AuditLog::open(bench_options(dir));
  if (!log) {
    state.SkipWithError(log.status().to_string().c_str());
    return;
  }
  int64_t next = 0;
  for (auto _ : state) benchmark::DoNotOptimize((*log)->append_sync(sample_entry(next++)));
  state.SetItemsProcessed(state.iterations());
  (void)(*log)->close();
  fs::remove_all(dir);
}
BENCHMARK(BM_AppendSyncOneByOne)->UseRealTime();

// verify_log() over a log of state.range(0) entries with a checkpoint every 10 000.
void BM_Verify(benchmark::State& state) {
  fs::path dir = make_temp_dir();
  AuditLogOptions o = bench_options(dir);
  o.checkpoint_every = 10000;
  {
    auto log = AuditLog::open(o);
    if (!log) {
      state.SkipWithError(log.status().to_string().c_str());
      return;
    }
    for (int64_t i = 0; i < state.range(0); ++i) (*log)->append(sample_entry(i), nullptr);
    (void)(*log)->close();
  }
  VerifyOptions v;
  v.db_path = o.db_path;
  v.key_dir = dir;
  for (auto _ : state) {
    auto report = verify_log(v);
    if (!report || !report->intact) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  fs::remove_all(dir);
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
