// TrustEvent: one recorded change of a server's trust score, as stored in
// the trust_events table and as handed to the audit chain.
//
// The trust store returns a TrustEvent for every event it records; the
// store does NOT write the audit log itself. The caller (the proxy, or the
// trust CLI commands) appends trust_event_entry(event, session) to its
// audit::AuditLog, so the entry lands in the chain in the same order as
// the caller's other entries. The trust row is committed first; if the
// audit append fails the score change stands and the caller decides what
// that means (as for any audit failure).
//
// Thread safety: plain values and pure functions. Nothing here touches disk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mcp_warden/audit/entry.h"
#include "mcp_warden/trust/score_model.h"
#include "mcp_warden/trust/tier.h"

namespace mcp_warden::trust {

struct TrustEvent {
  int64_t id = 0;        // trust_events row id: increasing, unique per database
  int64_t time_us = 0;   // from the store's Clock, microseconds since the Unix epoch
  std::string server;
  EventKind kind = EventKind::kCallDenied;
  std::string tool;      // empty when the event is not about one tool
  // What the event itself did, after clamping: score_after_milli ==
  // score before + recovered_milli + delta_milli.
  int64_t delta_milli = 0;
  // Recovery since the previous event, folded in just before this one.
  int64_t recovered_milli = 0;
  int64_t score_after_milli = 0;
  std::string reason;    // a sentence a person can read; may be empty

  int score_after() const { return score_points(score_after_milli); }
  Tier tier_after() const { return tier_for_score(score_after()); }
};

// The audit entry for `event` (kind trust_event, server, tool, empty
// decision) with payload {"event","delta_milli","recovered_milli",
// "score_after","score_after_milli","tier_after","reason","trust_event_id"}
// as compact JSON with sorted keys. time_us is the event's time.
audit::NewEntry trust_event_entry(const TrustEvent& event, std::string_view session_id);

}  // namespace mcp_warden::trust
