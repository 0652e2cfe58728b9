// The MCP method names the Session looks for, as views: comparing a
// std::string with one checks the sizes before any bytes (every relayed
// message meets a few of these). Internal to the proxy module.
#pragma once

#include <string_view>

namespace mcp_warden::proxy::method {

inline constexpr std::string_view kInitialize = "initialize";
inline constexpr std::string_view kToolsList = "tools/list";
inline constexpr std::string_view kToolsCall = "tools/call";
inline constexpr std::string_view kCancelled = "notifications/cancelled";
inline constexpr std::string_view kProgress = "notifications/progress";
inline constexpr std::string_view kToolsListChanged = "notifications/tools/list_changed";
inline constexpr std::string_view kTaskStatus = "notifications/tasks/status";

}  // namespace mcp_warden::proxy::method
