// Sub-command registration: each module's commands attach themselves to the
// root CLI11 app. A command's callback runs it and stores its process exit
// status in *exit_status (0 success; see each command's doc for the rest).
// Start-up and configuration errors may throw; main() prints one line for
// them and exits non-zero.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mcp_warden::cli {

void register_proxy_command(CLI::App& app, int* exit_status);
void register_policy_commands(CLI::App& app, int* exit_status);
void register_audit_commands(CLI::App& app, int* exit_status);
void register_trust_commands(CLI::App& app, int* exit_status);
void register_integration_commands(CLI::App& app, int* exit_status);
void register_doctor_command(CLI::App& app, int* exit_status);
void register_report_command(CLI::App& app, int* exit_status);
void register_inspect_command(CLI::App& app, int* exit_status);
void register_sandbox_commands(CLI::App& app, int* exit_status);
void register_approval_commands(CLI::App& app, int* exit_status);

// Rewrites AgentMesh's `proxy --target CMD --target ARG ...` into
// `proxy ... -- CMD ARG ...`; any other argv is returned unchanged.
std::vector<std::string> normalize_target_args(std::vector<std::string> argv);

}  // namespace mcp_warden::cli
