// Where mcp-warden keeps its state: MCP_WARDEN_HOME and the default database.
//
// warden_home() is $MCP_WARDEN_HOME when set and non-empty, else the
// platform's data directory: $XDG_DATA_HOME/mcp-warden or
// ~/.local/share/mcp-warden (Linux and other Unix),
// ~/Library/Application Support/mcp-warden (macOS), %APPDATA%\mcp-warden
// (Windows). It only computes the path; ensure_private_dir() creates it.
//
// Thread safety: reads the environment; do not call while another thread
// changes it (setenv).
#pragma once

#include <filesystem>

#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

// kNotFound when neither MCP_WARDEN_HOME nor the home directory is known.
Result<std::filesystem::path> warden_home();

// warden_home() / "warden.db".
Result<std::filesystem::path> default_db_path();

// Creates `dir` (and parents) if missing; new directories get mode 0700.
// kIoError if it cannot be created or is not a directory.
Status ensure_private_dir(const std::filesystem::path& dir);

}  // namespace mcp_warden::audit
