#include "mcp_warden/proxy/trust_keeper.h"

#include <spdlog/spdlog.h>

#include "mcp_warden/trust/catalog.h"
#include "mcp_warden/trust/enforcement.h"
#include "mcp_warden/trust/manifest.h"
#include "mcp_warden/trust/trust_event.h"

namespace mcp_warden::proxy {

namespace {

// The manifest the policy declares, mapped to the trust module's enums
// (the loader has validated the names).
trust::Manifest manifest_of(const policy::ServerManifest& declared) {
  trust::Manifest out;
  if (declared.retention) out.retention = trust::parse_retention(*declared.retention);
  if (declared.reversibility) out.reversibility = trust::parse_reversibility(*declared.reversibility);
  out.human_in_loop = declared.human_in_loop.value_or(false);
  out.training_consent = declared.training_consent.value_or(false);
  return out;
}

}  // namespace

TrustSetup trust_setup(const policy::ServerSettings& settings, trust::TrustLevel level,
                       const std::vector<std::string>& command, trust::ToolChangeAcceptor accept) {
  TrustSetup setup;
  setup.level = level;
  policy::ServerManifest manifest = settings.manifest();
  if (!manifest.empty()) {
    setup.base = trust::manifest_base_score(level, manifest_of(manifest));
    spdlog::info("trust: the manifest at {} sets the base to {} (level {}: {})", manifest.origin, *setup.base,
                 trust::trust_level_name(level), trust::base_score(level));
  }
  setup.attestation = trust::request_from_environment(command);
  setup.pin = trust::parse_pin_mode(settings.pin().value_or("record")).value_or(trust::PinMode::kRecord);
  setup.accept = std::move(accept);
  return setup;
}

Result<std::unique_ptr<JournalTrustKeeper>> JournalTrustKeeper::open(audit::Journal& journal, const std::string& server,
                                                                     trust::TrustLevel level, std::string session_id,
                                                                     trust::ToolChangeAcceptor accept,
                                                                     const Clock& clock) {
  TrustSetup setup;
  setup.level = level;
  setup.accept = std::move(accept);
  return open(journal, server, std::move(setup), std::move(session_id), clock);
}

Result<std::unique_ptr<JournalTrustKeeper>> JournalTrustKeeper::open(audit::Journal& journal, const std::string& server,
                                                                     TrustSetup setup, std::string session_id,
                                                                     const Clock& clock) {
  trust::TrustStoreOptions options;
  options.clock = &clock;
  auto store = trust::TrustStore::attach(journal.connection(), journal.db_path(), options);
  if (!store) return store.status();
  auto state = (*store)->ensure_server(server, setup.level, setup.base);
  if (!state) return state.status();
  int score = state->score();
  auto keeper = std::make_unique<JournalTrustKeeper>(journal, std::move(store).value(), server, std::move(session_id),
                                                     score, std::move(setup.accept), clock);
  keeper->start(setup);
  return keeper;
}

// Deferred: queued while the runner is still being constructed, when only
// its deferred wakeup (a post to the io_context) is safe to trigger. The
// change itself is already committed in the trust tables.
void JournalTrustKeeper::queue_entry(const trust::TrustEvent& event) {
  journal_.append(
      trust::trust_event_entry(event, session_id_),
      [](Result<int64_t> seq) {
        if (!seq) spdlog::error("trust: cannot audit a trust event: {}", seq.status().to_string());
      },
      audit::Urgency::kDeferred);
}

void JournalTrustKeeper::start(const TrustSetup& setup) {
  for (const auto& event : store_->take_migration_events()) queue_entry(event);
  if (setup.attestation) {
    auto pinned = store_->pinned_identity(server_);
    std::optional<trust::Attestation> previous = pinned ? *pinned : std::nullopt;
    trust::Attestation now = trust::attest(*setup.attestation, previous ? &*previous : nullptr);
    auto report = store_->observe_attestation(server_, now, setup.pin);
    if (!report) {
      spdlog::error("trust: cannot pin what server '{}' runs: {}", server_, report.status().to_string());
    } else {
      for (const auto& event : report->events) {
        queue_entry(event);
        if (event.kind != trust::EventKind::kAttestationPinned) spdlog::warn("trust: {}", event.reason);
      }
      attestation_ = std::move(report).value();
    }
  }
  auto held = store_->is_held(server_);
  if (held) held_ = *held;
  auto state = store_->get(server_);
  if (state) score_ = state->score();
  auto version = store_->data_version();
  seen_version_ = version ? *version : -1;
}

std::optional<std::string> JournalTrustKeeper::is_held() const {
  refresh();
  return held_;
}

void JournalTrustKeeper::refresh() const {
  bool restricted = held_ || !blocked_.empty() || !trust::tier_permits(trust::tier_for_score(score_), false, true);
  if (!restricted) return;
  auto version = store_->data_version();
  if (!version || *version == seen_version_) return;
  seen_version_ = *version;
  auto held = store_->is_held(server_);
  if (held) held_ = *held;
  for (auto it = blocked_.begin(); it != blocked_.end();) {
    auto still = store_->is_tool_blocked(server_, it->first);
    it = still && !*still ? blocked_.erase(it) : std::next(it);
  }
  auto state = store_->get(server_);
  if (state) score_ = state->score();
}

JournalTrustKeeper::JournalTrustKeeper(audit::Journal& journal, std::unique_ptr<trust::TrustStore> store,
                                       std::string server, std::string session_id, int score,
                                       trust::ToolChangeAcceptor accept, const Clock& clock)
    : journal_(journal), store_(std::move(store)), server_(std::move(server)), session_id_(std::move(session_id)),
      accept_(std::move(accept)), clock_(clock), score_(score) {}

std::optional<std::string> JournalTrustKeeper::blocked_reason(const std::string& tool) const {
  refresh();
  if (held_) return held_;
  auto it = blocked_.find(tool);
  if (it == blocked_.end()) return std::nullopt;
  return it->second;
}

Status JournalTrustKeeper::append_event(const trust::TrustEvent& event, audit::AuditStore::Appender& appender) {
  Result<int64_t> seq = appender.append(trust::trust_event_entry(event, session_id_));
  return seq ? Status::ok() : seq.status();
}

void JournalTrustKeeper::record(trust::EventKind kind, const std::string& tool, const std::string& reason) {
  bool client = trust::attribution(kind) == trust::Attribution::kClient;
  if (client && trust::is_trust_denial_rule(reason)) return;  // trust's own denial is never an event
  bool success = kind == trust::EventKind::kCallSucceeded;
  if (success && saturated_at_ >= 0 && clock_.now_steady_nanos() - saturated_at_ < kSaturatedRecheckNanos &&
      saturated_version_ > 0 && journal_.data_version() == saturated_version_) {
    return;
  }
  struct Outcome {
    int score = -1;
    bool moved = true;
  };
  auto outcome = std::make_shared<Outcome>();
  // Stamped now, not when the step runs at the commit: entries carry the
  // time they were queued, so the event's time follows the entry queued
  // before it (the call's result) and precedes the next call's.
  const int64_t happened_us = clock_.now_unix_micros();
  audit::JournalStep step;
  step.run = [this, kind, tool, reason, outcome, happened_us](audit::AuditStore::Appender& appender) -> Status {
    auto event = store_->record(server_, kind, tool, reason, happened_us);
    if (!event) return event.status();
    outcome->score = event->score_after();
    outcome->moved = event->id != 0;
    if (!outcome->moved) return Status::ok();  // a saturated success: nothing moved, nothing to log
    return append_event(*event, appender);
  };
  step.done = [this, outcome](Status committed) {
    if (!committed) return spdlog::error("trust: cannot record an event: {}", committed.to_string());
    score_ = outcome->score;
    saturated_at_ = outcome->moved ? -1 : clock_.now_steady_nanos();
    saturated_version_ = journal_.data_version();
  };
  // A success only ever raises the score, so judging the next call before
  // it is committed errs on the strict side: it may wait for the next commit.
  // A client-caused event moves nothing either: nobody needs to wait for it.
  journal_.run_step(std::move(step), success || client ? audit::Urgency::kDeferred : audit::Urgency::kNow);
}

namespace {

// The non-empty string name of a listed element, or "".
std::string listed_name(const nlohmann::json& element) {
  if (!element.is_object()) return {};
  auto name = element.find("name");
  return name != element.end() && name->is_string() ? name->get<std::string>() : std::string();
}

// A listing split into what can be compared (each name once) and the names
// that cannot (with why): an element that does not parse, or a name listed
// twice with different definitions (which one would the client use?).
struct SplitListing {
  std::vector<trust::ToolDefinition> definitions;
  std::map<std::string, std::string> unreadable;
};

SplitListing split_listing(const nlohmann::json& tools) {
  std::map<std::string, const nlohmann::json*> first;
  std::map<std::string, trust::ToolDefinition> parsed;
  SplitListing out;
  for (const nlohmann::json& element : tools) {
    std::string name = listed_name(element);
    if (name.empty() || out.unreadable.contains(name)) continue;  // a nameless tool cannot be called
    auto [seen, fresh] = first.emplace(name, &element);
    if (!fresh) {
      if (*seen->second == element) continue;  // the same page asked for twice
      out.unreadable[name] = "tool '" + name + "' is listed twice with different definitions";
      parsed.erase(name);
      continue;
    }
    auto one = trust::parse_tool_definitions(nlohmann::json::array({element}));
    if (one) parsed.emplace(name, std::move(one->front()));
    else out.unreadable[name] = "tool '" + name + "' cannot be compared: " + one.status().message();
  }
  for (auto& [name, definition] : parsed) out.definitions.push_back(std::move(definition));
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> JournalTrustKeeper::compare_catalog(const nlohmann::json& tools,
                                                                              audit::AuditStore::Appender& appender) {
  SplitListing split = split_listing(tools);
  auto report = store_->observe_catalog(server_, split.definitions);
  if (!report) return report.status();
  for (const auto& event : report->events) {
    Status appended = append_event(event, appender);
    if (!appended) return appended;
  }
  std::vector<std::string> unapproved = report->unapproved;
  if (accept_ && !unapproved.empty()) {
    trust::AcceptedChanges accepted = trust::approve_accepted_changes(*store_, server_, split.definitions, *report, accept_);
    if (!accepted.status) {
      spdlog::warn("trust: a change the policy accepts stays blocked: {}", accepted.status.to_string());
    }
    for (const auto& event : accepted.events) {
      Status appended = append_event(event, appender);
      if (!appended) return appended;
    }
    unapproved = std::move(accepted.still_unapproved);
  }
  std::map<std::string, std::string> blocked = std::move(split.unreadable);
  for (const auto& tool : unapproved) {
    auto why = store_->is_tool_blocked(server_, tool);
    if (!why) return why.status();
    if (*why) blocked[tool] = **why;
  }
  return blocked;
}

void JournalTrustKeeper::observe_catalog(nlohmann::json tools, std::function<void()> done) {
  struct Outcome {
    std::map<std::string, std::string> blocked;
    int score = -1;
  };
  auto outcome = std::make_shared<Outcome>();
  std::vector<std::string> listed;
  for (const auto& element : tools) {
    if (std::string name = listed_name(element); !name.empty()) listed.push_back(std::move(name));
  }
  audit::JournalStep step;
  step.run = [this, tools = std::move(tools), outcome](audit::AuditStore::Appender& appender) -> Status {
    auto blocked = compare_catalog(tools, appender);
    if (!blocked) return blocked.status();
    outcome->blocked = std::move(*blocked);
    auto state = store_->get(server_);
    if (state) outcome->score = state->score();
    return Status::ok();
  };
  step.done = [this, outcome, listed = std::move(listed), done = std::move(done)](Status committed) {
    for (const auto& name : listed) blocked_.erase(name);
    if (committed) {
      blocked_.merge(outcome->blocked);
      if (outcome->score >= 0) score_ = outcome->score;
      saturated_at_ = -1;  // a comparison may have moved the score: the next success checks again
    } else {
      spdlog::error("trust: cannot compare the tool catalog: {}", committed.to_string());
      for (const auto& name : listed) {
        blocked_[name] = "its listing could not be compared with the definitions seen before (" +
                         committed.to_string() + ")";
      }
    }
    done();
  };
  journal_.run_step(std::move(step));
}

}  // namespace mcp_warden::proxy
