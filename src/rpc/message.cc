#include "mcp_warden/rpc/message.h"

#include <cctype>
#include <cstring>
#include <optional>

#include "classify.h"
#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

MessageError invalid(std::string message, json id = nullptr) {
  return MessageError{kInvalidRequest, std::move(message), std::move(id), {}};
}

bool is_valid_request_id(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

// A request or a notification: the object has a "method".
std::optional<MessageError> classify_call(Message& m, internal::ObjectHeader& h) {
  if (!h.method_is_string) return invalid("\"method\" must be a string");
  m.method = std::move(h.method);
  m.params_name = std::move(h.params_name);
  if (!h.has_id) {
    m.kind = MessageKind::kNotification;
    return std::nullopt;
  }
  if (!is_valid_request_id(h.id)) {
    return invalid("request id must be a string or an integer, not " + std::string(h.id.type_name()));
  }
  m.id = std::move(h.id);
  m.kind = MessageKind::kRequest;
  return std::nullopt;
}

// A batch's elements are objects: a nested array is refused with the whole
// batch, so a call inside it can never pass as an element without a method.
std::optional<MessageError> classify_batch(Message& m) {
  if (m.body.empty()) return invalid("empty batch");
  for (const json& element : m.body) {
    if (element.is_array()) return invalid("batch element: a nested batch is not allowed");
    auto classified = classify_message(element);
    if (auto* error = std::get_if<MessageError>(&classified)) {
      return invalid("batch element: " + error->message);
    }
    m.batch.push_back(std::move(std::get<Message>(classified)));
  }
  m.kind = MessageKind::kBatch;
  return std::nullopt;
}

// SAX handler noting the top-level keys of an object and its "id" value.
class TopLevelIdFinder {
 public:
  RecoveredHeader header;

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return scalar(json(v)); }
  bool string(std::string& v) { return scalar(json(v)); }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return open(); }
  bool start_array(std::size_t) { return open(); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    at_id_key_ = depth_ == 1 && k == "id";
    if (depth_ != 1) return true;
    if (k == "method") header.has_method = true;
    if (k == "result" || k == "error") header.has_result_or_error = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  bool scalar(json v) {
    if (at_id_key_) header.id = std::move(v);
    at_id_key_ = false;
    return true;
  }
  bool open() {
    at_id_key_ = false;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }
  int depth_ = 0;
  bool at_id_key_ = false;
};

RecoveredHeader header_from_head(std::string_view head) {
  TopLevelIdFinder finder;
  try {
    json::sax_parse(head.begin(), head.end(), &finder, json::input_format_t::json, false, false);
  } catch (const std::exception&) {
    return {};
  }
  return finder.header;
}

// Moves `end` left past whitespace in s[0, end).
std::size_t skip_space_back(std::string_view s, std::size_t end) {
  while (end > 0 && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return end;
}

// Finds where the scalar value ending at s[end-1] starts; npos if not a
// plain integer or an escape-free string.
std::size_t scalar_start_back(std::string_view s, std::size_t end) {
  if (end == 0) return std::string_view::npos;
  if (s[end - 1] == '"') {
    if (end < 2) return std::string_view::npos;
    std::size_t open = s.rfind('"', end - 2);
    if (open == std::string_view::npos) return std::string_view::npos;
    if (s.substr(open, end - open).find('\\') != std::string_view::npos) return std::string_view::npos;
    return open;
  }
  std::size_t start = end;
  while (start > 0 && (std::isdigit(static_cast<unsigned char>(s[start - 1])) || s[start - 1] == '-')) --start;
  return start == end ? std::string_view::npos : start;
}

// In valid JSON the last '}' of a line closes the top-level object, so a
// `"id": <scalar>` right before it is the top-level id.
std::optional<json> id_from_tail(std::string_view tail) {
  std::size_t end = skip_space_back(tail, tail.size());
  if (end == 0 || tail[end - 1] != '}') return std::nullopt;
  std::size_t value_end = skip_space_back(tail, end - 1);
  std::size_t value_start = scalar_start_back(tail, value_end);
  if (value_start == std::string_view::npos) return std::nullopt;
  std::size_t colon = skip_space_back(tail, value_start);
  if (colon == 0 || tail[colon - 1] != ':') return std::nullopt;
  std::size_t key_end = skip_space_back(tail, colon - 1);
  if (key_end < 5 || tail.substr(key_end - 4, 4) != "\"id\"") return std::nullopt;
  std::size_t before = skip_space_back(tail, key_end - 4);
  if (before == 0 || (tail[before - 1] != ',' && tail[before - 1] != '{')) return std::nullopt;
  auto value = parse_json_strict(tail.substr(value_start, value_end - value_start));
  if (!value) return std::nullopt;
  return std::move(value).value();
}

}  // namespace

namespace internal {

ObjectHeader header_of(const json& object) {
  ObjectHeader h;
  if (auto id = object.find("id"); id != object.end()) {
    h.has_id = true;
    h.id = *id;
  }
  if (auto method = object.find("method"); method != object.end()) {
    h.has_method = true;
    h.method_is_string = method->is_string();
    if (h.method_is_string) h.method = method->get<std::string>();
  }
  h.has_result = object.contains("result");
  h.has_error = object.contains("error");
  if (auto params = object.find("params"); params != object.end() && params->is_object()) {
    if (auto name = params->find("name"); name != params->end() && name->is_string()) {
      h.params_name = name->get<std::string>();
    }
  }
  return h;
}

std::optional<MessageError> classify_into(Message& m, ObjectHeader& h) {
  m.has_result = h.has_result;
  m.has_error = h.has_error;
  if (h.has_method) return classify_call(m, h);
  if ((h.has_result || h.has_error) && h.has_id) {
    m.id = std::move(h.id);
    m.kind = MessageKind::kResponse;
    return std::nullopt;
  }
  return invalid("not a JSON-RPC message: no \"method\", \"result\" or \"error\"");
}

MessageError with_line(MessageError error, std::string raw) {
  error.line = std::move(raw);
  return error;
}

void attach_line(std::variant<Message, MessageError>& result, std::string raw) {
  if (auto* m = std::get_if<Message>(&result)) {
    m->raw = std::move(raw);
  } else {
    std::get<MessageError>(result).line = std::move(raw);
  }
}

bool starts_with_bom(std::string_view raw) { return raw.substr(0, 3) == "\xEF\xBB\xBF"; }

MessageError bom_error() {
  return MessageError{kParseError, "Parse error: a byte order mark is not allowed before a JSON-RPC message", nullptr, {}};
}

bool has_inner_carriage_return(std::string_view raw) {
  const void* cr = std::memchr(raw.data(), '\r', raw.size());
  return cr != nullptr && static_cast<const char*>(cr) != raw.data() + raw.size() - 1;
}

void refuse_split_line(std::variant<Message, MessageError>& result) {
  auto* m = std::get_if<Message>(&result);
  if (m == nullptr) return;
  json id = m->kind == MessageKind::kRequest ? std::move(m->id) : json(nullptr);
  std::string line = std::move(m->raw);
  result = MessageError{kInvalidRequest,
                        "Invalid Request: a raw carriage return inside a line (only one before the newline is "
                        "allowed); some readers split the line there",
                        std::move(id), std::move(line)};
}

MessageError parse_error(const Status& status) {
  return MessageError{kParseError, "Parse error: " + status.message(), nullptr, {}};
}

}  // namespace internal

std::variant<Message, MessageError> classify_message(json body) {
  // Built in place: the Message is not moved on its way out.
  std::variant<Message, MessageError> result(std::in_place_type<Message>);
  Message& m = std::get<Message>(result);
  m.body = std::move(body);
  std::optional<MessageError> error;
  if (m.body.is_object()) {
    internal::ObjectHeader header = internal::header_of(m.body);
    error = internal::classify_into(m, header);
  } else if (m.body.is_array()) {
    error = classify_batch(m);
  } else {
    error = invalid(std::string("not a JSON-RPC message: a JSON ") + m.body.type_name());
  }
  if (error) result = std::move(*error);
  return result;
}

std::variant<Message, MessageError> parse_message(std::string raw, const JsonParseOptions& options) {
  // Refuse a byte order mark, so we never judge a line the server would read differently.
  if (internal::starts_with_bom(raw)) return internal::with_line(internal::bom_error(), std::move(raw));
  auto parsed = parse_json_strict(raw, options);
  if (!parsed) return internal::with_line(internal::parse_error(parsed.status()), std::move(raw));
  bool split_risk = internal::has_inner_carriage_return(raw);
  auto classified = classify_message(std::move(parsed).value());
  internal::attach_line(classified, std::move(raw));
  if (split_risk) internal::refuse_split_line(classified);
  return classified;
}

// Integers (the usual ids) print as dump() would print them, without the
// serializer; everything else goes through it.
std::string id_key(const json& id) {
  if (id.is_number_unsigned()) return std::to_string(id.get<uint64_t>());
  if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
  return dump_wire(id);
}

RecoveredHeader recover_header(std::string_view head, std::string_view tail) {
  RecoveredHeader header = header_from_head(head);
  if (!header.id) header.id = id_from_tail(tail);
  return header;
}

}  // namespace mcp_warden::rpc
