// mcp-warden-bench-server: a minimal MCP server over stdio for the benchmark.
//
// Reads newline-delimited JSON-RPC on stdin, answers on stdout, one line per
// reply, flushed at once. Serves initialize, ping, tools/list (one tool,
// `echo`, annotated readOnlyHint: true, destructiveHint: false) and
// tools/call echo -> CallToolResult {content: [{type: text, text: message}]}.
// Notifications are read and ignored; unknown methods get -32601, bad JSON
// -32700. Exits 0 on stdin EOF. Nothing but protocol is written to stdout.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <nlohmann/json.hpp>

#include "child_process.h"

namespace {

using nlohmann::json;

constexpr const char* kDefaultProtocolVersion = "2025-06-18";

json echo_tool() {
  return {
      {"name", "echo"},
      {"description", "Echoes back the message it is given."},
      {"inputSchema",
       {{"type", "object"},
        {"properties", {{"message", {{"type", "string"}, {"description", "Text to echo"}}}}},
        {"required", {"message"}}}},
      {"annotations", {{"title", "Echo"}, {"readOnlyHint", true}, {"destructiveHint", false}}},
  };
}

json initialize_result(const json& params) {
  const auto version = params.value("protocolVersion", std::string(kDefaultProtocolVersion));
  return {
      {"protocolVersion", version},
      {"capabilities", {{"tools", {{"listChanged", false}}}}},
      {"serverInfo", {{"name", "mcp-warden-bench-server"}, {"version", "0.1.0"}}},
  };
}

json error_reply(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json result_reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json call_tool(const json& id, const json& params) {
  if (params.value("name", std::string()) != "echo") {
    return error_reply(id, -32602, "unknown tool");
  }
  const json args = params.value("arguments", json::object());
  if (!args.is_object() || !args.contains("message") || !args["message"].is_string()) {
    return error_reply(id, -32602, "echo needs a string argument 'message'");
  }
  json content = json::array({{{"type", "text"}, {"text", args["message"]}}});
  return result_reply(id, {{"content", std::move(content)}});
}

// The reply to one request; null for a notification.
json reply_to(const json& message) {
  if (!message.is_object() || !message.contains("method")) {
    return error_reply(nullptr, -32600, "invalid request");
  }
  if (!message.contains("id")) return nullptr;
  const json& id = message["id"];
  const std::string method = message["method"].is_string() ? message["method"].get<std::string>() : "";
  const json params = message.value("params", json::object());
  if (method == "initialize") return result_reply(id, initialize_result(params));
  if (method == "ping") return result_reply(id, json::object());
  if (method == "tools/list") return result_reply(id, {{"tools", json::array({echo_tool()})}});
  if (method == "tools/call") return call_tool(id, params);
  return error_reply(id, -32601, "method not found: " + method);
}

void handle_line(const std::string& line) {
  if (line.empty() || line == "\r") return;
  json message = json::parse(line, nullptr, false);
  json reply = message.is_discarded() ? error_reply(nullptr, -32700, "parse error") : reply_to(message);
  if (reply.is_null()) return;
  const std::string out = reply.dump() + "\n";
  mcp_warden::bench::write_all(STDOUT_FILENO, out.data(), out.size());
}

// Feeds every complete line of stdin to handle_line until EOF.
void serve() {
  std::string pending;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      handle_line(pending.substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
}

}  // namespace

int main() {
  ::signal(SIGPIPE, SIG_IGN);
  serve();
  return 0;
}
