#include "server_loader.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "yaml_util.h"

namespace mcp_warden::policy::internal {
namespace {

constexpr size_t kSha256HexDigits = 64;

std::string level_list() {
  std::string out;
  for (size_t i = 0; i < kTrustLevelNames.size(); ++i) {
    if (i > 0) out += i + 1 == kTrustLevelNames.size() ? " or " : ", ";
    out += kTrustLevelNames[i];
  }
  return out;
}

// The index just past the ']' closing the bracket expression at `open`, or
// npos. A ']' right after '[' (or '[!', '[^') is a member, as in fnmatch(3).
size_t bracket_end(std::string_view glob, size_t open) {
  size_t i = open + 1;
  if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) ++i;
  if (i < glob.size() && glob[i] == ']') ++i;
  i = glob.find(']', i);
  return i == std::string_view::npos ? i : i + 1;
}

Result<std::string> read_glob(const std::string& origin, const YAML::Node& node, std::string_view what) {
  Result<std::string> glob = read_string(origin, node, what);
  if (!glob.is_ok()) return glob;
  if (std::optional<std::string> problem = glob_problem(*glob)) {
    return error_at(origin, node, std::string(what) + " \"" + *glob + "\" is not a valid glob: " + *problem);
  }
  return glob;
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

Result<std::string> read_sha256(const std::string& origin, const YAML::Node& node) {
  Result<std::string> text = read_string(origin, node, "sha256");
  if (!text.is_ok()) return text;
  if (text->size() != kSha256HexDigits || !is_hex(*text)) {
    return error_at(origin, node, "sha256 must be 64 hex digits (the tool's fingerprint, as `mcp-warden trust "
                                  "history` shows it in the catalog_changed event)");
  }
  return lower(std::move(text).value());
}

Result<ToolChangeRule> parse_tool_change(const std::string& origin, const YAML::Node& node) {
  Status s = check_keys(origin, node, "an accept_tool_changes item", {"tool", "sha256"});
  if (!s.is_ok()) return s;
  if (!node["tool"]) return error_at(origin, node, "an accept_tool_changes item needs a tool glob (tool: NAME)");
  Result<std::string> tool = read_glob(origin, node["tool"], "tool");
  if (!tool.is_ok()) return tool.status();
  ToolChangeRule rule{std::move(tool).value(), "", where(origin, node)};
  if (!node["sha256"]) return rule;
  Result<std::string> sha = read_sha256(origin, node["sha256"]);
  if (!sha.is_ok()) return sha.status();
  rule.sha256 = std::move(sha).value();
  return rule;
}

Status read_tool_changes(const std::string& origin, const YAML::Node& node, ServerEntry* entry) {
  if (!node.IsSequence()) return error_at(origin, node, "accept_tool_changes must be a list");
  for (const auto& item : node) {
    Result<ToolChangeRule> rule = parse_tool_change(origin, item);
    if (!rule.is_ok()) return rule.status();
    entry->accept_tool_changes.push_back(std::move(rule).value());
  }
  return Status::ok();
}

Status read_level(const std::string& origin, const YAML::Node& node, ServerEntry* entry) {
  Result<std::string> level = read_string(origin, node, "trust_level");
  if (!level.is_ok()) return level.status();
  if (!trust_level_rank(*level)) {
    return error_at(origin, node, "unknown trust_level \"" + *level + "\" (expected " + level_list() + ")");
  }
  entry->trust_level = std::move(level).value();
  entry->trust_level_origin = where(origin, node);
  return Status::ok();
}

// One of `names`, or a line-numbered error listing them.
template <std::size_t N>
Result<std::string> read_choice(const std::string& origin, const YAML::Node& node, std::string_view what,
                                const std::array<std::string_view, N>& names) {
  Result<std::string> value = read_string(origin, node, what);
  if (!value.is_ok()) return value;
  if (std::find(names.begin(), names.end(), *value) != names.end()) return value;
  std::string list;
  for (std::string_view name : names) list += (list.empty() ? "" : ", ") + std::string(name);
  return error_at(origin, node, std::string(what) + " \"" + *value + "\" is not one of " + list);
}

// pin, retention, reversibility, human_in_loop, training_consent: each optional.
Status read_pin_and_manifest(const std::string& origin, const YAML::Node& value, ServerEntry* entry) {
  auto choice = [&](const char* key, const auto& names, std::optional<std::string>& out) -> Status {
    if (!value[key]) return Status::ok();
    Result<std::string> read = read_choice(origin, value[key], key, names);
    if (!read.is_ok()) return read.status();
    out = std::move(read).value();
    return Status::ok();
  };
  auto flag = [&](const char* key, std::optional<bool>& out) -> Status {
    if (!value[key]) return Status::ok();
    Result<bool> read = read_bool(origin, value[key], key);
    if (!read.is_ok()) return read.status();
    out = *read;
    return Status::ok();
  };
  Status s = choice("pin", kPinModeNames, entry->pin);
  if (s.is_ok()) s = choice("retention", kRetentionNames, entry->retention);
  if (s.is_ok()) s = choice("reversibility", kReversibilityNames, entry->reversibility);
  if (s.is_ok()) s = flag("human_in_loop", entry->human_in_loop);
  if (s.is_ok()) s = flag("training_consent", entry->training_consent);
  return s;
}

Status read_sandbox_mode(const std::string& origin, const YAML::Node& node, SandboxSetting* out) {
  Result<std::string> text = read_string(origin, node, "mode");
  if (!text.is_ok()) return text.status();
  out->mode = parse_sandbox_mode(*text);
  if (!out->mode) return error_at(origin, node, "unknown sandbox mode \"" + *text + "\" (expected off, auto or enforce)");
  return Status::ok();
}

Status read_network(const std::string& origin, const YAML::Node& node, SandboxSetting* out) {
  Result<std::string> text = read_string(origin, node, "network");
  if (!text.is_ok()) return text.status();
  if (*text != "deny" && *text != "allow") return error_at(origin, node, "network must be deny or allow");
  out->network_deny = *text == "deny";
  return Status::ok();
}

Status read_sandbox(const std::string& origin, const YAML::Node& node, ServerEntry* entry) {
  if (!node.IsMap()) return error_at(origin, node, "sandbox must be a mapping (mode, network, writable, writable_args)");
  Status s = check_keys(origin, node, "sandbox", {"mode", "network", "writable", "writable_args"});
  SandboxSetting setting;
  setting.origin = where(origin, node);
  if (s.is_ok() && node["mode"]) s = read_sandbox_mode(origin, node["mode"], &setting);
  if (s.is_ok() && node["network"]) s = read_network(origin, node["network"], &setting);
  if (s.is_ok() && node["writable"]) {
    Result<std::vector<std::string>> list = read_string_list(origin, node["writable"], "writable");
    s = list.status();
    if (list.is_ok()) setting.writable = std::move(list).value();
  }
  if (s.is_ok() && node["writable_args"]) {
    Result<bool> flag = read_bool(origin, node["writable_args"], "writable_args");
    s = flag.status();
    if (flag.is_ok()) setting.writable_args = *flag;
  }
  if (s.is_ok()) entry->sandbox = std::move(setting);
  return s;
}

Result<ServerEntry> parse_entry(const std::string& origin, const YAML::Node& key, const YAML::Node& value) {
  ServerEntry entry;
  Result<std::string> glob = read_glob(origin, key, "server");
  if (!glob.is_ok()) return glob.status();
  entry.server = std::move(glob).value();
  entry.origin = where(origin, key);
  entry.file = origin;
  if (!value.IsMap()) return error_at(origin, key, "server entry \"" + entry.server + "\" must be a mapping");
  Status s = check_keys(origin, value, "server entry \"" + entry.server + "\"",
                        {"trust_level", "accept_tool_changes", "pin", "retention", "reversibility", "human_in_loop",
                         "training_consent", "sandbox"});
  if (s.is_ok() && value["trust_level"]) s = read_level(origin, value["trust_level"], &entry);
  if (s.is_ok() && value["accept_tool_changes"]) s = read_tool_changes(origin, value["accept_tool_changes"], &entry);
  if (s.is_ok()) s = read_pin_and_manifest(origin, value, &entry);
  if (s.is_ok() && value["sandbox"]) s = read_sandbox(origin, value["sandbox"], &entry);
  if (s.is_ok() && value.size() == 0) {
    s = error_at(origin, value, "server entry \"" + entry.server + "\" sets nothing (expected trust_level, "
                                "accept_tool_changes, pin, retention, reversibility, human_in_loop, "
                                "training_consent or sandbox)");
  }
  if (!s.is_ok()) return s;
  return entry;
}

// A glob given twice, or one after "*", could never apply: first match wins.
Status check_reachable(const std::string& origin, const YAML::Node& key, const std::string& glob,
                       const std::vector<ServerEntry>& earlier) {
  for (const ServerEntry& e : earlier) {
    if (e.server == glob) {
      return error_at(origin, key, "server \"" + glob + "\" is already listed at " + e.origin);
    }
    if (e.server == "*") {
      return error_at(origin, key, "server entry \"" + glob + "\" can never apply: \"*\" at " + e.origin +
                                       " matches every server first (the first matching entry applies)");
    }
  }
  return Status::ok();
}

}  // namespace

std::optional<std::string> glob_problem(std::string_view glob) {
  if (glob.empty()) return "it is empty";
  if (glob.find('\0') != std::string_view::npos) return "it contains a NUL byte";
  for (size_t i = 0; i < glob.size();) {
    if (glob[i] == '\\') {
      if (i + 1 == glob.size()) return "it ends with a lone backslash";
      i += 2;
    } else if (glob[i] == '[') {
      i = bracket_end(glob, i);
      if (i == std::string_view::npos) return "a '[' is never closed by ']'";
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

Result<std::vector<ServerEntry>> parse_servers(const std::string& origin, const YAML::Node& node) {
  if (!node.IsMap()) return error_at(origin, node, "servers must be a mapping of server globs to settings");
  std::vector<ServerEntry> entries;
  for (const auto& item : node) {
    Result<ServerEntry> entry = parse_entry(origin, item.first, item.second);
    if (!entry.is_ok()) return entry.status();
    Status reachable = check_reachable(origin, item.first, entry->server, entries);
    if (!reachable.is_ok()) return reachable;
    entries.push_back(std::move(entry).value());
  }
  return entries;
}

Status check_no_raise(const std::vector<ServerEntry>& own, const std::vector<ServerEntry>& inherited) {
  for (const ServerEntry& child : own) {
    if (!child.trust_level) continue;
    for (const ServerEntry& parent : inherited) {
      if (parent.server != child.server || !parent.trust_level) continue;
      if (*trust_level_rank(*child.trust_level) >= *trust_level_rank(*parent.trust_level)) continue;
      return Status::invalid_argument(child.trust_level_origin + ": trust_level \"" + *child.trust_level +
                                      "\" would raise the level \"" + *parent.trust_level + "\" declared at " +
                                      parent.trust_level_origin + " (a child may only lower it)");
    }
  }
  return Status::ok();
}

}  // namespace mcp_warden::policy::internal
