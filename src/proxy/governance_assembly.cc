#include "mcp_warden/proxy/governance_assembly.h"

#include <unistd.h>

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "mcp_warden/audit/finding_key.h"
#include "mcp_warden/audit/home.h"

namespace mcp_warden::proxy {
namespace {

// Hands entries to the journal, which the relay thread flushes right after
// the handler that queued them: `done` runs on the relay thread, with no
// thread hand-off between a call and its commit.
class JournalAuditor final : public CallAuditor {
 public:
  explicit JournalAuditor(audit::Journal& journal) : journal_(journal) {}
  void record(audit::NewEntry entry, Done done) override { journal_.append(std::move(entry), std::move(done)); }
  void record_deferred(audit::NewEntry entry, Done done) override {
    journal_.append(std::move(entry), std::move(done), audit::Urgency::kDeferred);
  }

 private:
  audit::Journal& journal_;
};

// Stands in when the audit database could not be opened: every record
// fails, so every governed request is denied (fail closed) with the reason.
class UnavailableAuditor final : public CallAuditor {
 public:
  explicit UnavailableAuditor(Status why) : why_(std::move(why)) {}
  void record(audit::NewEntry, Done done) override { done(why_); }

 private:
  Status why_;
};

// A policy that does not load leaves `error` set (see policy_error()).
std::optional<policy::Policy> load_policy(const std::string& spec, std::string& error) {
  auto loaded = policy::Policy::load(spec);
  if (loaded) return std::move(loaded).value();
  error = "mcp-warden cannot load the policy " + spec + ": " + loaded.status().message();
  return std::nullopt;
}

std::string resolve_db_path(const std::string& given) {
  if (!given.empty()) return given;
  auto path = audit::default_db_path();
  if (!path) throw std::runtime_error("cannot find a place for the audit database: " + path.status().message() +
                                      " (set MCP_WARDEN_HOME or pass --db)");
  return path->string();
}

// The level the server starts from: --trust-level when given (it names one
// server in one client config), else the policy's servers: entry, else standard.
trust::TrustLevel declared_level(const ProxyOptions& options, const policy::Policy& policy, const std::string& server) {
  policy::ServerSettings settings = policy.server_settings(server);
  for (const auto& capped : settings.capped_levels()) {
    spdlog::warn("policy: trust_level {} at {} ignored for {}: {} declares {} (a child policy cannot raise its "
                 "parent's level)", capped.level, capped.origin, server, settings.trust_level()->origin,
                 settings.trust_level()->level);
  }
  std::string name = settings.trust_level() ? settings.trust_level()->level : "standard";
  if (options.trust_level) {
    if (settings.trust_level() && *options.trust_level != name) {
      spdlog::info("--trust-level {} overrides the policy's trust_level {} ({})", *options.trust_level, name,
                   settings.trust_level()->origin);
    }
    name = *options.trust_level;
  }
  auto level = trust::parse_trust_level(name);
  if (!level) throw std::runtime_error("unknown --trust-level " + name +
                                       " (verified_partner, trusted, standard, unknown, untrusted)");
  return *level;
}

// Changed tool definitions the policy's servers: section accepts.
trust::ToolChangeAcceptor change_acceptor(const policy::Policy& policy, const std::string& server) {
  return [settings = policy.server_settings(server)](const std::string& tool, const std::string& hash)
             -> std::optional<std::string> {
    auto accepted = settings.accepts_tool_change(tool, hash);
    return accepted ? std::optional<std::string>(accepted->reason()) : std::nullopt;
  };
}

}  // namespace

GovernanceAssembly::GovernanceAssembly(const ProxyOptions& options, std::string server_name)
    : options_(options), server_name_(std::move(server_name)) {
  if (options.layers == Layers::kRelayOnly) return;
  policy_ = load_policy(options.policy, policy_error_);
  if (policy_) trust_level_ = declared_level(options, *policy_, server_name_);
}

Governance GovernanceAssembly::open(const std::string& session_id, JournalWakeups wakeups) {
  auditor_ = open_audit(std::move(wakeups));
  trust_ = open_trust(session_id);
  grants_ = open_grants();
  return Governance{policy(), auditor_.get(), trust_.get(), finding_hasher_ ? &*finding_hasher_ : nullptr,
                    grants_.get()};
}

std::unique_ptr<CallAuditor> GovernanceAssembly::open_audit(JournalWakeups wakeups) {
  // Without an auditor the Session records nothing and builds no entries.
  if (options_.layers != Layers::kFull || !policy_) return nullptr;
  audit::AuditLogOptions log_options;
  log_options.db_path = resolve_db_path(options_.db_path);
  log_options.sync = options_.audit_sync_full ? audit::SyncMode::kFull : audit::SyncMode::kNormal;
  Status dir = audit::ensure_private_dir(log_options.db_path.parent_path().empty() ? "." : log_options.db_path.parent_path());
  auto log = dir ? audit::Journal::open(log_options) : Result<std::unique_ptr<audit::Journal>>(dir);
  if (!log) {
    spdlog::error("audit database {} unavailable ({}); every governed request will be denied",
                  log_options.db_path.string(), log.status().to_string());
    return std::make_unique<UnavailableAuditor>(Status::io_error("audit database unavailable: " + log.status().message()));
  }
  journal_ = std::move(log).value();
  open_finding_key(log_options.db_path);
  journal_->set_wakeup(std::move(wakeups.urgent));
  journal_->set_deferred_wakeup(std::move(wakeups.deferred));
  return std::make_unique<JournalAuditor>(*journal_);
}

void GovernanceAssembly::open_finding_key(const std::filesystem::path& db_path) {
  Result<std::string> key = audit::load_or_create_finding_key(db_path);
  Result<inspect::ValueHasher> hasher = key.is_ok() ? inspect::ValueHasher::create(std::move(key).value())
                                                    : Result<inspect::ValueHasher>(key.status());
  if (!hasher) {
    spdlog::error("content findings will be recorded without hashes: {}", hasher.status().to_string());
    return;
  }
  finding_hasher_.emplace(std::move(hasher).value());
}

// Grants live in the audit database: without one, `ask` can only deny.
std::unique_ptr<approval::GrantStore> GovernanceAssembly::open_grants() {
  if (!journal_) return nullptr;
  auto grants = approval::GrantStore::open(resolve_db_path(options_.db_path), SystemClock::instance());
  if (!grants) {
    spdlog::error("approvals unavailable ({}); calls the policy asks about are denied", grants.status().to_string());
    return nullptr;
  }
  return std::move(grants).value();
}

std::unique_ptr<JournalTrustKeeper> GovernanceAssembly::open_trust(const std::string& session_id) {
  if (!journal_) return nullptr;  // no database: requests are denied anyway
  // Trust setup (docs/trust.md): base from level and manifest, attestation of the spawned command, its pin.
  TrustSetup setup = trust_setup(policy_->server_settings(server_name_), trust_level_, options_.command,
                                 change_acceptor(*policy_, server_name_));
  auto keeper = JournalTrustKeeper::open(*journal_, server_name_, std::move(setup), session_id);
  if (!keeper) {
    spdlog::error("trust store unavailable ({}); scoring is off for this session", keeper.status().to_string());
    return nullptr;
  }
  return std::move(keeper).value();
}

audit::NewEntry GovernanceAssembly::session_entry(const std::string& session_id, audit::EntryKind kind,
                                                  const nlohmann::json& payload) const {
  audit::NewEntry entry;
  entry.kind = kind;
  entry.session_id = session_id;
  entry.server = server_name_;
  entry.payload = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return entry;
}

void GovernanceAssembly::record_session_start(const std::string& session_id, const nlohmann::json& extra) {
  if (!journal_) return;
  nlohmann::json payload = {{"command", options_.command}, {"mcp_warden_version", MCP_WARDEN_VERSION},
                            {"policy", policy_->name()}, {"policy_sha256", policy_->content_hash()},
                            {"trust_level", trust::trust_level_name(trust_level_)}, {"pid", ::getpid()}};
  if (extra.is_object()) payload.update(extra);
  journal_->append(session_entry(session_id, audit::EntryKind::kSessionStart, payload), [](Result<int64_t> seq) {
    if (!seq.is_ok()) spdlog::error("audit: cannot record the session start: {}", seq.status().to_string());
  });
}

void GovernanceAssembly::close(const std::string& session_id, int exit_status, const Session& session) {
  if (!journal_) return;
  const Handshake& hs = session.handshake();
  nlohmann::json payload = {{"exit_status", exit_status}, {"client_info", hs.client_info},
                            {"protocol_version", hs.negotiated_version}, {"server_info", hs.server_info},
                            {"client_messages", session.counters().client_messages},
                            {"server_messages", session.counters().server_messages},
                            {"server_non_protocol_lines", session.counters().server_non_protocol_lines}};
  if (grants_) {
    Status ended = grants_->end_session(session_id);
    if (!ended) spdlog::error("approvals: cannot end this session's grants: {}", ended.to_string());
  }
  journal_->append(session_entry(session_id, audit::EntryKind::kSessionEnd, payload), [](Result<int64_t>) {});
  Status closed = journal_->close();
  if (!closed) spdlog::error("audit: closing the log failed: {}", closed.to_string());
}

}  // namespace mcp_warden::proxy
