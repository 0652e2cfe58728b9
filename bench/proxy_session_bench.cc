// The Session's own cost per relayed call, with no I/O: one tools/call
// request from the client and its result from the server, as the relay
// benchmark's load generator and server write them, through a Session with
// nothing governed (issue 2's "relay alone"). This is the user-space work the
// relay layer adds to a byte-copying relay, measured without the scheduler
// and pipe noise of bench.sh. Run with --benchmark_repetitions=10
// --benchmark_report_aggregates_only=true and read the _median rows (CPU).
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/io/frame_reader.h"
#include "mcp_warden/proxy/governance_assembly.h"
#include "mcp_warden/proxy/session.h"

namespace mcp_warden::proxy {
namespace {

// Counts what the Session sends, so the optimiser cannot drop it.
class CountingOutput final : public SessionOutput {
 public:
  void send_to_client(std::string line) override { bytes_ += line.size(); }
  void send_to_server(std::string line) override { bytes_ += line.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t bytes_ = 0;
};

// The load generator's echo request (bench/mcp_client.cc) and the bench
// server's result for it, as nlohmann writes them (keys sorted, UTF-8 as is).
std::string echo_request(long long id) {
  return R"({"id":)" + std::to_string(id) +
         R"(,"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"message":"loadgen call #)" +
         std::to_string(id) + " \xc3\xa9" + R"("},"name":"echo"}})";
}

std::string echo_result(long long id) {
  return R"({"id":)" + std::to_string(id) +
         R"(,"jsonrpc":"2.0","result":{"content":[{"text":"loadgen call #)" + std::to_string(id) +
         " \xc3\xa9" + R"(","type":"text"}]}})";
}

void BM_RelayOneCall(benchmark::State& state) {
  CountingOutput output;
  Session session(SessionOptions{}, output, SystemClock::instance());
  const long long window = state.range(0);
  long long id = 0;
  for (auto _ : state) {
    // `window` calls in flight, as in the pipelined run: requests first.
    for (long long k = 0; k < window; ++k) session.on_client_line(echo_request(id + k));
    for (long long k = 0; k < window; ++k) session.on_server_line(echo_result(id + k));
    id += window;
  }
  benchmark::DoNotOptimize(output.bytes());
  state.SetItemsProcessed(state.iterations() * window);
}
BENCHMARK(BM_RelayOneCall)->Arg(1)->Arg(16);

// The same through the framing, as the relay reads it when pipelined:
// `window` requests arrive in one chunk, their results in another.
void BM_RelayChunkOfCalls(benchmark::State& state) {
  CountingOutput output;
  Session session(SessionOptions{}, output, SystemClock::instance());
  ServerFrameSink server_sink(session);
  io::FrameReader client_frames(SessionOptions{}.max_message_bytes);
  io::FrameReader server_frames(SessionOptions{}.max_message_bytes);
  const long long window = state.range(0);
  long long id = 0;
  std::string requests;
  std::string results;
  for (auto _ : state) {
    state.PauseTiming();
    requests.clear();
    results.clear();
    for (long long k = 0; k < window; ++k) requests += echo_request(id + k) + "\n";
    for (long long k = 0; k < window; ++k) results += echo_result(id + k) + "\n";
    id += window;
    state.ResumeTiming();
    client_frames.feed(requests, session);
    server_frames.feed(results, server_sink);
  }
  benchmark::DoNotOptimize(output.bytes());
  state.SetItemsProcessed(state.iterations() * window);
}
BENCHMARK(BM_RelayChunkOfCalls)->Arg(16);

// One governed echo call, as mcp-warden-bench-layers' "policy" layer runs it
// (issue 3's "strict policy", docs/performance.md): the same governance
// assembly and Session, fed the bench server's handshake and catalog first,
// then the load generator's echo request and the server's result. Nothing
// is recorded (no audit), so this is the user-space work of the pipeline,
// the policy and the content steps per call.
class GovernedBench {
 public:
  explicit GovernedBench(const std::string& policy) {
    options_.policy = policy;
    options_.layers = Layers::kPolicyOnly;
    options_.command = {"mcp-warden-bench-server"};
    assembly_.emplace(options_, "bench");
    SessionOptions s;
    s.server_name = "bench";
    s.session_id = "bench-session";
    s.server_argv = options_.command;
    session_.emplace(s, output_, SystemClock::instance(), assembly_->open("bench-session", {}));
    handshake();
  }
  Session& session() { return *session_; }
  std::size_t bytes() const { return output_.bytes(); }

 private:
  void handshake() {
    session_->on_client_line(
        R"({"id":-1,"jsonrpc":"2.0","method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"mcp-warden-loadgen","version":"0.1.0"},"protocolVersion":"2025-06-18"}})");
    session_->on_server_line(
        R"({"id":-1,"jsonrpc":"2.0","result":{"capabilities":{"tools":{"listChanged":false}},"protocolVersion":"2025-06-18","serverInfo":{"name":"mcp-warden-bench-server","version":"0.1.0"}}})");
    session_->on_client_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    session_->on_client_line(R"({"id":-2,"jsonrpc":"2.0","method":"tools/list","params":{}})");
    session_->on_server_line(
        R"({"id":-2,"jsonrpc":"2.0","result":{"tools":[{"annotations":{"destructiveHint":false,"readOnlyHint":true,"title":"Echo"},"description":"Echoes back the message it is given.","inputSchema":{"properties":{"message":{"description":"Text to echo","type":"string"}},"required":["message"],"type":"object"},"name":"echo"}]}})");
  }

  ProxyOptions options_;
  CountingOutput output_;
  std::optional<GovernanceAssembly> assembly_;
  std::optional<Session> session_;
};

void BM_GovernedEchoCall(benchmark::State& state) {
  GovernedBench bench(state.range(0) == 0 ? "strict" : "permissive");
  const std::size_t before = bench.bytes();
  long long id = 0;
  for (auto _ : state) {
    bench.session().on_client_line(echo_request(id));
    bench.session().on_server_line(echo_result(id));
    ++id;
  }
  // Each call must have gone both ways: a denied or held call would write
  // far less (or nothing) to the server.
  if (bench.bytes() - before < static_cast<std::size_t>(id) * 150) state.SkipWithError("calls were not relayed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GovernedEchoCall)->Arg(0)->Arg(1);

// What building the two lines costs by itself (subtract from BM_RelayOneCall).
void BM_BuildLinesOnly(benchmark::State& state) {
  long long id = 0;
  for (auto _ : state) {
    std::string a = echo_request(id);
    std::string b = echo_result(id);
    benchmark::DoNotOptimize(a.data());
    benchmark::DoNotOptimize(b.data());
    ++id;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildLinesOnly);

}  // namespace
}  // namespace mcp_warden::proxy

BENCHMARK_MAIN();
