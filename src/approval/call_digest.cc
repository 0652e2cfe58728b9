#include "mcp_warden/approval/call_digest.h"

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::approval {

namespace {

nlohmann::json canonical_call(std::string_view server, std::string_view tool, const nlohmann::json* arguments) {
  return {{"arguments", arguments != nullptr ? *arguments : nlohmann::json()},
          {"server", std::string(server)},
          {"tool", std::string(tool)}};
}

std::string digest_of(const nlohmann::json& value) {
  return audit::to_hex(audit::sha256(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

}  // namespace

std::string call_digest(std::string_view server, std::string_view tool, const nlohmann::json* arguments) {
  return digest_of(canonical_call(server, tool, arguments));
}

std::string result_digest(std::string_view server, std::string_view tool, const nlohmann::json* arguments) {
  nlohmann::json about_result = canonical_call(server, tool, arguments);
  about_result["about"] = "result";
  return digest_of(about_result);
}

}  // namespace mcp_warden::approval
