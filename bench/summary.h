// The comparison table of scripts/bench.sh: samples of several modes
// (direct, relay, mcp-warden with various flags) taken interleaved over
// several rounds, reduced to medians and to ratios against the minimal relay.
//
// Ratios are computed per round (modes of one round ran back to back, so they
// share the machine's state) and the median over rounds is reported:
//   added-latency ratio = (mode_p50 - direct_p50) / (relay_p50 - direct_p50)
//   throughput ratio    = mode_calls_per_s / relay_calls_per_s
// Pure functions; no I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mcp_warden::bench {

// One run of the load generator against one mode in one round.
struct Sample {
  std::string mode;
  int round = 0;
  double p50_us = 0;
  double p99_us = 0;
  double calls_per_s = 0;
  double startup_ms = 0;
  double exit_ms = 0;
  double peak_rss_mb = 0;
};

// Goals a mode is checked against (issue 2's targets by default).
struct Target {
  double max_added_ratio = 1.3;       // added p50 vs the relay's added p50
  double min_throughput_ratio = 0.85; // vs the relay's calls/s
  double max_added_startup_ms = 5;    // over direct
  double max_exit_ms = 50;            // stdin EOF -> reaped
  double max_rss_mb = 10;
  // The mode the two ratios divide by; empty = SummaryOptions::reference.
  // Issue 3 holds the policy-only layer to mcp-warden's own relay layer.
  std::string reference;
  // Only the two ratios are goals (issue 4 sets no start-up, exit or RSS
  // limit for the audited proxy): the other figures are printed without one.
  bool ratios_only = false;
};

struct SummaryOptions {
  std::string baseline = "direct";
  std::string reference = "relay";
  std::map<std::string, Target> targets;  // modes not listed get Target{}
};

// The value at fraction q (0..1) of values by nearest rank (so the median of
// an even count is the lower middle value); 0 if values is empty.
double percentile(std::vector<double> values, double q);

// One tab-separated line: mode round p50 p99 calls/s start-up exit rss.
std::string to_tsv(const Sample& sample);
// Parses a line written by to_tsv(). False if it is malformed.
bool parse_tsv(const std::string& line, Sample* sample);

// A Markdown table (one row per mode, in first-seen order) followed by one
// line per checked mode saying which targets it meets.
std::string summarize(const std::vector<Sample>& samples, const SummaryOptions& options);

}  // namespace mcp_warden::bench
