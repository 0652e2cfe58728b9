#include "mcp_warden/rpc/json_parse.h"

#include <string>
#include <vector>

#include "strict_sax.h"

namespace mcp_warden::rpc {
namespace {

using nlohmann::json;

// A strict reader's handler (strict_sax.h) that builds the DOM nlohmann's
// own parser would build, but refuses duplicate keys and excessive depth.
// Returning false stops the parse.
class StrictDomBuilder {
 public:
  StrictDomBuilder(json& root, std::size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v) { return put(json(v)); }
  bool string(std::string_view v) { return put(json(std::string(v))); }

  bool start_object() { return open(json::object()); }
  bool start_array() { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string_view k) {
    json& object = *stack_.back();
    if (object.contains(k)) {
      return fail(internal::duplicate_key(k));
    }
    pending_key_.assign(k);
    return true;
  }

  const Status& error() const { return error_; }

 private:
  bool fail(Status s) {
    if (error_.is_ok()) error_ = std::move(s);
    return false;
  }

  // Places `value` in the current container (or as the root); returns a
  // pointer to where it now lives.
  json* place(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[pending_key_];
    slot = std::move(value);
    return &slot;
  }

  bool put(json value) {
    place(std::move(value));
    return true;
  }

  bool open(json container) {
    if (stack_.size() >= max_depth_) {
      return fail(internal::nested_too_deep(max_depth_));
    }
    stack_.push_back(place(std::move(container)));
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::size_t max_depth_;
  std::vector<json*> stack_;
  std::string pending_key_;
  Status error_;
};

}  // namespace

Result<nlohmann::json> parse_json_strict(std::string_view text, const JsonParseOptions& options) {
  json root;
  StrictDomBuilder builder(root, options.max_depth);
  Status status = internal::run_strict_sax(text, builder, options.max_depth);
  if (!status.is_ok()) return status;
  return root;
}

}  // namespace mcp_warden::rpc
