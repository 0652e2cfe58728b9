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

// The entry's command ("" when it has none): what a report line shows. Args
// are not shown, as they may hold credentials.
std::string entry_command(const nlohmann::ordered_json& entry, const EntryShape& shape);

}  // namespace mcp_warden::integrations
