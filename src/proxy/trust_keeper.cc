#include "mcp_warden/proxy/trust_keeper.h"

#include <spdlog/spdlog.h>

#include "mcp_warden/trust/catalog.h"
#include "mcp_warden/trust/trust_event.h"

namespace mcp_warden::proxy {

Result<std::unique_ptr<JournalTrustKeeper>> JournalTrustKeeper::open(audit::Journal& journal, const std::string& server,
                                                                     trust::TrustLevel level, std::string session_id,
                                                                     trust::ToolChangeAcceptor accept,
                                                                     const Clock& clock) {
  trust::TrustStoreOptions options;
  options.clock = &clock;
  auto store = trust::TrustStore::attach(journal.connection(), journal.db_path(), options);
  if (!store) return store.status();
  auto state = (*store)->ensure_server(server, level);
  if (!state) return state.status();
  int score = state->score();
  return std::make_unique<JournalTrustKeeper>(journal, std::move(store).value(), server, std::move(session_id), score,
                                              std::move(accept), clock);
}

JournalTrustKeeper::JournalTrustKeeper(audit::Journal& journal, std::unique_ptr<trust::TrustStore> store,
                                       std::string server, std::string session_id, int score,
                                       trust::ToolChangeAcceptor accept, const Clock& clock)
    : journal_(journal), store_(std::move(store)), server_(std::move(server)), session_id_(std::move(session_id)),
      accept_(std::move(accept)), clock_(clock), score_(score) {}

std::optional<std::string> JournalTrustKeeper::blocked_reason(const std::string& tool) const {
  auto it = blocked_.find(tool);
  if (it == blocked_.end()) return std::nullopt;
  return it->second;
}

Status JournalTrustKeeper::append_event(const trust::TrustEvent& event, audit::AuditStore::Appender& appender) {
  Result<int64_t> seq = appender.append(trust::trust_event_entry(event, session_id_));
  return seq ? Status::ok() : seq.status();
}

void JournalTrustKeeper::record(trust::EventKind kind, const std::string& tool, const std::string& reason) {
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
  journal_.run_step(std::move(step), success ? audit::Urgency::kDeferred : audit::Urgency::kNow);
}

Result<std::map<std::string, std::string>> JournalTrustKeeper::compare_catalog(const nlohmann::json& tools,
                                                                              audit::AuditStore::Appender& appender) {
  auto definitions = trust::parse_tool_definitions(tools);
  if (!definitions) return definitions.status();
  auto report = store_->observe_catalog(server_, *definitions);
  if (!report) return report.status();
  for (const auto& event : report->events) {
    Status appended = append_event(event, appender);
    if (!appended) return appended;
  }
  std::vector<std::string> unapproved = report->unapproved;
  if (accept_ && !unapproved.empty()) {
    trust::AcceptedChanges accepted = trust::approve_accepted_changes(*store_, server_, *definitions, *report, accept_);
    if (!accepted.status) {
      spdlog::warn("trust: a change the policy accepts stays blocked: {}", accepted.status.to_string());
    }
    for (const auto& event : accepted.events) {
      Status appended = append_event(event, appender);
      if (!appended) return appended;
    }
    unapproved = std::move(accepted.still_unapproved);
  }
  std::map<std::string, std::string> blocked;
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
  audit::JournalStep step;
  step.run = [this, tools = std::move(tools), outcome](audit::AuditStore::Appender& appender) -> Status {
    auto blocked = compare_catalog(tools, appender);
    if (!blocked) return blocked.status();
    outcome->blocked = std::move(*blocked);
    auto state = store_->get(server_);
    if (state) outcome->score = state->score();
    return Status::ok();
  };
  step.done = [this, outcome, done = std::move(done)](Status committed) {
    if (committed) {
      blocked_ = std::move(outcome->blocked);
      if (outcome->score >= 0) score_ = outcome->score;
      saturated_at_ = -1;  // a comparison may have moved the score: the next success checks again
    } else {
      spdlog::error("trust: cannot compare the tool catalog: {}", committed.to_string());
    }
    done();
  };
  journal_.run_step(std::move(step));
}

}  // namespace mcp_warden::proxy
