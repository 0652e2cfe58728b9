#include "mcp_warden/proxy/audit_records.h"

#include <array>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/audit/redact.h"
#include "mcp_warden/proxy/content_inspection.h"
#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::proxy {
namespace {

constexpr std::array<std::string_view, 8> kOutcomeNames = {
    "ok", "is_error", "error", "no_reply", "timeout", "cancelled", "dropped_oversize", "unreadable"};

std::string redacted_arguments(const nlohmann::json* arguments, bool known_clean) {
  if (arguments == nullptr) return "null";
  auto redacted = audit::redact_secrets(*arguments, {}, known_clean ? audit::ContentScan::kKnownClean : audit::ContentScan::kScan);
  return rpc::dump_wire(redacted ? std::move(redacted).value() : nlohmann::json("[unrecordable arguments]"));
}

// Appends `,"key":` (or `"key":` first) to an object being written.
void key(std::string& out, std::string_view name) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += name;
  out += "\":";
}

void string_field(std::string& out, std::string_view name, std::string_view value) {
  key(out, name);
  out += rpc::dump_wire(nlohmann::json(std::string(value)));
}

void int_field(std::string& out, std::string_view name, int64_t value) {
  key(out, name);
  out += std::to_string(value);
}

bool is_tools_call(const MethodSpec* spec) { return spec == nullptr || spec->id == GovernedMethod::kToolsCall; }

}  // namespace

std::string_view outcome_name(Outcome outcome) { return kOutcomeNames.at(static_cast<std::size_t>(outcome)); }

// Keys in sorted order: arguments, content, decision, direction, first_round_seq,
// method, solicited, task_id, trust, url_host. A tools/call's entry carries
// no direction or method (its kind says it), so it reads as it always has.
audit::NewEntry RequestRecord::to_entry() const {
  audit::NewEntry entry;
  entry.kind = spec != nullptr ? spec->request_kind : audit::EntryKind::kToolCall;
  entry.tool = subject;
  entry.request_id = request_id;
  entry.decision = std::string(action);
  std::string out = "{";
  key(out, "arguments");
  out += redacted_arguments(arguments, arguments_clean);
  if (content != nullptr && (!content->empty() || content->incomplete)) {
    key(out, "content");
    out += rpc::dump_wire(content_record(*content));
  }
  key(out, "decision");
  out += decision_json;
  if (!is_tools_call(spec)) string_field(out, "direction", direction_name(spec->direction));
  if (first_round_seq >= 0) int_field(out, "first_round_seq", first_round_seq);
  if (!is_tools_call(spec)) string_field(out, "method", spec->name);
  if (solicited) {
    key(out, "solicited");
    out += *solicited ? "true" : "false";
  }
  if (!task_id.empty()) string_field(out, "task_id", task_id);
  if (trust_score) {
    key(out, "trust");
    out += "{\"score\":" + std::to_string(*trust_score) + ",\"tier\":" +
           rpc::dump_wire(nlohmann::json(trust_tier.value_or(""))) + "}";
  }
  if (!url_host.empty()) string_field(out, "url_host", url_host);
  entry.payload = out + "}";
  return entry;
}

// Keys in sorted order: call_seq (tools) or request_seq, content, error, latency_us,
// method, outcome, result_bytes, result_sha256, task_id, task_status.
audit::NewEntry OutcomeRecord::to_entry() const {
  audit::NewEntry entry;
  entry.kind = spec != nullptr ? spec->outcome_kind : audit::EntryKind::kToolResult;
  entry.tool = subject;
  entry.request_id = request_id;
  const bool tool_shape = entry.kind == audit::EntryKind::kToolResult;
  std::string out = "{";
  if (tool_shape) int_field(out, "call_seq", request_seq);
  if (content != nullptr && !content->is_null()) {
    key(out, "content");
    out += rpc::dump_wire(*content);
  }
  if (error != nullptr) {
    key(out, "error");
    out += rpc::dump_wire(*error);
  }
  if (latency_us >= 0) int_field(out, "latency_us", latency_us);
  if (!tool_shape) string_field(out, "method", spec->name);
  string_field(out, "outcome", outcome_name(outcome));
  if (!tool_shape) int_field(out, "request_seq", request_seq);
  if (!raw.empty()) {
    int_field(out, "result_bytes", static_cast<int64_t>(raw.size()));
    string_field(out, "result_sha256", audit::to_hex(audit::sha256(raw)));
  }
  if (!task_id.empty()) string_field(out, "task_id", task_id);
  if (!task_status.empty()) string_field(out, "task_status", task_status);
  entry.payload = out + "}";
  return entry;
}

}  // namespace mcp_warden::proxy
