// Presets: finding the shipped policy YAML (policies/ in the source tree,
// share/mcp-warden/policies when installed) and listing what is there.
//
// Lookup order for the presets directory, first existing wins:
//   1. $MCP_WARDEN_POLICY_DIR
//   2. <dir of the running binary>/../share/mcp-warden/policies
//   3. MCP_WARDEN_SOURCE_DIR/policies (the build's source tree)
//
// Thread safety: reads the environment and the file system; no state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/base/status.h"

namespace mcp_warden::policy {

// The directory presets are loaded from. kNotFound lists the places tried.
Result<std::string> locate_presets_dir();

// True for a bare preset name: lower-case letters, digits and '-', no path.
bool is_preset_name(std::string_view text);

struct PresetInfo {
  std::string name;         // file stem, e.g. "strict"
  std::string path;
  std::string description;  // the YAML's `description:`, or ""
};

// Every *.yaml directly in `dir`, sorted by name.
Result<std::vector<PresetInfo>> list_presets(const std::string& dir);

}  // namespace mcp_warden::policy
