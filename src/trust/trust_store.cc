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
#include "store_internal.h"

namespace mcp_warden::trust {

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
    Status events = *counted ? Status::ok() : run_sql(handle(), kAddEventsColumn);
    if (!events.is_ok()) return events;
    Status columns = add_missing_columns();
    return columns.is_ok() ? migrate_model() : columns;
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

namespace {

constexpr const char* kToolColumns =
    "SELECT tool, definition_hash, approved_hash, hash_version, definition_text, approved_text, review_id "
    "FROM trust_tools WHERE server = ?1";

ToolRow read_tool_row(const Statement& stmt) {
  return ToolRow{stmt.column_bytes(1), stmt.column_bytes(2), static_cast<int>(stmt.column_int(3)),
                 stmt.column_bytes(4), stmt.column_bytes(5), stmt.column_int(6)};
}

}  // namespace

Result<std::map<std::string, ToolRow>> TrustStore::Impl::load_tools(const std::string& server) {
  Result<Leased> leased = prepare(kToolColumns);
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  std::map<std::string, ToolRow> out;
  int rc = SQLITE_ROW;
  while ((rc = stmt.step()) == SQLITE_ROW) out[stmt.column_bytes(0)] = read_tool_row(stmt);
  if (rc != SQLITE_DONE) return sqlite_failure(handle(), rc, "cannot read trust_tools");
  return out;
}

Result<std::optional<ToolRow>> TrustStore::Impl::load_tool(const std::string& server,
                                                          const std::string& tool) {
  Result<Leased> leased = prepare(std::string(kToolColumns) + " AND tool = ?2");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  stmt.bind_text(2, tool);
  int rc = stmt.step();
  if (rc == SQLITE_DONE) return std::optional<ToolRow>();
  if (rc != SQLITE_ROW) return sqlite_failure(handle(), rc, "cannot read trust_tools");
  return std::optional<ToolRow>(read_tool_row(stmt));
}

Status TrustStore::Impl::upsert_tool(const std::string& server, const std::string& tool,
                                     const ToolRow& row, int64_t now) {
  Result<Leased> leased = prepare(
      "INSERT INTO trust_tools(server, tool, definition_hash, approved_hash, first_seen_us, changed_us, "
      "hash_version, definition_text, approved_text, review_id) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT(server, tool) DO UPDATE SET definition_hash = ?3, approved_hash = ?4, changed_us = ?5, "
      "hash_version = ?6, definition_text = ?7, approved_text = ?8, review_id = ?9");
  if (!leased) return leased.status();
  Statement& stmt = **leased;
  stmt.bind_text(1, server);
  stmt.bind_text(2, tool);
  stmt.bind_text(3, row.definition_hash);
  stmt.bind_text(4, row.approved_hash);
  stmt.bind_int(5, now);
  stmt.bind_int(6, row.hash_version);
  stmt.bind_text(7, row.definition_text);
  stmt.bind_text(8, row.approved_text);
  stmt.bind_int(9, row.review_id);
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

Result<ServerTrust> TrustStore::ensure_server(const std::string& server, TrustLevel level,
                                              std::optional<int> base_points) {
  if (server.empty()) return Status::invalid_argument("a server name must not be empty");
  int64_t now = now_us();
  ServerTrust out;
  Status done = impl_->transaction([&]() -> Status {
    Result<ServerRow> row = impl_->load_or_create(server, level, now);
    if (!row) return row.status();
    mark_seen(*row, now);
    row->view.level = level;
    row->view.base_milli = clamp_score_milli(base_points.value_or(base_score(level)) * kMilliPerPoint);
    if (row->view.events == 0 && row->view.score_milli != row->view.base_milli) {
      row->view.score_milli = row->view.base_milli;  // nothing happened yet: start from the base
    }
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

// A definition never seen under this name: accepted on first use, unless it
// is the definition of a tool that is no longer listed (a rename).
Status TrustStore::Impl::observe_new_tool(const ToolDefinition& tool, CatalogVisit& visit) {
  std::string hash = definition_hash(tool);
  visit.report.added.push_back(tool.name);
  for (const auto& [name, old] : *visit.stored) {
    bool listed = std::find(visit.report.listed.begin(), visit.report.listed.end(), name) != visit.report.listed.end();
    bool same = old.hash_version == 1 ? old.definition_hash == definition_hash_v1(tool) : old.definition_hash == hash;
    if (listed || !same) continue;
    ToolRow row{hash, "", kFingerprintVersion, definition_text(tool), old.approved_text, 0};
    visit.report.unapproved.push_back(tool.name);
    return record_change(tool, hash, row, visit,
                         "tool '" + tool.name + "' is tool '" + name + "' renamed, with an identical definition "
                         "(a renamed tool escapes what was approved or ruled for its old name)");
  }
  ToolRow row{hash, hash, kFingerprintVersion, definition_text(tool), definition_text(tool), 0};
  return upsert_tool(visit.server.view.server, tool.name, row, visit.now);
}

// A row fingerprinted before version 2 whose version-1 fingerprint still
// matches: the same definition, re-fingerprinted without a change.
Status TrustStore::Impl::upgrade_v1_row(const ToolDefinition& tool, ToolRow& row, CatalogVisit& visit) {
  std::string hash = definition_hash(tool);
  bool was_approved = row.approved();
  row.definition_hash = hash;
  row.approved_hash = was_approved ? hash : row.approved_hash;
  row.hash_version = kFingerprintVersion;
  row.definition_text = definition_text(tool);
  if (was_approved) row.approved_text = row.definition_text;
  if (!was_approved) visit.report.unapproved.push_back(tool.name);
  return upsert_tool(visit.server.view.server, tool.name, row, visit.now);
}

Status TrustStore::Impl::observe_tool(const ToolDefinition& tool, const ToolRow* stored,
                                      CatalogVisit& visit) {
  if (stored == nullptr) return observe_new_tool(tool, visit);
  ToolRow row = *stored;
  if (row.hash_version == 1 && row.definition_hash == definition_hash_v1(tool)) return upgrade_v1_row(tool, row, visit);
  std::string hash = definition_hash(tool);
  bool changed = row.hash_version == 1 || row.definition_hash != hash;
  std::string text = definition_text(tool);
  if (!changed) {
    if (!row.approved()) visit.report.unapproved.push_back(tool.name);
    if (!row.definition_text.empty()) return Status::ok();
    row.definition_text = text;  // a row from before definitions were kept
    if (row.approved()) row.approved_text = text;
    return upsert_tool(visit.server.view.server, tool.name, row, visit.now);
  }
  row.definition_hash = hash;
  row.hash_version = kFingerprintVersion;
  row.definition_text = text;
  row.review_id = 0;
  if (!row.approved()) visit.report.unapproved.push_back(tool.name);
  return record_change(tool, hash, row, visit, {});
}

// Stores the changed row and its catalog_changed event: full weight, or
// filed under the open upgrade review with no weight of its own — unless
// the new definition hides instructions, which no upgrade excuses.
Status TrustStore::Impl::record_change(const ToolDefinition& tool, const std::string& hash, ToolRow& row,
                                       CatalogVisit& visit, const std::string& why) {
  visit.report.changed.push_back(tool.name);
  std::optional<std::string> hidden = hidden_instructions(tool);
  std::string reason = changed_reason(tool.name, hash, why);
  std::optional<int64_t> delta;
  if (visit.review && !hidden) {
    delta = 0;
    row.review_id = visit.review->id;
    visit.report.review_id = visit.review->id;
    reason = "filed under upgrade review #" + std::to_string(visit.review->id) + " (what runs changed): " + reason;
  } else if (hidden) {
    reason = "it adds " + *hidden + ", so no upgrade review excuses it: " + reason;
    if (visit.review && visit.review->hostile.empty()) {
      visit.review->hostile = "tool '" + tool.name + "' gained " + *hidden;
      Status marked = save_review(*visit.review);
      if (!marked.is_ok()) return marked;
    }
  }
  Status saved = upsert_tool(visit.server.view.server, tool.name, row, visit.now);
  if (!saved.is_ok()) return saved;
  TrustEvent event = advance(visit.server, EventKind::kCatalogChanged, visit.now, options.weights, delta);
  event.tool = tool.name;
  event.reason = reason;
  Status inserted = insert_event(event);
  if (inserted.is_ok()) visit.report.events.push_back(std::move(event));
  return inserted;
}

Status TrustStore::Impl::observe_all(const std::map<std::string, const ToolDefinition*>& listed,
                                     CatalogVisit& visit) {
  Result<std::map<std::string, ToolRow>> stored = load_tools(visit.server.view.server);
  if (!stored) return stored.status();
  Result<std::optional<ReviewRow>> review = load_open_review(visit.server.view.server);
  if (!review) return review.status();
  visit.stored = &*stored;
  visit.review = std::move(*review);
  for (const auto& [name, tool] : listed) visit.report.listed.push_back(name);
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
    CatalogVisit visit{*row, report, now, nullptr, std::nullopt};
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
  fingerprint.approved_text = fingerprint.definition_text;
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
