#include "mcp_warden/policy/policy.h"

#include <algorithm>

#include "call_view.h"
#include "loader.h"
#include "mcp_warden/policy/presets.h"
#include "policy_impl.h"
#include "quick_reject.h"

namespace mcp_warden::policy {
namespace {

PathNormalizer make_normalizer(const LoadOptions& options) {
  std::shared_ptr<const FileSystem> fs = options.file_system;
  if (!fs) fs = std::make_shared<RealFileSystem>();
  return PathNormalizer(std::move(fs), options.path_options);
}

// The presets directory: the option, else the located one, else "" (a
// policy that names no preset still loads).
std::string presets_dir_of(const LoadOptions& options) {
  if (!options.presets_dir.empty()) return options.presets_dir;
  Result<std::string> dir = locate_presets_dir();
  return dir.is_ok() ? *dir : std::string();
}

}  // namespace

Policy::Policy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;
Policy::~Policy() = default;

// Loads the text, then the shadow policy it names (which may not have one).
Result<Policy> Policy::parse(std::string_view yaml, std::string origin, const LoadOptions& options) {
  PathNormalizer normalizer = make_normalizer(options);
  LoadOptions resolved = options;
  resolved.presets_dir = presets_dir_of(options);
  internal::LoadContext ctx{resolved.presets_dir, &normalizer, {}, {}};
  Result<internal::Model> model = internal::load_model_text(yaml, origin, ctx);
  if (!model.is_ok()) return model.status();
  internal::index_rules(&model.value());
  internal::assign_pointer_slots(&model.value());
  internal::add_quick_rejects(&model.value());
  auto impl = std::make_unique<Impl>(std::move(model).value(), std::move(normalizer));
  impl->servers = std::move(ctx.servers);
  if (!impl->model.shadow.empty()) {
    Result<std::string> path = internal::resolve_policy_ref(impl->model.shadow, impl->model.shadow_base,
                                                            resolved.presets_dir);
    Result<Policy> shadow = path.is_ok() ? load_file(*path, resolved) : Result<Policy>(path.status());
    if (!shadow.is_ok()) return Status::invalid_argument(origin + ": shadow policy: " + shadow.status().message());
    if (shadow->impl_->shadow) return Status::invalid_argument(origin + ": a shadow policy cannot have a shadow");
    impl->shadow = std::make_unique<Policy>(std::move(shadow).value());
  }
  return Policy(std::move(impl));
}

Result<Policy> Policy::load_file(const std::string& path, const LoadOptions& options) {
  Result<std::string> text = internal::read_text_file(path);
  if (!text.is_ok()) return text.status();
  return parse(*text, path, options);
}

Result<Policy> Policy::load_preset(std::string_view name, const LoadOptions& options) {
  std::string dir = presets_dir_of(options);
  if (!is_preset_name(name)) return Status::invalid_argument("\"" + std::string(name) + "\" is not a preset name");
  Result<std::string> path = internal::resolve_policy_ref(std::string(name), std::string(1, '.'), dir);
  if (!path.is_ok()) return path.status();
  LoadOptions resolved = options;
  resolved.presets_dir = dir;
  return load_file(*path, resolved);
}

Result<Policy> Policy::load(std::string_view name_or_path, const LoadOptions& options) {
  if (is_preset_name(name_or_path)) return load_preset(name_or_path, options);
  return load_file(std::string(name_or_path), options);
}

const std::string& Policy::name() const { return impl_->model.name; }
const std::string& Policy::description() const { return impl_->model.description; }

std::vector<std::string> Policy::secret_path_globs() const {
  std::vector<std::string> out;
  for (const internal::Rule& rule : impl_->model.rules) {
    if (!rule.secret || rule.action != Action::kDeny) continue;
    for (const internal::ArgCondition& cond : rule.match.args) {
      if (cond.op != internal::ArgOp::kPathGlob || cond.negate) continue;
      for (const std::string& text : cond.texts) {
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
      }
    }
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>>& Policy::sources() const {
  return impl_->model.sources;
}

std::vector<RuleSummary> Policy::rules() const {
  std::vector<RuleSummary> out;
  for (const internal::Rule& rule : impl_->model.rules) {
    out.push_back({rule.name, rule.origin, rule.action, rule.definition});
  }
  return out;
}

}  // namespace mcp_warden::policy
