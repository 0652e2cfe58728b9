#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::rpc {

using nlohmann::json;

std::string dump_wire(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string make_error_reply(const json& id, int code, std::string_view message, const json& data) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return dump_wire(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}});
}

std::string make_result_reply(const json& id, const json& result) {
  return dump_wire(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
}

std::string make_request(const json& id, std::string_view method, const json& params) {
  return dump_wire(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

}  // namespace mcp_warden::rpc
