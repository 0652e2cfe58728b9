// The load generator's measurements, interleaved across modes.
//
// A mode is a named target command line (the bench server directly, the
// minimal relay in front of it, mcp-warden with some flags). The machine is
// shared and noisy, so one round measures every mode in lock-step rather than
// one after the other:
//   1. start-up/exit: `sessions` short sessions per mode, alternating modes;
//      each times spawn -> initialize reply and stdin close -> reaped;
//   2. one long session per mode, all open at once, each warmed up;
//   3. sequential tools/call echo (one in flight), the modes taking turns
//      call by call (rotating who goes first);
//   4. pipelined calls with `window` in flight, in batches, modes taking turns;
//   5. each target's peak RSS (VmHWM of that process alone), then its exit.
// Every reply is verified (see McpClient); the first failure ends the round
// with an error naming the mode. All times come from CLOCK_MONOTONIC.
#pragma once

#include <string>
#include <vector>

#include "mcp_client.h"
#include "summary.h"

namespace mcp_warden::bench {

struct Mode {
  std::string name;
  std::vector<std::string> argv;
};

struct LoadOptions {
  int warmup_calls = 200;
  int sequential_calls = 1000;  // per mode per round
  int pipelined_calls = 4000;   // per mode per round
  int pipelined_batches = 8;
  int window = 16;
  int sessions = 5;  // start-up/exit samples per mode per round
  ClientOptions client;
};

// Runs one round; appends one Sample per mode (round number `round`).
bool run_round(const std::vector<Mode>& modes, const LoadOptions& options, int round,
               std::vector<Sample>* samples, std::string* error);

// Sanity check without timing: one session, `calls` sequential and `calls`
// pipelined verified echo calls, then a clean exit with status 0.
bool run_check(const std::vector<std::string>& argv, int calls, const ClientOptions& options,
               std::string* error);

}  // namespace mcp_warden::bench
