// current_executable_path(): the absolute path of the running mcp-warden,
// which init-integration writes as the "command" of every wrapped entry.
//
// On Linux it is read from /proc/self/exe, so it names the real binary with
// symlinks resolved (an install through a symlink is written as its target).
// Callers pass the result on as a plain path, so tests inject any path they
// like instead of calling this.
//
// Thread safety: stateless. Never throws.
#pragma once

#include <filesystem>

#include "mcp_warden/base/status.h"

namespace mcp_warden::integrations {

// kIoError when the OS does not say (no /proc, or the binary was deleted).
Result<std::filesystem::path> current_executable_path();

}  // namespace mcp_warden::integrations
