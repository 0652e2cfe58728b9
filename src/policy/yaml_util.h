// yaml-cpp adapter for the policy loader: parses text without letting a
// yaml-cpp exception escape, formats "file:line:col: problem" errors and
// converts YAML nodes to JSON. Internal to mcp_warden_policy.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "mcp_warden/base/status.h"

namespace mcp_warden::policy::internal {

// "origin:line:col" (1-based) for `node`, or "origin" when it has no mark.
std::string where(const std::string& origin, const YAML::Node& node);

// kInvalidArgument "origin:line:col: message".
Status error_at(const std::string& origin, const YAML::Node& node, const std::string& message);

// Parses one YAML document; a syntax error names the line and column. A
// document nested deeper than 64 levels or with more than 100000 nodes once
// aliases are expanded (a "billion laughs", a self-referencing alias) is
// refused, so later walks over it are bounded.
Result<YAML::Node> load_yaml(std::string_view text, const std::string& origin);

// Fails on a key of `map` not in `allowed`, or a key given twice (YAML
// readers disagree about which one wins). `what` names the map in errors.
Status check_keys(const std::string& origin, const YAML::Node& map, std::string_view what,
                  std::initializer_list<std::string_view> allowed);

// Scalars: quoted → string; plain → null, true/false, integer, float or
// string as YAML 1.2's core schema reads them. Maps and sequences recurse.
nlohmann::json yaml_to_json(const YAML::Node& node);

// Reads a scalar string; fails (naming `what`) on a map, sequence or null.
Result<std::string> read_string(const std::string& origin, const YAML::Node& node,
                                std::string_view what);

// A string or a sequence of strings (each non-empty).
Result<std::vector<std::string>> read_string_list(const std::string& origin,
                                                  const YAML::Node& node, std::string_view what);

// An integer scalar.
Result<int64_t> read_int(const std::string& origin, const YAML::Node& node, std::string_view what);

// A boolean scalar: true/false.
Result<bool> read_bool(const std::string& origin, const YAML::Node& node, std::string_view what);

}  // namespace mcp_warden::policy::internal
