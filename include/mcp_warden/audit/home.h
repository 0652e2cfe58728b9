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

// Creates `dir` (and parents) if missing; new directories get mode 0700
// whatever the umask. kIoError if it cannot be created or is not a directory.
Status ensure_private_dir(const std::filesystem::path& dir);

// Creates `file` empty with mode 0600 (whatever the umask) unless it exists;
// an existing file is left as it is. Used for the audit database, so that
// SQLite, which gives its -wal and -shm files the database's mode, creates
// them 0600 too. kIoError if it cannot be created.
Status create_private_file(const std::filesystem::path& file);

}  // namespace mcp_warden::audit
