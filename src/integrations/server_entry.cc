#include "mcp_warden/integrations/server_entry.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace mcp_warden::integrations {
namespace {

using nlohmann::ordered_json;

constexpr const char* kProxyCommand = "proxy";
constexpr const char* kEndOfOptions = "--";
// Options of `mcp-warden proxy` that take a separate value (which may itself
// be "--"); keep in step with src/cli/proxy_command.cc. A user's hand-added
// option missing here only matters if its value is exactly "--".
constexpr std::string_view kOptionsWithValue[] = {"--policy",
                                                  "--server-name",
                                                  "--db",
                                                  "--log-file",
                                                  "--log-level",
                                                  "--audit-sync",
                                                  "--max-message-bytes",
                                                  "--trust-level",
                                                  "--shutdown-grace-ms",
                                                  "--call-timeout-ms"};

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_string_array(const ordered_json& value) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const ordered_json& item) { return item.is_string(); });
}

std::string string_field(const ordered_json& entry, const std::string& key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_value_option(const std::string& arg) {
  return std::find(std::begin(kOptionsWithValue), std::end(kOptionsWithValue), arg) != std::end(kOptionsWithValue);
}

// The index of the "--" that ends mcp-warden's own options, or args.size().
std::size_t end_of_options(const ordered_json& args) {
  std::size_t i = 1;  // args[0] is "proxy"
  while (i < args.size()) {
    const std::string arg = args[i].get<std::string>();
    if (arg == kEndOfOptions) return i;
    i += is_value_option(arg) ? 2 : 1;
  }
  return args.size();
}

// Classification of an entry known to be an object with a string command.
EntryClass classify_command(const ordered_json& entry, const EntryShape& shape) {
  auto args = entry.find(shape.args_key);
  if (args != entry.end() && !is_string_array(*args)) {
    return {EntryKind::kUnsupported, "args is not a list of strings"};
  }
  if (!is_warden_command(string_field(entry, shape.command_key))) return {EntryKind::kStdio, ""};
  bool proxied = args != entry.end() && !args->empty() && (*args)[0] == kProxyCommand;
  if (proxied) return {EntryKind::kWrapped, ""};
  return {EntryKind::kUnsupported, "runs mcp-warden, but not its proxy command"};
}

// A copy of `entry` with `command` and `args` replaced in place; `args` goes
// right after the command when the entry had none, and is left out when null.
ordered_json with_command(const ordered_json& entry, const EntryShape& shape, const std::string& command,
                          const ordered_json& args) {
  ordered_json out = ordered_json::object();
  bool had_args = entry.contains(shape.args_key);
  for (const auto& [key, value] : entry.items()) {
    if (key == shape.command_key) {
      out[key] = command;
      if (!had_args && !args.is_null()) out[shape.args_key] = args;
    } else if (key == shape.args_key) {
      if (!args.is_null()) out[key] = args;
    } else {
      out[key] = value;
    }
  }
  return out;
}

}  // namespace

bool is_warden_command(const std::string& command) {
  std::size_t slash = command.find_last_of("/\\");
  std::string name = slash == std::string::npos ? command : command.substr(slash + 1);
  return name == "mcp-warden" || name == "mcp-warden.exe";
}

EntryClass classify_entry(const ordered_json& entry, const EntryShape& shape) {
  if (!entry.is_object()) return {EntryKind::kUnsupported, "not an object"};
  for (const std::string& key : shape.remote_keys) {
    if (entry.contains(key)) return {EntryKind::kRemote, "remote server (" + key + ")"};
  }
  auto type = entry.find(shape.type_key);
  if (type != entry.end() && !type->is_string()) {
    return {EntryKind::kUnsupported, shape.type_key + " is not a string"};
  }
  if (type != entry.end() && !contains(shape.stdio_types, type->get<std::string>())) {
    return {EntryKind::kRemote,
            "not a stdio server (" + shape.type_key + " \"" + type->get<std::string>() + "\")"};
  }
  if (string_field(entry, shape.command_key).empty()) return {EntryKind::kUnsupported, "no command"};
  return classify_command(entry, shape);
}

ordered_json wrap_entry(const ordered_json& entry, const std::string& name, const WrapSpec& spec,
                        const EntryShape& shape) {
  ordered_json args = {kProxyCommand,
                       "--policy",
                       spec.policy,
                       "--server-name",
                       name,
                       kEndOfOptions,
                       string_field(entry, shape.command_key)};
  auto original = entry.find(shape.args_key);
  if (original != entry.end()) args.insert(args.end(), original->begin(), original->end());
  return with_command(entry, shape, spec.warden_path, args);
}

Result<ordered_json> unwrap_entry(const ordered_json& entry, const EntryShape& shape) {
  auto found = entry.find(shape.args_key);
  if (found == entry.end() || !is_string_array(*found)) {
    return Status::invalid_argument("its args are not a list of strings");
  }
  const ordered_json& args = *found;
  std::size_t split = end_of_options(args);
  if (split + 1 >= args.size()) {
    return Status::invalid_argument("its args hold no original command after \"--\"");
  }
  std::string command = args[split + 1].get<std::string>();
  ordered_json original = ordered_json::array();
  for (std::size_t i = split + 2; i < args.size(); ++i) original.push_back(args[i]);
  return with_command(entry, shape, command, original.empty() ? ordered_json() : original);
}

Result<WrappedEntry> read_wrapped_entry(const ordered_json& entry, const EntryShape& shape) {
  auto found = entry.find(shape.args_key);
  if (found == entry.end() || !is_string_array(*found)) return Status::invalid_argument("its args are not strings");
  const ordered_json& args = *found;
  std::size_t split = end_of_options(args);
  if (split + 1 >= args.size()) return Status::invalid_argument("its args hold no server command after \"--\"");
  WrappedEntry out;
  out.warden_path = string_field(entry, shape.command_key);
  for (std::size_t i = 1; i + 1 < split; ++i) {
    if (args[i] == "--policy") out.policy = args[i + 1].get<std::string>();
    if (args[i] == "--server-name") out.server_name = args[i + 1].get<std::string>();
    if (is_value_option(args[i].get<std::string>())) ++i;
  }
  for (std::size_t i = split + 1; i < args.size(); ++i) out.server_command.push_back(args[i].get<std::string>());
  return out;
}

std::optional<ordered_json> refresh_wrapped_entry(const ordered_json& entry, const WrapSpec& spec,
                                                  const EntryShape& shape, std::string& changes) {
  auto wrapped = read_wrapped_entry(entry, shape);
  if (!wrapped) return std::nullopt;
  ordered_json args = entry.at(shape.args_key);
  changes.clear();
  if (wrapped->warden_path != spec.warden_path) {
    changes = "binary " + wrapped->warden_path + " -> " + spec.warden_path;
  }
  if (spec.replace_policy && wrapped->policy != spec.policy) {
    std::size_t split = end_of_options(args);
    std::size_t at = 1;
    while (at < split && args[at] != "--policy") at += is_value_option(args[at].get<std::string>()) ? 2 : 1;
    if (at < split) args[at + 1] = spec.policy;
    if (at >= split) {
      args.insert(args.begin() + 1, ordered_json(spec.policy));
      args.insert(args.begin() + 1, ordered_json("--policy"));
    }
    changes += (changes.empty() ? "" : ", ") + std::string("policy ") + wrapped->policy.value_or("(default)") +
               " -> " + spec.policy;
  }
  if (changes.empty()) return std::nullopt;
  return with_command(entry, shape, spec.warden_path, args);
}

std::string entry_command(const ordered_json& entry, const EntryShape& shape) {
  return entry.is_object() ? string_field(entry, shape.command_key) : std::string();
}

}  // namespace mcp_warden::integrations
