#include "load_runs.h"

#include <algorithm>
#include <memory>

namespace mcp_warden::bench {
namespace {

constexpr double kNanosPerMicro = 1e3;
constexpr double kNanosPerMilli = 1e6;

// Everything measured for one mode during a round.
struct ModeRun {
  const Mode* mode = nullptr;
  std::unique_ptr<McpClient> client;  // the long session
  std::vector<double> latencies_us;
  std::vector<double> startups_ms;
  std::vector<double> exits_ms;
  long long pipelined_ns = 0;
  long long pipelined_done = 0;
  double peak_rss_mb = 0;
};

bool failed(const std::string& mode, const McpClient& client, std::string* error) {
  *error = mode + ": " + client.error();
  return false;
}

// Index of the k-th mode to go in turn i: who goes first rotates.
size_t turn(size_t i, size_t k, size_t count) { return (i + k) % count; }

bool one_call(McpClient& client, std::vector<double>* latencies_us) {
  const long long start = monotonic_ns();
  if (!client.send_echo() || !client.await_echo()) return false;
  if (latencies_us != nullptr) latencies_us->push_back((monotonic_ns() - start) / kNanosPerMicro);
  return true;
}

// Keeps `window` calls in flight until `calls` have been answered; adds the
// elapsed time to run->pipelined_ns.
bool pipelined_batch(ModeRun* run, int calls, int window) {
  McpClient& client = *run->client;
  const long long start = monotonic_ns();
  int sent = 0;
  for (int answered = 0; answered < calls; ++answered) {
    while (sent < calls && client.outstanding() < static_cast<size_t>(window)) {
      if (!client.send_echo()) return false;
      ++sent;
    }
    if (!client.await_echo()) return false;
  }
  run->pipelined_ns += monotonic_ns() - start;
  run->pipelined_done += calls;
  return true;
}

// Closes the session's stdin and records how long the target took to exit.
bool record_exit(ModeRun* run, McpClient& client, std::string* error) {
  const long long exit_ns = client.close_and_wait();
  if (exit_ns < 0) return failed(run->mode->name, client, error);
  run->exits_ms.push_back(exit_ns / kNanosPerMilli);
  return true;
}

bool short_session(ModeRun* run, const ClientOptions& options, std::string* error) {
  McpClient client(run->mode->argv, options);
  if (!client.handshake()) return failed(run->mode->name, client, error);
  run->startups_ms.push_back(client.startup_ns() / kNanosPerMilli);
  return record_exit(run, client, error);
}

bool sample_sessions(std::vector<ModeRun>& runs, const LoadOptions& options, std::string* error) {
  for (size_t i = 0; i < static_cast<size_t>(options.sessions); ++i) {
    for (size_t k = 0; k < runs.size(); ++k) {
      if (!short_session(&runs[turn(i, k, runs.size())], options.client, error)) return false;
    }
  }
  return true;
}

bool open_sessions(std::vector<ModeRun>& runs, const LoadOptions& options, std::string* error) {
  for (ModeRun& run : runs) {
    run.client = std::make_unique<McpClient>(run.mode->argv, options.client);
    if (!run.client->handshake()) return failed(run.mode->name, *run.client, error);
    run.startups_ms.push_back(run.client->startup_ns() / kNanosPerMilli);
    for (int i = 0; i < options.warmup_calls; ++i) {
      if (!one_call(*run.client, nullptr)) return failed(run.mode->name, *run.client, error);
    }
  }
  return true;
}

bool sequential_calls(std::vector<ModeRun>& runs, const LoadOptions& options, std::string* error) {
  for (size_t i = 0; i < static_cast<size_t>(options.sequential_calls); ++i) {
    for (size_t k = 0; k < runs.size(); ++k) {
      ModeRun& run = runs[turn(i, k, runs.size())];
      if (!one_call(*run.client, &run.latencies_us)) return failed(run.mode->name, *run.client, error);
    }
  }
  return true;
}

bool pipelined_calls(std::vector<ModeRun>& runs, const LoadOptions& options, std::string* error) {
  const int batch = std::max(1, options.pipelined_calls / std::max(1, options.pipelined_batches));
  for (size_t i = 0; i < static_cast<size_t>(options.pipelined_batches); ++i) {
    for (size_t k = 0; k < runs.size(); ++k) {
      ModeRun& run = runs[turn(i, k, runs.size())];
      if (!pipelined_batch(&run, batch, options.window)) return failed(run.mode->name, *run.client, error);
    }
  }
  return true;
}

bool close_sessions(std::vector<ModeRun>& runs, std::string* error) {
  for (ModeRun& run : runs) {
    run.peak_rss_mb = static_cast<double>(run.client->peak_rss_kib()) * 1024.0 / 1e6;
    if (!record_exit(&run, *run.client, error)) return false;
  }
  return true;
}

Sample to_sample(const ModeRun& run, int round) {
  Sample s;
  s.mode = run.mode->name;
  s.round = round;
  s.p50_us = percentile(run.latencies_us, 0.50);
  s.p99_us = percentile(run.latencies_us, 0.99);
  s.calls_per_s = run.pipelined_ns > 0 ? run.pipelined_done * 1e9 / run.pipelined_ns : 0;
  s.startup_ms = percentile(run.startups_ms, 0.5);
  s.exit_ms = percentile(run.exits_ms, 0.5);
  s.peak_rss_mb = run.peak_rss_mb;
  return s;
}

}  // namespace

bool run_round(const std::vector<Mode>& modes, const LoadOptions& options, int round,
               std::vector<Sample>* samples, std::string* error) {
  std::vector<ModeRun> runs(modes.size());
  for (size_t i = 0; i < modes.size(); ++i) runs[i].mode = &modes[i];
  const bool ran = sample_sessions(runs, options, error) && open_sessions(runs, options, error) &&
                   sequential_calls(runs, options, error) && pipelined_calls(runs, options, error) &&
                   close_sessions(runs, error);
  if (!ran) return false;
  for (const ModeRun& run : runs) samples->push_back(to_sample(run, round));
  return true;
}

bool run_check(const std::vector<std::string>& argv, int calls, const ClientOptions& options,
               std::string* error) {
  const Mode mode{"check", argv};
  ModeRun run;
  run.mode = &mode;
  run.client = std::make_unique<McpClient>(argv, options);
  McpClient& client = *run.client;
  bool ran = client.handshake();
  for (int i = 0; ran && i < calls; ++i) ran = one_call(client, nullptr);
  ran = ran && pipelined_batch(&run, calls, 16) && client.close_and_wait() >= 0;
  if (!ran) return failed(mode.name, client, error);
  if (client.exit_code() != 0) {
    *error = "target exited with status " + std::to_string(client.exit_code());
    return false;
  }
  return true;
}

}  // namespace mcp_warden::bench
