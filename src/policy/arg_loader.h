// Parses a rule's `match.args:` list into ArgConditions: a `path` (JSON
// Pointer or "*"), optional `not: true`, and exactly one operator. Regexes
// are compiled with RE2 here, so a bad one is a load error with its line.
// Internal to mcp_warden_policy.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "mcp_warden/base/status.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "model.h"

namespace mcp_warden::policy::internal {

Status parse_arg_conditions(const std::string& origin, const YAML::Node& node,
                            const PathNormalizer& normalizer, std::vector<ArgCondition>* out);

}  // namespace mcp_warden::policy::internal
