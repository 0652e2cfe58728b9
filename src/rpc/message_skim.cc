// skim_message() and ensure_body(): see mcp_warden/rpc/message.h.
#include <limits>
#include <string>
#include <utility>

#include "classify.h"
#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/message.h"
#include "strict_sax.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

// A strict reader's handler (strict_sax.h), as strict as parse_json_strict's
// DOM builder — it fails at the same event with the same error for depth,
// duplicate keys (in every object, not only the top level) and malformed
// input — that keeps only the
// header of a top-level object and "params"."name" (a tools/call's tool).
// For what it does not read itself (a root that is not an object, an "id"
// that is an object or an array) it stops and asks for a full parse, which
// is rare and keeps the result identical.
class HeaderSkimmer {
 public:
  // `keys` is scratch space, cleared first: reused from line to line.
  // `text` is the line about to be read (it must outlive the reading).
  HeaderSkimmer(std::size_t max_depth, internal::OpenObjectKeys& keys, std::string_view text)
      : max_depth_(max_depth), keys_(keys) {
    keys_.clear(text);
  }

  bool null() { return scalar([] { return json(nullptr); }); }
  bool boolean(bool v) { return scalar([v] { return json(v); }); }
  bool number_integer(json::number_integer_t v) { return scalar([v] { return json(v); }); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar([v] { return json(v); }); }
  bool number_float(json::number_float_t v) { return scalar([v] { return json(v); }); }
  bool string(std::string_view v) {
    if (depth_ == 1 && member_ == Member::kMethod) {
      header_.method_is_string = true;
      header_.method = v;
    } else if (depth_ == 2 && in_params_ && at_params_name_) {
      header_.params_name = v;
    }
    return scalar([v] { return json(std::string(v)); });
  }

  bool start_object() {
    bool opens_params = depth_ == 1 && member_ == Member::kParams;
    if (!enter()) return false;
    keys_.open();
    in_params_ = in_params_ || opens_params;
    return true;
  }
  bool start_array() { return depth_ == 0 ? full_parse() : enter(); }
  bool end_object() {
    if (depth_ == 2) in_params_ = false;
    keys_.close();
    --depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }

  bool key(std::string_view k) {
    if (!keys_.insert(k)) return fail(internal::duplicate_key(k));
    if (depth_ == 1) note_member(k);
    if (depth_ == 2 && in_params_) at_params_name_ = k == "name";
    return true;
  }

  const Status& error() const { return error_; }
  bool needs_full_parse() const { return needs_full_parse_; }
  internal::ObjectHeader take_header() { return std::move(header_); }

 private:
  enum class Member { kOther, kId, kMethod, kParams };  // the top-level member whose value comes next

  // A scalar value; `make` builds it only when it is the top-level "id".
  template <typename Make>
  bool scalar(Make make) {
    if (depth_ == 0) return full_parse();
    if (depth_ == 1 && member_ == Member::kId) header_.id = make();
    return true;
  }

  // Mirrors StrictDomBuilder::open: the depth check comes first.
  bool enter() {
    if (depth_ >= max_depth_) return fail(internal::nested_too_deep(max_depth_));
    if (depth_ == 1 && member_ == Member::kId) return full_parse();
    ++depth_;
    return true;
  }

  void note_member(std::string_view k) {
    member_ = Member::kOther;
    if (k == "id") {
      header_.has_id = true;
      member_ = Member::kId;
    } else if (k == "method") {
      header_.has_method = true;
      member_ = Member::kMethod;
    } else if (k == "params") {
      member_ = Member::kParams;
    } else if (k == "result") {
      header_.has_result = true;
    } else if (k == "error") {
      header_.has_error = true;
    }
  }

  bool fail(Status s) {
    if (error_.is_ok()) error_ = std::move(s);
    return false;
  }

  bool full_parse() {
    needs_full_parse_ = true;
    return false;
  }

  std::size_t max_depth_;
  std::size_t depth_ = 0;  // containers open
  Member member_ = Member::kOther;
  bool in_params_ = false;        // the open container at depth 2 is the top-level "params" object
  bool at_params_name_ = false;   // in it, the value that comes next is "name"'s
  internal::ObjectHeader header_;
  internal::OpenObjectKeys& keys_;
  Status error_;
  bool needs_full_parse_ = false;
};

}  // namespace

std::variant<Message, MessageError> skim_message(std::string raw, const JsonParseOptions& options) {
  if (internal::starts_with_bom(raw)) return internal::with_line(internal::bom_error(), std::move(raw));
  thread_local internal::OpenObjectKeys keys;  // its buffers outlive a line
  HeaderSkimmer skimmer(options.max_depth, keys, raw);
  Status status = internal::run_strict_sax(raw, skimmer, options.max_depth);
  if (skimmer.needs_full_parse()) return parse_message(std::move(raw), options);
  if (!status.is_ok()) return internal::with_line(internal::parse_error(status), std::move(raw));
  std::variant<Message, MessageError> result(std::in_place_type<Message>);  // built in place, never moved
  Message& m = std::get<Message>(result);
  m.body_parsed = false;
  internal::ObjectHeader header = skimmer.take_header();
  if (auto error = internal::classify_into(m, header)) result = std::move(*error);
  bool split_risk = internal::has_inner_carriage_return(raw);
  internal::attach_line(result, std::move(raw));
  if (split_risk) internal::refuse_split_line(result);
  return result;
}

Status ensure_body(Message& m) {
  if (m.body_parsed) return Status::ok();
  JsonParseOptions already_checked;
  already_checked.max_depth = std::numeric_limits<std::size_t>::max();
  auto body = parse_json_strict(m.raw, already_checked);
  if (!body) return body.status();
  m.body = std::move(body).value();
  m.body_parsed = true;
  return Status::ok();
}

}  // namespace mcp_warden::rpc
