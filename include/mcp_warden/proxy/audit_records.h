// Typed audit records of the governed pipeline, each with one serializer.
//
// A RequestRecord is the decision on one governed request (a `tool_call`
// entry for tools/call, a `request` entry for every other method); an
// OutcomeRecord is what became of it (`tool_result` / `response`). Their
// payloads are compact JSON with sorted keys, exactly as rpc::dump_wire()
// would write the same object, built without copying the arguments into a
// DOM (docs/audit.md lists every field). Secrets in arguments are redacted
// by audit::redact_secrets before they are written; content findings are
// recorded by kind, place and keyed hash, never by value.
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/entry.h"
#include "mcp_warden/inspect/scan.h"
#include "mcp_warden/proxy/governed_methods.h"

namespace mcp_warden::proxy {

// What became of a governed request.
enum class Outcome : uint8_t {
  kOk,               // answered with a result
  kIsError,          // a CallToolResult with isError
  kError,            // a JSON-RPC error
  kNoReply,          // the other side exited with the request pending
  kTimeout,          // unanswered within --call-timeout-ms
  kCancelled,        // the requester cancelled it (notifications/cancelled)
  kDroppedOversize,  // the answer exceeded --max-message-bytes and was dropped
  kUnreadable,       // the answer's body could not be built
};

// "ok", "is_error", "error", "no_reply", "timeout", "cancelled",
// "dropped_oversize", "unreadable".
std::string_view outcome_name(Outcome outcome);

struct RequestRecord {
  const MethodSpec* spec = nullptr;
  std::string subject;
  std::string request_id;                     // rpc::id_key of the request's id
  const nlohmann::json* arguments = nullptr;  // tools: params.arguments; others: params
  std::string_view decision_json;             // policy::to_json(decision), serialized
  std::string_view action;                    // the decision's action name
  std::optional<int> trust_score;
  std::optional<std::string> trust_tier;
  std::optional<bool> solicited;  // server→client requests
  std::string url_host;           // URL elicitation
  int64_t first_round_seq = -1;   // a retried (input-required) request: its first round's entry
  std::string task_id;            // tasks/*: the task asked about
  // The content step's findings in the arguments (kind, detector, where,
  // count, keyed hashes; never a value): "content" when any.
  const inspect::Report* content = nullptr;
  // The request's raw line certainly holds no finding (the content step's
  // ContentInspection::raw_is_clean): the detectors need not run again to
  // redact the recorded arguments.
  bool arguments_clean = false;

  // The entry (session and server are stamped by the recorder).
  audit::NewEntry to_entry() const;
};

struct OutcomeRecord {
  const MethodSpec* spec = nullptr;
  std::string subject;
  std::string request_id;
  int64_t request_seq = -1;  // the decision's entry (call_seq for tools)
  Outcome outcome = Outcome::kOk;
  int64_t latency_us = -1;   // -1: not applicable
  std::string_view raw;      // the response as received ("" when none)
  const nlohmann::json* error = nullptr;  // the JSON-RPC error object, when any
  std::string task_id;       // tasks/result: the task whose result this is
  std::string task_status;   // tasks/result: the task's final status when known
  // What the content inspection found in the result and did about it
  // (content_inspection.h, content_record()); null when nothing.
  const nlohmann::json* content = nullptr;

  audit::NewEntry to_entry() const;
};

}  // namespace mcp_warden::proxy
