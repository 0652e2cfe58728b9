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
// Owned by the proxy runner; every member is called on the relay thread,
// which also drives the journal.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/journal.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/trust/change_acceptance.h"
#include "mcp_warden/trust/score_model.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::proxy {

class TrustKeeper {
 public:
  virtual ~TrustKeeper() = default;
  // The server's score (0..1000) as last known on the relay thread.
  virtual int score() const = 0;
  // Why calls to `tool` are blocked (its definition changed and nobody
  // approved it), or nullopt.
  virtual std::optional<std::string> blocked_reason(const std::string& tool) const = 0;
  // Reports an event; the score follows once the store has applied it.
  virtual void record(trust::EventKind kind, const std::string& tool, const std::string& reason) = 0;
  // Compares a complete tools/list with what was last seen; `done` runs on
  // the relay thread once the blocked set reflects it.
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
  static constexpr int64_t kSaturatedRecheckNanos = 1'000'000'000;

  int score() const override { return score_; }
  std::optional<std::string> blocked_reason(const std::string& tool) const override;
  void record(trust::EventKind kind, const std::string& tool, const std::string& reason) override;
  void observe_catalog(nlohmann::json tools, std::function<void()> done) override;

  JournalTrustKeeper(audit::Journal& journal, std::unique_ptr<trust::TrustStore> store, std::string server,
                     std::string session_id, int score, trust::ToolChangeAcceptor accept, const Clock& clock);

 private:
  // Inside a step: the blocked set after a catalog comparison.
  Result<std::map<std::string, std::string>> compare_catalog(const nlohmann::json& tools,
                                                             audit::AuditStore::Appender& appender);
  Status append_event(const trust::TrustEvent& event, audit::AuditStore::Appender& appender);

  audit::Journal& journal_;
  std::unique_ptr<trust::TrustStore> store_;
  std::string server_;
  std::string session_id_;
  trust::ToolChangeAcceptor accept_;
  const Clock& clock_;
  int score_;
  int64_t saturated_at_ = -1;  // steady time a success last moved nothing; -1: not saturated
  int64_t saturated_version_ = 0;  // the journal's data_version() then
  std::map<std::string, std::string> blocked_;  // tool → reason
};

}  // namespace mcp_warden::proxy
