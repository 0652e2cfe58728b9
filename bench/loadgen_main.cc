// mcp-warden-loadgen: drives MCP servers over stdio and measures them.
//
//   mcp-warden-loadgen [options] -- CMD [ARGS...]
//       measure one target and print a report
//   mcp-warden-loadgen --compare [options] -- NAME CMD [ARGS...] ::: NAME CMD ... [::: ...]
//       measure several modes interleaved over --rounds rounds; print the
//       comparison table (first mode = baseline, see --baseline/--reference)
//   mcp-warden-loadgen --check -- CMD [ARGS...]
//       verify 100 sequential and 100 pipelined calls; exit 0 or 1, no timing
//   mcp-warden-loadgen --summarize FILE
//       print the comparison table from samples saved with --samples
//
// CMD is the target: the bench server itself, the minimal relay in front of
// it, or `mcp-warden proxy -- mcp-warden-bench-server`. Exit status: 0 on
// success, 1 if a target failed or answered wrongly, 2 on usage errors.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "load_runs.h"
#include "summary.h"

namespace {

using namespace mcp_warden::bench;

constexpr int kCheckCalls = 100;
constexpr const char* kModeSeparator = ":::";

struct Args {
  LoadOptions load;
  std::vector<std::string> command;
  bool check = false;
  bool compare = false;
  int rounds = 1;
  std::string samples_file;
  std::string summarize_file;
  SummaryOptions summary;
  std::vector<std::string> targets;  // MODE=ADDED_RATIO,THROUGHPUT_RATIO
};

void add_run_options(CLI::App& app, Args& args) {
  LoadOptions& o = args.load;
  app.add_option("--calls", o.sequential_calls, "Sequential calls per mode per round")->capture_default_str();
  app.add_option("--warmup", o.warmup_calls, "Calls per session before measuring")->capture_default_str();
  app.add_option("--pipelined", o.pipelined_calls, "Pipelined calls per mode per round")->capture_default_str();
  app.add_option("--batches", o.pipelined_batches, "Pipelined batches (modes alternate)")->capture_default_str();
  app.add_option("--window", o.window, "Calls in flight when pipelined")->capture_default_str();
  app.add_option("--sessions", o.sessions, "Start-up/exit samples per mode per round")->capture_default_str();
  app.add_option("--payload-bytes", o.client.payload_bytes, "Padding per echoed message")->capture_default_str();
  app.add_option("--timeout-ms", o.client.timeout_ms, "Per-reply and exit timeout")->capture_default_str();
  app.add_option("--rounds", args.rounds, "Rounds (medians are reported)")->capture_default_str();
}

void add_options(CLI::App& app, Args& args) {
  add_run_options(app, args);
  app.add_flag("--check", args.check, "Verify 100 sequential and 100 pipelined calls, no timing");
  app.add_flag("--compare", args.compare, "Targets are NAME CMD... groups separated by :::");
  app.add_option("--samples", args.samples_file, "Append every round's samples (TSV) to FILE");
  app.add_option("--summarize", args.summarize_file, "Print the comparison table of a samples file");
  app.add_option("--baseline", args.summary.baseline, "Mode that added figures subtract")->capture_default_str();
  app.add_option("--reference", args.summary.reference, "Mode that ratios divide by")->capture_default_str();
  app.add_option("--target", args.targets, "MODE=ADDED_RATIO,THROUGHPUT_RATIO[@REFERENCE_MODE][/ratios] goal (repeatable; /ratios: no start-up, exit or RSS goal)")
      ->allow_extra_args(false);  // one value per --target, so a later -- still ends options
  app.add_option("command", args.command, "Target command line(s), after --");
}

// Parses "MODE=1.5,0.7" or "MODE=1.5,0.7@REFERENCE" (ratios against another
// mode than --reference) into options->targets. False if malformed.
bool parse_target(std::string text, SummaryOptions* options) {
  constexpr std::string_view kRatiosOnly = "/ratios";
  Target target;
  if (text.ends_with(kRatiosOnly)) {
    target.ratios_only = true;
    text.resize(text.size() - kRatiosOnly.size());
  }
  const size_t eq = text.find('=');
  const size_t comma = text.find(',', eq);
  if (eq == std::string::npos || comma == std::string::npos) return false;
  const size_t at = text.find('@', comma);
  if (at != std::string::npos) {
    target.reference = text.substr(at + 1);
    if (target.reference.empty()) return false;
  }
  try {
    target.max_added_ratio = std::stod(text.substr(eq + 1, comma - eq - 1));
    target.min_throughput_ratio = std::stod(text.substr(comma + 1, at == std::string::npos ? std::string::npos : at - comma - 1));
  } catch (const std::exception&) {
    return false;
  }
  options->targets[text.substr(0, eq)] = target;
  return true;
}

bool parse_targets(Args& args) {
  for (const std::string& text : args.targets) {
    if (!parse_target(text, &args.summary)) {
      std::fprintf(stderr, "mcp-warden-loadgen: bad --target '%s'\n", text.c_str());
      return false;
    }
  }
  return true;
}

// Splits "NAME CMD ARGS ::: NAME CMD ARGS" into modes; empty on a bad group.
std::vector<Mode> parse_modes(const std::vector<std::string>& words) {
  std::vector<Mode> modes(1);
  for (const std::string& word : words) {
    if (word == kModeSeparator) {
      modes.emplace_back();
    } else if (modes.back().name.empty()) {
      modes.back().name = word;
    } else {
      modes.back().argv.push_back(word);
    }
  }
  for (const Mode& mode : modes) {
    if (mode.argv.empty()) return {};
  }
  return modes;
}

int summarize_file(const Args& args) {
  std::ifstream in(args.summarize_file);
  if (!in) {
    std::fprintf(stderr, "mcp-warden-loadgen: cannot read %s\n", args.summarize_file.c_str());
    return 2;
  }
  std::vector<Sample> samples;
  Sample sample;
  for (std::string line; std::getline(in, line);) {
    if (parse_tsv(line, &sample)) samples.push_back(sample);
  }
  std::fputs(summarize(samples, args.summary).c_str(), stdout);
  return samples.empty() ? 1 : 0;
}

int check(const Args& args) {
  std::string error;
  if (!run_check(args.command, kCheckCalls, args.load.client, &error)) {
    std::fprintf(stderr, "mcp-warden-loadgen --check: FAILED: %s\n", error.c_str());
    return 1;
  }
  std::printf("mcp-warden-loadgen --check: %d sequential and %d pipelined calls verified\n",
              kCheckCalls, kCheckCalls);
  return 0;
}

void print_report(const LoadOptions& options, const Sample& s) {
  std::printf("round %d\n", s.round);
  std::printf("  sequential tools/call (%d calls): p50 %.1f us, p99 %.1f us\n",
              options.sequential_calls, s.p50_us, s.p99_us);
  std::printf("  pipelined (%d calls, window %d): %.0f calls/s\n", options.pipelined_calls,
              options.window, s.calls_per_s);
  std::printf("  start-up (spawn -> initialize reply): %.2f ms (median of %d)\n", s.startup_ms,
              options.sessions + 1);
  std::printf("  exit after stdin EOF: %.2f ms (median of %d)\n", s.exit_ms, options.sessions + 1);
  std::printf("  peak RSS of the target process: %.1f MB\n", s.peak_rss_mb);
}

void save_samples(const std::string& path, const std::vector<Sample>& samples) {
  std::ofstream out(path, std::ios::app);
  for (const Sample& s : samples) out << to_tsv(s) << '\n';
}

int measure(const Args& args, const std::vector<Mode>& modes) {
  std::vector<Sample> samples;
  for (int round = 1; round <= args.rounds; ++round) {
    std::vector<Sample> round_samples;
    std::string error;
    if (!run_round(modes, args.load, round, &round_samples, &error)) {
      std::fprintf(stderr, "mcp-warden-loadgen: round %d FAILED: %s\n", round, error.c_str());
      return 1;
    }
    if (!args.samples_file.empty()) save_samples(args.samples_file, round_samples);
    if (!args.compare) print_report(args.load, round_samples.front());
    samples.insert(samples.end(), round_samples.begin(), round_samples.end());
  }
  if (args.compare) std::fputs(summarize(samples, args.summary).c_str(), stdout);
  return 0;
}

// Requests are written with blocking writes while replies wait unread, so a
// pipelined window must fit in a pipe (64 KiB) or target and loadgen deadlock.
constexpr size_t kMaxWindowBytes = 48 * 1024;
constexpr size_t kRequestOverheadBytes = 256;

bool valid(const Args& args) {
  const LoadOptions& o = args.load;
  const size_t window_bytes =
      static_cast<size_t>(std::max(o.window, 0)) * (o.client.payload_bytes + kRequestOverheadBytes);
  return window_bytes <= kMaxWindowBytes && o.sequential_calls > 0 && o.warmup_calls >= 0 && o.pipelined_calls > 0 &&
         o.pipelined_batches > 0 && o.window > 0 && o.sessions >= 0 && o.client.timeout_ms > 0 &&
         args.rounds > 0;
}

int usage(const CLI::App& app, const char* problem) {
  std::fprintf(stderr, "mcp-warden-loadgen: %s\n%s", problem, app.help().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"mcp-warden-loadgen: drives MCP stdio servers and measures them",
               "mcp-warden-loadgen"};
  Args args;
  add_options(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a success
  }
  if (!parse_targets(args)) return 2;
  if (!args.summarize_file.empty()) return summarize_file(args);
  if (args.command.empty() || !valid(args)) return usage(app, "give positive counts, window x payload under 48 KiB, and a command after --");
  if (args.check) return check(args);
  const std::vector<Mode> modes =
      args.compare ? parse_modes(args.command) : std::vector<Mode>{{"target", args.command}};
  if (modes.empty()) return usage(app, "--compare wants NAME CMD [ARGS] groups separated by :::");
  return measure(args, modes);
}
