// Upgrading a trust database in place (docs/trust.md, "Upgrading a
// database"): columns added since it was created, and the one-time
// restoration of scores lowered only by events the current model no longer
// counts. Runs inside create_schema()'s transaction.
#include <spdlog/spdlog.h>

#include "store_internal.h"

namespace mcp_warden::trust {
namespace {

// Whether trust_tools already has `column`.
Result<bool> has_tool_column(sqlite3* db, const char* column) {
  Result<Statement> stmt =
      prepare_statement(db, "SELECT COUNT(*) FROM pragma_table_info('trust_tools') WHERE name = ?1");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, column);
  int rc = stmt->step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "cannot read trust_tools' columns");
  return stmt->column_int(0) > 0;
}

// Points with up to three decimals, for the log.
std::string points_text(int64_t milli) {
  std::string text = std::to_string(milli / kMilliPerPoint);
  if (milli % kMilliPerPoint != 0) text += "." + std::to_string(1000 + milli % kMilliPerPoint).substr(1);
  return text;
}

// What the client-caused events after the server's last reset took from it
// (positive): the falls the model no longer counts.
Result<int64_t> uncounted_falls(sqlite3* db, const std::string& server) {
  Result<Statement> stmt = prepare_statement(
      db,
      "SELECT COALESCE(-SUM(delta_milli), 0) FROM trust_events WHERE server = ?1 AND delta_milli < 0 AND kind IN "
      "('call_denied', 'credential_denied') AND id > COALESCE((SELECT MAX(id) FROM trust_events WHERE server = ?1 "
      "AND kind = 'reset'), 0)");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, server);
  int rc = stmt->step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "cannot read trust_events");
  return stmt->column_int(0);
}

}  // namespace

Status TrustStore::Impl::add_missing_columns() {
  for (const AddedColumn& column : kToolColumnsV2) {
    Result<bool> present = has_tool_column(handle(), column.name);
    if (!present) return present.status();
    if (*present) continue;
    std::string sql = std::string("ALTER TABLE trust_tools ADD COLUMN ") + column.name + " " + column.definition;
    Status added = run_sql(handle(), sql.c_str());
    if (!added.is_ok()) return added;
  }
  return Status::ok();
}

Result<std::string> TrustStore::Impl::meta(const std::string& key) {
  Result<Leased> leased = prepare("SELECT value FROM trust_meta WHERE key = ?1");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, key);
  int rc = stmt.step();
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return sqlite_failure(handle(), rc, "cannot read trust_meta");
  return stmt.column_bytes(0);
}

Status TrustStore::Impl::set_meta(const std::string& key, const std::string& value) {
  Result<Leased> leased = prepare("INSERT INTO trust_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, key);
  stmt.bind_text(2, value);
  return run(stmt, "cannot write trust_meta");
}

// Once per database: every server whose score still lies below its base
// gets back what client-caused denials took since its last reset, at most
// up to the base (recovery may already have given some of it back).
Status TrustStore::Impl::migrate_model() {
  Result<std::string> model = meta("model");
  if (!model) return model.status();
  if (*model == std::to_string(kTrustModelVersion)) return Status::ok();
  Result<Leased> leased = prepare(std::string(kServerColumns) + " ORDER BY server");
  if (!leased) return leased.status();
  Result<std::vector<ServerRow>> rows = collect<ServerRow>(handle(), **leased, read_server_row);
  if (!rows) return rows.status();
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::instance();
  const int64_t now = clock.now_unix_micros();
  for (ServerRow& row : *rows) {
    Result<int64_t> taken = uncounted_falls(handle(), row.view.server);
    if (!taken) return taken.status();
    const int64_t when = std::max(now, row.updated_us);
    ServerRow probe = row;  // recovery so far; the event itself records it
    catch_up(probe, when, options.weights);
    int64_t restore = std::min(*taken, probe.view.base_milli - probe.view.score_milli);
    if (restore <= 0) continue;
    TrustEvent event = advance(row, EventKind::kMigrationRestored, when, options.weights, restore);
    event.reason = "trust model 2 no longer counts what the client asks: policy and credential denials had taken " +
                   points_text(*taken) + " points; " + points_text(restore) + " restored, once, up to the base";
    Status saved = save_with_event(row, event);
    if (!saved.is_ok()) return saved;
    spdlog::info("trust: database upgrade restored {} points to server '{}' (now {}): {}", points_text(restore),
                 row.view.server, event.score_after(), event.reason);
    migration_events.push_back(std::move(event));
  }
  return set_meta("model", std::to_string(kTrustModelVersion));
}

std::vector<TrustEvent> TrustStore::take_migration_events() { return std::exchange(impl_->migration_events, {}); }

}  // namespace mcp_warden::trust
