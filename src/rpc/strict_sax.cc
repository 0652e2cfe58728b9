#include "strict_sax.h"

namespace mcp_warden::rpc::internal {

Status malformed_json_at(std::size_t position, const nlohmann::detail::exception& e) {
  // nlohmann's text reads "[json.exception.parse_error.101] parse error at
  // line 1, column 3: syntax error while parsing value - <detail>"; keep
  // the detail after the last " - " when there is one.
  std::string what = e.what();
  auto dash = what.rfind(" - ");
  std::string detail = dash == std::string::npos ? what : what.substr(dash + 3);
  return Status::invalid_argument("malformed JSON at byte " + std::to_string(position) + ": " + detail);
}

Status nested_too_deep(std::size_t max_depth) {
  return Status::limit_exceeded("JSON nested deeper than " + std::to_string(max_depth) + " levels");
}

Status duplicate_key(const std::string& key) {
  return Status::invalid_argument("duplicate object key \"" + key + "\"");
}

Status binary_value() { return Status::invalid_argument("binary values are not JSON"); }

}  // namespace mcp_warden::rpc::internal
