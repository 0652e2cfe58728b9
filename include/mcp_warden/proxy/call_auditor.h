// CallAuditor: how the Session writes to the audit log without blocking.
//
// record() hands an entry to the audit writer and returns at once; `done`
// runs later ON THE RELAY THREAD with the committed sequence number or the
// error. The Session forwards a tools/call only from `done` with a sequence
// number: no call reaches the server unrecorded. The runner's implementation
// wraps audit::AuditLog and posts completions to the io_context; unit tests
// use a synchronous fake.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "mcp_warden/audit/entry.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::proxy {

class CallAuditor {
 public:
  using Done = std::function<void(Result<int64_t> seq)>;
  virtual ~CallAuditor() = default;
  virtual void record(audit::NewEntry entry, Done done) = 0;
  // Like record(), for an entry nobody waits for (a call's result): it may
  // be committed a little later, together with the next recorded call or
  // after a short delay, but never after work recorded after it.
  virtual void record_deferred(audit::NewEntry entry, Done done) { record(std::move(entry), std::move(done)); }
};

}  // namespace mcp_warden::proxy
