// The policy loader: YAML text → internal::Model, following `extends`.
// Internal to mcp_warden_policy. Every failure is a Status whose message
// starts with "file:line:col:". Never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/policy/path_normalizer.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/policy/server_settings.h"
#include "model.h"

namespace mcp_warden::policy::internal {

struct LoadContext {
  std::string presets_dir;           // resolved presets directory ("" = none found)
  const PathNormalizer* normalizer;  // expands `under:` directories
  std::vector<std::string> chain;    // files being loaded, for cycle errors
  // Output: the `servers:` entries of the loaded file and its parents, the
  // child's file first (kept out of Model, which only the evaluator reads).
  std::vector<ServerEntry> servers;
};

// Loads a model from YAML text named `origin` (a file path or "<preset>").
Result<Model> load_model_text(std::string_view text, const std::string& origin, LoadContext& ctx);

// Reads `path` and loads it.
Result<Model> load_model_file(const std::string& path, LoadContext& ctx);

// Resolves `ref` (preset name or path relative to `base_dir`) to a file path.
Result<std::string> resolve_policy_ref(const std::string& ref, const std::string& base_dir,
                                       const std::string& presets_dir);

// Fills model->rules_by_tool and rules_for_any_tool from model->rules.
void index_rules(Model* model);

// Reads a whole file; kNotFound / kIoError name it.
Result<std::string> read_text_file(const std::string& path);

}  // namespace mcp_warden::policy::internal
