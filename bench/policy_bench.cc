// Policy evaluation speed (issue 3: a 200-rule policy with argument
// conditions must evaluate in <= 2 us per call, median). Run with
// --benchmark_repetitions=10 --benchmark_report_aggregates_only=true and
// read the _median rows.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"

namespace mcp_warden::policy {
namespace {

const char* const kActions[] = {"allow", "warn", "log", "allow"};

// Rule i: every fourth is tool-specific; the others match any tool and test
// an argument with one of the operators, so most rules reach their args.
std::string rule_yaml(int i) {
  const std::string n = std::to_string(i);
  std::string match;
  switch (i % 8) {
    case 0: match = "{tool: \"tool_" + n + "_*\", args: [{path: /path, prefix: \"/data/" + n + "/\"}]}"; break;
    case 1: match = "{args: [{path: /path, prefix: \"/srv/" + n + "/\"}]}"; break;
    case 2: match = "{args: [{path: /query, equals: \"q" + n + "\"}]}"; break;
    case 3: match = "{args: [{path: /path, glob: \"*.ext" + n + "\"}]}"; break;
    case 4: match = "{tool: [\"admin_" + n + "\", \"root_" + n + "\"], args: [{path: /mode, in: [a, b]}]}"; break;
    case 5: match = "{args: [{path: /query, regex: \"^secret-" + n + "-[0-9]+$\"}]}"; break;
    case 6: match = "{args: [{path: /limit, gt: " + std::to_string(1000 + i) + "}]}"; break;
    default: match = "{server: \"internal-" + n + "\", args: [{path: /query, max_length: " + std::to_string(200 + i) + "}]}"; break;
  }
  return "  - {name: r" + n + ", match: " + match + ", action: " + kActions[i % 4] + "}\n";
}

std::string policy_yaml(int rules) {
  std::string yaml = "version: 1\nname: bench\nextends: moderate\ndefault: allow\nrules:\n";
  for (int i = 0; i < rules; ++i) yaml += rule_yaml(i);
  return yaml;
}

LoadOptions bench_options(bool real_fs) {
  LoadOptions options;
  options.presets_dir = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";
  if (!real_fs) options.file_system = std::make_shared<FakeFileSystem>("/home/u", "/home/u/work");
  return options;
}

void run(benchmark::State& state, Policy& policy, const CallContext& call) {
  FakeClock clock;
  for (auto _ : state) {
    Decision d = policy.evaluate(call, clock);
    benchmark::DoNotOptimize(d);
  }
}

// 200 user rules + moderate's 2 (the secrets rule scans every string with 35
// path patterns). arg(0): fake file system, arg(1): the real one (one
// weakly_canonical per distinct string: that is the syscall share).
void BM_Evaluate200Rules(benchmark::State& state) {
  Policy policy = Policy::parse(policy_yaml(200), "bench.yaml", bench_options(state.range(0) == 1)).value();
  nlohmann::json args = {{"path", "/tmp/project/src/main.cc"}, {"query", "hello world"}, {"limit", 10}};
  ToolInfo tool;
  tool.name = "read_text_file";
  tool.annotations.read_only_hint = true;
  run(state, policy, CallContext{"filesystem", "read_text_file", &args, &tool, {}, {}});
}
BENCHMARK(BM_Evaluate200Rules)->Arg(0)->Arg(1);

// The same policy without the path-normalising secrets rule: rule matching alone.
void BM_Evaluate200RulesNoPathRules(benchmark::State& state) {
  std::string yaml = policy_yaml(200);
  yaml.replace(yaml.find("extends: moderate\n"), 18, "");
  Policy policy = Policy::parse(yaml, "bench.yaml", bench_options(false)).value();
  nlohmann::json args = {{"path", "/tmp/project/src/main.cc"}, {"query", "hello world"}, {"limit", 10}};
  run(state, policy, CallContext{"filesystem", "read_text_file", &args, nullptr, {}, {}});
}
BENCHMARK(BM_Evaluate200RulesNoPathRules);

// No rules: the fixed cost of a decision (its reason sentence included).
void BM_EmptyPolicy(benchmark::State& state) {
  Policy policy = Policy::parse("version: 1\ndefault: allow\n", "empty.yaml", bench_options(false)).value();
  nlohmann::json args = {{"path", "/tmp/project/README.md"}};
  run(state, policy, CallContext{"filesystem", "read_text_file", &args, nullptr, {}, {}});
}
BENCHMARK(BM_EmptyPolicy);

// The strict preset on one read-only tool. arg(0): fake file system, arg(1): real.
void run_strict(benchmark::State& state, const std::string& server, const std::string& tool_name,
                const nlohmann::json& args) {
  Policy policy = Policy::load_preset("strict", bench_options(state.range(0) == 1)).value();
  ToolInfo tool;
  tool.name = tool_name;
  tool.annotations.read_only_hint = true;
  run(state, policy, CallContext{server, tool_name, &args, &tool, {}, {}});
}

void BM_StrictPresetRead(benchmark::State& state) {
  run_strict(state, "filesystem", "read_text_file", {{"path", "/tmp/project/README.md"}});
}
BENCHMARK(BM_StrictPresetRead)->Arg(0)->Arg(1);

// The bench server's `echo` with one plain string, without the tool's schema:
// the secrets rule judges the key as a path (real file system: one lstat, as
// it does not exist in the working directory) and the value, under a
// text-named property, only by the shape of its words (no lookup).
void BM_StrictPresetEcho(benchmark::State& state) {
  run_strict(state, "bench", "echo", {{"message", "hello \u00fc #12"}});
}
BENCHMARK(BM_StrictPresetEcho)->Arg(0)->Arg(1);

void BM_Load200RulePolicy(benchmark::State& state) {
  const std::string yaml = policy_yaml(200);
  for (auto _ : state) {
    Result<Policy> policy = Policy::parse(yaml, "bench.yaml", bench_options(false));
    benchmark::DoNotOptimize(policy);
  }
}
BENCHMARK(BM_Load200RulePolicy)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mcp_warden::policy

BENCHMARK_MAIN();
