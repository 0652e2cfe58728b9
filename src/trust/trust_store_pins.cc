// The TrustStore's attestation pins and upgrade reviews (trust_pins,
// trust_reviews; docs/trust.md, "Attestation" and "One review for an
// upgrade").
#include "store_internal.h"

namespace mcp_warden::trust {
namespace {

constexpr const char* kReviewColumns =
    "SELECT id, server, opened_us, old_identity, new_identity, held, hostile, score_before_milli, taken_milli "
    "FROM trust_reviews";

ReviewRow read_review_row(const Statement& stmt) {
  ReviewRow row;
  row.id = stmt.column_int(0);
  row.server = stmt.column_bytes(1);
  row.opened_us = stmt.column_int(2);
  row.old_identity = stmt.column_bytes(3);
  row.new_identity = stmt.column_bytes(4);
  row.held = stmt.column_int(5) != 0;
  row.hostile = stmt.column_bytes(6);
  row.score_before_milli = stmt.column_int(7);
  row.taken_milli = stmt.column_int(8);
  return row;
}

EventKind change_kind(AttestationChange change) {
  switch (change) {
    case AttestationChange::kRuntime: return EventKind::kRuntimeChanged;
    case AttestationChange::kContent: return EventKind::kAttestationMismatch;
    default: return EventKind::kAttestationChanged;
  }
}

std::string change_reason(AttestationChange change, const Attestation& from, const Attestation& to) {
  std::string what = change == AttestationChange::kRuntime   ? "the runtime behind it changed"
                     : change == AttestationChange::kContent ? "the same version now has different content"
                                                              : "what runs changed";
  return what + ": " + describe(from) + " → " + describe(to);
}

// What a closing review gives back: what the upgrade took, never above the
// score before it, never a fall.
int64_t give_back(const ReviewRow& review, int64_t score_milli) {
  int64_t target = std::min(score_milli + review.taken_milli, std::max(score_milli, review.score_before_milli));
  return std::max<int64_t>(0, target - score_milli);
}

}  // namespace

Result<std::optional<ReviewRow>> TrustStore::Impl::load_open_review(const std::string& server) {
  Result<Leased> leased = prepare(std::string(kReviewColumns) + " WHERE server = ?1 AND closed_us = 0 ORDER BY id DESC LIMIT 1");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  int rc = stmt.step();
  if (rc == SQLITE_DONE) return std::optional<ReviewRow>();
  if (rc != SQLITE_ROW) return sqlite_failure(handle(), rc, "cannot read trust_reviews");
  return std::optional<ReviewRow>(read_review_row(stmt));
}

Status TrustStore::Impl::save_review(ReviewRow& review) {
  Result<Leased> leased = prepare(
      "INSERT INTO trust_reviews(id, server, opened_us, old_identity, new_identity, held, hostile, "
      "score_before_milli, taken_milli) VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO "
      "UPDATE SET new_identity = ?5, held = ?6, hostile = ?7, taken_milli = ?9");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_int(1, review.id);
  stmt.bind_text(2, review.server);
  stmt.bind_int(3, review.opened_us);
  stmt.bind_text(4, review.old_identity);
  stmt.bind_text(5, review.new_identity);
  stmt.bind_int(6, review.held ? 1 : 0);
  stmt.bind_text(7, review.hostile);
  stmt.bind_int(8, review.score_before_milli);
  stmt.bind_int(9, review.taken_milli);
  Status saved = run(stmt, "cannot store the upgrade review");
  if (saved.is_ok() && review.id == 0) review.id = sqlite3_last_insert_rowid(handle());
  return saved;
}

Status TrustStore::Impl::close_review(const ReviewRow& review, int64_t now) {
  Result<Leased> leased = prepare("UPDATE trust_reviews SET closed_us = ?2 WHERE id = ?1");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_int(1, review.id);
  stmt.bind_int(2, std::max<int64_t>(now, 1));
  return run(stmt, "cannot close the upgrade review");
}

Result<std::optional<Attestation>> TrustStore::Impl::load_pin(const std::string& server) {
  Result<Leased> leased = prepare("SELECT identity FROM trust_pins WHERE server = ?1");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  int rc = stmt.step();
  if (rc == SQLITE_DONE) return std::optional<Attestation>();
  if (rc != SQLITE_ROW) return sqlite_failure(handle(), rc, "cannot read trust_pins");
  Result<Attestation> pin = parse_attestation(stmt.column_bytes(0));
  if (!pin) return Status::corruption("trust_pins for '" + server + "': " + pin.status().message());
  return std::optional<Attestation>(std::move(pin).value());
}

Status TrustStore::Impl::save_pin(const std::string& server, const Attestation& identity, int64_t now, bool first) {
  Result<Leased> leased = prepare(
      "INSERT INTO trust_pins(server, identity, pinned_us, changed_us) VALUES (?1, ?2, ?3, ?3) ON CONFLICT(server) "
      "DO UPDATE SET identity = ?2, changed_us = CASE WHEN ?4 THEN ?3 ELSE changed_us END");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  stmt.bind_text(2, attestation_json(identity));
  stmt.bind_int(3, now);
  stmt.bind_int(4, first ? 0 : 1);
  return run(stmt, "cannot store the attestation pin");
}

Result<AttestationReport> TrustStore::observe_attestation(const std::string& server, const Attestation& identity,
                                                          PinMode mode) {
  if (server.empty()) return Status::invalid_argument("a server name must not be empty");
  const int64_t now = now_us();
  AttestationReport report;
  Status done = impl_->transaction([&]() -> Status {
    report = AttestationReport{};
    Result<ServerRow> row = impl_->load_or_create(server, options_.default_level, now);
    if (!row) return row.status();
    Result<std::optional<Attestation>> pin = impl_->load_pin(server);
    if (!pin) return pin.status();
    if (!*pin) {
      report.first_use = true;
      TrustEvent event = advance(*row, EventKind::kAttestationPinned, now, options_.weights);
      event.reason = "pinned on first use: " + describe(identity);
      Status saved = impl_->save_with_event(*row, event);
      if (saved.is_ok()) report.events.push_back(std::move(event));
      return saved.is_ok() ? impl_->save_pin(server, identity, now, true) : saved;
    }
    report.previous = **pin;
    report.change = compare_attestations(**pin, identity);
    if (report.change == AttestationChange::kNone) {
      return **pin == identity ? Status::ok() : impl_->save_pin(server, identity, now, false);  // stat cache only
    }
    const int64_t before = row->view.score_milli;
    TrustEvent event = advance(*row, change_kind(report.change), now, options_.weights);
    event.reason = change_reason(report.change, **pin, identity);
    Status saved = impl_->save_with_event(*row, event);
    if (saved.is_ok()) saved = impl_->save_pin(server, identity, now, false);
    if (!saved.is_ok()) return saved;
    report.events.push_back(event);
    if (report.change == AttestationChange::kRuntime) return Status::ok();
    Result<std::optional<ReviewRow>> open = impl_->load_open_review(server);
    if (!open) return open.status();
    ReviewRow review = open->value_or(ReviewRow{0, server, now, attestation_json(**pin), {}, false, {},
                                               before + event.recovered_milli, 0});
    review.new_identity = attestation_json(identity);
    review.taken_milli += -event.delta_milli;
    review.held = review.held || mode == PinMode::kStrict;
    if (report.change == AttestationChange::kContent && review.hostile.empty()) {
      review.hostile = "the same version arrived with different content (" + describe(identity) + ")";
    }
    Status stored = impl_->save_review(review);
    report.review_id = review.id;
    return stored;
  });
  if (!done.is_ok()) return done;
  auto held = is_held(server);
  if (held) report.held = held->has_value();
  return report;
}

Result<std::optional<Attestation>> TrustStore::pinned_identity(const std::string& server) {
  return impl_->load_pin(server);
}

Result<std::optional<std::string>> TrustStore::is_held(const std::string& server) {
  Result<std::optional<ReviewRow>> review = impl_->load_open_review(server);
  if (!review) return review.status();
  if (!*review || !(*review)->held) return std::optional<std::string>();
  return std::optional<std::string>(held_reason(server, **review));
}

Result<ReviewItem> TrustStore::pending_review(const std::string& server) {
  Result<std::optional<ServerRow>> row = impl_->load_server(server);
  if (!row) return row.status();
  if (!*row) return Status::not_found("no trust record for server '" + server + "'");
  Result<std::optional<ReviewRow>> review = impl_->load_open_review(server);
  Result<std::map<std::string, ToolRow>> tools = impl_->load_tools(server);
  if (!review || !tools) return review ? tools.status() : review.status();
  ReviewItem item;
  if (*review) {
    const ReviewRow& open = **review;
    item.review_id = open.id;
    if (auto old_id = parse_attestation(open.old_identity)) item.old_identity = *old_id;
    if (auto new_id = parse_attestation(open.new_identity)) item.new_identity = *new_id;
    item.held = open.held;
    item.hostile = open.hostile;
    item.taken_milli = open.taken_milli;
  }
  for (const auto& [name, tool] : *tools) {
    if (tool.approved()) continue;
    item.tools.push_back(ToolChange{name, tool.approved_text, tool.definition_text, tool.definition_hash, {}});
  }
  return item;
}

Result<std::vector<TrustEvent>> TrustStore::approve_review(const std::string& server,
                                                           const std::vector<std::string>& tools,
                                                           const std::string& reason) {
  const int64_t now = now_us();
  const std::string why = reason.empty() ? "approved by a person with `trust review`" : reason;
  std::vector<TrustEvent> events;
  Status done = impl_->transaction([&]() -> Status {
    events.clear();
    Result<std::optional<ServerRow>> known = impl_->load_server(server);
    if (!known) return known.status();
    if (!*known) return Status::not_found("no trust record for server '" + server + "'");
    Result<std::map<std::string, ToolRow>> stored = impl_->load_tools(server);
    if (!stored) return stored.status();
    std::vector<std::string> chosen = tools;
    if (chosen.empty()) {
      for (const auto& [name, row] : *stored) {
        if (!row.approved()) chosen.push_back(name);
      }
    }
    for (const std::string& tool : chosen) {
      std::optional<TrustEvent> event;
      Status approved = impl_->approve_row(server, tool, nullptr, why, now, event);
      if (!approved.is_ok()) return approved;
      if (event) events.push_back(std::move(*event));
      (*stored)[tool].approved_hash = (*stored)[tool].definition_hash;
    }
    bool remaining = std::any_of(stored->begin(), stored->end(), [](const auto& e) { return !e.second.approved(); });
    Result<std::optional<ReviewRow>> review = impl_->load_open_review(server);
    if (!review) return review.status();
    if (remaining || !*review) return Status::ok();
    Result<ServerRow> row = impl_->load_or_create(server, options_.default_level, now);
    if (!row) return row.status();
    ServerRow probe = *row;
    catch_up(probe, now, options_.weights);
    const ReviewRow& open = **review;
    int64_t back = open.hostile.empty() ? give_back(open, probe.view.score_milli) : 0;
    TrustEvent event = advance(*row, EventKind::kChangeReviewed, now, options_.weights, back);
    event.reason = "upgrade review #" + std::to_string(open.id) + " closed: " + why +
                   (open.hostile.empty() ? "; the score the upgrade took is given back"
                                         : "; nothing given back, because " + open.hostile);
    Status saved = impl_->save_with_event(*row, event);
    if (saved.is_ok()) saved = impl_->close_review(open, now);
    if (saved.is_ok()) events.push_back(std::move(event));
    return saved;
  });
  if (!done.is_ok()) return done;
  return events;
}

Result<int64_t> TrustStore::data_version() {
  Result<Leased> leased = impl_->prepare("PRAGMA data_version");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  int rc = stmt.step();
  if (rc != SQLITE_ROW) return sqlite_failure(impl_->handle(), rc, "cannot read the data version");
  return stmt.column_int(0);
}

}  // namespace mcp_warden::trust
