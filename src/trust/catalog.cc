#include "mcp_warden/trust/catalog.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <string_view>

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::trust {
namespace {

using nlohmann::json;

constexpr std::string_view kFingerprintTagV1 = "mcp-warden.trust.tool.v1";
constexpr std::string_view kFingerprintTag = "mcp-warden.trust.tool.v2";

// Compact, keys sorted (nlohmann's default object is an ordered std::map).
std::string canonical_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Feeds an 8-byte big-endian length, then the bytes.
void update_framed(audit::Sha256& hash, std::string_view bytes) {
  uint64_t size = bytes.size();
  for (int shift = 56; shift >= 0; shift -= 8) hash.update_byte(static_cast<uint8_t>(size >> shift));
  hash.update(bytes);
}

// The `tools` array inside any of the accepted shapes, or null.
const json* find_tools_array(const json& list) {
  if (list.is_array()) return &list;
  if (!list.is_object()) return nullptr;
  if (list.contains("result") && list["result"].is_object()) return find_tools_array(list["result"]);
  auto it = list.find("tools");
  return it != list.end() && it->is_array() ? &*it : nullptr;
}

// An optional string field; kInvalidArgument when present and not a string.
Status read_text(const json& tool, const char* key, const std::string& where, std::string& out) {
  auto it = tool.find(key);
  if (it == tool.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return Status::invalid_argument(where + ": `" + key + "` is not a string");
  out = it->get<std::string>();
  return Status::ok();
}

Result<ToolDefinition> parse_one(const json& tool, std::size_t index) {
  std::string where = "tools[" + std::to_string(index) + "]";
  if (!tool.is_object()) return Status::invalid_argument(where + " is not an object");
  auto name = tool.find("name");
  if (name == tool.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return Status::invalid_argument(where + " has no non-empty string `name`");
  }
  ToolDefinition out;
  out.name = name->get<std::string>();
  Status text = read_text(tool, "description", where, out.description);
  if (text.is_ok()) text = read_text(tool, "title", where, out.title);
  if (!text.is_ok()) return text;
  out.input_schema = tool.value("inputSchema", json());
  out.output_schema = tool.value("outputSchema", json());
  out.annotations = tool.value("annotations", json());
  return out;
}

// Every string (keys included) in `value`.
void collect_strings(const json& value, std::vector<std::string>& out) {
  if (value.is_string()) out.push_back(value.get<std::string>());
  if (value.is_array()) {
    for (const json& item : value) collect_strings(item, out);
  }
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out.push_back(key);
      collect_strings(item, out);
    }
  }
}

// The next UTF-8 code point at `i` (advancing it); U+FFFD for a bad byte.
uint32_t next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t lead = byte(i);
  int extra = lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
  if (extra < 0 || i + extra >= text.size()) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  i += extra + 1;
  return cp;
}

bool invisible(uint32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xE0000 && cp <= 0xE007F) ||
         cp == 0x00AD;
}

std::optional<std::string> invisible_code_point(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    uint32_t cp = next_code_point(text, i);
    if (!invisible(cp)) continue;
    char hex[16];
    std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(cp));
    return "an invisible code point (" + std::string(hex) + ")";
  }
  return std::nullopt;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_any(std::string_view text, std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (text.find(word) != std::string_view::npos) return true;
  }
  return false;
}

// A verb telling the model to drop what it was told ("ignore", "disregard",
// "forget", "override"), followed within 60 bytes by a qualifier ("previous",
// "prior", "above", "earlier", "all") and an object ("instructions",
// "prompt", "rules", "system message").
std::optional<std::string> override_phrase(std::string_view text) {
  std::string lower = ascii_lower(text);
  for (std::string_view verb : {"ignore", "disregard", "forget", "override"}) {
    for (std::size_t at = lower.find(verb); at != std::string::npos; at = lower.find(verb, at + 1)) {
      std::string_view window = std::string_view(lower).substr(at, 60);
      if (contains_any(window, {"previous", "prior", "above", "earlier", "all "}) &&
          contains_any(window, {"instructions", "prompt", "rules", "system message"})) {
        return "an instruction-override phrase (\"" + std::string(text.substr(at, window.size())) + "\")";
      }
    }
  }
  if (lower.find("<important>") != std::string::npos) return "an <IMPORTANT> block";
  return std::nullopt;
}

}  // namespace

Result<std::vector<ToolDefinition>> parse_tool_definitions(const json& list) {
  const json* tools = find_tools_array(list);
  if (tools == nullptr) return Status::invalid_argument("no `tools` array in the tool list");
  std::vector<ToolDefinition> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < tools->size(); ++i) {
    Result<ToolDefinition> tool = parse_one((*tools)[i], i);
    if (!tool) return tool.status();
    if (!names.insert(tool->name).second) {
      return Status::invalid_argument("tool `" + tool->name + "` is listed twice");
    }
    out.push_back(std::move(tool).value());
  }
  return out;
}

std::string definition_hash(const ToolDefinition& tool) {
  const json& annotations = tool.annotations.is_null() ? json::object() : tool.annotations;
  audit::Sha256 hash;
  update_framed(hash, kFingerprintTag);
  update_framed(hash, tool.title);
  update_framed(hash, tool.description);
  update_framed(hash, canonical_json(tool.input_schema));
  update_framed(hash, canonical_json(tool.output_schema));
  update_framed(hash, canonical_json(annotations));
  return audit::to_hex(hash.finish());
}

std::string definition_hash_v1(const ToolDefinition& tool) {
  const json& annotations = tool.annotations.is_null() ? json::object() : tool.annotations;
  audit::Sha256 hash;
  update_framed(hash, kFingerprintTagV1);
  update_framed(hash, tool.description);
  update_framed(hash, canonical_json(tool.input_schema));
  update_framed(hash, canonical_json(annotations));
  return audit::to_hex(hash.finish());
}

std::string definition_text(const ToolDefinition& tool) {
  json out = {{"name", tool.name}};
  if (!tool.title.empty()) out["title"] = tool.title;
  if (!tool.description.empty()) out["description"] = tool.description;
  if (!tool.input_schema.is_null()) out["inputSchema"] = tool.input_schema;
  if (!tool.output_schema.is_null()) out["outputSchema"] = tool.output_schema;
  if (!tool.annotations.is_null()) out["annotations"] = tool.annotations;
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<std::string> hidden_instructions(const ToolDefinition& tool) {
  std::vector<std::string> texts{tool.title, tool.description};
  collect_strings(tool.input_schema, texts);
  collect_strings(tool.output_schema, texts);
  collect_strings(tool.annotations, texts);
  for (const std::string& text : texts) {
    if (auto found = invisible_code_point(text)) return found;
    if (auto found = override_phrase(text)) return found;
  }
  return std::nullopt;
}

}  // namespace mcp_warden::trust
