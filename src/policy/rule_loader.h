// Parses one `rules:` entry (name, match, action, reason, rate_limit,
// secret) into an internal::Rule. Internal to mcp_warden_policy.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "mcp_warden/base/status.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "model.h"

namespace mcp_warden::policy::internal {

Result<Rule> parse_rule(const std::string& origin, const YAML::Node& node,
                        const PathNormalizer& normalizer);

// "N/second", "N/minute", "N/hour" or "N/day" with 1 <= N <= 1e9.
std::optional<RateLimit> parse_rate_limit(const std::string& text);

}  // namespace mcp_warden::policy::internal
