// Message: one JSON-RPC message as received — the exact line plus a parsed view.
//
// The raw line is what gets relayed when mcp-warden changes nothing, so a
// message passes byte for byte. The parsed view (strict: duplicate keys and
// invalid UTF-8 refused, strings decoded) is what every decision is made on,
// so mcp-warden judges exactly what the server will read.
//
// Two ways in, refusing exactly the same lines with exactly the same errors:
// parse_message() builds the whole body; skim_message() reads the whole line
// just as strictly but keeps only its header (kind, id, method, whether
// "result"/"error" are present), and ensure_body() builds the body later for
// the few messages a filter has to look into.
//
// Value type; not shared between threads while being modified.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"
#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::rpc {

enum class MessageKind {
  kRequest,       // has "method" and a valid "id" (string or integer)
  kNotification,  // has "method" and no "id"
  kResponse,      // has "result" or "error", and "id"
  kBatch,         // a JSON array of messages (protocol 2025-03-26 only)
};

struct Message {
  std::string raw;      // the line as received, without '\n'
  nlohmann::json body;  // the parsed line; null until ensure_body() after skim_message()
  bool body_parsed = true;  // false only after skim_message(): `body` is not built yet
  MessageKind kind = MessageKind::kNotification;
  std::string method;   // requests and notifications
  nlohmann::json id;    // requests and responses (null otherwise)
  bool has_result = false;  // a top-level "result" member is present (any kind but kBatch)
  bool has_error = false;   // a top-level "error" member is present (any kind but kBatch)
  // Requests and notifications: the string at "params"."name" (a tools/call's
  // tool), empty when "params" is not an object or its "name" not a string.
  std::string params_name;
  std::vector<Message> batch;  // kBatch: the elements (their `raw` is empty)

  bool is_request(std::string_view m) const { return kind == MessageKind::kRequest && method == m; }
};

// Why a line could not become a Message, with the JSON-RPC error to answer.
struct MessageError {
  int code = 0;           // -32700 parse error, -32600 invalid request
  std::string message;    // human-readable, names the problem
  nlohmann::json id;      // the request's id when it could be read, else null
  // The refused line as it was given to parse_message()/skim_message(),
  // handed back so the caller can still show or inspect it (empty from
  // classify_message(), which is given no line).
  std::string line;
};

// Parses and classifies one line. Errors carry the reply to send: malformed
// JSON, invalid UTF-8 or too deep → -32700; well-formed JSON that is not a
// JSON-RPC message (no method/result/error, an id that is null, fractional,
// boolean, an object or an array on a request, an empty batch) → -32600.
std::variant<Message, MessageError> parse_message(std::string raw, const JsonParseOptions& options = {});

// Classifies `raw` exactly as parse_message() does — the same lines refused
// with the same MessageError (code, message, id), the same kind, id, method,
// has_result, has_error and params_name — without building the body of an object: the
// whole line is still read strictly (UTF-8, depth, duplicate keys at every
// level, trailing bytes), only nothing of it is kept but the header.
// A returned Message has body_parsed == false and a null body, except for a
// batch (and any line that is not a JSON object), which is parsed in full.
std::variant<Message, MessageError> skim_message(std::string raw, const JsonParseOptions& options = {});

// Builds m.body from m.raw if it is not built yet; afterwards `m` is what
// parse_message() would have returned for the same line. For a Message from
// skim_message() this does not fail (the line was already read under the
// caller's depth limit, so none is applied again) unless memory runs out.
// OK and a no-op when body_parsed is already true.
Status ensure_body(Message& m);

// Classifies an already parsed JSON value (used for batch elements).
std::variant<Message, MessageError> classify_message(nlohmann::json body);

// The key under which a request id is tracked: its canonical JSON text, so
// the string "1" and the integer 1 are different ids.
std::string id_key(const nlohmann::json& id);

// What can still be read of a line of which only the first and last bytes
// were kept (an oversized line).
struct RecoveredHeader {
  std::optional<nlohmann::json> id;  // the top-level "id", when sure of it
  bool has_method = false;           // a top-level "method" key was seen
  bool has_result_or_error = false;  // a top-level "result" or "error" key was seen
};
RecoveredHeader recover_header(std::string_view head, std::string_view tail);

}  // namespace mcp_warden::rpc
