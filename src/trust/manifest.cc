#include "mcp_warden/trust/manifest.h"

#include <algorithm>

namespace mcp_warden::trust {

int manifest_base_score(TrustLevel level, const Manifest& manifest) {
  int points = 0;  // IATP points
  if (manifest.reversibility && *manifest.reversibility != Reversibility::kNone) points += 2;
  if (manifest.retention == Retention::kEphemeral) points += 1;
  if (manifest.retention == Retention::kPermanent) points -= 1;
  if (manifest.human_in_loop) points -= 2;
  if (manifest.training_consent) points -= 1;
  return std::clamp(base_score(level) + points * kManifestPoint, 0, 1000);
}

std::optional<Retention> parse_retention(std::string_view name) {
  if (name == "ephemeral") return Retention::kEphemeral;
  if (name == "temporary") return Retention::kTemporary;
  if (name == "permanent") return Retention::kPermanent;
  return std::nullopt;
}

std::optional<Reversibility> parse_reversibility(std::string_view name) {
  if (name == "none") return Reversibility::kNone;
  if (name == "partial") return Reversibility::kPartial;
  if (name == "full") return Reversibility::kFull;
  return std::nullopt;
}

}  // namespace mcp_warden::trust
