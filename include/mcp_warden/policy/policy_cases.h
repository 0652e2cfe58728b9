// Policy cases and explanations: the logic behind `mcp-warden policy test`
// and `policy explain`, kept here so unit tests can call it.
//
// A cases file (YAML) names a policy, a tool catalog and cases:
//   policy: strict                  # preset name, or a file relative to this one
//   tools: ../../tests/fixtures/policy/filesystem_tools.json   # optional
//   server: filesystem              # default server name (optional)
//   cases:
//     - name: reading a key is denied
//       tool: read_text_file
//       arguments: {path: ~/.ssh/id_rsa}
//       expect: deny                # or {action: deny, rule: secret-paths,
//                                   #     credential: true, shadow: deny}
// Optional per case: server, trust (int), tier (string), repeat (N: the call
// is made N times and the last decision is checked; for rate limits).
//
// Thread safety: stateless; each call loads its own Policy.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"
#include "mcp_warden/policy/policy.h"

namespace mcp_warden::policy {

struct CaseResult {
  std::string name;
  bool passed = false;
  std::string detail;  // on failure: expected vs actual, else the decision
};

struct CasesReport {
  std::string policy_name;
  std::vector<CaseResult> results;
  int failed() const;
};

// Loads and runs a cases file. Errors (file:line) for a malformed cases file
// or a policy that does not load; failed cases are results, not errors.
Result<CasesReport> run_policy_cases(const std::string& cases_path,
                                     const LoadOptions& options = {});

// Judges `request` (a JSON-RPC tools/call request, or just its params) with
// `policy` against the catalog `tools` (any form parse_tool_list accepts, or
// null). Returns {"decision": to_json(...), "rule": RuleSummary as JSON or
// null, "tool_known": bool, "always_denied": bool, "server_trust_level":
// {"level", "origin"} from the policy's servers: section, or null}.
Result<nlohmann::json> explain_call(Policy& policy, const std::string& server,
                                    const nlohmann::json& tools,
                                    const nlohmann::json& request, const Clock& clock);

}  // namespace mcp_warden::policy
