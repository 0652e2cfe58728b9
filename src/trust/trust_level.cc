#include "mcp_warden/trust/trust_level.h"

#include <array>

namespace mcp_warden::trust {
namespace {

struct LevelInfo {
  TrustLevel level;
  std::string_view name;
  int base;
};

constexpr std::array<LevelInfo, 5> kLevels{{
    {TrustLevel::kVerifiedPartner, "verified_partner", 950},
    {TrustLevel::kTrusted, "trusted", 850},
    {TrustLevel::kStandard, "standard", 700},
    {TrustLevel::kUnknown, "unknown", 500},
    {TrustLevel::kUntrusted, "untrusted", 200},
}};

const LevelInfo& info(TrustLevel level) {
  return kLevels[static_cast<std::size_t>(level)];
}

}  // namespace

int base_score(TrustLevel level) { return info(level).base; }

std::string_view trust_level_name(TrustLevel level) { return info(level).name; }

std::optional<TrustLevel> parse_trust_level(std::string_view name) {
  for (const LevelInfo& entry : kLevels) {
    if (entry.name == name) return entry.level;
  }
  return std::nullopt;
}

}  // namespace mcp_warden::trust
