// Manifest: IATP's capability manifest as a policy's `servers:` entry
// declares it (retention, reversibility, human_in_loop, training_consent),
// and the base score it gives a server.
//
// IATP scores a manifest on a 0–10 scale: a base by trust level, +2 when
// actions can be reversed (partially or fully), +1 for ephemeral retention,
// −1 for permanent retention, −2 when a human is in the loop (people see
// the data), −1 when the data may be used for training. mcp-warden's scale
// is 0–1000, so one IATP point is 100 points here and the base by level is
// the level's base (trust_level.h: 950, 850, 700, 500, 200); the result is
// clamped to 0..1000 (docs/trust.md, "Base").
//
// Thread safety: plain values and pure functions. Nothing here touches disk.
#pragma once

#include <optional>
#include <string_view>

#include "mcp_warden/trust/trust_level.h"

namespace mcp_warden::trust {

enum class Retention { kEphemeral, kTemporary, kPermanent };
enum class Reversibility { kNone, kPartial, kFull };

struct Manifest {
  std::optional<Retention> retention;          // absent: no adjustment
  std::optional<Reversibility> reversibility;  // absent: none
  bool human_in_loop = false;
  bool training_consent = false;
};

// One IATP point on mcp-warden's scale.
inline constexpr int kManifestPoint = 100;

// The base of `level` adjusted by `manifest`, in 0..1000.
int manifest_base_score(TrustLevel level, const Manifest& manifest);

// "ephemeral" | "temporary" | "permanent"; nullopt for anything else.
std::optional<Retention> parse_retention(std::string_view name);
// "none" | "partial" | "full"; nullopt for anything else.
std::optional<Reversibility> parse_reversibility(std::string_view name);

}  // namespace mcp_warden::trust
