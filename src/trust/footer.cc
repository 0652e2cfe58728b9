#include "mcp_warden/trust/footer.h"

#include <algorithm>

#include "mcp_warden/trust/tier.h"

namespace mcp_warden::trust {

std::string footer_text(std::string_view policy_name, int score, int64_t audit_seq) {
  int shown = std::clamp(score, kMinScore, kMaxScore);
  std::string text = "\xF0\x9F\x94\x92 mcp-warden \xC2\xB7 policy ";  // 🔒 … ·
  text.append(policy_name);
  text += " \xC2\xB7 trust " + std::to_string(shown) + "/1000 (";
  text.append(tier_name(tier_for_score(shown)));
  text += ") \xC2\xB7 audit #" + std::to_string(audit_seq);
  return text;
}

}  // namespace mcp_warden::trust
