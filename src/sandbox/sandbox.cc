#include "mcp_warden/sandbox/sandbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include <spdlog/spdlog.h>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/sandbox/landlock.h"

namespace mcp_warden::sandbox {
namespace {

namespace fs = std::filesystem;
using policy::SandboxMode;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

fs::path temp_dir() {
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  return ec ? fs::path("/tmp") : dir;
}

std::vector<fs::path> caches(const fs::path& home) {
  std::vector<fs::path> out;
  auto add = [&](const std::string& given, const char* under_home) {
    if (!given.empty()) out.emplace_back(given);
    else if (!home.empty()) out.push_back(home / under_home);
  };
  add(env("npm_config_cache"), ".npm");
  add(env("XDG_CACHE_HOME"), ".cache");  // uv, pip, node-gyp, ...
  if (!env("UV_CACHE_DIR").empty()) out.emplace_back(env("UV_CACHE_DIR"));
  if (!home.empty()) out.push_back(home / ".local/share/uv");  // uvx's tools and Pythons
  return out;
}

void create_missing(const std::vector<fs::path>& dirs, const fs::path& home) {
  std::error_code ec;
  if (home.empty() || !fs::is_directory(home, ec)) return;
  for (const fs::path& dir : dirs) {
    if (dir.parent_path() == home && !fs::exists(dir, ec)) ::mkdir(dir.c_str(), 0700);
  }
}

// The policy's secret paths and, always, the shipped secrets base's: even a
// policy that lets every call through (permissive) keeps keys from the kernel.
std::vector<std::string> secret_globs(const policy::Policy* policy) {
  std::vector<std::string> globs = policy ? policy->secret_path_globs() : std::vector<std::string>();
  auto base = policy::Policy::load_preset("secrets");
  if (!base) return globs;
  for (std::string& glob : base->secret_path_globs()) {
    if (std::find(globs.begin(), globs.end(), glob) == globs.end()) globs.push_back(std::move(glob));
  }
  return globs;
}

uint64_t rights(Access access, int abi) {
  switch (access) {
    case Access::kRead: return fs_read_access();
    case Access::kReadWrite: return fs_read_access() | fs_write_access(abi);
    case Access::kDevice: return fs_read_access() | fs_device_access(abi);
    case Access::kList: return fs_list_access();
  }
  return fs_read_access();
}

// 0 when the rule was added or its path is gone (skipped), else an errno value.
int add_rule(int ruleset_fd, const PlannedRule& rule, int abi) {
  int fd = ::open(rule.path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st {};
  int error = 0;
  if (::fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode)) {
    uint64_t access = rights(rule.access, abi);
    if (!S_ISDIR(st.st_mode)) access &= fs_file_only_access();
    if (add_path_rule(ruleset_fd, fd, access) != 0) error = errno;
  }
  ::close(fd);
  return error;
}

}  // namespace

Sandbox::~Sandbox() {
  if (ruleset_fd_ >= 0) ::close(ruleset_fd_);
}

Result<std::unique_ptr<Sandbox>> Sandbox::create(const SandboxPlan& plan, int abi) {
  uint64_t net = plan.network_deny && abi >= 4 ? net_tcp_access() : 0;
  // Signals stay inside the sandbox; abstract UNIX sockets (a way out only
  // worth closing with the network) only under network: deny.
  uint64_t scoped = abi < 6 ? 0 : plan.network_deny ? scope_signal() | scope_abstract_unix_socket() : scope_signal();
  int fd = create_ruleset(abi, fs_handled_access(abi), net, scoped);
  if (fd < 0) return Status::io_error(std::string("cannot create a Landlock ruleset: ") + std::strerror(errno));
  std::unique_ptr<Sandbox> sandbox(new Sandbox(fd));
  for (const PlannedRule& rule : plan.rules) {
    if (int error = add_rule(fd, rule, abi)) {
      return Status::io_error("Landlock refused the rule for " + rule.path.string() + ": " + std::strerror(error));
    }
  }
  return sandbox;
}

int Sandbox::run_in_child() const noexcept {
  int error = restrict_self(ruleset_fd_);
  if (error != 0) {
    static const char kMessage[] = "mcp-warden: the Landlock sandbox could not be applied to the server\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  }
  return error;
}

Resolved resolve(const LaunchRequest& request) {
  Resolved out;
  std::optional<policy::SandboxSetting> setting;
  if (request.policy) setting = request.policy->server_settings(request.server_name).sandbox();
  std::optional<SandboxMode> declared = setting ? setting->mode : std::nullopt;
  if (request.mode && declared) out.mode = std::max(*request.mode, *declared);
  else out.mode = request.mode.value_or(declared.value_or(kDefaultMode));
  PlanInputs& in = out.inputs;
  in.command = request.command;
  in.home = env("HOME");
  std::error_code ec;
  in.working_dir = fs::current_path(ec);
  in.temp_dir = temp_dir();
  in.caches = caches(in.home);
  in.secret_globs = secret_globs(request.policy);
  in.warden_paths = request.warden_paths;
  bool strict = request.policy && request.policy->name() == "strict";
  in.writable_args = setting && setting->writable_args ? *setting->writable_args : !strict;
  in.network_deny = setting && setting->network_deny.value_or(false);
  if (setting) in.extra_writable = setting->writable;
  return out;
}

namespace {

// Records why the sandbox is not applied: a refusal under enforce, one
// warning under auto.
void not_applied(Launch& launch, const std::string& why) {
  if (launch.mode == SandboxMode::kEnforce) {
    std::string message = "cannot start MCP server under --sandbox=enforce: " + why;
    spdlog::error("{}", message);
    launch.refusal = io::SpawnError{io::kExitCommandNotExecutable, message};
    return;
  }
  launch.fallback = why;
  spdlog::warn("sandbox: not applied ({}); the server runs unsandboxed (--sandbox=enforce would refuse to start)", why);
}

}  // namespace

Launch prepare(const LaunchRequest& request) {
  Resolved resolved = resolve(request);
  Launch launch;
  launch.mode = resolved.mode;
  if (launch.mode == SandboxMode::kOff) return launch;
  std::string why;
  launch.abi = landlock_abi(&why);
  if (launch.abi == 0) return not_applied(launch, why), std::move(launch);
  if (resolved.inputs.network_deny && launch.abi < 4) {
    not_applied(launch, "network: deny needs Landlock ABI 4 (Linux 6.7); this kernel has ABI " +
                            std::to_string(launch.abi));
    return launch;
  }
  if (request.create_missing_caches) create_missing(resolved.inputs.caches, resolved.inputs.home);
  launch.plan = build_plan(resolved.inputs);
  auto sandbox = Sandbox::create(launch.plan, launch.abi);
  if (!sandbox) return not_applied(launch, sandbox.status().message()), std::move(launch);
  launch.sandbox = std::move(sandbox).value();
  for (const std::string& note : launch.plan.notes) spdlog::debug("sandbox: {}", note);
  spdlog::info("sandbox: Landlock ABI {}: {} rules, {} secret paths kept out, network {}", launch.abi,
               launch.plan.rules.size(), launch.plan.secrets.size(), launch.plan.network_deny ? "denied" : "allowed");
  return launch;
}

nlohmann::json Launch::record() const {
  nlohmann::json out = {{"mode", policy::sandbox_mode_name(mode)}, {"applied", sandbox != nullptr}, {"abi", abi}};
  if (sandbox) out.update(plan.summary());
  if (refusal) out["reason"] = refusal->message;
  if (!fallback.empty()) out["reason"] = fallback;
  return out;
}

std::variant<std::unique_ptr<io::ChildProcess>, io::SpawnError> spawn(boost::asio::io_context& io,
                                                                      const std::vector<std::string>& command,
                                                                      const Launch& launch) {
  if (launch.refusal) return *launch.refusal;
  return io::ChildProcess::spawn(io, command, launch.sandbox.get());
}

}  // namespace mcp_warden::sandbox
