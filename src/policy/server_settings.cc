#include "mcp_warden/policy/server_settings.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

#include "policy_impl.h"

namespace mcp_warden::policy {
namespace {

bool glob_matches(const std::string& glob, std::string_view text) {
  return fnmatch(glob.c_str(), std::string(text).c_str(), 0) == 0;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first entry of each file whose glob matches `server`; entries of one
// file are contiguous (see loader.cc).
std::vector<ServerEntry> applicable_entries(std::string_view server, const std::vector<ServerEntry>& entries) {
  std::vector<ServerEntry> out;
  const std::string* done_file = nullptr;  // the file whose entry was found
  for (const ServerEntry& entry : entries) {
    if (done_file != nullptr && *done_file == entry.file) continue;
    if (!glob_matches(entry.server, server)) continue;
    out.push_back(entry);
    done_file = &entry.file;
  }
  return out;
}

bool item_accepts(const ToolChangeRule& item, std::string_view tool, const std::string& sha256) {
  return glob_matches(item.tool, tool) && (item.sha256.empty() || item.sha256 == sha256);
}

}  // namespace

std::optional<std::size_t> trust_level_rank(std::string_view name) {
  auto it = std::find(kTrustLevelNames.begin(), kTrustLevelNames.end(), name);
  if (it == kTrustLevelNames.end()) return std::nullopt;
  return static_cast<std::size_t>(it - kTrustLevelNames.begin());
}

std::string ToolChangeAcceptance::reason() const {
  std::string what = sha256.empty() ? "any new definition of tools \"" + tool_glob + "\""
                                    : "definition sha256 " + sha256 + " of tools \"" + tool_glob + "\"";
  return "accepted by the policy (servers \"" + server_glob + "\" accept_tool_changes at " + origin +
         ": " + what + ")";
}

ServerSettings ServerSettings::for_server(std::string_view server, const std::vector<ServerEntry>& entries) {
  ServerSettings out;
  out.entries_ = applicable_entries(server, entries);
  std::vector<TrustLevelSetting> declared;
  for (const ServerEntry& e : out.entries_) {
    if (e.trust_level) declared.push_back({*e.trust_level, e.trust_level_origin, e.server});
  }
  auto lower_rank = [](const TrustLevelSetting& a, const TrustLevelSetting& b) {
    return *trust_level_rank(a.level) < *trust_level_rank(b.level);
  };
  // max_element returns the first of equals: ties go to the child's entry.
  auto lowest = std::max_element(declared.begin(), declared.end(), lower_rank);
  if (lowest == declared.end()) return out;
  out.level_ = *lowest;
  // Declarations nearer the child than the lowest one are higher: raises.
  out.capped_.assign(declared.begin(), lowest);
  return out;
}

std::optional<std::string> ServerSettings::pin() const {
  std::optional<std::string> out;
  for (const ServerEntry& entry : entries_) {
    if (entry.pin && (!out || *entry.pin == "strict")) out = entry.pin;
  }
  return out;
}

ServerManifest ServerSettings::manifest() const {
  ServerManifest out;
  for (const ServerEntry& entry : entries_) {
    bool any = false;
    auto take = [&any](auto& field, const auto& value) {
      if (!field && value) {
        field = value;
        any = true;
      }
    };
    take(out.retention, entry.retention);
    take(out.reversibility, entry.reversibility);
    take(out.human_in_loop, entry.human_in_loop);
    take(out.training_consent, entry.training_consent);
    if (any && out.origin.empty()) out.origin = entry.origin;
  }
  return out;
}

std::optional<ToolChangeAcceptance> ServerSettings::accepts_tool_change(std::string_view tool,
                                                                        std::string_view definition_sha256) const {
  const std::string sha256 = lower(definition_sha256);
  for (const ServerEntry& entry : entries_) {
    for (const ToolChangeRule& item : entry.accept_tool_changes) {
      if (item_accepts(item, tool, sha256)) return ToolChangeAcceptance{item.origin, entry.server, item.tool, item.sha256};
    }
  }
  return std::nullopt;
}

std::optional<SandboxMode> parse_sandbox_mode(std::string_view text) {
  if (text == "off") return SandboxMode::kOff;
  if (text == "auto") return SandboxMode::kAuto;
  if (text == "enforce") return SandboxMode::kEnforce;
  return std::nullopt;
}

std::string_view sandbox_mode_name(SandboxMode mode) {
  switch (mode) {
    case SandboxMode::kOff: return "off";
    case SandboxMode::kAuto: return "auto";
    case SandboxMode::kEnforce: return "enforce";
  }
  return "off";
}

namespace {

void tighten(SandboxSetting& merged, const SandboxSetting& parent) {
  if (parent.mode && (!merged.mode || *parent.mode > *merged.mode)) merged.mode = parent.mode;
  if (parent.network_deny.value_or(false)) merged.network_deny = true;
  if (merged.writable.empty()) merged.writable = parent.writable;
  if (!merged.writable_args) merged.writable_args = parent.writable_args;
}

}  // namespace

std::optional<SandboxSetting> ServerSettings::sandbox() const {
  std::optional<SandboxSetting> merged;
  for (const ServerEntry& entry : entries_) {
    if (!entry.sandbox) continue;
    if (!merged) merged = *entry.sandbox;
    else tighten(*merged, *entry.sandbox);
  }
  return merged;
}

ServerSettings Policy::server_settings(std::string_view server) const {
  return ServerSettings::for_server(server, impl_->servers);
}

const std::vector<ServerEntry>& Policy::servers() const { return impl_->servers; }

}  // namespace mcp_warden::policy
