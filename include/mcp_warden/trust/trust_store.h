// TrustStore: per-server trust scores, their events, the tool-catalog
// fingerprints, the pinned attestation of what each server runs and the
// upgrade reviews, kept in the audit database (same SQLite file, own tables
// trust_servers, trust_events, trust_tools, trust_pins, trust_reviews,
// trust_meta; created when missing, older databases migrated on open —
// docs/trust.md, "Upgrading a database").
//
// Durability: every change is one BEGIN IMMEDIATE transaction (or runs in
// the attached owner's transaction, see attach()) that reads
// the row, applies recovery and the event, and writes it back, so several
// processes (one mcp-warden per server in a client config) can update one
// server's score without losing an event. Waiting for another writer is
// bounded by busy_timeout_ms per attempt and max_attempts, then kBusy; a
// failed change rolls back completely. A committed change survives SIGKILL
// (WAL, synchronous=NORMAL). Nothing is cached: every read sees what the
// other processes committed.
//
// The store does not write audit entries: each recording method returns the
// TrustEvent(s) so the caller appends trust_event_entry() to its AuditLog.
//
// Every call is a blocking SQLite round trip (normally well under a
// millisecond, up to the busy budget under contention): keep it off a
// thread that must not wait on disk. Thread safety: one thread at a time;
// a store must not be used in a forked child (open a new one there).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"
#include "mcp_warden/trust/attestation.h"
#include "mcp_warden/trust/catalog.h"
#include "mcp_warden/trust/score_model.h"
#include "mcp_warden/trust/tier.h"
#include "mcp_warden/trust/trust_event.h"
#include "mcp_warden/trust/trust_level.h"

struct sqlite3;

namespace mcp_warden::trust {

struct TrustStoreOptions {
  TrustWeights weights;
  // Lock waiting per attempt, and BEGIN IMMEDIATE attempts before kBusy.
  int busy_timeout_ms = 5000;
  int max_attempts = 3;
  // Event times and recovery. Must outlive the store. Null = system clock.
  const Clock* clock = nullptr;
  // The level of a server first met through record() or observe_catalog()
  // without a prior ensure_server().
  TrustLevel default_level = kDefaultTrustLevel;
};

// One server's state, with recovery applied up to the time it was read.
struct ServerTrust {
  std::string server;
  TrustLevel level = kDefaultTrustLevel;
  int64_t base_milli = 0;
  int64_t score_milli = 0;
  int64_t events = 0;          // rows in trust_events for this server
  int64_t last_seen_us = 0;    // last ensure_server(), event or catalog

  int base() const { return score_points(base_milli); }
  int score() const { return score_points(score_milli); }
  Tier tier() const { return tier_for_score(score()); }
};

// What observe_attestation() found.
struct AttestationReport {
  AttestationChange change = AttestationChange::kNone;
  bool first_use = false;                // nothing was pinned: pinned now
  std::optional<Attestation> previous;   // the pin before, when there was one
  std::vector<TrustEvent> events;        // attestation_pinned / _changed / _mismatch / runtime_changed
  int64_t review_id = 0;                 // the open upgrade review, or 0
  bool held = false;                     // the server's tools are held until reviewed
};

// One changed tool as a person reviews it.
struct ToolChange {
  std::string tool;
  std::string approved_text;  // definition_text() last approved ("" when not recorded)
  std::string current_text;   // the definition now listed
  std::string fingerprint;    // definition_hash() of the current definition
  std::string hidden;         // hidden instructions found in it, or ""
};

// What `mcp-warden trust review SERVER` shows: the open upgrade (if any)
// and every tool whose current definition is not approved.
struct ReviewItem {
  int64_t review_id = 0;               // 0: no upgrade pending, only tool changes
  std::optional<Attestation> old_identity, new_identity;
  bool held = false;
  std::string hostile;                 // why approving gives nothing back, or ""
  int64_t taken_milli = 0;             // what approving gives back (unless hostile)
  std::vector<ToolChange> tools;
};

class TrustStore {
 public:
  // Opens (creating the file and the trust tables if missing) the database
  // at `path`; its parent directory is created with mode 0700. kIoError when
  // it cannot be opened, kCorruption when it is not an SQLite database.
  static Result<std::unique_ptr<TrustStore>> open(const std::filesystem::path& path,
                                                  const TrustStoreOptions& options = {});
  // A store on a connection somebody else owns (the proxy's audit journal),
  // so that trust changes commit in the same transaction as the audit
  // entries describing them. Creates the trust tables if missing; leaves
  // the connection's pragmas alone. Every method called while `connection`
  // is inside a transaction runs in that transaction (the owner commits or
  // rolls back); outside one it opens its own, as a store from open() does.
  // `connection` must outlive the store; same thread only. `path` is only
  // reported by path().
  static Result<std::unique_ptr<TrustStore>> attach(sqlite3* connection, const std::filesystem::path& path,
                                                    const TrustStoreOptions& options = {});
  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  // Creates `server` at the base of `level` (or `base_points`, a base the
  // policy's manifest sets, manifest.h), or updates its declared level and
  // base (the score stays; recovery then heads for the new base). Marks it seen.
  Result<ServerTrust> ensure_server(const std::string& server, TrustLevel level,
                                    std::optional<int> base_points = std::nullopt);

  // Records `kind` for `server` (creating it at the default level if new):
  // recovery since the last change, then the event, clamped; one row in
  // trust_events. kInvalidArgument for kReset/kToolApproved (use reset() and
  // approve()) and for an empty server name. A kCallSucceeded that moves
  // nothing (the score is saturated: its rise rounds to 0, nothing
  // recovered) is not stored: the returned event has id 0 and delta 0, and
  // neither the score row nor trust_events changes. `at_us` is when the
  // event happened, when the caller knows it better than now (a step
  // committed after it was queued); never earlier than the server's last
  // change or sighting, so recovery never runs backwards.
  Result<TrustEvent> record(const std::string& server, EventKind kind,
                            const std::string& tool = {}, const std::string& reason = {},
                            std::optional<int64_t> at_us = std::nullopt);

  // The server's state now; kNotFound when it was never seen.
  Result<ServerTrust> get(const std::string& server);
  // Every known server, sorted by name.
  Result<std::vector<ServerTrust>> list();
  // The server's events, newest first; at most `limit` when > 0.
  Result<std::vector<TrustEvent>> history(const std::string& server, int64_t limit = 0);

  // Sets the score back to the base and records a reset event (delta = the
  // jump). Approvals are untouched. kNotFound when the server is unknown.
  Result<TrustEvent> reset(const std::string& server, const std::string& reason = {});

  // Compares the complete `tools` list with the definitions last seen for
  // `server` (see CatalogReport) inside one transaction: new tools are
  // accepted, each changed tool costs one catalog_changed event and stays
  // unapproved until approve(); seeing the same changed definition again
  // costs nothing more. Removed tools keep their record (if one returns
  // with the same definition it is not a change). kInvalidArgument on
  // duplicate names.
  Result<CatalogReport> observe_catalog(const std::string& server,
                                        const std::vector<ToolDefinition>& tools);

  // Accepts the tool's current definition. Returns the tool_approved event
  // (delta 0), or nullopt when the tool was not blocked. kNotFound when
  // the server never listed `tool`.
  Result<std::optional<TrustEvent>> approve(const std::string& server, const std::string& tool,
                                            const std::string& reason = {});

  // As approve(), but only while the tool's current definition has the
  // fingerprint `definition_hash` (definition_hash() hex): what configuration
  // accepted is exactly what gets approved, even if another process has seen
  // a newer definition meanwhile (then kFailedPrecondition, nothing changes).
  // `reason` goes into the tool_approved event.
  Result<std::optional<TrustEvent>> approve_definition(const std::string& server, const std::string& tool,
                                                       const std::string& definition_hash,
                                                       const std::string& reason);

  // nullopt when calls to `tool` may proceed (approved, or never listed);
  // otherwise the sentence to deny them with, naming the approve command.
  Result<std::optional<std::string>> is_tool_blocked(const std::string& server,
                                                     const std::string& tool);

  // Pins `identity` on first use; afterwards compares it with the pin
  // (compare_attestations) and records what changed, old → new, in the
  // event's reason, updating the pin: a runtime-only change costs nothing
  // (runtime_changed); another version or executable costs
  // attestation_changed and opens (or extends) the server's upgrade review;
  // the same version with other content costs attestation_mismatch and
  // opens a review that cannot give the score back. With PinMode::kStrict
  // the review holds every tool of the server (is_held) until it is closed.
  // A file's stat-cache change alone rewrites the pin silently.
  Result<AttestationReport> observe_attestation(const std::string& server, const Attestation& identity,
                                                PinMode mode = PinMode::kRecord);
  // The pinned identity; nullopt when none was pinned.
  Result<std::optional<Attestation>> pinned_identity(const std::string& server);
  // nullopt when the server's calls may proceed as far as the pin goes;
  // otherwise the sentence to deny them with (naming `trust review`).
  Result<std::optional<std::string>> is_held(const std::string& server);

  // The open upgrade review and every unapproved tool, with old and new
  // definitions. kNotFound when the server is unknown.
  Result<ReviewItem> pending_review(const std::string& server);
  // Approves `tools` (empty: every unapproved tool) in one transaction:
  // one tool_approved event each. When no unapproved tool remains and an
  // upgrade review is open, closes it with a change_reviewed event that
  // gives back what the upgrade took (never above the score before it),
  // unless the review is hostile (then the event gives back 0 and says
  // why). kNotFound for a tool the server never listed; a tool already
  // approved is skipped. Returns the events in order.
  Result<std::vector<TrustEvent>> approve_review(const std::string& server, const std::vector<std::string>& tools,
                                                 const std::string& reason = {});

  // The database's PRAGMA data_version: changes when another connection
  // committed (the proxy re-reads holds and blocks then).
  Result<int64_t> data_version();
  // Events the opening migration recorded (migration_restored), once; the
  // caller audits them like any other event.
  std::vector<TrustEvent> take_migration_events();

  const std::filesystem::path& path() const { return path_; }
  const TrustWeights& weights() const { return options_.weights; }

 private:
  struct Impl;
  struct Token {};  // a passkey: only open() constructs a store

 public:
  TrustStore(Token, std::filesystem::path path, TrustStoreOptions options,
             std::unique_ptr<Impl> impl);

 private:
  int64_t now_us() const;
  // approve() and approve_definition(): `expected` null approves whatever
  // definition is stored.
  Result<std::optional<TrustEvent>> approve_if(const std::string& server, const std::string& tool,
                                               const std::string* expected, const std::string& reason);

  std::filesystem::path path_;
  TrustStoreOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_warden::trust
