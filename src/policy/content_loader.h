// Loading what the policy says about content: the `content:` list of a
// rule's match, the `responses:` section and `retention_rules:`
// (response_rules.h, retention_rules.h). Internal to mcp_warden_policy.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "mcp_warden/base/status.h"
#include "mcp_warden/inspect/finding.h"
#include "mcp_warden/policy/response_rules.h"
#include "mcp_warden/policy/retention_rules.h"

namespace mcp_warden::policy::internal {

// A list of kind names (inspect::kind_name) or `personal_data` (ssn, iban,
// email, phone); at least one.
Result<inspect::KindSet> parse_content_kinds(const std::string& origin, const YAML::Node& node);

// Appends the rules of a `responses:` list; a name already used is an error.
Status add_response_rules(const std::string& origin, const YAML::Node& node, ResponseRules* rules);

// Replaces the rule of each kind a `retention_rules:` mapping names.
Status read_retention_rules(const std::string& origin, const YAML::Node& node, RetentionRules* rules);

}  // namespace mcp_warden::policy::internal
