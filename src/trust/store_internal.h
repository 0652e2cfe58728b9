// Internal to the trust module: the TrustStore's rows, SQL and helpers,
// shared by trust_store.cc (scores and catalogs), trust_store_pins.cc
// (attestation pins and upgrade reviews) and trust_store_migration.cc.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/sqlite.h"
#include "mcp_warden/trust/attestation.h"
#include "mcp_warden/trust/catalog.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::trust {
namespace internal {

namespace fs = std::filesystem;
namespace sqlite = audit::sqlite;
using sqlite::Statement;

// Trust's side of the audit module's SQLite handles. To trust's callers the
// database is outside the program, so a failure audit calls kInternal
// (SQLITE_ERROR, CONSTRAINT, MISUSE, ...) is reported as kIoError here;
// kBusy, kCorruption and kIoError pass through unchanged.
inline Status as_trust_status(Status status) {
  if (status.code() != ErrorCode::kInternal) return status;
  return Status::io_error(status.message());
}

inline Status sqlite_failure(sqlite3* db, int rc, std::string_view what) {
  return as_trust_status(sqlite::to_status(db, rc, what));
}

inline Status run_sql(sqlite3* db, const char* sql) { return as_trust_status(sqlite::exec(db, sql)); }

inline Result<Statement> prepare_statement(sqlite3* db, std::string_view sql) {
  Result<Statement> stmt = Statement::prepare(db, sql);
  if (!stmt) return as_trust_status(stmt.status());
  return stmt;
}

// A statement from the store's cache for one use: reset (bindings cleared)
// when it goes out of scope, so that no read stays open on the connection.
class Leased {
 public:
  explicit Leased(Statement& stmt) : stmt_(&stmt) {}
  Leased(Leased&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Leased& operator=(Leased&&) = delete;
  ~Leased() {
    if (stmt_ != nullptr) stmt_->reset();
  }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
};

// Steps once, requires SQLITE_DONE, then resets `stmt`.
inline Status run(Statement& stmt, std::string_view what) { return as_trust_status(stmt.run(what)); }

// Opens or creates `path` read-write with `busy_timeout_ms` of lock waiting.
inline Result<sqlite::Database> open_connection(const fs::path& path, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  Result<sqlite::Database> db = sqlite::open_database(path, flags);
  if (!db) return as_trust_status(db.status());
  sqlite::set_busy_wait(db->get(), busy_timeout_ms);
  return db;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS trust_servers (
  server TEXT PRIMARY KEY,
  level TEXT NOT NULL,
  base_milli INTEGER NOT NULL,
  score_milli INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  last_seen_us INTEGER NOT NULL,
  events INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS trust_events (
  id INTEGER PRIMARY KEY,
  server TEXT NOT NULL,
  time_us INTEGER NOT NULL,
  kind TEXT NOT NULL,
  tool TEXT NOT NULL,
  delta_milli INTEGER NOT NULL,
  recovered_milli INTEGER NOT NULL,
  score_after_milli INTEGER NOT NULL,
  reason TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS trust_events_by_server ON trust_events(server, id);
CREATE TABLE IF NOT EXISTS trust_tools (
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  approved_hash TEXT NOT NULL,
  first_seen_us INTEGER NOT NULL,
  changed_us INTEGER NOT NULL,
  PRIMARY KEY (server, tool)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trust_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS trust_pins (
  server TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  pinned_us INTEGER NOT NULL,
  changed_us INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS trust_reviews (
  id INTEGER PRIMARY KEY,
  server TEXT NOT NULL,
  opened_us INTEGER NOT NULL,
  closed_us INTEGER NOT NULL DEFAULT 0,
  old_identity TEXT NOT NULL,
  new_identity TEXT NOT NULL,
  held INTEGER NOT NULL,
  hostile TEXT NOT NULL,
  score_before_milli INTEGER NOT NULL,
  taken_milli INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS trust_reviews_open ON trust_reviews(server, closed_us);
)sql";

// Columns trust_tools gained with fingerprint version 2 (added to older
// databases by create_schema(); hash_version 1 marks rows written before).
struct AddedColumn {
  const char* name;
  const char* definition;
};
inline constexpr AddedColumn kToolColumnsV2[] = {
    {"hash_version", "INTEGER NOT NULL DEFAULT 1"},
    {"definition_text", "TEXT NOT NULL DEFAULT ''"},
    {"approved_text", "TEXT NOT NULL DEFAULT ''"},
    {"review_id", "INTEGER NOT NULL DEFAULT 0"},
};

// The trust model a database's scores were computed under (trust_meta
// key "model"): 1 (absent) counted client-caused denials, 2 does not.
inline constexpr int kTrustModelVersion = 2;

// Databases from before trust_servers counted its events gain the column,
// filled once from trust_events (afterwards a read costs O(1), not O(events)).
constexpr const char* kAddEventsColumn =
    "ALTER TABLE trust_servers ADD COLUMN events INTEGER NOT NULL DEFAULT 0;"
    "UPDATE trust_servers SET events = (SELECT COUNT(*) FROM trust_events e WHERE e.server = "
    "trust_servers.server);";

constexpr const char* kHasEventsColumn =
    "SELECT COUNT(*) FROM pragma_table_info('trust_servers') WHERE name = 'events'";

constexpr const char* kServerColumns =
    "SELECT server, level, base_milli, score_milli, updated_us, last_seen_us, events "
    "FROM trust_servers s";

constexpr const char* kUpsertServer =
    "INSERT INTO trust_servers(server, level, base_milli, score_milli, updated_us, last_seen_us, "
    "events) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(server) DO UPDATE SET level = ?2, "
    "base_milli = ?3, score_milli = ?4, updated_us = ?5, last_seen_us = ?6, events = ?7";

constexpr const char* kInsertEvent =
    "INSERT INTO trust_events(server, time_us, kind, tool, delta_milli, recovered_milli, "
    "score_after_milli, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr const char* kEventColumns =
    "SELECT id, server, time_us, kind, tool, delta_milli, recovered_milli, score_after_milli, "
    "reason FROM trust_events";

// A trust_servers row. updated_us is when score_milli was last brought up
// to date; recovery since then is computed on read and folded in on write.
struct ServerRow {
  ServerTrust view;
  int64_t updated_us = 0;
};

// A trust_tools row.
struct ToolRow {
  std::string definition_hash;
  std::string approved_hash;
  int hash_version = kFingerprintVersion;
  std::string definition_text;  // definition_text() of the current definition ("" before version 2)
  std::string approved_text;    // ... of the approved one
  int64_t review_id = 0;        // the upgrade review the current change belongs to, or 0

  bool approved() const { return approved_hash == definition_hash; }
};

// A trust_reviews row: one upgrade (attestation change) and everything
// that arrived with it, reviewed as one item.
struct ReviewRow {
  int64_t id = 0;
  std::string server;
  int64_t opened_us = 0;
  std::string old_identity;  // attestation_json()
  std::string new_identity;
  bool held = false;         // the server's tools are held until the review closes (pin: strict)
  std::string hostile;       // why the review may not give the score back, or ""
  int64_t score_before_milli = 0;
  int64_t taken_milli = 0;   // what the upgrade's events took (positive)
};

inline ServerRow fresh_row(const std::string& server, TrustLevel level, int64_t now) {
  ServerRow row;
  row.view.server = server;
  row.view.level = level;
  row.view.base_milli = base_score(level) * kMilliPerPoint;
  row.view.score_milli = row.view.base_milli;
  row.updated_us = now;
  row.view.last_seen_us = now;
  return row;
}

// Folds recovery up to `now` into the score; returns the recovered amount.
// A clock that went backwards recovers nothing and never moves updated_us back.
inline int64_t catch_up(ServerRow& row, int64_t now, const TrustWeights& weights) {
  int64_t before = row.view.score_milli;
  row.view.score_milli =
      recover_score_milli(before, row.view.base_milli, now - row.updated_us, weights);
  row.updated_us = std::max(row.updated_us, now);
  return row.view.score_milli - before;
}

// The server counts as seen at `now` (never moved back). Recovery is left
// to the next event, which records it, so the events explain the score.
inline void mark_seen(ServerRow& row, int64_t now) {
  row.view.last_seen_us = std::max(row.view.last_seen_us, now);
}

// Applies `kind` to `row` at `now` (after recovery) and describes it.
// A success at a saturated score (its diminishing rise rounds to nothing)
// with nothing recovered: storing it would change no score, so it is not
// stored (the call's own audit entry already says it succeeded).
inline bool moves_nothing(const TrustEvent& event) {
  return event.kind == EventKind::kCallSucceeded && event.delta_milli == 0 && event.recovered_milli == 0;
}

// `delta_milli`, when given, replaces the kind's weight (a change filed
// under a review moves nothing; a review gives back what was taken).
inline TrustEvent advance(ServerRow& row, EventKind kind, int64_t now, const TrustWeights& weights,
                          std::optional<int64_t> delta_milli = std::nullopt) {
  TrustEvent event;
  event.server = row.view.server;
  event.kind = kind;
  event.time_us = now;
  mark_seen(row, now);
  event.recovered_milli = catch_up(row, now, weights);
  int64_t before = row.view.score_milli;
  if (delta_milli) {
    row.view.score_milli = clamp_score_milli(before + *delta_milli);
  } else if (kind != EventKind::kToolApproved) {
    row.view.score_milli = apply_event(kind, before, row.view.base_milli, weights);
  }
  event.delta_milli = row.view.score_milli - before;
  event.score_after_milli = row.view.score_milli;
  ++row.view.events;
  return event;
}

inline Result<ServerRow> read_server_row(const Statement& stmt) {
  std::optional<TrustLevel> level = parse_trust_level(stmt.column_bytes(1));
  if (!level) return Status::corruption("trust_servers has an unknown level " + stmt.column_bytes(1));
  ServerRow row;
  row.view.server = stmt.column_bytes(0);
  row.view.level = *level;
  row.view.base_milli = stmt.column_int(2);
  row.view.score_milli = stmt.column_int(3);
  row.updated_us = stmt.column_int(4);
  row.view.last_seen_us = stmt.column_int(5);
  row.view.events = stmt.column_int(6);
  return row;
}

inline Result<TrustEvent> read_event_row(const Statement& stmt) {
  std::optional<EventKind> kind = parse_event_kind(stmt.column_bytes(3));
  if (!kind) return Status::corruption("trust_events has an unknown kind " + stmt.column_bytes(3));
  TrustEvent event;
  event.id = stmt.column_int(0);
  event.server = stmt.column_bytes(1);
  event.time_us = stmt.column_int(2);
  event.kind = *kind;
  event.tool = stmt.column_bytes(4);
  event.delta_milli = stmt.column_int(5);
  event.recovered_milli = stmt.column_int(6);
  event.score_after_milli = stmt.column_int(7);
  event.reason = stmt.column_bytes(8);
  return event;
}

// Steps `stmt` to the end, handing each row to `read` and collecting results.
template <typename T>
inline Result<std::vector<T>> collect(sqlite3* db, Statement& stmt,
                               const std::function<Result<T>(const Statement&)>& read) {
  std::vector<T> out;
  int rc = SQLITE_ROW;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    Result<T> item = read(stmt);
    if (!item) return item.status();
    out.push_back(std::move(item).value());
  }
  if (rc != SQLITE_DONE) return sqlite_failure(db, rc, "cannot read the trust tables");
  return out;
}

// One observe_catalog() pass: the server row it updates and what it saw.
struct CatalogVisit {
  ServerRow& server;
  CatalogReport& report;
  int64_t now;
  std::map<std::string, ToolRow>* stored = nullptr;  // every tool row of the server
  std::optional<ReviewRow> review;                   // the open upgrade review, if any
};

// Names the new fingerprint: a policy's `accept_tool_changes` item pins it
// with `sha256:` (docs/trust.md, "Accepting changes in the policy"). The
// sentence must end with the hash.
inline std::string changed_reason(const std::string& tool, const std::string& hash, const std::string& why = {}) {
  std::string what = why.empty() ? "tool '" + tool + "' changed its definition (title, description, input or "
                                   "output schema, annotations) since it was last seen"
                                 : why;
  return what + "; new definition sha256 " + hash;
}

inline std::string blocked_reason(const std::string& server, const std::string& tool) {
  return "mcp-warden denied '" + tool + "': server '" + server + "' changed this tool's "
         "definition (title, description, schemas or annotations) since it was approved, which is "
         "how a trusted tool is turned against its user. A person must review it — `mcp-warden trust review " +
         server + "` shows the change and approves it in one step, or `mcp-warden trust approve " + server + " " +
         tool + "` — (or accept the new definition under `servers:` → `accept_tool_changes` in the policy) "
         "before it can be called.";
}

inline std::string held_reason(const std::string& server, const ReviewRow& review) {
  std::string from = review.old_identity, to = review.new_identity;
  auto old_id = parse_attestation(review.old_identity);
  auto new_id = parse_attestation(review.new_identity);
  if (old_id) from = describe(*old_id);
  if (new_id) to = describe(*new_id);
  return "mcp-warden denied the call: what server '" + server + "' runs changed (" + from + " → " + to +
         ") and its policy entry says `pin: strict`, so its tools are held until a person reviews the change "
         "with `mcp-warden trust review " + server + "`.";
}

}  // namespace internal

using namespace internal;  // NOLINT: the module's own helpers, in its own files

struct TrustStore::Impl {
  sqlite::Database db;  // owned connection (open()), or empty
  sqlite3* borrowed = nullptr;  // attach(): the audit journal's connection
  TrustStoreOptions options;
  // Prepared once per SQL text: a score update parses no SQL.
  std::unordered_map<std::string, Statement> statements;

  ~Impl() { statements.clear(); }  // finalized before an owned connection closes
  sqlite3* handle() const { return db ? db.get() : borrowed; }
  Status configure();
  Status create_schema();
  Result<bool> has_events_column();
  Status begin_immediate();
  Status transaction(const std::function<Status()>& body);
  Result<Leased> prepare(std::string_view sql);

  Result<std::optional<ServerRow>> load_server(const std::string& server);
  Result<ServerRow> load_or_create(const std::string& server, TrustLevel level, int64_t now);
  Status save_server(const ServerRow& row);
  Status insert_event(TrustEvent& event);
  Status save_with_event(const ServerRow& row, TrustEvent& event);
  Result<std::map<std::string, ToolRow>> load_tools(const std::string& server);
  Result<std::optional<ToolRow>> load_tool(const std::string& server, const std::string& tool);
  Status observe_all(const std::map<std::string, const ToolDefinition*>& listed,
                     CatalogVisit& visit);
  Status observe_tool(const ToolDefinition& tool, const ToolRow* stored, CatalogVisit& visit);
  Status record_change(const ToolDefinition& tool, const std::string& hash, ToolRow& row, CatalogVisit& visit,
                       const std::string& why);
  Status observe_new_tool(const ToolDefinition& tool, CatalogVisit& visit);
  Status upgrade_v1_row(const ToolDefinition& tool, ToolRow& row, CatalogVisit& visit);
  Status add_missing_columns();
  Status migrate_model();
  Result<std::string> meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);
  Result<std::optional<ReviewRow>> load_open_review(const std::string& server);
  Status save_review(ReviewRow& review);
  Status close_review(const ReviewRow& review, int64_t now);
  Result<std::optional<Attestation>> load_pin(const std::string& server);
  Status save_pin(const std::string& server, const Attestation& identity, int64_t now, bool first);
  // Events recorded while opening (the model migration), until taken.
  std::vector<TrustEvent> migration_events;
  Status approve_row(const std::string& server, const std::string& tool, const std::string* expected,
                     const std::string& reason, int64_t now, std::optional<TrustEvent>& event);
  Status upsert_tool(const std::string& server, const std::string& tool, const ToolRow& row,
                     int64_t now);
};


}  // namespace mcp_warden::trust
