#include "mcp_warden/proxy/tool_catalog.h"

namespace mcp_warden::proxy {

using nlohmann::json;

void ToolCatalog::begin_listing() {
  next_tools_.clear();
  next_raw_.clear();
}

bool ToolCatalog::add_page(const json& result) {
  if (!result.is_object()) return true;
  auto tools = result.find("tools");
  if (tools != result.end() && tools->is_array()) {
    for (const json& element : *tools) {
      auto name = element.is_object() ? element.find("name") : element.end();
      if (name == element.end() || !name->is_string()) continue;
      next_raw_[name->get<std::string>()] = element;
      auto info = policy::parse_tool_info(element);
      if (info) next_tools_[info->name] = std::move(info).value();
    }
  }
  auto cursor = result.find("nextCursor");
  bool last = cursor == result.end() || !cursor->is_string();
  if (last) {
    tools_.swap(next_tools_);
    raw_.swap(next_raw_);
    next_tools_.clear();
    next_raw_.clear();
    ready_ = true;
  }
  return last;
}

const policy::ToolInfo* ToolCatalog::find(const std::string& name) const {
  auto it = tools_.find(name);
  if (it != tools_.end()) return &it->second;
  auto pending = next_tools_.find(name);  // a listing in progress already saw it
  return pending == next_tools_.end() ? nullptr : &pending->second;
}

}  // namespace mcp_warden::proxy
