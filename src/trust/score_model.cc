#include "mcp_warden/trust/score_model.h"

#include <algorithm>
#include <array>

namespace mcp_warden::trust {
namespace {

struct KindInfo {
  EventKind kind;
  std::string_view name;
  Attribution by;
};

// In EventKind order; lookups index it.
constexpr std::array<KindInfo, 22> kKinds{{
    {EventKind::kCallSucceeded, "call_succeeded", Attribution::kServer},
    {EventKind::kToolError, "tool_error", Attribution::kServer},
    {EventKind::kRpcError, "rpc_error", Attribution::kServer},
    {EventKind::kCallTimedOut, "call_timed_out", Attribution::kServer},
    {EventKind::kServerDied, "server_died", Attribution::kServer},
    {EventKind::kStdoutNoise, "stdout_noise", Attribution::kServer},
    {EventKind::kUnpairedResponse, "unpaired_response", Attribution::kServer},
    {EventKind::kServerRequestDenied, "server_request_denied", Attribution::kServer},
    {EventKind::kResultSecret, "result_secret", Attribution::kServer},
    {EventKind::kResultHiddenInstructions, "result_hidden_instructions", Attribution::kServer},
    {EventKind::kCatalogChanged, "catalog_changed", Attribution::kServer},
    {EventKind::kAttestationChanged, "attestation_changed", Attribution::kServer},
    {EventKind::kAttestationMismatch, "attestation_mismatch", Attribution::kServer},
    {EventKind::kRuntimeChanged, "runtime_changed", Attribution::kServer},
    {EventKind::kAttestationPinned, "attestation_pinned", Attribution::kServer},
    {EventKind::kCallDenied, "call_denied", Attribution::kClient},
    {EventKind::kCredentialDenied, "credential_denied", Attribution::kClient},
    {EventKind::kRateLimited, "rate_limited", Attribution::kClient},
    {EventKind::kToolApproved, "tool_approved", Attribution::kPerson},
    {EventKind::kReset, "reset", Attribution::kPerson},
    {EventKind::kChangeReviewed, "change_reviewed", Attribution::kPerson},
    {EventKind::kMigrationRestored, "migration_restored", Attribution::kPerson},
}};

const KindInfo& info(EventKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

// The rise of a success: success_gain scaled by the distance to the top.
int64_t success_gain_milli(int64_t score_milli, const TrustWeights& weights) {
  int64_t headroom = kMaxScoreMilli - clamp_score_milli(score_milli);
  return weights.success_gain * kMilliPerPoint * headroom / kMaxScoreMilli;
}

// The fixed weight of a penalising server kind, in points; 0 for the others
// (client-caused kinds among them: a client cannot move a server's score).
int64_t fixed_weight(EventKind kind, const TrustWeights& w) {
  switch (kind) {
    case EventKind::kToolError: return w.tool_error;
    case EventKind::kRpcError: return w.rpc_error;
    case EventKind::kCallTimedOut: return w.call_timed_out;
    case EventKind::kServerDied: return w.server_died;
    case EventKind::kStdoutNoise: return w.stdout_noise;
    case EventKind::kUnpairedResponse: return w.unpaired_response;
    case EventKind::kServerRequestDenied: return w.server_request_denied;
    case EventKind::kResultSecret: return w.result_secret;
    case EventKind::kResultHiddenInstructions: return w.result_hidden_instructions;
    case EventKind::kCatalogChanged: return w.catalog_changed;
    case EventKind::kAttestationChanged: return w.attestation_changed;
    case EventKind::kAttestationMismatch: return w.attestation_mismatch;
    default: return 0;
  }
}

}  // namespace

std::string_view event_kind_name(EventKind kind) { return info(kind).name; }

Attribution attribution(EventKind kind) { return info(kind).by; }

std::optional<EventKind> parse_event_kind(std::string_view name) {
  for (const KindInfo& entry : kKinds) {
    if (entry.name == name) return entry.kind;
  }
  return std::nullopt;
}

int64_t clamp_score_milli(int64_t score_milli) {
  return std::clamp(score_milli, kMinScoreMilli, kMaxScoreMilli);
}

int score_points(int64_t score_milli) {
  int64_t clamped = clamp_score_milli(score_milli);
  return static_cast<int>((clamped + kMilliPerPoint / 2) / kMilliPerPoint);
}

int64_t event_delta_milli(EventKind kind, int64_t score_milli, const TrustWeights& weights) {
  if (kind == EventKind::kCallSucceeded) return success_gain_milli(score_milli, weights);
  return fixed_weight(kind, weights) * kMilliPerPoint;
}

int64_t recover_score_milli(int64_t score_milli, int64_t base_milli, int64_t elapsed_us,
                            const TrustWeights& weights) {
  int64_t score = clamp_score_milli(score_milli);
  int64_t base = clamp_score_milli(base_milli);
  if (score >= base || elapsed_us <= 0 || weights.recovery_per_hour <= 0) return score;
  int64_t rate = weights.recovery_per_hour * kMilliPerPoint;  // milli per hour
  // rate >= 1000 milli/h, so this many hours reach the base; the split below
  // keeps every product far from overflow.
  if (elapsed_us / kMicrosPerHour >= base - score) return base;
  int64_t gain = (elapsed_us / kMicrosPerHour) * rate +
                 (elapsed_us % kMicrosPerHour) * rate / kMicrosPerHour;
  return std::min(base, score + gain);
}

int64_t apply_event(EventKind kind, int64_t score_milli, int64_t base_milli,
                    const TrustWeights& weights) {
  if (kind == EventKind::kReset) return clamp_score_milli(base_milli);
  return clamp_score_milli(score_milli + event_delta_milli(kind, score_milli, weights));
}

}  // namespace mcp_warden::trust
