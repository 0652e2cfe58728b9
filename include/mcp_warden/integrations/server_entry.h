// Server entries: how init-integration recognises, wraps and unwraps one
// entry of a client's server table.
//
// A stdio entry {"command": C, "args": [A...], ...} is wrapped as
// {"command": <mcp-warden>, "args": ["proxy", "--policy", P, "--server-name",
// NAME, "--", C, A...], ...}: every other key (env, type, cwd, disabled, ...)
// keeps its value and its place. unwrap_entry() reverses it from the wrapped
// args alone: C and A come back from after the first "--" that is not an
// option value. An entry that had no "args" key gets one right after
// "command"; unwrapping drops an empty "args" again, so an original "args": []
// comes back without the key (the only lossy case; see docs/integrations.md).
//
// Thread safety: stateless functions on values. Never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/base/status.h"
#include "mcp_warden/integrations/client_descriptor.h"

namespace mcp_warden::integrations {

enum class EntryKind {
  kStdio,        // a local server we can wrap
  kWrapped,      // already runs through mcp-warden proxy
  kRemote,       // url / serverUrl / a non-stdio type: left alone
  kUnsupported,  // not an object, no string command, args not strings
};

struct EntryClass {
  EntryKind kind = EntryKind::kUnsupported;
  std::string reason;  // why it is remote or unsupported, for the report
};

// What a wrapped entry runs.
struct WrapSpec {
  std::string warden_path;  // absolute path of the mcp-warden binary
  std::string policy;       // preset name or absolute policy file path
  // Also give entries that are already wrapped this policy (the user passed
  // --policy); otherwise they keep theirs and only a moved binary is updated.
  bool replace_policy = false;
};

// What a wrapped entry runs, read from its args (for doctor and reports).
struct WrappedEntry {
  std::string warden_path;
  std::optional<std::string> policy;     // the value of --policy, if any
  std::optional<std::string> server_name;  // the value of --server-name, if any
  std::vector<std::string> server_command;  // what follows "--"
};

EntryClass classify_entry(const nlohmann::ordered_json& entry, const EntryShape& shape);

// True when `command` names an mcp-warden binary (any directory, optional .exe).
bool is_warden_command(const std::string& command);

// The entry wrapped for `name`; call only for EntryKind::kStdio.
nlohmann::ordered_json wrap_entry(const nlohmann::ordered_json& entry, const std::string& name,
                                  const WrapSpec& spec, const EntryShape& shape);

// The entry as it was before wrapping; call only for EntryKind::kWrapped.
// kInvalidArgument when the args hold no original command after "--".
Result<nlohmann::ordered_json> unwrap_entry(const nlohmann::ordered_json& entry, const EntryShape& shape);

// Reads a wrapped entry (EntryKind::kWrapped); kInvalidArgument when its
// args hold no server command after "--".
Result<WrappedEntry> read_wrapped_entry(const nlohmann::ordered_json& entry, const EntryShape& shape);

// A wrapped entry brought up to date with `spec`: its command becomes
// spec.warden_path and, with spec.replace_policy, its --policy value becomes
// spec.policy (added after "proxy" when it had none). Every other argument
// stays. nullopt when nothing changes; otherwise `changes` says what did
// ("binary /old -> /new", "policy strict -> moderate").
std::optional<nlohmann::ordered_json> refresh_wrapped_entry(const nlohmann::ordered_json& entry, const WrapSpec& spec,
                                                           const EntryShape& shape, std::string& changes);

// The entry's command ("" when it has none): what a report line shows. Args
// are not shown, as they may hold credentials.
std::string entry_command(const nlohmann::ordered_json& entry, const EntryShape& shape);

}  // namespace mcp_warden::integrations
