#include "mcp_warden/approval/receipt.h"

#include <nlohmann/json.hpp>

namespace mcp_warden::approval {

audit::NewEntry Receipt::to_entry() const {
  nlohmann::json payload = {{"how", how}, {"answer", answer}, {"call_digest", call_digest}, {"policy", policy},
                            {"policy_sha256", policy_sha256}, {"rule", rule}, {"method", method}};
  if (!about.empty()) payload["about"] = about;
  if (!scope.empty()) payload["scope"] = scope;
  if (!grant_id.empty()) payload["grant_id"] = grant_id;
  if (!reason.empty()) payload["reason"] = reason;
  if (expires_us > 0) payload["expires_us"] = expires_us;
  if (question_seq >= 0) payload["question_seq"] = question_seq;
  if (waited_ms >= 0) payload["waited_ms"] = waited_ms;
  audit::NewEntry entry;
  entry.kind = kind;
  entry.tool = tool;
  entry.request_id = request_id;
  entry.decision = decision;
  entry.payload = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return entry;
}

}  // namespace mcp_warden::approval
