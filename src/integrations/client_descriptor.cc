#include "mcp_warden/integrations/client_descriptor.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "mcp_warden/rpc/json_parse.h"

#ifndef MCP_WARDEN_SOURCE_DIR
#define MCP_WARDEN_SOURCE_DIR "."
#endif

namespace mcp_warden::integrations {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Reads descriptor fields, remembering the first problem with its field name.
class FieldReader {
 public:
  FieldReader(const json& object, std::string origin) : object_(object), origin_(std::move(origin)) {}

  std::string string(const char* key, bool required) {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_string()) {
      if (required || it != object_.end()) fail(key, "a string");
      return {};
    }
    return it->get<std::string>();
  }

  std::vector<std::string> strings(const json& value, const char* key) {
    std::vector<std::string> out;
    if (!value.is_array()) fail(key, "a list of strings");
    for (const json& item : value.is_array() ? value : json::array()) {
      if (!item.is_string()) fail(key, "a list of strings");
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
    return out;
  }

  std::vector<std::string> strings(const char* key) {
    auto it = object_.find(key);
    return it == object_.end() ? std::vector<std::string>{} : strings(*it, key);
  }

  void fail(const char* key, const char* expected) {
    if (error_.is_ok()) {
      error_ = Status::invalid_argument(origin_ + ": \"" + key + "\" must be " + expected);
    }
  }

  const json& object() const { return object_; }
  const Status& error() const { return error_; }

 private:
  const json& object_;
  std::string origin_;
  Status error_;
};

void read_config_paths(FieldReader& reader, ClientDescriptor& out) {
  auto it = reader.object().find("config_paths");
  if (it == reader.object().end() || !it->is_object()) return reader.fail("config_paths", "an object");
  for (const auto& [os, paths] : it->items()) {
    out.config_paths.emplace_back(os, reader.strings(paths, "config_paths"));
  }
}

void read_server_tables(FieldReader& reader, ClientDescriptor& out) {
  auto it = reader.object().find("server_tables");
  if (it == reader.object().end() || !it->is_array() || it->empty()) {
    return reader.fail("server_tables", "a non-empty list of key paths");
  }
  for (const json& pattern : *it) {
    out.server_tables.push_back(reader.strings(pattern, "server_tables"));
    if (out.server_tables.back().empty()) reader.fail("server_tables", "a list of non-empty key paths");
  }
}

void read_entry_shape(FieldReader& reader, EntryShape& shape, const std::string& origin) {
  auto it = reader.object().find("entry");
  if (it == reader.object().end()) return;
  if (!it->is_object()) return reader.fail("entry", "an object");
  FieldReader entry(*it, origin + ": entry");
  if (it->contains("command_key")) shape.command_key = entry.string("command_key", true);
  if (it->contains("args_key")) shape.args_key = entry.string("args_key", true);
  if (it->contains("type_key")) shape.type_key = entry.string("type_key", true);
  if (it->contains("remote_keys")) shape.remote_keys = entry.strings("remote_keys");
  if (it->contains("stdio_types")) shape.stdio_types = entry.strings("stdio_types");
  if (!entry.error().is_ok()) reader.fail("entry", "an object of strings and lists of strings");
}

void read_create_template(FieldReader& reader, ClientDescriptor& out) {
  auto it = reader.object().find("create_if_missing");
  if (it == reader.object().end() || it->is_null()) return;
  if (!it->is_object()) return reader.fail("create_if_missing", "an object or null");
  out.create_if_missing = it->dump(2) + "\n";
}

std::optional<std::string> getenv_string(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

fs::path home_directory() {
  if (auto home = getenv_string("HOME"); home && !home->empty()) return *home;
  const struct passwd* entry = ::getpwuid(::getuid());
  return entry != nullptr && entry->pw_dir != nullptr ? fs::path(entry->pw_dir) : fs::path();
}

const char* current_os() {
#if defined(_WIN32)
  return "windows";
#elif defined(__APPLE__)
  return "macos";
#else
  return "linux";
#endif
}

// Replaces every %NAME% in `text`; kNotFound names the first unset variable.
Result<std::string> expand_percent_variables(std::string_view text, const HostEnvironment& env) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t close = text[i] == '%' ? text.find('%', i + 1) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += text[i];
      continue;
    }
    std::string name(text.substr(i + 1, close - i - 1));
    auto value = env.getenv ? env.getenv(name) : std::nullopt;
    if (!value) return Status::not_found("%" + name + "% is not set");
    out += *value;
    i = close;
  }
  return out;
}

}  // namespace

std::vector<std::string> ClientDescriptor::paths_for(std::string_view os) const {
  for (const auto& [name, paths] : config_paths) {
    if (name == os) return paths;
  }
  return {};
}

HostEnvironment HostEnvironment::current() {
  return HostEnvironment{current_os(), home_directory(), getenv_string};
}

Result<ClientDescriptor> parse_client_descriptor(std::string_view text, const std::string& origin) {
  auto parsed = rpc::parse_json_strict(text);
  if (!parsed) return Status::invalid_argument(origin + ": " + parsed.status().message());
  if (!parsed->is_object()) return Status::invalid_argument(origin + ": must be a JSON object");
  FieldReader reader(*parsed, origin);
  ClientDescriptor out;
  out.id = reader.string("id", true);
  out.display_name = reader.string("display_name", true);
  out.restart_hint = reader.string("restart_hint", true);
  out.project_config_paths = reader.strings("project_config_paths");
  read_config_paths(reader, out);
  read_server_tables(reader, out);
  read_entry_shape(reader, out.entry, origin);
  read_create_template(reader, out);
  auto jsonc = parsed->find("jsonc");
  if (jsonc != parsed->end() && !jsonc->is_boolean()) {
    return Status::invalid_argument(origin + ": \"jsonc\" must be true or false");
  }
  out.reads_jsonc = jsonc != parsed->end() && jsonc->get<bool>();
  if (!reader.error().is_ok()) return reader.error();
  return out;
}

Result<ClientDescriptor> load_client_descriptor(FileSystem& fs, const fs::path& dir, std::string_view id) {
  fs::path path = dir / (std::string(id) + ".json");
  auto text = fs.read_file(path);
  if (!text) return text.status();
  auto descriptor = parse_client_descriptor(*text, path.string());
  if (descriptor && descriptor->id != id) {
    return Status::invalid_argument(path.string() + ": \"id\" is \"" + descriptor->id + "\", expected \"" +
                                    std::string(id) + "\"");
  }
  return descriptor;
}

Result<fs::path> expand_config_path(std::string_view pattern, const HostEnvironment& env) {
  auto expanded = expand_percent_variables(pattern, env);
  if (!expanded) return expanded.status();
  std::string text = std::move(expanded).value();
  if (env.os == "windows") std::replace(text.begin(), text.end(), '\\', '/');
  if (text != "~" && text.rfind("~/", 0) != 0) return fs::path(text);
  if (env.home.empty()) return Status::not_found("no home directory for \"~\"");
  return text.size() <= 2 ? env.home : env.home / text.substr(2);
}

Result<fs::path> find_descriptor_dir(FileSystem& fs, const HostEnvironment& env, const fs::path& executable) {
  std::vector<fs::path> candidates;
  if (auto dir = env.getenv ? env.getenv("MCP_WARDEN_INTEGRATIONS_DIR") : std::nullopt) {
    candidates.emplace_back(*dir);
  }
  fs::path exe_dir = executable.parent_path();
  candidates.push_back(exe_dir / ".." / "share" / "mcp-warden" / "integrations");
  candidates.push_back(exe_dir / "integrations");
  candidates.push_back(fs::path(MCP_WARDEN_SOURCE_DIR) / "integrations");
  std::string tried;
  for (const fs::path& dir : candidates) {
    auto info = fs.stat(dir / "claude.json");
    if (info && info->exists) return dir.lexically_normal();
    tried += (tried.empty() ? "" : ", ") + dir.string();
  }
  return Status::not_found("no client descriptors (integrations/*.json) found; looked in " + tried +
                           "; set MCP_WARDEN_INTEGRATIONS_DIR");
}

}  // namespace mcp_warden::integrations
