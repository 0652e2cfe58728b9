// rewrite_config_file(): wraps (or, with kUndo, unwraps) the stdio servers of
// one client config file, entry by entry, and reports what it did.
//
// Safety contract, in order: the file is read once and parsed (refused with
// path:line:column when it is not JSON, has comments or duplicate keys, or a
// server table is not an object — then nothing is written); when no entry
// changes nothing is written at all, so a second run leaves the file
// byte-identical; with dry_run the unified diff is returned and nothing is
// written; otherwise a timestamped backup is written beside the file (see
// backup.h), the file is re-read to make sure nobody changed it meanwhile,
// and it is replaced atomically with its permissions kept (see
// file_system.h); only the newest kMaxBackupsKept backups of the file are
// kept (see backup.h). A symlinked config is rewritten at its target. Any failure
// leaves the config exactly as it was.
//
// A missing file is created (from the descriptor's create_if_missing, parent
// directories included) only when options.create_if_missing is set.
//
// Thread safety: none needed; one call touches one file. Not safe against a
// client rewriting the file at the same instant beyond the re-read check.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"
#include "mcp_warden/integrations/client_descriptor.h"
#include "mcp_warden/integrations/config_document.h"
#include "mcp_warden/integrations/file_system.h"
#include "mcp_warden/integrations/server_entry.h"

namespace mcp_warden::integrations {

enum class RewriteMode { kWrap, kUndo };

struct RewriteOptions {
  RewriteMode mode = RewriteMode::kWrap;
  WrapSpec wrap;                    // used by kWrap
  std::vector<std::string> only;    // when non-empty, only these server names
  std::vector<std::string> except;  // never these server names
  bool dry_run = false;
  bool create_if_missing = false;  // honoured only if the client has a template
};

enum class EntryAction {
  kWrapped,         // now runs through mcp-warden
  kUnwrapped,       // restored to its original command (undo)
  kUpdated,         // wrap: already wrapped; its binary path (moved) or --policy brought up to date
  kAlreadyWrapped,  // wrap: nothing to do
  kNotWrapped,      // undo: nothing to do
  kRemote,          // url / non-stdio server, left alone
  kUnsupported,     // cannot be wrapped (no command, ...), left alone
  kNotSelected,     // filtered out by --only / --except
  kFailed,          // undo could not recover the original; left as is
};

// "wrapped", "updated", "already wrapped", ... as printed in reports.
const char* entry_action_name(EntryAction action);

struct EntryReport {
  std::string table;  // "" for the top-level table, else e.g. "projects > /home/me/app"
  std::string name;
  EntryAction action = EntryAction::kUnsupported;
  std::string detail;     // the command, or why it was left alone
  bool disabled = false;  // the entry has "disabled": true (still wrapped; see docs)
};

struct FileReport {
  std::filesystem::path path;  // the file that was (or would be) written
  bool created = false;        // it did not exist and was (or would be) created
  bool changed = false;        // at least one entry changed
  bool written = false;        // the new text is on disk
  std::optional<std::filesystem::path> backup;
  std::string diff;                  // dry run only: the unified diff
  std::vector<EntryReport> entries;  // in file order
  std::vector<std::string> notes;    // e.g. "no mcpServers table"

  bool has_failures() const;
};

// The server tables of `root` that `client`'s patterns name ("*" expanded),
// in file order; and a table's label for reports ("" for a top-level table,
// else e.g. "projects > /home/me/app").
std::vector<nlohmann::ordered_json::json_pointer> find_server_tables(const nlohmann::ordered_json& root,
                                                                     const ClientDescriptor& client);
std::string server_table_label(const nlohmann::ordered_json::json_pointer& table);

// kInvalidArgument naming the first comment or trailing comma of a JSONC
// document when `client` reads plain JSON (it would refuse the file too).
Status check_plain_json(const ConfigDocument& document, const ClientDescriptor& client);

Result<FileReport> rewrite_config_file(const std::filesystem::path& path, const ClientDescriptor& client,
                                       const RewriteOptions& options, FileSystem& fs, const Clock& clock);

}  // namespace mcp_warden::integrations
