// Whether a rule's `match:` holds for a call. Internal to mcp_warden_policy.
// Never throws and never fails: a condition on a missing or mistyped
// argument simply does not hold (and `not: true` turns that into holding).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "call_view.h"
#include "model.h"

namespace mcp_warden::policy::internal {

// The argument that made a condition hold, for the decision's reason.
struct Evidence {
  std::string pointer;  // "" when no argument was involved
  std::string value;    // the value, shortened for display
};

// Method, server, tool, annotation and tool-word conditions only.
bool static_match_holds(const Match& match, std::string_view method, std::string_view server, std::string_view tool,
                        const ToolAnnotations& annotations, const std::vector<std::string>& words);

// Trust, tier, solicited, url_host and args: what static_match_holds leaves out, so a rule
// matches when both hold. On success *evidence names the last argument that
// made an args condition hold.
bool dynamic_match_holds(const Match& match, CallView& view, Evidence* evidence);

bool condition_holds(const ArgCondition& cond, CallView& view, Evidence* evidence);

}  // namespace mcp_warden::policy::internal
