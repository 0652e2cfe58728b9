// Policy: a loaded policy (a preset or a YAML file and its `extends` chain)
// and the evaluator every tools/call passes through.
//
// Loading either succeeds completely or returns an error naming the file,
// line, column and problem; there is no fallback to allow-all. The loaded
// rules are immutable. evaluate() is stateful only for rate-limit windows.
//
// Ownership: the proxy owns one Policy per session (move-only).
// Thread safety: evaluate() mutates rate-limit state and must be called from
// one thread at a time (the relay thread); the const members are safe to call
// concurrently with each other. Nothing survives a restart: rate-limit windows
// start empty.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"
#include "mcp_warden/policy/call_context.h"
#include "mcp_warden/policy/decision.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "mcp_warden/policy/response_rules.h"
#include "mcp_warden/policy/retention_rules.h"
#include "mcp_warden/policy/server_settings.h"
#include "mcp_warden/policy/tool_info.h"

namespace mcp_warden::policy {

struct LoadOptions {
  // Where preset names (strict, moderate, …) are looked up; empty means
  // locate_presets_dir() (see presets.h).
  std::string presets_dir;
  // The file system behind path rules; nullptr means a RealFileSystem.
  std::shared_ptr<const FileSystem> file_system;
  PathNormalizerOptions path_options;
};

// One rule as loaded, for explanations and `policy list`.
struct RuleSummary {
  std::string name;
  std::string origin;          // "file:line" where the rule is defined
  Action action = Action::kDeny;
  nlohmann::json definition;   // the rule as written, converted to JSON
};

class Policy {
 public:
  // A preset by name ("strict", "moderate", "permissive", …) from the
  // presets directory. kNotFound when no such preset exists.
  static Result<Policy> load_preset(std::string_view name, const LoadOptions& options = {});
  // A YAML policy file; relative `extends` paths are resolved against its
  // directory.
  static Result<Policy> load_file(const std::string& path, const LoadOptions& options = {});
  // A preset when `name_or_path` is a bare preset name, else a file.
  static Result<Policy> load(std::string_view name_or_path, const LoadOptions& options = {});
  // YAML text; `origin` names it in errors and resolves relative `extends`.
  static Result<Policy> parse(std::string_view yaml, std::string origin,
                              const LoadOptions& options = {});

  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;
  ~Policy();

  // The `name:` of the policy (the child's, when it extends another).
  const std::string& name() const;
  // Lower-case hex SHA-256 over the YAML texts of the policy and every
  // parent, child first, each framed by its length, plus the shadow policy's
  // hash. Paths are not hashed: the same policy hashes alike wherever it is.
  // Defined in policy_hash.cc, which needs OpenSSL::Crypto at link time.
  std::string content_hash() const;
  // The texts content_hash() covers, child first: origin and YAML bytes.
  const std::vector<std::pair<std::string, std::string>>& sources() const;
  std::vector<RuleSummary> rules() const;
  // The `description:` line of the policy, or "".
  const std::string& description() const;

  // Judges one call. Never fails: a call no rule matches gets the default
  // action. Reads the clock only when a rate-limited rule matched. In shadow
  // mode also evaluates the shadow policy (its rate limits included). A call
  // the rules let through whose arguments carry content the server's
  // declared retention may not receive (retention_rules.h) is denied, its
  // rule named "retention:<kind>".
  Decision evaluate(const CallContext& call, const Clock& clock);

  // True only when every call of `tool` on `server` is denied whatever its
  // arguments, rate or trust: some rule without argument/trust/tier/rate
  // conditions denies it, or nothing could allow it. The proxy hides such
  // tools from tools/list.
  bool always_denies(std::string_view server, const ToolInfo& tool) const;

  // What the `servers:` sections of the policy and its parents declare about
  // `server`: its trust level and the changed tool definitions they accept
  // (see server_settings.h for which entries apply). A policy without such
  // entries gives empty settings. The shadow policy's sections are ignored.
  // Defined in server_settings.cc.
  ServerSettings server_settings(std::string_view server) const;
  // The path_glob patterns of every deny rule marked `secret: true` (the
  // policy's and its parents'), as written, in rule order, without repeats:
  // what the kernel sandbox keeps unreadable (docs/sandbox.md).
  std::vector<std::string> secret_path_globs() const;
  // Every `servers:` entry of the policy and its parents: the child's file
  // first, each file's entries in file order.
  const std::vector<ServerEntry>& servers() const;
  // The `responses:` rules of the policy and its parents (response_rules.h).
  const ResponseRules& response_rules() const;
  // The `retention_rules:` in force (retention_rules.h).
  const RetentionRules& retention_rules() const;

  struct Impl;

 private:
  explicit Policy(std::unique_ptr<Impl> impl);
  void apply_rate_limits(Decision& decision, const std::vector<size_t>& limited,
                         const CallContext& call, const Clock& clock);
  void apply_retention(Decision& decision, const CallContext& call) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_warden::policy
