#include "mcp_warden/trust/trust_store.h"

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

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;
namespace sqlite = audit::sqlite;
using sqlite::Statement;

// Trust's side of the audit module's SQLite handles. To trust's callers the
// database is outside the program, so a failure audit calls kInternal
// (SQLITE_ERROR, CONSTRAINT, MISUSE, ...) is reported as kIoError here;
// kBusy, kCorruption and kIoError pass through unchanged.
Status as_trust_status(Status status) {
  if (status.code() != ErrorCode::kInternal) return status;
  return Status::io_error(status.message());
}

Status sqlite_failure(sqlite3* db, int rc, std::string_view what) {
  return as_trust_status(sqlite::to_status(db, rc, what));
}

Status run_sql(sqlite3* db, const char* sql) { return as_trust_status(sqlite::exec(db, sql)); }

Result<Statement> prepare_statement(sqlite3* db, std::string_view sql) {
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
Status run(Statement& stmt, std::string_view what) { return as_trust_status(stmt.run(what)); }

// Opens or creates `path` read-write with `busy_timeout_ms` of lock waiting.
Result<sqlite::Database> open_connection(const fs::path& path, int busy_timeout_ms) {
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
)sql";

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
};

ServerRow fresh_row(const std::string& server, TrustLevel level, int64_t now) {
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
int64_t catch_up(ServerRow& row, int64_t now, const TrustWeights& weights) {
  int64_t before = row.view.score_milli;
  row.view.score_milli =
      recover_score_milli(before, row.view.base_milli, now - row.updated_us, weights);
  row.updated_us = std::max(row.updated_us, now);
  return row.view.score_milli - before;
}

// The server counts as seen at `now` (never moved back). Recovery is left
// to the next event, which records it, so the events explain the score.
void mark_seen(ServerRow& row, int64_t now) {
  row.view.last_seen_us = std::max(row.view.last_seen_us, now);
}

// Applies `kind` to `row` at `now` (after recovery) and describes it.
// A success at a saturated score (its diminishing rise rounds to nothing)
// with nothing recovered: storing it would change no score, so it is not
// stored (the call's own audit entry already says it succeeded).
bool moves_nothing(const TrustEvent& event) {
  return event.kind == EventKind::kCallSucceeded && event.delta_milli == 0 && event.recovered_milli == 0;
}

TrustEvent advance(ServerRow& row, EventKind kind, int64_t now, const TrustWeights& weights) {
  TrustEvent event;
  event.server = row.view.server;
  event.kind = kind;
  event.time_us = now;
  mark_seen(row, now);
  event.recovered_milli = catch_up(row, now, weights);
  int64_t before = row.view.score_milli;
  if (kind != EventKind::kToolApproved) {
    row.view.score_milli = apply_event(kind, before, row.view.base_milli, weights);
  }
  event.delta_milli = row.view.score_milli - before;
  event.score_after_milli = row.view.score_milli;
  ++row.view.events;
  return event;
}

Result<ServerRow> read_server_row(const Statement& stmt) {
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

Result<TrustEvent> read_event_row(const Statement& stmt) {
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
Result<std::vector<T>> collect(sqlite3* db, Statement& stmt,
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
};

// Names the new fingerprint: a policy's `accept_tool_changes` item pins it
// with `sha256:` (docs/trust.md, "Accepting changes in the policy").
std::string changed_reason(const std::string& tool, const std::string& hash) {
  return "tool '" + tool + "' changed its description, input schema or annotations since it "
         "was last seen; new definition sha256 " + hash;
}

std::string blocked_reason(const std::string& server, const std::string& tool) {
  return "mcp-warden denied '" + tool + "': server '" + server + "' changed this tool's "
         "definition (description, input schema or annotations) since it was approved, which is "
         "how a trusted tool is turned against its user. A person must review it and run "
         "`mcp-warden trust approve " + server + " " + tool + "` (or accept the new definition under "
         "`servers:` → `accept_tool_changes` in the policy) before it can be called.";
}

}  // namespace

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
  Status record_change(const std::string& tool, const std::string& hash, CatalogVisit& visit);
  Status approve_row(const std::string& server, const std::string& tool, const std::string* expected,
                     const std::string& reason, int64_t now, std::optional<TrustEvent>& event);
  Status upsert_tool(const std::string& server, const std::string& tool, const ToolRow& row,
                     int64_t now);
};

// The current journal mode ("wal", "delete", ...). The statement is
// finalized on return, so it holds no read transaction afterwards.
Result<std::string> journal_mode(sqlite3* db) {
  Result<Statement> mode = prepare_statement(db, "PRAGMA journal_mode");
  if (!mode) return mode.status();
  int rc = mode->step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "cannot read the journal mode");
  return mode->column_bytes(0);
}

Status TrustStore::Impl::configure() {
  Result<std::string> mode = journal_mode(handle());
  if (!mode) return mode.status();
  if (*mode != "wal") {
    Status wal = run_sql(handle(), "PRAGMA journal_mode=WAL");
    if (!wal.is_ok()) return wal;
  }
  Status sync = run_sql(handle(), "PRAGMA synchronous=NORMAL");
  if (!sync.is_ok()) return sync;
  return create_schema();
}

Result<bool> TrustStore::Impl::has_events_column() {
  Result<Statement> stmt = prepare_statement(handle(), kHasEventsColumn);
  if (!stmt) return stmt.status();
  int rc = stmt->step();
  if (rc != SQLITE_ROW) return sqlite_failure(handle(), rc, "cannot read trust_servers' columns");
  return stmt->column_int(0) > 0;
}

Status TrustStore::Impl::create_schema() {
  return transaction([&] {
    Status created = run_sql(handle(), kSchema);
    if (!created.is_ok()) return created;
    Result<bool> counted = has_events_column();
    if (!counted) return counted.status();
    return *counted ? Status::ok() : run_sql(handle(), kAddEventsColumn);
  });
}

Status TrustStore::Impl::begin_immediate() {
  for (int attempt = 1;; ++attempt) {
    Status begun = run_sql(handle(), "BEGIN IMMEDIATE");
    if (begun.is_ok() || begun.code() != ErrorCode::kBusy) return begun;
    if (attempt >= options.max_attempts) {
      return Status::busy("trust database is locked by another writer after " +
                          std::to_string(attempt) + " attempts of " +
                          std::to_string(options.busy_timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
  }
}

// Inside a transaction the caller already opened on the same connection
// (attach(): the audit journal's, one savepoint per step) the body runs in
// it; the caller commits or rolls back.
Status TrustStore::Impl::transaction(const std::function<Status()>& body) {
  if (sqlite3_get_autocommit(handle()) == 0) return body();
  Status done = begin_immediate();
  if (!done.is_ok()) return done;
  done = body();
  if (done.is_ok()) done = run_sql(handle(), "COMMIT");
  if (!done.is_ok() && sqlite3_get_autocommit(handle()) == 0) {
    (void)run_sql(handle(), "ROLLBACK");
  }
  return done;
}

Result<std::optional<ServerRow>> TrustStore::Impl::load_server(const std::string& server) {
  Result<Leased> leased = prepare(std::string(kServerColumns) + " WHERE server = ?1");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  Result<std::vector<ServerRow>> rows = collect<ServerRow>(handle(), stmt, read_server_row);
  if (!rows) return rows.status();
  if (rows->empty()) return std::optional<ServerRow>();
  return std::optional<ServerRow>(std::move(rows->front()));
}

Result<Leased> TrustStore::Impl::prepare(std::string_view sql) {
  auto found = statements.find(std::string(sql));
  if (found == statements.end()) {
    Result<Statement> made = prepare_statement(handle(), sql);
    if (!made) return made.status();
    found = statements.emplace(std::string(sql), std::move(*made)).first;
  }
  return Leased(found->second);
}

Result<ServerRow> TrustStore::Impl::load_or_create(const std::string& server, TrustLevel level,
                                                   int64_t now) {
  Result<std::optional<ServerRow>> row = load_server(server);
  if (!row) return row.status();
  if (*row) return std::move(**row);
  return fresh_row(server, level, now);
}

Status TrustStore::Impl::save_server(const ServerRow& row) {
  Result<Leased> leased = prepare(kUpsertServer);
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, row.view.server);
  stmt.bind_text(2, trust_level_name(row.view.level));
  stmt.bind_int(3, row.view.base_milli);
  stmt.bind_int(4, row.view.score_milli);
  stmt.bind_int(5, row.updated_us);
  stmt.bind_int(6, row.view.last_seen_us);
  stmt.bind_int(7, row.view.events);
  return run(stmt, "cannot store the trust score");
}

Status TrustStore::Impl::insert_event(TrustEvent& event) {
  Result<Leased> leased = prepare(kInsertEvent);
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, event.server);
  stmt.bind_int(2, event.time_us);
  stmt.bind_text(3, event_kind_name(event.kind));
  stmt.bind_text(4, event.tool);
  stmt.bind_int(5, event.delta_milli);
  stmt.bind_int(6, event.recovered_milli);
  stmt.bind_int(7, event.score_after_milli);
  stmt.bind_text(8, event.reason);
  Status inserted = run(stmt, "cannot record the trust event");
  if (inserted.is_ok()) event.id = sqlite3_last_insert_rowid(handle());
  return inserted;
}

Status TrustStore::Impl::save_with_event(const ServerRow& row, TrustEvent& event) {
  Status saved = save_server(row);
  return saved.is_ok() ? insert_event(event) : saved;
}

Result<std::map<std::string, ToolRow>> TrustStore::Impl::load_tools(const std::string& server) {
  Result<Leased> leased =
      prepare("SELECT tool, definition_hash, approved_hash FROM trust_tools WHERE server = ?1");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  std::map<std::string, ToolRow> out;
  int rc = SQLITE_ROW;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    out[stmt.column_bytes(0)] = ToolRow{stmt.column_bytes(1), stmt.column_bytes(2)};
  }
  if (rc != SQLITE_DONE) return sqlite_failure(handle(), rc, "cannot read trust_tools");
  return out;
}

Result<std::optional<ToolRow>> TrustStore::Impl::load_tool(const std::string& server,
                                                          const std::string& tool) {
  Result<Leased> leased = prepare(
      "SELECT definition_hash, approved_hash FROM trust_tools WHERE server = ?1 AND tool = ?2");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  stmt.bind_text(2, tool);
  int rc = stmt.step();
  if (rc == SQLITE_DONE) return std::optional<ToolRow>();
  if (rc != SQLITE_ROW) return sqlite_failure(handle(), rc, "cannot read trust_tools");
  return std::optional<ToolRow>(ToolRow{stmt.column_bytes(0), stmt.column_bytes(1)});
}

Status TrustStore::Impl::upsert_tool(const std::string& server, const std::string& tool,
                                     const ToolRow& row, int64_t now) {
  Result<Leased> leased = prepare(
      "INSERT INTO trust_tools(server, tool, definition_hash, approved_hash, first_seen_us, "
      "changed_us) VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(server, tool) DO UPDATE SET "
      "definition_hash = ?3, approved_hash = ?4, changed_us = ?5");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  stmt.bind_text(2, tool);
  stmt.bind_text(3, row.definition_hash);
  stmt.bind_text(4, row.approved_hash);
  stmt.bind_int(5, now);
  return run(stmt, "cannot store the tool fingerprint");
}

TrustStore::TrustStore(Token, fs::path path, TrustStoreOptions options,
                       std::unique_ptr<Impl> impl)
    : path_(std::move(path)), options_(std::move(options)), impl_(std::move(impl)) {}

TrustStore::~TrustStore() = default;

Result<std::unique_ptr<TrustStore>> TrustStore::open(const fs::path& path,
                                                     const TrustStoreOptions& options) {
  if (path.empty()) return Status::invalid_argument("no trust database path given");
  if (!path.parent_path().empty()) {
    Status dir = audit::ensure_private_dir(path.parent_path());
    if (!dir.is_ok()) return dir;
  }
  Result<sqlite::Database> db = open_connection(path, options.busy_timeout_ms);
  if (!db) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->options = options;
  Status ready = impl->configure();
  if (!ready.is_ok()) return ready;
  return std::make_unique<TrustStore>(Token{}, path, options, std::move(impl));
}

Result<std::unique_ptr<TrustStore>> TrustStore::attach(sqlite3* connection, const fs::path& path,
                                                       const TrustStoreOptions& options) {
  if (connection == nullptr) return Status::invalid_argument("no connection to attach the trust store to");
  auto impl = std::make_unique<Impl>();
  impl->borrowed = connection;
  impl->options = options;
  Status ready = impl->create_schema();
  if (!ready.is_ok()) return ready;
  return std::make_unique<TrustStore>(Token{}, path, options, std::move(impl));
}

int64_t TrustStore::now_us() const {
  const Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock::instance();
  return clock.now_unix_micros();
}

Result<ServerTrust> TrustStore::ensure_server(const std::string& server, TrustLevel level) {
  if (server.empty()) return Status::invalid_argument("a server name must not be empty");
  int64_t now = now_us();
  ServerTrust out;
  Status done = impl_->transaction([&]() -> Status {
    Result<ServerRow> row = impl_->load_or_create(server, level, now);
    if (!row) return row.status();
    mark_seen(*row, now);
    row->view.level = level;
    row->view.base_milli = base_score(level) * kMilliPerPoint;
    out = row->view;
    return impl_->save_server(*row);
  });
  if (!done.is_ok()) return done;
  return out;
}

Result<TrustEvent> TrustStore::record(const std::string& server, EventKind kind,
                                      const std::string& tool, const std::string& reason,
                                      std::optional<int64_t> at_us) {
  if (server.empty()) return Status::invalid_argument("a server name must not be empty");
  if (kind == EventKind::kReset || kind == EventKind::kToolApproved) {
    return Status::invalid_argument("reset and tool_approved are recorded by reset() and approve()");
  }
  const int64_t now = at_us.value_or(now_us());
  TrustEvent event;
  Status done = impl_->transaction([&]() -> Status {
    Result<ServerRow> row = impl_->load_or_create(server, options_.default_level, now);
    if (!row) return row.status();
    const int64_t when = std::max({now, row->updated_us, row->view.last_seen_us});
    event = advance(*row, kind, when, options_.weights);
    event.tool = tool;
    event.reason = reason;
    if (moves_nothing(event)) return Status::ok();
    return impl_->save_with_event(*row, event);
  });
  if (!done.is_ok()) return done;
  return event;
}

Result<ServerTrust> TrustStore::get(const std::string& server) {
  Result<std::optional<ServerRow>> row = impl_->load_server(server);
  if (!row) return row.status();
  if (!*row) return Status::not_found("no trust record for server '" + server + "'");
  catch_up(**row, now_us(), options_.weights);
  return (*row)->view;
}

Result<std::vector<ServerTrust>> TrustStore::list() {
  Result<Leased> leased = impl_->prepare(std::string(kServerColumns) + " ORDER BY server");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  Result<std::vector<ServerRow>> rows = collect<ServerRow>(impl_->handle(), stmt, read_server_row);
  if (!rows) return rows.status();
  std::vector<ServerTrust> out;
  int64_t now = now_us();
  for (ServerRow& row : *rows) {
    catch_up(row, now, options_.weights);
    out.push_back(std::move(row.view));
  }
  return out;
}

Result<std::vector<TrustEvent>> TrustStore::history(const std::string& server, int64_t limit) {
  Result<Leased> leased =
      impl_->prepare(std::string(kEventColumns) + " WHERE server = ?1 ORDER BY id DESC LIMIT ?2");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  stmt.bind_int(2, limit > 0 ? limit : int64_t{-1});
  return collect<TrustEvent>(impl_->handle(), stmt, read_event_row);
}

Result<TrustEvent> TrustStore::reset(const std::string& server, const std::string& reason) {
  int64_t now = now_us();
  TrustEvent event;
  Status done = impl_->transaction([&]() -> Status {
    Result<std::optional<ServerRow>> row = impl_->load_server(server);
    if (!row) return row.status();
    if (!*row) return Status::not_found("no trust record for server '" + server + "'");
    event = advance(**row, EventKind::kReset, now, options_.weights);
    event.reason = reason.empty() ? "reset to the base score by a person" : reason;
    return impl_->save_with_event(**row, event);
  });
  if (!done.is_ok()) return done;
  return event;
}

namespace {

// Sorted names of `tools`, or kInvalidArgument when one repeats.
Result<std::map<std::string, const ToolDefinition*>> index_tools(
    const std::vector<ToolDefinition>& tools) {
  std::map<std::string, const ToolDefinition*> out;
  for (const ToolDefinition& tool : tools) {
    if (!out.emplace(tool.name, &tool).second) {
      return Status::invalid_argument("tool `" + tool.name + "` is listed twice");
    }
  }
  return out;
}

void note_removed(const std::map<std::string, ToolRow>& stored,
                  const std::map<std::string, const ToolDefinition*>& listed,
                  CatalogReport& report) {
  for (const auto& [name, row] : stored) {
    if (!listed.contains(name)) report.removed.push_back(name);
  }
}

}  // namespace

Status TrustStore::Impl::observe_tool(const ToolDefinition& tool, const ToolRow* stored,
                                      CatalogVisit& visit) {
  std::string hash = definition_hash(tool);
  ToolRow row = stored == nullptr ? ToolRow{hash, hash} : *stored;
  if (stored == nullptr) visit.report.added.push_back(tool.name);
  bool changed = row.definition_hash != hash;
  row.definition_hash = hash;
  if (row.approved_hash != hash) visit.report.unapproved.push_back(tool.name);
  if (!changed && stored != nullptr) return Status::ok();
  Status saved = upsert_tool(visit.server.view.server, tool.name, row, visit.now);
  return saved.is_ok() && changed ? record_change(tool.name, hash, visit) : saved;
}

Status TrustStore::Impl::record_change(const std::string& tool, const std::string& hash,
                                       CatalogVisit& visit) {
  visit.report.changed.push_back(tool);
  TrustEvent event = advance(visit.server, EventKind::kCatalogChanged, visit.now, options.weights);
  event.tool = tool;
  event.reason = changed_reason(tool, hash);
  Status inserted = insert_event(event);
  if (inserted.is_ok()) visit.report.events.push_back(std::move(event));
  return inserted;
}

Status TrustStore::Impl::observe_all(const std::map<std::string, const ToolDefinition*>& listed,
                                     CatalogVisit& visit) {
  Result<std::map<std::string, ToolRow>> stored = load_tools(visit.server.view.server);
  if (!stored) return stored.status();
  for (const auto& [name, tool] : listed) {
    auto it = stored->find(name);
    Status seen = observe_tool(*tool, it == stored->end() ? nullptr : &it->second, visit);
    if (!seen.is_ok()) return seen;
  }
  note_removed(*stored, listed, visit.report);
  mark_seen(visit.server, visit.now);
  return save_server(visit.server);
}

Result<CatalogReport> TrustStore::observe_catalog(const std::string& server,
                                                  const std::vector<ToolDefinition>& tools) {
  if (server.empty()) return Status::invalid_argument("a server name must not be empty");
  Result<std::map<std::string, const ToolDefinition*>> listed = index_tools(tools);
  if (!listed) return listed.status();
  int64_t now = now_us();
  CatalogReport report;
  Status done = impl_->transaction([&]() -> Status {
    report = CatalogReport{};
    Result<ServerRow> row = impl_->load_or_create(server, options_.default_level, now);
    if (!row) return row.status();
    CatalogVisit visit{*row, report, now};
    return impl_->observe_all(*listed, visit);
  });
  if (!done.is_ok()) return done;
  return report;
}

// Inside a transaction: approves the stored definition (only if it is
// *expected, when given) and records the tool_approved event in `event`.
Status TrustStore::Impl::approve_row(const std::string& server, const std::string& tool,
                                     const std::string* expected, const std::string& reason,
                                     int64_t now, std::optional<TrustEvent>& event) {
  Result<std::optional<ToolRow>> stored = load_tool(server, tool);
  if (!stored) return stored.status();
  if (!*stored) return Status::not_found("server '" + server + "' never listed a tool '" + tool + "'");
  ToolRow& fingerprint = **stored;
  if (expected != nullptr && fingerprint.definition_hash != *expected) {
    return Status::failed_precondition("tool '" + tool + "' of server '" + server + "' is now at definition sha256 " +
                                       fingerprint.definition_hash + ", not " + *expected + "; nothing approved");
  }
  if (fingerprint.approved_hash == fingerprint.definition_hash) return Status::ok();
  fingerprint.approved_hash = fingerprint.definition_hash;
  Status saved = upsert_tool(server, tool, fingerprint, now);
  Result<ServerRow> row = load_or_create(server, options.default_level, now);
  if (!saved.is_ok() || !row) return saved.is_ok() ? row.status() : saved;
  event = advance(*row, EventKind::kToolApproved, now, options.weights);
  event->tool = tool;
  event->reason = reason;
  return save_with_event(*row, *event);
}

Result<std::optional<TrustEvent>> TrustStore::approve_if(const std::string& server, const std::string& tool,
                                                         const std::string* expected, const std::string& reason) {
  int64_t now = now_us();
  std::optional<TrustEvent> event;
  Status done = impl_->transaction([&]() -> Status {
    event.reset();
    return impl_->approve_row(server, tool, expected, reason, now, event);
  });
  if (!done.is_ok()) return done;
  return event;
}

Result<std::optional<TrustEvent>> TrustStore::approve(const std::string& server,
                                                      const std::string& tool,
                                                      const std::string& reason) {
  return approve_if(server, tool, nullptr, reason.empty() ? "current definition approved by a person" : reason);
}

Result<std::optional<TrustEvent>> TrustStore::approve_definition(const std::string& server,
                                                                 const std::string& tool,
                                                                 const std::string& definition_hash,
                                                                 const std::string& reason) {
  return approve_if(server, tool, &definition_hash, reason);
}

Result<std::optional<std::string>> TrustStore::is_tool_blocked(const std::string& server,
                                                               const std::string& tool) {
  Result<std::optional<ToolRow>> stored = impl_->load_tool(server, tool);
  if (!stored) return stored.status();
  if (!*stored || (*stored)->approved_hash == (*stored)->definition_hash) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(blocked_reason(server, tool));
}

}  // namespace mcp_warden::trust
