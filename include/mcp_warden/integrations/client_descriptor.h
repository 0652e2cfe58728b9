// ClientDescriptor: what init-integration knows about one MCP client (Claude
// Desktop, Claude Code, Cursor, VS Code, Windsurf), read from the JSON data
// files in the repository's integrations/ folder (one file per client; see
// docs/integrations.md for the format).
//
// A descriptor names the client's config files per OS (with `~` and
// `%VAR%` placeholders), optional project-relative files, where the server
// tables sit in the file (`mcpServers`, `servers`, or `projects.*.mcpServers`)
// and how an entry is shaped. expand_config_path() turns a placeholder path
// into a real one for a HostEnvironment, which tests build by hand.
//
// Thread safety: value types; the loaders are stateless. Nothing on disk is
// changed here.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/base/status.h"
#include "mcp_warden/integrations/file_system.h"

namespace mcp_warden::integrations {

// The client ids, in the order --all visits them; each has integrations/<id>.json.
inline constexpr std::string_view kClientIds[] = {"claude", "claude-code", "cursor", "vscode", "windsurf"};

// Where a server table sits: object keys from the root; "*" stands for every
// member of an object (Claude Code's projects.*.mcpServers).
using TablePattern = std::vector<std::string>;

// How one server entry is shaped.
struct EntryShape {
  std::string command_key = "command";
  std::string args_key = "args";
  std::string type_key = "type";
  // An entry with any of these keys is a remote server and is left alone.
  std::vector<std::string> remote_keys = {"url"};
  // With a `type_key`, only these values mean stdio; others (http, sse) are remote.
  std::vector<std::string> stdio_types = {"stdio"};
};

struct ClientDescriptor {
  std::string id;            // "claude"
  std::string display_name;  // "Claude Desktop"
  // Config files per OS ("linux", "macos", "windows"), with placeholders.
  std::vector<std::pair<std::string, std::vector<std::string>>> config_paths;
  // Files relative to a project directory (".mcp.json", ".vscode/mcp.json").
  std::vector<std::string> project_config_paths;
  std::vector<TablePattern> server_tables;
  EntryShape entry;
  // The document written when the config file is missing; only set for the
  // client whose missing file init-integration may create (Claude Desktop).
  std::optional<std::string> create_if_missing;
  std::string restart_hint;  // one sentence printed after a change
  // The client itself reads comments and trailing commas ("jsonc": true;
  // VS Code, Cursor). For the others such a file is refused: the client
  // would not load it either.
  bool reads_jsonc = false;

  // The placeholder paths for `os`; empty when the client has none there.
  std::vector<std::string> paths_for(std::string_view os) const;
};

// The machine's facts a path expansion needs; tests fill it by hand.
struct HostEnvironment {
  std::string os;              // "linux", "macos" or "windows"
  std::filesystem::path home;  // what "~" means
  std::function<std::optional<std::string>(const std::string&)> getenv;

  // This process's OS, $HOME (or the password database) and getenv().
  static HostEnvironment current();
};

// Parses one descriptor; kInvalidArgument names `origin` and the bad field.
Result<ClientDescriptor> parse_client_descriptor(std::string_view text, const std::string& origin);

// Reads and parses `<dir>/<id>.json`.
Result<ClientDescriptor> load_client_descriptor(FileSystem& fs, const std::filesystem::path& dir,
                                                std::string_view id);

// "~/x" → home/x; "%APPDATA%\\x" → $APPDATA/x (backslashes become the path
// separator). kNotFound when a %VAR% is unset or "~" has no home.
Result<std::filesystem::path> expand_config_path(std::string_view pattern, const HostEnvironment& env);

// The first directory holding claude.json among: $MCP_WARDEN_INTEGRATIONS_DIR,
// <exe dir>/../share/mcp-warden/integrations, <exe dir>/integrations, and
// the source tree's integrations/. kNotFound lists where it looked.
Result<std::filesystem::path> find_descriptor_dir(FileSystem& fs, const HostEnvironment& env,
                                                  const std::filesystem::path& executable);

}  // namespace mcp_warden::integrations
