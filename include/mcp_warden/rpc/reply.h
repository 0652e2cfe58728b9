// Replies mcp-warden writes itself: JSON-RPC error and result lines.
//
// Each function returns one complete line without the trailing '\n'. The id
// is echoed exactly as the request carried it (null when it was unknown).
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcp_warden::rpc {

// JSON-RPC 2.0 error codes mcp-warden uses.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// The MCP SDKs' "request timed out" (ErrorCode.RequestTimeout).
inline constexpr int kRequestTimeout = -32001;

// {"jsonrpc":"2.0","id":<id>,"error":{"code":<code>,"message":<message>[,"data":<data>]}}
std::string make_error_reply(const nlohmann::json& id, int code, std::string_view message,
                             const nlohmann::json& data = nullptr);

// {"jsonrpc":"2.0","id":<id>,"result":<result>}
std::string make_result_reply(const nlohmann::json& id, const nlohmann::json& result);

// {"jsonrpc":"2.0","id":<id>,"method":<method>,"params":<params>}
std::string make_request(const nlohmann::json& id, std::string_view method, const nlohmann::json& params);

// Serializes JSON for the wire: compact, UTF-8, invalid UTF-8 replaced (never throws).
std::string dump_wire(const nlohmann::json& value);

}  // namespace mcp_warden::rpc
