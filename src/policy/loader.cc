#include "loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mcp_warden/policy/presets.h"
#include "content_loader.h"
#include "rule_loader.h"
#include "server_loader.h"
#include "yaml_util.h"

namespace mcp_warden::policy::internal {
namespace {

namespace fs = std::filesystem;

std::string parent_dir(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

std::string stem_of(const std::string& path) { return fs::path(path).stem().string(); }

// A stable identity for cycle detection.
std::string identity(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

Status read_version(const std::string& origin, const YAML::Node& root) {
  if (!root["version"]) return error_at(origin, root, "missing \"version: 1\"");
  Result<int64_t> version = read_int(origin, root["version"], "version");
  if (!version.is_ok()) return version.status();
  if (*version != 1) return error_at(origin, root["version"], "unsupported version (only 1 is known)");
  return Status::ok();
}

Status read_optional_string(const std::string& origin, const YAML::Node& node, const char* what,
                            std::string* out) {
  if (!node) return Status::ok();
  Result<std::string> text = read_string(origin, node, what);
  if (!text.is_ok()) return text.status();
  *out = *text;
  return Status::ok();
}

std::string chain_text(const std::vector<std::string>& chain, const std::string& next) {
  std::string out;
  for (const std::string& item : chain) out += item + " -> ";
  return out + next;
}

// Loads the `extends:` parent into *model (its rules, default, shadow).
Status load_parent(const std::string& origin, const YAML::Node& node, LoadContext& ctx,
                   Model* model) {
  Result<std::string> ref = read_string(origin, node, "extends");
  if (!ref.is_ok()) return ref.status();
  Result<std::string> path = resolve_policy_ref(*ref, parent_dir(origin), ctx.presets_dir);
  if (!path.is_ok()) return error_at(origin, node, "extends: " + path.status().message());
  const std::string id = identity(*path);
  if (std::find(ctx.chain.begin(), ctx.chain.end(), id) != ctx.chain.end()) {
    return error_at(origin, node, "extends cycle: " + chain_text(ctx.chain, id));
  }
  Result<Model> parent = load_model_file(*path, ctx);
  if (!parent.is_ok()) return error_at(origin, node, "in parent \"" + *ref + "\": " + parent.status().message());
  *model = std::move(parent).value();
  return Status::ok();
}

// A child's default may only be as strict as its parent's, or stricter.
Status read_default(const std::string& origin, const YAML::Node& root, bool has_parent,
                    Model* model) {
  const YAML::Node node = root["default"];
  if (!node) return Status::ok();
  Result<std::string> text = read_string(origin, node, "default");
  if (!text.is_ok()) return text.status();
  std::optional<Action> action = parse_action(*text);
  if (!action) return error_at(origin, node, "unknown default action \"" + *text + "\" (expected allow, deny, warn, ask or log)");
  if (has_parent && action_rank(*action) < action_rank(model->default_action)) {
    return error_at(origin, node, std::string("default \"") + *text + "\" would loosen the parent's default \"" +
                                      action_name(model->default_action) + "\"");
  }
  model->default_action = *action;
  model->default_origin = where(origin, node);
  return Status::ok();
}

Status add_rules(const std::string& origin, const YAML::Node& node, const PathNormalizer& normalizer,
                 Model* model) {
  if (!node) return Status::ok();
  if (!node.IsSequence()) return error_at(origin, node, "rules must be a list");
  for (const auto& item : node) {
    Result<Rule> rule = parse_rule(origin, item, normalizer);
    if (!rule.is_ok()) return rule.status();
    auto same = [&](const Rule& r) { return r.name == rule->name; };
    auto clash = std::find_if(model->rules.begin(), model->rules.end(), same);
    if (clash != model->rules.end()) {
      return error_at(origin, item["name"], "rule \"" + rule->name + "\" is already defined at " + clash->origin +
                                                " (rules cannot be redefined or overridden)");
    }
    model->rules.push_back(std::move(rule).value());
  }
  return Status::ok();
}

// Puts this file's entries before its parents' (already in ctx.servers):
// the child's entry for a server is consulted first.
Status add_servers(const std::string& origin, const YAML::Node& node, LoadContext& ctx) {
  if (!node) return Status::ok();
  Result<std::vector<ServerEntry>> own = parse_servers(origin, node);
  if (!own.is_ok()) return own.status();
  Status s = check_no_raise(*own, ctx.servers);
  if (!s.is_ok()) return s;
  ctx.servers.insert(ctx.servers.begin(), own->begin(), own->end());
  return Status::ok();
}

Status read_shadow(const std::string& origin, const YAML::Node& root, Model* model) {
  if (!root["shadow"]) return Status::ok();
  Status s = read_optional_string(origin, root["shadow"], "shadow", &model->shadow);
  model->shadow_base = parent_dir(origin);
  return s;
}

Status fill_model(const YAML::Node& root, const std::string& origin, LoadContext& ctx, Model* model) {
  Status s = check_keys(origin, root, "policy",
                        {"version", "name", "description", "extends", "default", "default_reason",
                         "shadow", "rules", "servers", "responses", "retention_rules"});
  if (s.is_ok()) s = read_version(origin, root);
  const bool has_parent = static_cast<bool>(root["extends"]);
  if (s.is_ok() && has_parent) s = load_parent(origin, root["extends"], ctx, model);
  model->name = stem_of(origin);
  model->description.clear();
  if (s.is_ok()) s = read_optional_string(origin, root["name"], "name", &model->name);
  if (s.is_ok()) s = read_optional_string(origin, root["description"], "description", &model->description);
  if (s.is_ok()) s = read_optional_string(origin, root["default_reason"], "default_reason", &model->default_reason);
  if (s.is_ok()) s = read_default(origin, root, has_parent, model);
  if (s.is_ok()) s = read_shadow(origin, root, model);
  if (s.is_ok()) s = add_rules(origin, root["rules"], *ctx.normalizer, model);
  if (s.is_ok()) s = add_servers(origin, root["servers"], ctx);
  if (s.is_ok()) s = add_response_rules(origin, root["responses"], &model->responses);
  if (s.is_ok()) s = read_retention_rules(origin, root["retention_rules"], &model->retention);
  return s;
}

}  // namespace

void index_rules(Model* model) {
  model->rules_by_tool.clear();
  model->rules_for_any_tool.clear();
  for (size_t i = 0; i < model->rules.size(); ++i) {
    const std::vector<std::string>& tools = model->rules[i].match.tools;
    auto is_glob = [](const std::string& t) { return t.find_first_of("*?[\\") != std::string::npos; };
    if (tools.empty() || std::any_of(tools.begin(), tools.end(), is_glob)) {
      model->rules_for_any_tool.push_back(i);
      continue;
    }
    for (const std::string& tool : tools) {
      std::vector<size_t>& list = model->rules_by_tool[tool];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
}

Result<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::not_found(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Status::io_error(path + ": cannot read");
  return text.str();
}

Result<std::string> resolve_policy_ref(const std::string& ref, const std::string& base_dir,
                                       const std::string& presets_dir) {
  if (!is_preset_name(ref)) {
    fs::path path = fs::path(ref).is_absolute() ? fs::path(ref) : fs::path(base_dir) / ref;
    return path.lexically_normal().string();
  }
  if (presets_dir.empty()) return Status::not_found("no presets directory found for preset \"" + ref + "\"");
  std::string path = (fs::path(presets_dir) / (ref + ".yaml")).string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::not_found("no preset \"" + ref + "\" in " + presets_dir);
  return path;
}

Result<Model> load_model_text(std::string_view text, const std::string& origin, LoadContext& ctx) {
  Result<YAML::Node> root = load_yaml(text, origin);
  if (!root.is_ok()) return root.status();
  if (!root->IsMap()) return Status::invalid_argument(origin + ":1:1: a policy must be a YAML mapping");
  Model model;
  ctx.chain.push_back(identity(origin));
  Status s;
  try {
    s = fill_model(*root, origin, ctx, &model);
  } catch (const YAML::Exception& e) {
    s = Status::invalid_argument(origin + ": bad YAML structure: " + e.msg);
  }
  ctx.chain.pop_back();
  if (!s.is_ok()) return s;
  model.sources.insert(model.sources.begin(), {origin, std::string(text)});
  return model;
}

Result<Model> load_model_file(const std::string& path, LoadContext& ctx) {
  Result<std::string> text = read_text_file(path);
  if (!text.is_ok()) return text.status();
  return load_model_text(*text, path, ctx);
}

}  // namespace mcp_warden::policy::internal
