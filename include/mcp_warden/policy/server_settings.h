// ServerSettings: what a policy declares about a server itself rather than
// about its calls — the `servers:` section (docs/policy.md, "Servers").
//
// Each entry is keyed by an fnmatch glob on the server name (as a rule's
// match.server) and may declare the server's `trust_level` (the base its
// trust score starts from), `accept_tool_changes` (changed tool
// definitions the policy accepts without `mcp-warden trust approve`),
// `pin` (how a change of what the server runs is enforced: record | strict),
// IATP's manifest — `retention`, `reversibility`, `human_in_loop`,
// `training_consent` — which adjusts the base (docs/trust.md, "Base"), and
// `sandbox` (the kernel sandbox of the spawned server, docs/sandbox.md).
//
// Which entries apply to a server:
// - within one policy file, the FIRST entry whose glob matches is that file's
//   entry for the server; later matching entries of the same file are not
//   consulted (an entry after a "*" entry is a load error: it is unreachable);
// - along an `extends` chain every file contributes its entry, child first;
// - the trust level is the LOWEST any of those entries declares: a child may
//   lower its parent's level, never raise it (a raise is reported in
//   capped_levels() and ignored; the same glob with a higher level in a
//   child is a load error);
// - changed tools are accepted by any item of those entries (child's first,
//   then file order); the first accepting item is reported;
// - `pin` is strict when any of those entries says strict (a child cannot
//   loosen a parent's pin);
// - each manifest field comes from the nearest entry that declares it
//   (child first).
//
// The policy module does not know the trust module: levels are names
// validated against kTrustLevelNames (the caller maps them, e.g. with
// trust::parse_trust_level), and fingerprints are the hex strings the trust
// module's definition_hash() produces, compared as lower-case text.
//
// Thread safety: immutable values and pure functions. Nothing touches disk.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp_warden::policy {

// The trust levels a policy may declare, most trusted first; the trust
// module gives them the bases 950, 850, 700, 500, 200.
inline constexpr std::array<std::string_view, 5> kTrustLevelNames = {
    "verified_partner", "trusted", "standard", "unknown", "untrusted"};

// Position of `name` in kTrustLevelNames (0 = most trusted), or nullopt.
std::optional<std::size_t> trust_level_rank(std::string_view name);

// How far the kernel sandbox goes (docs/sandbox.md), weakest first.
enum class SandboxMode { kOff, kAuto, kEnforce };
// "off", "auto", "enforce"; nullopt for anything else.
std::optional<SandboxMode> parse_sandbox_mode(std::string_view text);
std::string_view sandbox_mode_name(SandboxMode mode);

// An entry's `sandbox:` mapping, as written (every key optional).
struct SandboxSetting {
  std::optional<SandboxMode> mode;
  std::optional<bool> network_deny;   // `network: deny` (true) or `allow`
  std::vector<std::string> writable;  // extra writable paths, as written (~ allowed)
  std::optional<bool> writable_args;  // `writable_args:`: the command line's directories
  std::string origin;                 // "file:line" of the `sandbox:` key
};

// One item of an entry's `accept_tool_changes:` list.
struct ToolChangeRule {
  std::string tool;    // fnmatch glob on the tool name
  std::string sha256;  // 64 lower-case hex digits; "" accepts any new definition
  std::string origin;  // "file:line" of the item
};

// One entry of a `servers:` section, as loaded.
struct ServerEntry {
  std::string server;                      // the fnmatch glob (the entry's key)
  std::string origin;                      // "file:line" of the key
  std::string file;                        // the policy file that declares it
  std::optional<std::string> trust_level;  // one of kTrustLevelNames
  std::string trust_level_origin;          // "file:line" of trust_level, or ""
  std::vector<ToolChangeRule> accept_tool_changes;
  std::optional<SandboxSetting> sandbox = std::nullopt;
  std::optional<std::string> pin = std::nullopt;            // one of kPinModeNames
  std::optional<std::string> retention = std::nullopt;      // one of kRetentionNames
  std::optional<std::string> reversibility = std::nullopt;  // one of kReversibilityNames
  std::optional<bool> human_in_loop = std::nullopt;
  std::optional<bool> training_consent = std::nullopt;
};

// `pin:` values; the trust module maps them (trust::parse_pin_mode).
inline constexpr std::array<std::string_view, 2> kPinModeNames = {"record", "strict"};
// IATP's manifest values (trust::Manifest maps them).
inline constexpr std::array<std::string_view, 3> kRetentionNames = {"ephemeral", "temporary", "permanent"};
inline constexpr std::array<std::string_view, 3> kReversibilityNames = {"none", "partial", "full"};

// The manifest fields that apply to a server; each nullopt when no entry declares it.
struct ServerManifest {
  std::optional<std::string> retention;
  std::optional<std::string> reversibility;
  std::optional<bool> human_in_loop;
  std::optional<bool> training_consent;
  std::string origin;  // "file:line" of the nearest entry that declares any, or ""

  bool empty() const { return !retention && !reversibility && !human_in_loop && !training_consent; }
};

// A trust level as declared by one entry.
struct TrustLevelSetting {
  std::string level;        // one of kTrustLevelNames
  std::string origin;       // "file:line" of the declaration
  std::string server_glob;  // the key of the entry that declares it
};

// Why a policy accepts a changed tool definition: the item that accepted it.
struct ToolChangeAcceptance {
  std::string origin;       // "file:line" of the accepting item
  std::string server_glob;  // the key of its entry
  std::string tool_glob;    // the item's tool glob
  std::string sha256;       // the pinned fingerprint, or "" (any definition)

  // One sentence for the audit record, naming the item and its origin.
  std::string reason() const;
};

class ServerSettings {
 public:
  ServerSettings() = default;
  // The settings of `server`, from `entries` as the loader orders them: the
  // child's file first, each file's entries in file order.
  static ServerSettings for_server(std::string_view server, const std::vector<ServerEntry>& entries);

  // The lowest level the server's entries declare; nullopt when none does
  // (the caller's default then applies). Ties go to the child's entry.
  // On a temporary the accessors return copies, so nothing dangles.
  const std::optional<TrustLevelSetting>& trust_level() const& { return level_; }
  std::optional<TrustLevelSetting> trust_level() && { return std::move(level_); }
  // Levels a child's entry declared above the level a parent's entry
  // declares (ignored: a child cannot raise it), child first — for the log.
  const std::vector<TrustLevelSetting>& capped_levels() const& { return capped_; }
  std::vector<TrustLevelSetting> capped_levels() && { return std::move(capped_); }
  // The item that accepts the new definition of `tool` whose fingerprint is
  // `definition_sha256` (hex, any case), or nullopt when none does.
  std::optional<ToolChangeAcceptance> accepts_tool_change(std::string_view tool,
                                                          std::string_view definition_sha256) const;
  // "strict" when any applicable entry says so, else the nearest entry's
  // pin, else nullopt (the caller's default: record).
  std::optional<std::string> pin() const;
  // Each manifest field from the nearest entry that declares it.
  ServerManifest manifest() const;
  // The sandbox the server's entries declare, merged so that a child can
  // only tighten: the strictest mode, network denied if any entry denies it,
  // writable paths and writable_args from the child-most entry that names
  // them. nullopt when no entry has a `sandbox:` key.
  std::optional<SandboxSetting> sandbox() const;
  // The entries that apply (at most one per policy file), child first.
  const std::vector<ServerEntry>& entries() const& { return entries_; }
  std::vector<ServerEntry> entries() && { return std::move(entries_); }

 private:
  std::vector<ServerEntry> entries_;
  std::optional<TrustLevelSetting> level_;
  std::vector<TrustLevelSetting> capped_;
};

}  // namespace mcp_warden::policy
