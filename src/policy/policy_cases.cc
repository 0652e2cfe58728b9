#include "mcp_warden/policy/policy_cases.h"

#include <filesystem>

#include "loader.h"
#include "mcp_warden/inspect/scan.h"
#include "mcp_warden/policy/presets.h"
#include "mcp_warden/rpc/json_parse.h"
#include "yaml_util.h"

namespace mcp_warden::policy {
namespace {

using internal::error_at;
using internal::read_string;

namespace fs = std::filesystem;

struct Expectation {
  Action action = Action::kDeny;
  std::optional<std::string> rule;
  std::optional<bool> credential;
  std::optional<Action> shadow;
};

struct Case {
  std::string name;
  std::string server;
  std::string tool;
  std::string method = std::string(kToolsCallMethod);  // the governed method judged
  std::optional<bool> solicited;                       // server requests
  nlohmann::json arguments;
  std::optional<int> trust;
  std::optional<std::string> tier;
  int64_t repeat = 1;
  Expectation expect;
};

struct CasesFile {
  std::string origin;
  std::string dir;
  YAML::Node root;
};

Result<Action> read_action_value(const CasesFile& f, const YAML::Node& node) {
  Result<std::string> text = read_string(f.origin, node, "expected action");
  if (!text.is_ok()) return text.status();
  std::optional<Action> action = parse_action(*text);
  if (!action) return error_at(f.origin, node, "unknown action \"" + *text + "\"");
  return *action;
}

Status read_expectation(const CasesFile& f, const YAML::Node& node, Expectation* out) {
  if (node.IsScalar()) {
    Result<Action> action = read_action_value(f, node);
    if (action.is_ok()) out->action = *action;
    return action.status();
  }
  Status s = internal::check_keys(f.origin, node, "expect", {"action", "rule", "credential", "shadow"});
  if (!s.is_ok()) return s;
  if (!node["action"]) return error_at(f.origin, node, "expect has no action");
  Result<Action> action = read_action_value(f, node["action"]);
  if (!action.is_ok()) return action.status();
  out->action = *action;
  if (node["rule"]) out->rule = node["rule"].Scalar();
  if (node["credential"]) {
    Result<bool> credential = internal::read_bool(f.origin, node["credential"], "credential");
    if (!credential.is_ok()) return credential.status();
    out->credential = *credential;
  }
  if (!node["shadow"]) return Status::ok();
  Result<Action> shadow = read_action_value(f, node["shadow"]);
  if (shadow.is_ok()) out->shadow = *shadow;
  return shadow.status();
}

Status read_case_options(const CasesFile& f, const YAML::Node& node, Case* c) {
  if (node["arguments"]) c->arguments = internal::yaml_to_json(node["arguments"]);
  if (node["server"]) c->server = node["server"].Scalar();
  if (node["tier"]) c->tier = node["tier"].Scalar();
  if (node["method"]) c->method = node["method"].Scalar();
  if (node["solicited"]) {
    Result<bool> solicited = internal::read_bool(f.origin, node["solicited"], "solicited");
    if (!solicited.is_ok()) return solicited.status();
    c->solicited = *solicited;
  }
  if (node["trust"]) {
    Result<int64_t> trust = internal::read_int(f.origin, node["trust"], "trust");
    if (!trust.is_ok()) return trust.status();
    c->trust = static_cast<int>(*trust);
  }
  if (!node["repeat"]) return Status::ok();
  Result<int64_t> repeat = internal::read_int(f.origin, node["repeat"], "repeat");
  if (!repeat.is_ok()) return repeat.status();
  if (*repeat < 1 || *repeat > 100000) return error_at(f.origin, node["repeat"], "repeat must be 1 to 100000");
  c->repeat = *repeat;
  return Status::ok();
}

Result<Case> read_case(const CasesFile& f, const YAML::Node& node, const std::string& server) {
  Status s = internal::check_keys(f.origin, node, "case",
                                  {"name", "server", "tool", "method", "solicited", "arguments", "trust", "tier",
                                   "repeat", "expect"});
  if (!s.is_ok()) return s;
  if (!node["tool"] || !node["expect"]) return error_at(f.origin, node, "a case needs tool and expect");
  Case c;
  c.server = server;
  c.tool = node["tool"].Scalar();
  c.name = node["name"] ? node["name"].Scalar() : c.tool + " (" + internal::where(f.origin, node) + ")";
  s = read_case_options(f, node, &c);
  if (s.is_ok()) s = read_expectation(f, node["expect"], &c.expect);
  if (!s.is_ok()) return s;
  return c;
}

Result<std::vector<ToolInfo>> read_tools(const CasesFile& f) {
  const YAML::Node node = f.root["tools"];
  if (!node) return std::vector<ToolInfo>{};
  if (!node.IsScalar()) return parse_tool_list(internal::yaml_to_json(node));
  const std::string path = (fs::path(f.dir) / node.Scalar()).lexically_normal().string();
  Result<std::string> text = internal::read_text_file(path);
  if (!text.is_ok()) return error_at(f.origin, node, text.status().message());
  Result<nlohmann::json> json = rpc::parse_json_strict(*text);
  if (!json.is_ok()) return error_at(f.origin, node, path + ": " + json.status().message());
  Result<std::vector<ToolInfo>> tools = parse_tool_list(*json);
  if (!tools.is_ok()) return error_at(f.origin, node, path + ": " + tools.status().message());
  return tools;
}

Result<Policy> load_cases_policy(const CasesFile& f, const LoadOptions& options) {
  if (!f.root["policy"]) return error_at(f.origin, f.root, "cases file has no policy");
  const std::string ref = f.root["policy"].Scalar();
  LoadOptions resolved = options;
  if (resolved.presets_dir.empty()) {
    Result<std::string> dir = locate_presets_dir();
    if (dir.is_ok()) resolved.presets_dir = *dir;
  }
  Result<std::string> path = internal::resolve_policy_ref(ref, f.dir, resolved.presets_dir);
  if (!path.is_ok()) return error_at(f.origin, f.root["policy"], path.status().message());
  return Policy::load_file(*path, resolved);
}

const ToolInfo* find_tool(const std::vector<ToolInfo>& tools, const std::string& name) {
  for (const ToolInfo& tool : tools) {
    if (tool.name == name) return &tool;
  }
  return nullptr;
}

std::string describe(const Decision& d) {
  std::string out = std::string(action_name(d.action)) + " by rule \"" + d.rule + "\"";
  if (d.credential_denial) out += " (credential)";
  if (d.shadow) out += ", shadow " + std::string(action_name(d.shadow->action));
  return out;
}

std::string mismatch(const Expectation& e, const Decision& d) {
  if (e.action != d.action) return std::string("expected ") + action_name(e.action);
  if (e.rule && *e.rule != d.rule) return "expected rule \"" + *e.rule + "\"";
  if (e.credential && *e.credential != d.credential_denial) return "expected credential " + std::string(*e.credential ? "true" : "false");
  if (e.shadow && (!d.shadow || d.shadow->action != *e.shadow)) return std::string("expected shadow ") + action_name(*e.shadow);
  return "";
}

// What the proxy's content step would find in `arguments` (content: matches, retention rules).
inspect::KindSet content_of(const nlohmann::json* arguments) {
  if (arguments == nullptr || arguments->is_null()) return {};
  inspect::ScanOptions options;
  options.max_depth = 1024;
  return inspect::scan(*arguments, inspect::Detectors::builtin(), options).kinds();
}

CaseResult run_case(Policy& policy, const std::vector<ToolInfo>& tools, const Case& c) {
  FakeClock clock;
  CallContext call{c.server, c.tool, &c.arguments, find_tool(tools, c.tool), c.trust, c.tier};
  call.content_found = content_of(&c.arguments);
  call.method = c.method;
  call.solicited = c.solicited;
  Decision d;
  for (int64_t i = 0; i < c.repeat; ++i) d = policy.evaluate(call, clock);
  std::string wrong = mismatch(c.expect, d);
  return {c.name, wrong.empty(), wrong.empty() ? describe(d) : wrong + ", got " + describe(d)};
}

Result<CasesFile> read_cases_file(const std::string& path) {
  Result<std::string> text = internal::read_text_file(path);
  if (!text.is_ok()) return text.status();
  Result<YAML::Node> root = internal::load_yaml(*text, path);
  if (!root.is_ok()) return root.status();
  CasesFile f{path, fs::path(path).parent_path().string(), *root};
  if (f.dir.empty()) f.dir = ".";
  Status s = internal::check_keys(path, f.root, "cases file", {"policy", "tools", "server", "cases"});
  if (s.is_ok() && !f.root["cases"].IsSequence()) s = error_at(path, f.root, "cases must be a list");
  if (!s.is_ok()) return s;
  return f;
}

Result<CasesReport> run_cases(const CasesFile& f, const LoadOptions& options) {
  Result<Policy> policy = load_cases_policy(f, options);
  if (!policy.is_ok()) return policy.status();
  Result<std::vector<ToolInfo>> tools = read_tools(f);
  if (!tools.is_ok()) return tools.status();
  const std::string server = f.root["server"] ? f.root["server"].Scalar() : "server";
  CasesReport report{policy->name(), {}};
  for (const auto& node : f.root["cases"]) {
    Result<Case> c = read_case(f, node, server);
    if (!c.is_ok()) return c.status();
    report.results.push_back(run_case(*policy, *tools, *c));
  }
  return report;
}

// The params of a tools/call request, or the object itself if it has none.
const nlohmann::json* call_params(const nlohmann::json& request) {
  if (!request.is_object()) return nullptr;
  auto params = request.find("params");
  return params != request.end() ? &*params : &request;
}

// {"level", "origin"} of the level the policy declares for a server, or null.
nlohmann::json trust_level_json(const ServerSettings& settings) {
  if (!settings.trust_level()) return nullptr;
  return {{"level", settings.trust_level()->level}, {"origin", settings.trust_level()->origin}};
}

}  // namespace

int CasesReport::failed() const {
  int count = 0;
  for (const CaseResult& r : results) count += r.passed ? 0 : 1;
  return count;
}

Result<CasesReport> run_policy_cases(const std::string& cases_path, const LoadOptions& options) {
  Result<CasesFile> f = read_cases_file(cases_path);
  if (!f.is_ok()) return f.status();
  try {
    return run_cases(*f, options);
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(cases_path + ": bad cases file: " + e.msg);
  }
}

Result<nlohmann::json> explain_call(Policy& policy, const std::string& server, const nlohmann::json& tools,
                                    const nlohmann::json& request, const Clock& clock) {
  const nlohmann::json* params = call_params(request);
  if (params == nullptr || !params->contains("name") || !(*params)["name"].is_string()) {
    return Status::invalid_argument("request has no string params.name");
  }
  std::vector<ToolInfo> catalog;
  if (!tools.is_null()) {
    Result<std::vector<ToolInfo>> parsed = parse_tool_list(tools);
    if (!parsed.is_ok()) return parsed.status();
    catalog = std::move(parsed).value();
  }
  const std::string name = (*params)["name"].get<std::string>();
  auto args = params->find("arguments");
  CallContext call{server, name, args != params->end() ? &*args : nullptr, find_tool(catalog, name), {}, {}};
  call.content_found = content_of(call.arguments);
  Decision d = policy.evaluate(call, clock);
  nlohmann::json rule = nullptr;
  for (const RuleSummary& r : policy.rules()) {
    if (r.name == d.rule) rule = {{"name", r.name}, {"origin", r.origin}, {"definition", r.definition}};
  }
  return nlohmann::json{{"decision", to_json(d)}, {"rule", rule}, {"tool_known", call.tool_info != nullptr},
                        {"always_denied", call.tool_info != nullptr && policy.always_denies(server, *call.tool_info)},
                        {"server_trust_level", trust_level_json(policy.server_settings(server))}};
}

}  // namespace mcp_warden::policy
