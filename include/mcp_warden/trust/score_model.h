// ScoreModel: the arithmetic of a trust score — how much each observed event
// moves it and how it recovers toward its base over time.
//
// Scores are kept in thousandths of a point ("milli", 0..1'000'000) so that
// small, diminishing rises and slow recovery add up exactly (integer
// arithmetic: every process computes the same result from the same events).
// Displayed scores are whole points, rounded to nearest. Every weight is a
// field of TrustWeights with its default documented in docs/trust.md; no
// result ever leaves 0..1000.
//
// Thread safety: plain values and pure functions. Nothing here touches disk.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mcp_warden::trust {

inline constexpr int64_t kMilliPerPoint = 1000;
inline constexpr int64_t kMinScoreMilli = 0;
inline constexpr int64_t kMaxScoreMilli = 1000 * kMilliPerPoint;
inline constexpr int64_t kMicrosPerHour = 3'600'000'000;

// What was seen about a server, or what a person did about it. Every kind
// has a name stored in trust_events; the order below is only the enum's.
// Attribution (docs/trust.md, "What moves a score"): a kind is either the
// server's own behaviour (it moves the score by its weight), the client's
// (recorded with delta 0: a client cannot move a server's score), or a
// person's / mcp-warden's own bookkeeping.
enum class EventKind {
  // --- the server's behaviour ------------------------------------------------
  kCallSucceeded,       // an allowed tools/call returned a result without isError
  kToolError,           // the result had isError: true
  kRpcError,            // the server answered the call with a JSON-RPC error
  kCallTimedOut,        // no answer within the proxy's call timeout
  kServerDied,          // the server exited with the call pending
  kStdoutNoise,         // non-protocol bytes on the server's stdout
  kUnpairedResponse,    // an answer to a request the server never received (forged pairing)
  kServerRequestDenied, // the server's own sampling/elicitation request, denied by policy
  kResultSecret,        // a result carried a secret (content inspection)
  kResultHiddenInstructions,  // a result carried hidden instructions (content inspection)
  kCatalogChanged,      // a tool's definition changed since last seen (rug pull)
  kAttestationChanged,  // what runs changed: new package version or executable (pin updated)
  kAttestationMismatch, // same package name and version, different content (integrity/digest)
  kRuntimeChanged,      // only the interpreter (node, python) changed: recorded, weight 0
  kAttestationPinned,   // first sighting of what runs: pinned, weight 0
  // --- the client's doing: recorded, never counted (weight 0) -----------------
  kCallDenied,          // the policy denied a tools/call
  kCredentialDenied,    // denied as a secrets/credential access (Decision::credential_denial)
  kRateLimited,         // a rate limit refused a tools/call
  // --- a person, or mcp-warden's own bookkeeping --------------------------------
  kToolApproved,        // a person (or the policy) approved a changed tool (no score change)
  kReset,               // a person reset the score to the base
  kChangeReviewed,      // a person reviewed an upgrade: the score it took is given back
  kMigrationRestored,   // a database upgrade gave back what uncounted events took
};

// The stored names: "call_succeeded", "tool_error", "rpc_error",
// "call_timed_out", "server_died", "stdout_noise", "unpaired_response",
// "server_request_denied", "result_secret", "result_hidden_instructions",
// "catalog_changed", "attestation_changed", "attestation_mismatch",
// "runtime_changed", "attestation_pinned", "call_denied",
// "credential_denied", "rate_limited", "tool_approved", "reset",
// "change_reviewed", "migration_restored".
std::string_view event_kind_name(EventKind kind);
// Inverse of event_kind_name(); nullopt for anything else.
std::optional<EventKind> parse_event_kind(std::string_view name);

// Whose doing an event is.
enum class Attribution { kServer, kClient, kPerson };
Attribution attribution(EventKind kind);

// Every weight, in points (negative = fall). Defaults are the documented
// model (docs/trust.md, "Weights and why"). Client-caused kinds have no
// weight field: they are 0 by construction, not by configuration.
struct TrustWeights {
  // A success rises by success_gain * (1000 - score) / 1000: 1.5 points at
  // 700, 2 at the standard floor (600), nothing at 1000 (diminishing returns).
  int64_t success_gain = 5;
  int64_t tool_error = -2;
  int64_t rpc_error = -2;
  int64_t call_timed_out = -15;
  int64_t server_died = -15;
  int64_t stdout_noise = -10;
  int64_t unpaired_response = -100;
  int64_t server_request_denied = -25;
  int64_t result_secret = -10;
  int64_t result_hidden_instructions = -50;
  int64_t catalog_changed = -250;
  int64_t attestation_changed = -50;
  int64_t attestation_mismatch = -200;
  // A score below its base rises by this many points per hour of wall-clock
  // time, never past the base. A score at or above its base does not decay.
  int64_t recovery_per_hour = 5;
};

// Clamps `score_milli` into 0..1'000'000.
int64_t clamp_score_milli(int64_t score_milli);
// Whole points, rounded to nearest (500 milli rounds up), in 0..1000.
int score_points(int64_t score_milli);

// The nominal change (milli) of `kind` at `score_milli`, before clamping.
// Client-caused and person kinds are 0 here (a reset's delta depends on the
// base, a review's on what the change took; see apply_event() and the store).
int64_t event_delta_milli(EventKind kind, int64_t score_milli, const TrustWeights& weights);

// `score_milli` after `elapsed_us` of recovery toward `base_milli`: rises
// by recovery_per_hour (pro rata, rounded down to a milli point), stops at
// the base; unchanged when at/above the base or when elapsed_us <= 0.
int64_t recover_score_milli(int64_t score_milli, int64_t base_milli, int64_t elapsed_us,
                            const TrustWeights& weights);

// The score after `kind` happens at `score_milli` (recovery already
// applied): score + nominal delta, clamped; kReset gives the base.
int64_t apply_event(EventKind kind, int64_t score_milli, int64_t base_milli,
                    const TrustWeights& weights);

}  // namespace mcp_warden::trust
