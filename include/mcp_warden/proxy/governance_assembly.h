// GovernanceAssembly: everything that governs one proxied server, put
// together from the proxy's options — the policy, the server's declared
// trust level, the audit journal, the auditor the Session records through,
// and the trust keeper (with the attestation of what is spawned) — apart
// from the event loop that drives it, so the assembly can be tested alone.
//
// Two phases, because the server starts in between (its start-up overlaps
// the audit database's opening): the constructor loads the policy and
// works out the trust level; open() opens the journal, the trust keeper and
// the database's finding key (audit/finding_key.h; without it, content
// findings are recorded without hashes).
// A policy that does not load is not an exception: policy_error() says why
// and the runner answers every request with it. An audit database that
// cannot be opened is not one either: the auditor then fails every record,
// so every governed request is denied (fail closed).
//
// Owned by the proxy runner; used on the relay thread. What survives a
// crash is what the journal committed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp_warden/approval/grant_store.h"
#include "mcp_warden/audit/journal.h"
#include "mcp_warden/inspect/value_hash.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/call_auditor.h"
#include "mcp_warden/proxy/proxy_runner.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/proxy/trust_keeper.h"
#include "mcp_warden/trust/trust_level.h"

namespace mcp_warden::proxy {

// How the journal tells the event loop that work is queued: `urgent` for a
// request waiting for its commit, `deferred` for work nobody waits for.
struct JournalWakeups {
  std::function<void()> urgent;
  std::function<void()> deferred;
};

class GovernanceAssembly {
 public:
  // Loads the policy (unless the layers are relay-only) and works out the
  // declared trust level. Throws std::runtime_error only for an unknown
  // --trust-level or a database path that cannot be found.
  GovernanceAssembly(const ProxyOptions& options, std::string server_name);
  GovernanceAssembly(const GovernanceAssembly&) = delete;
  GovernanceAssembly& operator=(const GovernanceAssembly&) = delete;

  // Opens the audit journal and the trust keeper (kFull layers only) and
  // returns what the Session governs with.
  Governance open(const std::string& session_id, JournalWakeups wakeups);

  const std::string& policy_error() const { return policy_error_; }
  policy::Policy* policy() { return policy_ ? &*policy_ : nullptr; }
  trust::TrustLevel trust_level() const { return trust_level_; }
  audit::Journal* journal() { return journal_.get(); }

  // The session_start entry (`extra` members added to its payload), queued.
  void record_session_start(const std::string& session_id, const nlohmann::json& extra);
  // The session_end entry, then the journal's flush and signed checkpoint.
  void close(const std::string& session_id, int exit_status, const Session& session);

 private:
  std::unique_ptr<CallAuditor> open_audit(JournalWakeups wakeups);
  std::unique_ptr<JournalTrustKeeper> open_trust(const std::string& session_id);
  void open_finding_key(const std::filesystem::path& db_path);
  std::unique_ptr<approval::GrantStore> open_grants();
  audit::NewEntry session_entry(const std::string& session_id, audit::EntryKind kind, const nlohmann::json& payload) const;

  const ProxyOptions& options_;
  std::string server_name_;
  std::string policy_error_;
  std::optional<policy::Policy> policy_;
  trust::TrustLevel trust_level_ = trust::TrustLevel::kStandard;
  std::unique_ptr<audit::Journal> journal_;
  std::unique_ptr<CallAuditor> auditor_;
  std::unique_ptr<JournalTrustKeeper> trust_;
  std::optional<inspect::ValueHasher> finding_hasher_;  // keyed by the database's finding key
  std::unique_ptr<approval::GrantStore> grants_;  // what a person allowed (ask_step.h)
};

}  // namespace mcp_warden::proxy
