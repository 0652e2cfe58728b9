#include "mcp_warden/policy/tool_info.h"

#include <string>

namespace mcp_warden::policy {
namespace {

using nlohmann::json;

// Reads annotations[key] into *out; an absent key leaves it nullopt.
Status read_hint(const json& annotations, const char* key, std::optional<bool>* out) {
  auto it = annotations.find(key);
  if (it == annotations.end() || it->is_null()) return Status::ok();
  if (!it->is_boolean()) {
    return Status::invalid_argument(std::string("annotation ") + key + " is not a boolean");
  }
  *out = it->get<bool>();
  return Status::ok();
}

Status read_annotations(const json& tool, ToolAnnotations* out) {
  auto it = tool.find("annotations");
  if (it == tool.end() || it->is_null()) return Status::ok();
  if (!it->is_object()) return Status::invalid_argument("annotations is not an object");
  Status s = read_hint(*it, "readOnlyHint", &out->read_only_hint);
  if (s.is_ok()) s = read_hint(*it, "destructiveHint", &out->destructive_hint);
  if (s.is_ok()) s = read_hint(*it, "idempotentHint", &out->idempotent_hint);
  if (s.is_ok()) s = read_hint(*it, "openWorldHint", &out->open_world_hint);
  return s;
}

// Finds the `tools` array in any of the shapes parse_tool_list accepts.
const json* find_tools_array(const json& list) {
  if (list.is_array()) return &list;
  if (!list.is_object()) return nullptr;
  if (auto it = list.find("result"); it != list.end()) return find_tools_array(*it);
  auto it = list.find("tools");
  return it != list.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

Result<ToolInfo> parse_tool_info(const json& tool) {
  if (!tool.is_object()) return Status::invalid_argument("tool is not a JSON object");
  auto name = tool.find("name");
  if (name == tool.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return Status::invalid_argument("tool has no non-empty string \"name\"");
  }
  ToolInfo info;
  info.name = name->get<std::string>();
  if (auto d = tool.find("description"); d != tool.end() && d->is_string()) {
    info.description = d->get<std::string>();
  }
  if (auto s = tool.find("inputSchema"); s != tool.end()) info.input_schema = *s;
  Status status = read_annotations(tool, &info.annotations);
  if (!status.is_ok()) {
    return Status::invalid_argument("tool \"" + info.name + "\": " + status.message());
  }
  return info;
}

Result<std::vector<ToolInfo>> parse_tool_list(const json& list) {
  const json* tools = find_tools_array(list);
  if (tools == nullptr) return Status::invalid_argument("no \"tools\" array found");
  std::vector<ToolInfo> out;
  out.reserve(tools->size());
  for (size_t i = 0; i < tools->size(); ++i) {
    Result<ToolInfo> info = parse_tool_info((*tools)[i]);
    if (!info.is_ok()) {
      return Status::invalid_argument("tools[" + std::to_string(i) + "]: " + info.status().message());
    }
    out.push_back(std::move(info).value());
  }
  return out;
}

}  // namespace mcp_warden::policy
