// TrustKeeper: the Session's view of the server's trust.
//
// The Session reads a cached score and the set of tools blocked by a catalog
// change (both updated on the relay thread as the store applies events) and
// reports events without waiting. JournalTrustKeeper applies them with a
// TrustStore attached to the audit journal's connection: each event is one
// journal step, so the score change and the `trust_event` audit entry that
// describes it commit in the same transaction as the call's own entries,
// with no second connection competing for the database's write lock. A
// failed step is logged and leaves the cached state as it was (the score
// then lags; enforcement never loosens because of it).
//
// A success at a saturated score moves nothing and stores nothing
// (TrustStore::record). Once the store has said so, further successes skip
// the journal step for kSaturatedRecheckNanos — but only while no other
// process has committed to the database (the journal's data_version(), read
// at each transaction): a score another process or `trust reset` lowered is
// picked up as soon as the journal has seen that commit, as before. Skipping
// a success can only leave the score lower than it could be.
//
// Attribution is the trust module's (score_model.h): the Session reports
// every event it sees with record(kind, tool, reason); client-caused kinds
// are stored with delta 0, and a denial whose rule is trust's own
// (trust::is_trust_denial_rule: the tier, a blocked tool, a held server) is
// dropped here — trust never feeds on its own denials.
//
// At open, the keeper attests what was spawned (trust/attestation.h) and
// hands it to the store, which pins it on first use and records changes;
// with `pin: strict` a change holds every tool until a person reviews it.
// The hold and the blocked tools are answered from memory; when another
// process (`mcp-warden trust review`, `trust approve`, `trust reset`) has
// committed to the database since, they and the score are read again
// before the answer, so a person's approval lets the next call pass in the
// running session. The re-read only happens while something is held,
// blocked or restricted by the tier: an ordinary call costs nothing more.
//
// Owned by the proxy runner; every member is called on the relay thread,
// which also drives the journal.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/journal.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/server_settings.h"
#include "mcp_warden/trust/attestation.h"
#include "mcp_warden/trust/change_acceptance.h"
#include "mcp_warden/trust/score_model.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::proxy {

// What the proxy knows about the server before it relays anything.
struct TrustSetup {
  trust::TrustLevel level = trust::kDefaultTrustLevel;
  std::optional<int> base;                                 // a manifest's base (trust/manifest.h), else the level's
  std::optional<trust::AttestationRequest> attestation;    // what was spawned; nullopt: not attested
  trust::PinMode pin = trust::PinMode::kRecord;
  trust::ToolChangeAcceptor accept;                        // may be empty
};

// The setup for a server from its policy entry (pin, IATP manifest), its
// declared level and the command the runner spawned (attested with this
// process's PATH and working directory, which the child inherits).
TrustSetup trust_setup(const policy::ServerSettings& settings, trust::TrustLevel level,
                       const std::vector<std::string>& command, trust::ToolChangeAcceptor accept);

class TrustKeeper {
 public:
  virtual ~TrustKeeper() = default;
  // The server's score (0..1000) as last known on the relay thread.
  virtual int score() const = 0;
  // Why calls to `tool` are denied by trust before the tier is consulted:
  // the server is held (is_held), or the tool's definition changed and
  // nobody approved it. nullopt when neither.
  virtual std::optional<std::string> blocked_reason(const std::string& tool) const = 0;
  // Why every tool of the server is held (an unreviewed change of what it
  // runs under `pin: strict`), or nullopt. blocked_reason() includes it;
  // a pipeline step may ask for it on its own (e.g. for resources/prompts).
  virtual std::optional<std::string> is_held() const { return std::nullopt; }
  // Reports an event; the score follows once the store has applied it.
  // Every kind goes here, whoever caused it: attribution is the trust
  // module's (client-caused kinds move nothing; trust's own denials, named
  // by `reason` = the decision's rule, are dropped).
  virtual void record(trust::EventKind kind, const std::string& tool, const std::string& reason) = 0;
  // Compares the tools of a listing (the raw elements as listed, every page
  // so far, whatever its paging fields say) with what was last seen; `done`
  // runs on the relay thread once the blocked set reflects it. Fails closed
  // for the tools it touches: a name whose element cannot be read, or that
  // is listed twice with different definitions, is blocked, and so is every
  // listed name when the comparison itself fails. Names not in `tools` keep
  // what an earlier comparison decided.
  virtual void observe_catalog(nlohmann::json tools, std::function<void()> done) = 0;
};

class JournalTrustKeeper final : public TrustKeeper {
 public:
  // Attaches a TrustStore to `journal`'s connection and loads (or creates
  // at `level`) the server's state. Errors are those of TrustStore::attach
  // and ensure_server. `journal` must outlive the keeper.
  // `accept` approves changed tool definitions the policy accepts in
  // advance (may be empty: only `trust approve` lifts a block).
  static Result<std::unique_ptr<JournalTrustKeeper>> open(audit::Journal& journal, const std::string& server,
                                                          trust::TrustLevel level, std::string session_id,
                                                          trust::ToolChangeAcceptor accept = {},
                                                          const Clock& clock = SystemClock::instance());
  // As above with the whole setup: the base, the attestation and the pin.
  // The attestation's events (first pin, change) and those of a database
  // migration are queued to the journal as trust_event entries.
  static Result<std::unique_ptr<JournalTrustKeeper>> open(audit::Journal& journal, const std::string& server,
                                                          TrustSetup setup, std::string session_id,
                                                          const Clock& clock = SystemClock::instance());
  static constexpr int64_t kSaturatedRecheckNanos = 1'000'000'000;

  int score() const override { return score_; }
  std::optional<std::string> blocked_reason(const std::string& tool) const override;
  std::optional<std::string> is_held() const override;
  // What open() found about what runs (nullopt when not attested).
  const std::optional<trust::AttestationReport>& attestation() const { return attestation_; }
  void record(trust::EventKind kind, const std::string& tool, const std::string& reason) override;
  void observe_catalog(nlohmann::json tools, std::function<void()> done) override;

  JournalTrustKeeper(audit::Journal& journal, std::unique_ptr<trust::TrustStore> store, std::string server,
                     std::string session_id, int score, trust::ToolChangeAcceptor accept, const Clock& clock);

 private:
  // Inside a step: the blocked set after a catalog comparison.
  Result<std::map<std::string, std::string>> compare_catalog(const nlohmann::json& tools,
                                                             audit::AuditStore::Appender& appender);
  Status append_event(const trust::TrustEvent& event, audit::AuditStore::Appender& appender);
  // Attests, pins and audits what runs; reads the hold. Errors are logged.
  void start(const TrustSetup& setup);
  void queue_entry(const trust::TrustEvent& event);
  // Re-reads hold, blocks and score when another process committed since
  // the last look, and only while one of them restricts calls.
  void refresh() const;

  audit::Journal& journal_;
  std::unique_ptr<trust::TrustStore> store_;
  std::string server_;
  std::string session_id_;
  trust::ToolChangeAcceptor accept_;
  const Clock& clock_;
  mutable int score_;
  mutable std::optional<std::string> held_;  // the hold's sentence
  mutable int64_t seen_version_ = -1;         // the store's data_version() at the last look
  std::optional<trust::AttestationReport> attestation_;
  int64_t saturated_at_ = -1;  // steady time a success last moved nothing; -1: not saturated
  int64_t saturated_version_ = 0;  // the journal's data_version() then
  mutable std::map<std::string, std::string> blocked_;  // tool → reason
};

}  // namespace mcp_warden::proxy
