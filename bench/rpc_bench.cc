// Reading one relayed line on the messages the relay sees most: the strict
// DOM parse (rpc::parse_message), the header-only skim (rpc::skim_message),
// and a skim followed by ensure_body() (what a line that needs its body costs
// on the skim path). Run with --benchmark_repetitions=10
// --benchmark_report_aggregates_only=true and read the _median rows (CPU).
//
// BM_LexOnly is the floor of any reader built on nlohmann's SAX parser (a
// handler that does nothing, so only nlohmann's lexer and parser run): what
// the readers cost before they moved to Boost.JSON's parser, for comparison.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "mcp_warden/rpc/message.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

// ~150 bytes, as the TypeScript SDK writes it.
std::string tools_call_request() {
  return R"({"method":"tools/call","params":{"name":"read_text_file","arguments":{"path":"/home/user/project/src/main.cc","head":40}},"jsonrpc":"2.0","id":17})";
}

std::string progress_notification() {
  return R"({"method":"notifications/progress","params":{"progressToken":"tok-17","progress":3,"total":10,"message":"step 3"},"jsonrpc":"2.0"})";
}

// A CallToolResult whose one text item is about `text_bytes` of source code
// (escaped quotes and newlines, as a file read returns it).
std::string tools_call_response(std::size_t text_bytes) {
  std::string text;
  while (text.size() < text_bytes) text += R"(    int x = compute(\"value\", 42);\n)";
  return R"({"result":{"content":[{"type":"text","text":")" + text +
         R"("}],"isError":false},"jsonrpc":"2.0","id":17})";
}

// A tools/list result of about `bytes`: many small objects, the shape where
// building a DOM costs most.
std::string tools_list_response(std::size_t bytes) {
  json tools = json::array();
  std::size_t size = 0;
  for (int i = 0; size < bytes; ++i) {
    json schema = {{"type", "object"},
                   {"properties", {{"path", {{"type", "string"}}}, {"limit", {{"type", "integer"}, {"minimum", 0}}}}},
                   {"required", {"path"}}};
    tools.push_back({{"name", "tool_" + std::to_string(i)},
                     {"description", "Reads part " + std::to_string(i) + " of a file and returns its text"},
                     {"inputSchema", std::move(schema)},
                     {"annotations", {{"readOnlyHint", true}, {"openWorldHint", false}}}});
    size += tools.back().dump().size() + 1;
  }
  return json{{"result", {{"tools", std::move(tools)}}}, {"jsonrpc", "2.0"}, {"id", 3}}.dump();
}

template <typename Read>
void run(benchmark::State& state, const std::string& line, Read read) {
  for (auto _ : state) {
    auto parsed = read(std::string(line));
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(line.size()));
}

auto parse(std::string raw) { return parse_message(std::move(raw)); }
auto skim(std::string raw) { return skim_message(std::move(raw)); }
auto skim_then_body(std::string raw) {
  auto skimmed = skim_message(std::move(raw));
  if (auto* m = std::get_if<Message>(&skimmed)) benchmark::DoNotOptimize(ensure_body(*m).is_ok());
  return skimmed;
}

// A SAX handler that accepts everything it is told.
struct NullHandler {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_object() { return true; }
  bool end_array() { return true; }
  bool key(std::string&) { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
};

auto lex_only(std::string raw) {
  NullHandler handler;
  return json::sax_parse(raw.begin(), raw.end(), &handler, json::input_format_t::json, true, false);
}

void BM_Parse(benchmark::State& state, const std::string& line) { run(state, line, parse); }
void BM_Skim(benchmark::State& state, const std::string& line) { run(state, line, skim); }
void BM_SkimThenBody(benchmark::State& state, const std::string& line) { run(state, line, skim_then_body); }
void BM_LexOnly(benchmark::State& state, const std::string& line) { run(state, line, lex_only); }

const std::string kRequest = tools_call_request();
const std::string kProgress = progress_notification();
const std::string kResponse1K = tools_call_response(1024);
const std::string kResponse64K = tools_call_response(64 * 1024);
const std::string kToolsList64K = tools_list_response(64 * 1024);

BENCHMARK_CAPTURE(BM_Parse, ToolsCallRequest, kRequest);
BENCHMARK_CAPTURE(BM_Parse, Progress, kProgress);
BENCHMARK_CAPTURE(BM_Parse, ToolsCallResponse1K, kResponse1K);
BENCHMARK_CAPTURE(BM_Parse, ToolsCallResponse64K, kResponse64K);
BENCHMARK_CAPTURE(BM_Parse, ToolsListResponse64K, kToolsList64K);

BENCHMARK_CAPTURE(BM_Skim, ToolsCallRequest, kRequest);
BENCHMARK_CAPTURE(BM_Skim, Progress, kProgress);
BENCHMARK_CAPTURE(BM_Skim, ToolsCallResponse1K, kResponse1K);
BENCHMARK_CAPTURE(BM_Skim, ToolsCallResponse64K, kResponse64K);
BENCHMARK_CAPTURE(BM_Skim, ToolsListResponse64K, kToolsList64K);

BENCHMARK_CAPTURE(BM_SkimThenBody, ToolsCallRequest, kRequest);
BENCHMARK_CAPTURE(BM_SkimThenBody, Progress, kProgress);
BENCHMARK_CAPTURE(BM_SkimThenBody, ToolsCallResponse1K, kResponse1K);
BENCHMARK_CAPTURE(BM_SkimThenBody, ToolsCallResponse64K, kResponse64K);
BENCHMARK_CAPTURE(BM_SkimThenBody, ToolsListResponse64K, kToolsList64K);

BENCHMARK_CAPTURE(BM_LexOnly, ToolsCallRequest, kRequest);
BENCHMARK_CAPTURE(BM_LexOnly, Progress, kProgress);
BENCHMARK_CAPTURE(BM_LexOnly, ToolsCallResponse1K, kResponse1K);
BENCHMARK_CAPTURE(BM_LexOnly, ToolsCallResponse64K, kResponse64K);
BENCHMARK_CAPTURE(BM_LexOnly, ToolsListResponse64K, kToolsList64K);

}  // namespace
}  // namespace mcp_warden::rpc

BENCHMARK_MAIN();
