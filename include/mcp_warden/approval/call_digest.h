// The digest of one call, which a one-time grant is bound to: SHA-256 of the
// canonical JSON {"arguments": …, "server": …, "tool": …} — nlohmann's
// compact dump, whose objects are ordered by key at every depth, so the same
// call always gives the same digest whatever order its arguments arrived in.
// `tool` is the request's subject (a tool name, a resource URI, …); absent
// arguments are null.
//
// result_digest() binds a grant to the *answer* of that call (a response
// rule that asks): the same canonical object with "about": "result", so a
// code offered for a call's result never lets the call itself through, and
// the other way round.
//
// Thread safety: a pure function. Nothing here touches disk.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcp_warden::approval {

// 64 lower-case hex digits.
std::string call_digest(std::string_view server, std::string_view tool, const nlohmann::json* arguments);
std::string result_digest(std::string_view server, std::string_view tool, const nlohmann::json* arguments);

}  // namespace mcp_warden::approval
