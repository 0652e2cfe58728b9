#include "mcp_warden/trust/trust_event.h"

#include <nlohmann/json.hpp>

namespace mcp_warden::trust {

audit::NewEntry trust_event_entry(const TrustEvent& event, std::string_view session_id) {
  nlohmann::json payload = {
      {"event", event_kind_name(event.kind)},
      {"delta_milli", event.delta_milli},
      {"recovered_milli", event.recovered_milli},
      {"score_after", event.score_after()},
      {"score_after_milli", event.score_after_milli},
      {"tier_after", tier_name(event.tier_after())},
      {"reason", event.reason},
      {"trust_event_id", event.id},
  };
  audit::NewEntry entry;
  entry.kind = audit::EntryKind::kTrustEvent;
  entry.time_us = event.time_us;
  entry.session_id = std::string(session_id);
  entry.server = event.server;
  entry.tool = event.tool;
  entry.decision = "";
  // Reasons may quote arbitrary text; replace invalid UTF-8 rather than throw.
  entry.payload = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return entry;
}

}  // namespace mcp_warden::trust
