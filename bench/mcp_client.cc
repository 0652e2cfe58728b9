#include "mcp_client.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mcp_warden::bench {
namespace {

using nlohmann::json;

constexpr const char* kProtocolVersion = "2025-06-18";

json request(long long id, const char* method, json params) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json initialize_params() {
  return {{"protocolVersion", kProtocolVersion},
          {"capabilities", json::object()},
          {"clientInfo", {{"name", "mcp-warden-loadgen"}, {"version", "0.1.0"}}}};
}

bool offers_echo(const json& result) {
  if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array()) return false;
  for (const json& tool : result["tools"]) {
    if (tool.is_object() && tool.value("name", std::string()) == "echo") return true;
  }
  return false;
}

// The text of content[0] of a CallToolResult, or "" if it has another shape.
std::string first_text(const json& result) {
  if (!result.is_object() || result.value("isError", false)) return "";
  const auto content = result.find("content");
  if (content == result.end() || !content->is_array() || content->empty()) return "";
  const json& first = (*content)[0];
  if (!first.is_object() || first.value("type", std::string()) != "text") return "";
  const auto text = first.find("text");
  return text != first.end() && text->is_string() ? text->get<std::string>() : "";
}

}  // namespace

McpClient::McpClient(const std::vector<std::string>& argv, const ClientOptions& options)
    : options_(options),
      spawned_at_ns_(monotonic_ns()),
      child_(std::make_unique<ChildProcess>(argv)),
      reader_(child_->stdout_fd()),
      padding_(options.payload_bytes, 'x') {
  if (!child_->started()) fail(child_->error());
}

bool McpClient::fail(const std::string& why) {
  if (error_.empty()) error_ = why;
  return false;
}

bool McpClient::send_line(const std::string& line) {
  if (!ok()) return false;
  const std::string framed = line + "\n";
  if (!write_all(child_->stdin_fd(), framed.data(), framed.size())) {
    return fail("write to target failed (did it exit?)");
  }
  return true;
}

bool McpClient::handshake() {
  json result;
  if (!send_line(request(next_id_++, "initialize", initialize_params()).dump())) return false;
  if (!await_result(0, &result)) return false;
  startup_ns_ = monotonic_ns() - spawned_at_ns_;
  if (!result.is_object() || !result.contains("protocolVersion")) {
    return fail("initialize result has no protocolVersion: " + result.dump());
  }
  if (!send_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})")) return false;
  if (!send_line(request(next_id_++, "tools/list", json::object()).dump())) return false;
  if (!await_result(1, &result)) return false;
  return offers_echo(result) || fail("tools/list does not offer echo: " + result.dump());
}

bool McpClient::await_result(long long id, json* result) {
  json response;
  if (!next_response(&response)) return false;
  if (response.value("id", json()) != json(id)) {
    return fail("expected the reply to id " + std::to_string(id) + ", got " + response.dump());
  }
  if (!response.contains("result")) return fail("error reply: " + response.dump());
  *result = response["result"];
  return true;
}

std::string McpClient::echo_text(long long id) const {
  return "loadgen call #" + std::to_string(id) + " \xc3\xa9" + padding_;
}

bool McpClient::send_echo() {
  const long long id = next_id_++;
  std::string text = echo_text(id);
  json params = {{"name", "echo"}, {"arguments", {{"message", text}}}};
  expected_.emplace(id, std::move(text));
  return send_line(request(id, "tools/call", std::move(params)).dump());
}

bool McpClient::await_echo() {
  json response;
  return next_response(&response) && verify_echo(response);
}

bool McpClient::verify_echo(const json& response) {
  const json& id = response["id"];
  if (!id.is_number_integer()) return fail("reply with a foreign id: " + response.dump());
  const auto it = expected_.find(id.get<long long>());
  if (it == expected_.end()) return fail("reply to no outstanding call: " + response.dump());
  if (!response.contains("result") || first_text(response["result"]) != it->second) {
    return fail("wrong reply to call " + id.dump() + ": " + response.dump().substr(0, 400));
  }
  expected_.erase(it);
  return true;
}

bool McpClient::next_response(json* response) {
  std::string line;
  while (ok()) {
    if (!reader_.read_line(&line, options_.timeout_ms)) {
      return fail("no reply from target: " + reader_.error());
    }
    json message = json::parse(line, nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
      return fail("target wrote a non-JSON-RPC line: " + line.substr(0, 200));
    }
    if (message.contains("method")) {
      if (message.contains("id") && !answer_server_request(message)) return false;
      continue;  // a notification or a server->client request
    }
    if (!message.contains("id")) return fail("message with neither id nor method: " + line);
    *response = std::move(message);
    return true;
  }
  return false;
}

bool McpClient::answer_server_request(const json& request_message) {
  const json reply = {{"jsonrpc", "2.0"},
                      {"id", request_message["id"]},
                      {"error", {{"code", -32601}, {"message", "loadgen supports no requests"}}}};
  return send_line(reply.dump());
}

long McpClient::peak_rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(child_->pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      long kib = -1;
      fields >> kib;
      return kib;
    }
  }
  return -1;
}

long long McpClient::close_and_wait() {
  if (!child_->started()) return -1;
  const long long closed_at = monotonic_ns();
  child_->close_stdin();
  const bool drained = reader_.drain_to_eof(options_.timeout_ms);
  if (!drained) {
    fail("target did not close its stdout after stdin EOF: " + reader_.error());
    return -1;  // ~ChildProcess kills and reaps it
  }
  const int status = child_->wait_for(options_.timeout_ms);
  if (status < 0) {
    fail("target did not exit after stdin EOF within the timeout");
    return -1;
  }
  exit_code_ = exit_code_of(status);
  return monotonic_ns() - closed_at;
}

}  // namespace mcp_warden::bench
