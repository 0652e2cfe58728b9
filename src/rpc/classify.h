// How a top-level JSON object becomes a Message or a MessageError, from the
// few members that decide it. parse_message() reads them from the DOM,
// skim_message() from the SAX events; both classify through here, so they
// cannot disagree. Internal to the rpc module. Stateless.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::rpc::internal {

// The members of a top-level object that classification reads.
struct ObjectHeader {
  bool has_id = false;
  nlohmann::json id;  // when has_id
  bool has_method = false;
  bool method_is_string = false;
  std::string method;  // when method_is_string
  bool has_result = false;
  bool has_error = false;
  std::string params_name;  // "params"."name" when both are there and it is a string
};

ObjectHeader header_of(const nlohmann::json& object);

// Fills kind, id, method, has_result and has_error of `m` from `header`
// (raw and body are kept as given; the header's strings and id are moved
// out); or names why the object is not a JSON-RPC message (`m` is then
// partly filled, to be thrown away).
std::optional<MessageError> classify_into(Message& m, ObjectHeader& header);

// Gives `raw` to the outcome of reading it: as the Message's raw line, or as
// the refusal's line (handed back to the caller).
MessageError with_line(MessageError error, std::string raw);
void attach_line(std::variant<Message, MessageError>& result, std::string raw);

// A line starting with a UTF-8 byte order mark is refused before parsing:
// nlohmann would skip it, JSON.parse (the SDKs) does not.
bool starts_with_bom(std::string_view raw);
MessageError bom_error();

// A raw carriage return anywhere but as the line's last byte. It can only be
// JSON whitespace (a raw one inside a string is invalid JSON), but a reader
// with universal newlines (the Python SDK's stdio server) splits the line
// there, so the line would not mean the same message to every reader.
// A memchr: cheap enough for every line.
bool has_inner_carriage_return(std::string_view raw);

// Turns a line read as a Message into the -32600 refusal of a line with an
// inner carriage return (the request's id kept, so its caller gets an answer).
void refuse_split_line(std::variant<Message, MessageError>& result);

// The -32700 reply for a line the strict parser refused.
MessageError parse_error(const Status& status);

}  // namespace mcp_warden::rpc::internal
