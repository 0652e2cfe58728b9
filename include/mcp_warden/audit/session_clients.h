// Which client each session served, as the client introduced itself.
//
// A session's client name is its clientInfo.name from the `handshake` entry
// (written when the server answers initialize, so a session that is still
// running or that never ended cleanly has it too), or, for logs written
// before that entry existed, from its `session_end` entry. A session whose
// client never completed the handshake has no name.
//
// Thread safety: as AuditStore (one thread per store).
#pragma once

#include <map>
#include <string>

#include "mcp_warden/audit/entry.h"
#include "mcp_warden/audit/store.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

// payload.client_info.name of a `handshake` or `session_end` entry; "" for
// any other entry or a payload without one.
std::string client_name_in(const Entry& entry);

// session id -> client name, for every session that has one.
Result<std::map<std::string, std::string>> session_client_names(AuditStore& store);

}  // namespace mcp_warden::audit
