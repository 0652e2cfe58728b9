#include "yaml_util.h"

#include <charconv>
#include <set>
#include <vector>

namespace mcp_warden::policy::internal {
namespace {

std::string join(std::initializer_list<std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool is_plain(const YAML::Node& node) { return node.Tag() != "!"; }

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> parse_double(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string::npos) {
    return std::nullopt;
  }
  double value = 0;
  const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

nlohmann::json plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (auto i = parse_int(text)) return *i;
  if (auto d = parse_double(text)) return *d;
  return text;
}

constexpr int kMaxDepth = 64;
constexpr int64_t kMaxNodes = 100000;

// False once the walk exceeds kMaxDepth or *budget nodes.
bool bounded(const YAML::Node& node, int depth, int64_t* budget) {
  if (depth > kMaxDepth || --*budget < 0) return false;
  if (!node.IsMap() && !node.IsSequence()) return true;
  for (const auto& entry : node) {
    if (node.IsMap() ? !bounded(entry.second, depth + 1, budget) || !bounded(entry.first, depth + 1, budget)
                     : !bounded(entry, depth + 1, budget)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string where(const std::string& origin, const YAML::Node& node) {
  if (!node.IsDefined()) return origin;
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return origin;
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Status error_at(const std::string& origin, const YAML::Node& node, const std::string& message) {
  return Status::invalid_argument(where(origin, node) + ": " + message);
}

Result<YAML::Node> load_yaml(std::string_view text, const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    int64_t budget = kMaxNodes;
    if (!bounded(root, 0, &budget)) {
      return Status::invalid_argument(origin + ":1:1: the document is nested deeper than 64 levels or has "
                                      "more than 100000 nodes (counting aliases)");
    }
    return root;
  } catch (const YAML::Exception& e) {
    std::string where_text = origin;
    if (!e.mark.is_null()) {
      where_text += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return Status::invalid_argument(where_text + ": bad YAML: " + e.msg);
  }
}

Status check_keys(const std::string& origin, const YAML::Node& map, std::string_view what,
                  std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) return error_at(origin, map, std::string(what) + " must be a mapping");
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      return error_at(origin, entry.first, "unknown key \"" + key + "\" in " + std::string(what) +
                                               " (expected one of: " + join(allowed) + ")");
    }
    if (!seen.insert(key).second) {
      return error_at(origin, entry.first, "duplicate key \"" + key + "\" in " + std::string(what));
    }
  }
  return Status::ok();
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& entry : node) out[entry.first.Scalar()] = yaml_to_json(entry.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(yaml_to_json(item));
    return out;
  }
  if (!node.IsScalar()) return nullptr;
  return is_plain(node) ? plain_scalar(node.Scalar()) : nlohmann::json(node.Scalar());
}

Result<std::string> read_string(const std::string& origin, const YAML::Node& node,
                                std::string_view what) {
  if (!node.IsScalar()) return error_at(origin, node, std::string(what) + " must be a string");
  return node.Scalar();
}

Result<std::vector<std::string>> read_string_list(const std::string& origin,
                                                  const YAML::Node& node, std::string_view what) {
  std::vector<YAML::Node> items;
  if (node.IsSequence()) {
    for (const auto& item : node) items.push_back(item);
  } else {
    items.push_back(node);
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : items) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      return error_at(origin, item, std::string(what) + " must be a non-empty string or a list of them");
    }
    out.push_back(item.Scalar());
  }
  if (out.empty()) return error_at(origin, node, std::string(what) + " must not be empty");
  return out;
}

Result<int64_t> read_int(const std::string& origin, const YAML::Node& node, std::string_view what) {
  std::optional<int64_t> value;
  if (node.IsScalar() && is_plain(node)) value = parse_int(node.Scalar());
  if (!value) return error_at(origin, node, std::string(what) + " must be an integer");
  return *value;
}

Result<bool> read_bool(const std::string& origin, const YAML::Node& node, std::string_view what) {
  nlohmann::json value = node.IsScalar() ? yaml_to_json(node) : nlohmann::json();
  if (!value.is_boolean()) return error_at(origin, node, std::string(what) + " must be true or false");
  return value.get<bool>();
}

}  // namespace mcp_warden::policy::internal
