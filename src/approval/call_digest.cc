#include "mcp_warden/approval/call_digest.h"

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::approval {

std::string call_digest(std::string_view server, std::string_view tool, const nlohmann::json* arguments) {
  nlohmann::json call = {{"arguments", arguments != nullptr ? *arguments : nlohmann::json()},
                         {"server", std::string(server)},
                         {"tool", std::string(tool)}};
  return audit::to_hex(audit::sha256(call.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

}  // namespace mcp_warden::approval
