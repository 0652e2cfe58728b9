// Recorder: how the pipeline's steps and the Session write audit entries.
//
// Stamps every entry with the session's id and the server's name and hands
// it to the CallAuditor; `done` runs on the relay thread with the committed
// sequence number or the error (see call_auditor.h). Without an auditor
// (the benchmark's policy-only layer) nothing is recorded: recording() is
// false, entries need not be built, and `done` runs at once with seq 0.
//
// Owned by the Session; used only on the relay thread.
#pragma once

#include <string>
#include <utility>

#include "mcp_warden/proxy/call_auditor.h"

namespace mcp_warden::proxy {

class Recorder {
 public:
  Recorder(CallAuditor* auditor, std::string session_id, std::string server)
      : auditor_(auditor), session_id_(std::move(session_id)), server_(std::move(server)) {}

  bool recording() const { return auditor_ != nullptr; }
  // `deferred`: nobody waits for the commit (CallAuditor::record_deferred).
  void record(audit::NewEntry entry, CallAuditor::Done done, bool deferred = false) {
    if (auditor_ == nullptr) return done(int64_t{0});
    entry.session_id = session_id_;
    entry.server = server_;
    if (deferred) return auditor_->record_deferred(std::move(entry), std::move(done));
    auditor_->record(std::move(entry), std::move(done));
  }

 private:
  CallAuditor* auditor_;
  std::string session_id_;
  std::string server_;
};

}  // namespace mcp_warden::proxy
