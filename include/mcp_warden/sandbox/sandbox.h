// Sandbox: the kernel sandbox (Landlock) of the server `mcp-warden proxy`
// spawns — what it may read, write and connect to, applied between fork and
// exec so the server and everything it starts are held by it
// (docs/sandbox.md).
//
// prepare() does all the work in the parent before the fork: resolves the
// mode (the stricter of --sandbox and the policy's `sandbox:` entry;
// kDefaultMode when neither says), checks the kernel's Landlock ABI, builds the plan,
// opens every path and fills a ruleset. The child only runs
// run_in_child(): PR_SET_NO_NEW_PRIVS and landlock_restrict_self, two
// async-signal-safe system calls.
//
// Failure: under `enforce` anything that keeps the sandbox from being
// applied (no Landlock, a kernel too old for `network: deny`, a rule the
// kernel refuses) is a refusal to start, with one sentence naming it; under
// `auto` it is one warning and the server runs unsandboxed. Either way the
// record (for the audit's session_start) says what was applied.
//
// Ownership: the proxy runner owns the Launch until the server has been
// spawned. Thread safety: none needed (start-up only).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/io/child_process.h"
#include "mcp_warden/policy/server_settings.h"
#include "mcp_warden/sandbox/plan.h"

namespace mcp_warden::policy {
class Policy;
}

namespace mcp_warden::sandbox {

// The mode when neither --sandbox nor the policy names one: sandbox where
// the kernel can, else run unsandboxed with one warning (docs/sandbox.md).
inline constexpr policy::SandboxMode kDefaultMode = policy::SandboxMode::kAuto;

// A filled Landlock ruleset, applied by the child before exec.
class Sandbox final : public io::PreExecHook {
 public:
  ~Sandbox() override;
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Opens each rule's path and adds it; fails on a ruleset the kernel
  // refuses. A path that vanished since the plan was made is skipped (its
  // rule only allowed). `abi` >= 1.
  static Result<std::unique_ptr<Sandbox>> create(const SandboxPlan& plan, int abi);

  int run_in_child() const noexcept override;
  const char* what() const noexcept override { return "the Landlock sandbox"; }

 private:
  explicit Sandbox(int ruleset_fd) : ruleset_fd_(ruleset_fd) {}
  int ruleset_fd_ = -1;
};

struct LaunchRequest {
  std::vector<std::string> command;
  std::optional<policy::SandboxMode> mode;  // --sandbox; unset: the policy's, else auto
  const policy::Policy* policy = nullptr;   // null: no secrets from a policy, no servers: entry
  std::string server_name;
  std::vector<std::filesystem::path> warden_paths;  // the audit database, mcp-warden's home
  bool create_missing_caches = true;  // mkdir ~/.npm and ~/.cache so npx and uvx can write there
};

// The mode and plan inputs a request leads to (reads the environment:
// HOME, TMPDIR, XDG_CACHE_HOME, npm_config_cache, UV_CACHE_DIR).
struct Resolved {
  policy::SandboxMode mode = policy::SandboxMode::kAuto;
  PlanInputs inputs;
};
Resolved resolve(const LaunchRequest& request);

struct Launch {
  policy::SandboxMode mode = policy::SandboxMode::kOff;
  std::unique_ptr<Sandbox> sandbox;          // null when nothing is applied
  std::optional<io::SpawnError> refusal;     // enforce could not apply it: do not start
  std::string fallback;                      // auto could not apply it: why (already logged)
  int abi = 0;
  SandboxPlan plan;

  // For session_start: {mode, applied, abi, ...plan.summary(), reason}.
  nlohmann::json record() const;
};

// Logs one line: what is applied, or why not.
Launch prepare(const LaunchRequest& request);

// Spawns the server under `launch` (or answers its refusal).
std::variant<std::unique_ptr<io::ChildProcess>, io::SpawnError> spawn(boost::asio::io_context& io,
                                                                      const std::vector<std::string>& command,
                                                                      const Launch& launch);

}  // namespace mcp_warden::sandbox
