#include "mcp_warden/integrations/config_rewriter.h"

#include <algorithm>
#include <utility>

#include "mcp_warden/integrations/backup.h"
#include "mcp_warden/integrations/config_document.h"
#include "mcp_warden/integrations/unified_diff.h"

namespace mcp_warden::integrations {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using JsonPointer = ordered_json::json_pointer;

constexpr uint32_t kCreatedFileMode = 0600;  // configs hold tokens in "env"

// The file as read: where it really is, its bytes and its metadata.
struct LoadedFile {
  fs::path path;
  std::string text;
  FileInfo info;
  bool created = false;
};

Result<LoadedFile> load(const fs::path& path, const ClientDescriptor& client, const RewriteOptions& options,
                        FileSystem& fs) {
  auto real = fs.resolve(path);
  if (!real) return real.status();
  auto info = fs.stat(*real);
  if (!info) return info.status();
  if (info->exists && !info->is_regular) {
    return Status::invalid_argument(real->string() + " is not a regular file");
  }
  if (!info->exists && !(options.create_if_missing && client.create_if_missing)) {
    return Status::not_found("no config at " + path.string());
  }
  if (!info->exists) {
    return LoadedFile{*real, *client.create_if_missing, FileInfo{false, true, true, kCreatedFileMode, 0, 0}, true};
  }
  auto text = fs.read_file(*real);
  if (!text) return text.status();
  return LoadedFile{*real, std::move(text).value(), *info, false};
}

// Every pointer matching `pattern` below `node` ("*" matches each member).
void expand_pattern(const ordered_json& node, const TablePattern& pattern, std::size_t i, const JsonPointer& at,
                    std::vector<JsonPointer>& out) {
  if (i == pattern.size()) return out.push_back(at);
  if (!node.is_object()) return;
  if (pattern[i] != "*") {
    auto it = node.find(pattern[i]);
    if (it != node.end()) expand_pattern(*it, pattern, i + 1, at / pattern[i], out);
    return;
  }
  for (const auto& [key, child] : node.items()) expand_pattern(child, pattern, i + 1, at / key, out);
}

std::string table_label_of(const JsonPointer& table) {
  std::string label;
  for (JsonPointer parent = table.parent_pointer(); !parent.empty(); parent = parent.parent_pointer()) {
    label = parent.back() + (label.empty() ? "" : " > " + label);
  }
  return label;
}

bool selected(const std::string& name, const RewriteOptions& options) {
  auto listed = [&name](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  return (options.only.empty() || listed(options.only)) && !listed(options.except);
}

EntryAction action_for(EntryKind kind, RewriteMode mode) {
  switch (kind) {
    case EntryKind::kStdio:
      return mode == RewriteMode::kWrap ? EntryAction::kWrapped : EntryAction::kNotWrapped;
    case EntryKind::kWrapped:
      return mode == RewriteMode::kWrap ? EntryAction::kAlreadyWrapped : EntryAction::kUnwrapped;
    case EntryKind::kRemote:
      return EntryAction::kRemote;
    case EntryKind::kUnsupported:
      return EntryAction::kUnsupported;
  }
  return EntryAction::kUnsupported;
}

// Decides about one entry and changes it in place when the mode says so.
EntryReport process_entry(const std::string& name, ordered_json& entry, const ClientDescriptor& client,
                          const RewriteOptions& options) {
  EntryReport report{"", name, EntryAction::kNotSelected, entry_command(entry, client.entry), false};
  report.disabled = entry.is_object() && entry.value("disabled", ordered_json(false)) == true;
  if (!selected(name, options)) return report;
  EntryClass entry_class = classify_entry(entry, client.entry);
  report.action = action_for(entry_class.kind, options.mode);
  if (!entry_class.reason.empty()) report.detail = entry_class.reason;
  if (report.action == EntryAction::kWrapped) entry = wrap_entry(entry, name, options.wrap, client.entry);
  if (report.action == EntryAction::kAlreadyWrapped) {
    std::string changes;
    if (auto refreshed = refresh_wrapped_entry(entry, options.wrap, client.entry, changes)) {
      entry = std::move(*refreshed);
      report.action = EntryAction::kUpdated;
      report.detail = changes;
    }
  }
  if (report.action != EntryAction::kUnwrapped) return report;
  auto original = unwrap_entry(entry, client.entry);
  if (!original) return EntryReport{"", name, EntryAction::kFailed, original.status().message(), report.disabled};
  entry = std::move(original).value();
  report.detail = entry_command(entry, client.entry);
  return report;
}

bool changes_file(EntryAction action) {
  return action == EntryAction::kWrapped || action == EntryAction::kUnwrapped || action == EntryAction::kUpdated;
}

// Processes every entry of one table; refuses a table that is not an object.
Status process_table(ConfigDocument& document, const JsonPointer& table, std::string_view text,
                     const fs::path& path, const ClientDescriptor& client, const RewriteOptions& options,
                     FileReport& report) {
  ordered_json& servers = document.root.at(table);
  if (!servers.is_object()) {
    auto offset = document.value_offsets.find(table.to_string());
    std::size_t at = offset == document.value_offsets.end() ? 0 : offset->second;
    return Status::invalid_argument(describe_position(path.string(), text, at) + ": \"" + table.back() +
                                    "\" must be an object mapping server names to servers, not " +
                                    servers.type_name());
  }
  for (auto& [name, entry] : servers.items()) {
    report.entries.push_back(process_entry(name, entry, client, options));
    report.entries.back().table = table_label_of(table);
    report.changed = report.changed || changes_file(report.entries.back().action);
  }
  return Status::ok();
}

Status process_document(ConfigDocument& document, std::string_view text, const fs::path& path,
                        const ClientDescriptor& client, const RewriteOptions& options, FileReport& report) {
  std::vector<JsonPointer> tables = find_server_tables(document.root, client);
  if (tables.empty()) {
    report.notes.push_back("no server table (" + client.server_tables.front().back() + ") in this file");
  }
  for (const JsonPointer& table : tables) {
    Status status = process_table(document, table, text, path, client, options, report);
    if (!status.is_ok()) return status;
  }
  return Status::ok();
}

// Refuses to go on when the file changed (or appeared) since it was read.
Status check_unchanged(FileSystem& fs, const LoadedFile& loaded) {
  auto now = fs.read_file(loaded.path);
  bool same = loaded.created ? now.status().code() == ErrorCode::kNotFound : (now && *now == loaded.text);
  if (same) return Status::ok();
  return Status::failed_precondition(
      loaded.path.string() + " changed while mcp-warden was working on it; nothing was written; run again");
}

Status commit(FileSystem& fs, const Clock& clock, const LoadedFile& loaded, const std::string& new_text,
              FileReport& report) {
  if (loaded.created) {
    Status made = fs.create_directories(loaded.path.parent_path());
    if (!made.is_ok()) return made;
  } else if (!loaded.info.writable) {
    return Status::io_error(loaded.path.string() + " is read-only; nothing was changed (make it writable first)");
  } else {
    auto backup = write_backup(fs, loaded.path, loaded.text, loaded.info.mode, clock);
    if (!backup) return backup.status();
    report.backup = *backup;
    prune_backups(fs, loaded.path, kMaxBackupsKept);
  }
  Status unchanged = check_unchanged(fs, loaded);
  if (!unchanged.is_ok()) return unchanged;
  Status replaced = fs.replace_atomically(loaded.path, new_text, loaded.info);
  report.written = replaced.is_ok();
  return replaced;
}

std::string after_label(const fs::path& path, RewriteMode mode) {
  return path.string() + (mode == RewriteMode::kWrap ? " (wrapped by mcp-warden)" : " (restored by mcp-warden)");
}

}  // namespace

Status check_plain_json(const ConfigDocument& document, const ClientDescriptor& client) {
  if (!document.jsonc || client.reads_jsonc) return Status::ok();
  const std::string& text = document.original_text;
  std::size_t at = 0;
  while (at < text.size() && text[at] == document.json_text[at]) ++at;
  std::string what = at < text.size() && text[at] == ',' ? "a trailing comma" : "a comment";
  return Status::invalid_argument(describe_position(document.origin, text, at) + ": " + what + "; " +
                                  client.display_name + " reads plain JSON and would not load this file either; " +
                                  "remove it, then run again (nothing was written)");
}

std::vector<JsonPointer> find_server_tables(const ordered_json& root, const ClientDescriptor& client) {
  std::vector<JsonPointer> tables;
  for (const TablePattern& pattern : client.server_tables) expand_pattern(root, pattern, 0, JsonPointer(), tables);
  return tables;
}

std::string server_table_label(const JsonPointer& table) { return table_label_of(table); }

const char* entry_action_name(EntryAction action) {
  switch (action) {
    case EntryAction::kWrapped:
      return "wrapped";
    case EntryAction::kUnwrapped:
      return "restored";
    case EntryAction::kUpdated:
      return "updated";
    case EntryAction::kAlreadyWrapped:
      return "already wrapped";
    case EntryAction::kNotWrapped:
      return "not wrapped";
    case EntryAction::kRemote:
      return "left alone";
    case EntryAction::kUnsupported:
      return "left alone";
    case EntryAction::kNotSelected:
      return "not selected";
    case EntryAction::kFailed:
      return "FAILED";
  }
  return "?";
}

bool FileReport::has_failures() const {
  return std::any_of(entries.begin(), entries.end(),
                     [](const EntryReport& entry) { return entry.action == EntryAction::kFailed; });
}

Result<FileReport> rewrite_config_file(const fs::path& path, const ClientDescriptor& client,
                                       const RewriteOptions& options, FileSystem& fs, const Clock& clock) {
  auto loaded = load(path, client, options, fs);
  if (!loaded) return loaded.status();
  auto document = parse_config_document(loaded->text, loaded->path.string());
  if (!document) return document.status();
  Status plain = check_plain_json(*document, client);
  if (!plain.is_ok()) return plain;
  FileReport report;
  report.path = loaded->path;
  report.created = loaded->created;
  Status processed = process_document(*document, loaded->text, loaded->path, client, options, report);
  if (!processed.is_ok()) return processed;
  report.changed = report.changed || report.created;
  if (report.created) {
    report.notes.push_back("created with an empty server table; add servers, then run init-integration again");
  }
  if (!report.changed) return report;
  auto new_text = render_config_document(*document);
  if (!new_text) return new_text.status();
  if (options.dry_run) {
    std::string before_label = loaded->created ? "/dev/null" : loaded->path.string();
    report.diff = unified_diff(loaded->created ? "" : loaded->text, *new_text, before_label,
                               after_label(loaded->path, options.mode));
    return report;
  }
  Status committed = commit(fs, clock, *loaded, *new_text, report);
  if (!committed.is_ok()) return committed;
  return report;
}

}  // namespace mcp_warden::integrations
