#include "mcp_warden/trust/catalog.h"

#include <set>

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::trust {
namespace {

using nlohmann::json;

constexpr std::string_view kFingerprintTag = "mcp-warden.trust.tool.v1";

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

Result<ToolDefinition> parse_one(const json& tool, std::size_t index) {
  std::string where = "tools[" + std::to_string(index) + "]";
  if (!tool.is_object()) return Status::invalid_argument(where + " is not an object");
  auto name = tool.find("name");
  if (name == tool.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return Status::invalid_argument(where + " has no non-empty string `name`");
  }
  auto description = tool.find("description");
  if (description != tool.end() && !description->is_string() && !description->is_null()) {
    return Status::invalid_argument(where + ": `description` is not a string");
  }
  ToolDefinition out;
  out.name = name->get<std::string>();
  if (description != tool.end() && description->is_string()) out.description = description->get<std::string>();
  out.input_schema = tool.value("inputSchema", json());
  out.annotations = tool.value("annotations", json());
  return out;
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
  update_framed(hash, tool.description);
  update_framed(hash, canonical_json(tool.input_schema));
  update_framed(hash, canonical_json(annotations));
  return audit::to_hex(hash.finish());
}

}  // namespace mcp_warden::trust
