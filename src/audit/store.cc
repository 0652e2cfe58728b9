#include "mcp_warden/audit/store.h"

#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

#include "mcp_warden/audit/home.h"
#include "sqlite_handle.h"
#include "wal_checkpointer.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;
using detail::Stmt;

constexpr const char* kFormatName = "mcp-warden.audit.v1";

// WAL size (frames, ~ pages) that asks for a background checkpoint: SQLite's
// own default threshold for its automatic one.
constexpr int kWalCheckpointFrames = 1000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
INSERT OR IGNORE INTO audit_meta(name, value) VALUES ('format', 'mcp-warden.audit.v1');
CREATE TABLE IF NOT EXISTS audit_entries (
  seq INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  request_id TEXT NOT NULL,
  decision TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  entry_hash BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  tree_size INTEGER NOT NULL,
  root BLOB NOT NULL,
  time_us INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  signature BLOB NOT NULL,
  frontier BLOB NOT NULL DEFAULT x''
) STRICT;
CREATE INDEX IF NOT EXISTS audit_checkpoints_by_size ON audit_checkpoints(tree_size);
)sql";

// Databases created before frontiers were recorded gain the column (empty
// for their old rows) the first time a writer opens them.
constexpr const char* kAddFrontierColumn =
    "ALTER TABLE audit_checkpoints ADD COLUMN frontier BLOB NOT NULL DEFAULT x'';"
    "CREATE INDEX IF NOT EXISTS audit_checkpoints_by_size ON audit_checkpoints(tree_size);";

constexpr const char* kHasFrontierColumn =
    "SELECT COUNT(*) FROM pragma_table_info('audit_checkpoints') WHERE name = 'frontier'";

constexpr const char* kInsertCheckpointSql =
    "INSERT INTO audit_checkpoints(tree_size, root, time_us, public_key, signature, frontier) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

constexpr const char* kEntryColumns =
    "seq, time_us, session_id, kind, server, tool, request_id, decision, payload, prev_hash, "
    "entry_hash";

constexpr const char* kInsertSql =
    "INSERT INTO audit_entries(seq, time_us, session_id, kind, server, tool, request_id, "
    "decision, payload, prev_hash, entry_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11)";

constexpr const char* kQueryWhere =
    " FROM audit_entries WHERE seq >= ?1 AND (?2 IS NULL OR tool = ?2) AND (?3 IS NULL OR "
    "decision = ?3) AND (?4 IS NULL OR session_id = ?4) AND (?5 IS NULL OR kind = ?5) AND (?6 IS "
    "NULL OR time_us >= ?6) ORDER BY seq LIMIT ?7";

std::string select_entries(const char* rest) {
  return std::string("SELECT ") + kEntryColumns + rest;
}

void bind_optional(Stmt& stmt, int index, const std::optional<std::string>& value) {
  if (value) stmt.bind_text(index, *value);
}

// Fills the plain columns of `entry` from the current row (kEntryColumns order).
void read_plain_columns(const Stmt& stmt, Entry& entry) {
  entry.seq = stmt.column_int(0);
  entry.time_us = stmt.column_int(1);
  entry.session_id = stmt.column_bytes(2);
  entry.kind = stmt.column_bytes(3);
  entry.server = stmt.column_bytes(4);
  entry.tool = stmt.column_bytes(5);
  entry.request_id = stmt.column_bytes(6);
  entry.decision = stmt.column_bytes(7);
  entry.payload = stmt.column_bytes(8);
}

// Reads one row; kCorruption naming the seq when a hash column is malformed.
Status read_entry_row(const Stmt& stmt, Entry& entry) {
  read_plain_columns(stmt, entry);
  if (!stmt.column_digest(9, entry.prev_hash) || !stmt.column_digest(10, entry.entry_hash)) {
    return Status::corruption("seq " + std::to_string(entry.seq) +
                              ": stored hash is not 32 bytes");
  }
  return Status::ok();
}

// Binds without copying: `entry` must outlive the statement's step().
void bind_entry(Stmt& stmt, const Entry& entry) {
  stmt.bind_int(1, entry.seq);
  stmt.bind_int(2, entry.time_us);
  stmt.bind_text_static(3, entry.session_id);
  stmt.bind_text_static(4, entry.kind);
  stmt.bind_text_static(5, entry.server);
  stmt.bind_text_static(6, entry.tool);
  stmt.bind_text_static(7, entry.request_id);
  stmt.bind_text_static(8, entry.decision);
  stmt.bind_text_static(9, entry.payload);
  stmt.bind_digest(10, entry.prev_hash);
  stmt.bind_digest(11, entry.entry_hash);
}

// "SELECT <checkpoint columns> FROM audit_checkpoints <rest>"; an old
// database without the frontier column reads as empty frontiers.
std::string select_checkpoints(bool has_frontier, const char* rest) {
  return std::string("SELECT tree_size, root, time_us, public_key, signature, ") +
         (has_frontier ? "frontier" : "x''") + " FROM audit_checkpoints " + rest;
}

// The frontier column: whole 32-byte peaks, largest first.
std::string frontier_bytes(const std::vector<Digest>& frontier) {
  std::string out;
  out.reserve(frontier.size() * 32);
  for (const Digest& peak : frontier) out.append(reinterpret_cast<const char*>(peak.data()), peak.size());
  return out;
}

bool parse_frontier(std::string_view bytes, std::vector<Digest>& out) {
  if (bytes.size() % 32 != 0) return false;
  out.resize(bytes.size() / 32);
  for (std::size_t i = 0; i < out.size(); ++i) std::memcpy(out[i].data(), bytes.data() + 32 * i, 32);
  return true;
}

// Reads a row of select_checkpoints(); kCorruption when root or frontier is malformed.
Result<Checkpoint> read_checkpoint_row(const Stmt& stmt) {
  Checkpoint checkpoint;
  checkpoint.tree_size = stmt.column_int(0);
  checkpoint.time_us = stmt.column_int(2);
  checkpoint.public_key = stmt.column_bytes(3);
  checkpoint.signature = stmt.column_bytes(4);
  std::string where = "checkpoint at tree size " + std::to_string(checkpoint.tree_size);
  if (!stmt.column_digest(1, checkpoint.root)) return Status::corruption(where + ": root is not 32 bytes");
  if (!parse_frontier(stmt.column_bytes(5), checkpoint.frontier)) {
    return Status::corruption(where + ": frontier is not a whole number of 32-byte hashes");
  }
  return checkpoint;
}

int64_t file_size_or_zero(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// What SQLite's WAL hook on the writer's connection needs.
struct WalHook {
  detail::WalCheckpointer* checkpointer = nullptr;
  int64_t requests = 0;
  int frames_at_last_request = 0;
};

// The WAL hook (replacing SQLite's automatic checkpoint): runs after each
// commit, on the committing thread, and only asks for a checkpoint.
int on_wal_commit(void* state, sqlite3*, const char*, int frames) {
  auto* hook = static_cast<WalHook*>(state);
  if (frames < kWalCheckpointFrames) return SQLITE_OK;
  // While the WAL cannot restart (another connection still reads it), it
  // stays long: ask again only after another threshold's worth of frames,
  // not after every commit (each checkpoint costs fsyncs).
  bool restarted = frames < hook->frames_at_last_request;
  if (!restarted && hook->frames_at_last_request != 0 &&
      frames - hook->frames_at_last_request < kWalCheckpointFrames) {
    return SQLITE_OK;
  }
  hook->frames_at_last_request = frames;
  ++hook->requests;
  hook->checkpointer->request();
  return SQLITE_OK;
}

}  // namespace

struct AuditStore::Impl {
  detail::DbPtr db;
  StoreOptions options;
  // Prepared once: a commit parses no SQL.
  Stmt begin;
  Stmt commit;
  Stmt rollback;
  Stmt savepoint;
  Stmt release;
  Stmt rollback_to;
  Stmt insert;
  Stmt last;
  Stmt data_version;
  Stmt read_one;
  Stmt latest_checkpoint;
  Stmt insert_checkpoint;
  bool has_frontier = false;
  int64_t hashes_read = 0;
  WalHook wal_hook;
  Entry scratch;  // reused by appends, so sealing allocates nothing once warm
  // Declared last: stopped (and its connection closed) before `db` closes.
  std::unique_ptr<detail::WalCheckpointer> checkpointer;

  ~Impl() {
    if (db) sqlite3_wal_hook(handle(), nullptr, nullptr);
  }

  sqlite3* handle() const { return db.get(); }
  Status fail(int rc, std::string_view what) const {
    return detail::sqlite_status(handle(), rc, what);
  }
  void rollback_if_open() {
    if (sqlite3_get_autocommit(handle()) == 0) (void)rollback.run("ROLLBACK");
  }
  Status begin_immediate();
  Result<bool> has_schema();
  Result<bool> has_frontier_column();
  Status add_frontier_column();
  Status configure();
  Status check_format();
  Status prepare_transactions();
  Status prepare();
  Status start_background_checkpoints(const fs::path& path);
};

// Without a second connection SQLite's automatic checkpoint stays on: slower
// commits now and then, nothing lost.
Status AuditStore::Impl::start_background_checkpoints(const fs::path& path) {
  Result<std::unique_ptr<detail::WalCheckpointer>> started = detail::WalCheckpointer::start(path);
  if (!started) {
    spdlog::warn("audit: WAL checkpoints stay on the commit path: {}", started.status().to_string());
    return Status::ok();
  }
  checkpointer = std::move(*started);
  wal_hook.checkpointer = checkpointer.get();
  sqlite3_wal_hook(handle(), on_wal_commit, &wal_hook);
  return Status::ok();
}

Status AuditStore::Impl::begin_immediate() {
  for (int attempt = 1;; ++attempt) {
    Status begun = begin.run("BEGIN IMMEDIATE");
    if (begun.is_ok() || begun.code() != ErrorCode::kBusy) return begun;
    if (attempt >= options.max_attempts) {
      return Status::busy("audit database is locked by another writer after " +
                          std::to_string(attempt) + " attempts of " +
                          std::to_string(options.busy_timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
  }
}

Result<bool> AuditStore::Impl::has_schema() {
  Result<Stmt> stmt = Stmt::prepare(
      handle(), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_meta'");
  if (!stmt) return stmt.status();
  int rc = stmt->step();
  if (rc != SQLITE_ROW) return fail(rc, "cannot read the schema");
  return stmt->column_int(0) > 0;
}

Result<bool> AuditStore::Impl::has_frontier_column() {
  Result<Stmt> stmt = Stmt::prepare(handle(), kHasFrontierColumn);
  if (!stmt) return stmt.status();
  int rc = stmt->step();
  if (rc != SQLITE_ROW) return fail(rc, "cannot read the checkpoint table's columns");
  return stmt->column_int(0) > 0;
}

// Inside a write transaction, so two processes upgrading at once add it once.
Status AuditStore::Impl::add_frontier_column() {
  Result<bool> present = has_frontier_column();
  if (!present) return present.status();
  if (*present) return Status::ok();
  return detail::exec(handle(), kAddFrontierColumn);
}

Status AuditStore::Impl::configure() {
  sqlite::set_busy_wait(handle(), options.busy_timeout_ms);
  if (options.read_only) return Status::ok();
  Status wal = detail::exec(handle(), "PRAGMA journal_mode=WAL");
  if (!wal.is_ok()) return wal;
  const char* sync = options.sync == SyncMode::kFull ? "PRAGMA synchronous=FULL"
                                                     : "PRAGMA synchronous=NORMAL";
  Status synced = detail::exec(handle(), sync);
  if (!synced.is_ok()) return synced;
  // Appends touch the rightmost pages of a few tables: a small page cache
  // holds them (SQLite's default of 2 MB per connection mostly adds RSS).
  Status cached = detail::exec(handle(), "PRAGMA cache_size=-512");
  if (!cached.is_ok()) return cached;
  // Keep the WAL file between sessions (emptied when the last connection
  // closes): a session's first commit then neither creates a file nor
  // fsyncs the directory.
  int persist = 1;
  sqlite3_file_control(handle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  Status limited = detail::exec(handle(), "PRAGMA journal_size_limit=0");
  if (!limited.is_ok() || options.max_page_count <= 0) return limited;
  std::string cap = "PRAGMA max_page_count=" + std::to_string(options.max_page_count);
  return detail::exec(handle(), cap.c_str());
}

Status AuditStore::Impl::check_format() {
  Result<Stmt> stmt = Stmt::prepare(handle(), "SELECT value FROM audit_meta WHERE name='format'");
  if (!stmt) return Status::corruption("not an mcp-warden audit database: " + stmt.status().message());
  int rc = stmt->step();
  if (rc != SQLITE_ROW) {
    return rc == SQLITE_DONE ? Status::corruption("audit database has no format marker")
                             : fail(rc, "cannot read the audit format");
  }
  if (stmt->column_bytes(0) != kFormatName) {
    return Status::corruption("unsupported audit format " + stmt->column_bytes(0));
  }
  return Status::ok();
}

// Prepares `sql` into `out`.
Status prepare_into(sqlite3* db, std::string_view sql, Stmt& out) {
  Result<Stmt> stmt = Stmt::prepare(db, sql);
  if (!stmt) return stmt.status();
  out = std::move(*stmt);
  return Status::ok();
}

Status AuditStore::Impl::prepare_transactions() {
  Status done = prepare_into(handle(), "BEGIN IMMEDIATE", begin);
  if (done.is_ok()) done = prepare_into(handle(), "COMMIT", commit);
  if (done.is_ok()) done = prepare_into(handle(), "ROLLBACK", rollback);
  if (done.is_ok()) done = prepare_into(handle(), "SAVEPOINT mw_step", savepoint);
  if (done.is_ok()) done = prepare_into(handle(), "RELEASE mw_step", release);
  if (done.is_ok()) done = prepare_into(handle(), "ROLLBACK TO mw_step", rollback_to);
  if (done.is_ok()) done = prepare_into(handle(), "PRAGMA data_version", data_version);
  return done;
}

// After the schema exists (and, for a writer, has the frontier column).
Status AuditStore::Impl::prepare() {
  Result<bool> frontier = has_frontier_column();
  if (!frontier) return frontier.status();
  has_frontier = *frontier;
  Status done = prepare_into(handle(), kInsertSql, insert);
  if (done.is_ok()) {
    done = prepare_into(handle(), "SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1", last);
  }
  if (done.is_ok()) done = prepare_into(handle(), select_entries(" FROM audit_entries WHERE seq = ?1"), read_one);
  if (done.is_ok()) {
    done = prepare_into(handle(), select_checkpoints(has_frontier, "ORDER BY tree_size DESC, rowid DESC LIMIT 1"),
                        latest_checkpoint);
  }
  if (done.is_ok() && has_frontier) done = prepare_into(handle(), kInsertCheckpointSql, insert_checkpoint);
  return done;
}

AuditStore::AuditStore(Token, fs::path path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

AuditStore::~AuditStore() = default;

Result<std::unique_ptr<AuditStore>> AuditStore::open(const fs::path& path,
                                                     const StoreOptions& options) {
  std::error_code ec;
  if (options.read_only && !fs::exists(path, ec)) {
    return Status::not_found("no audit database at " + path.string());
  }
  if (!options.read_only && !path.parent_path().empty()) {
    Status dir = ensure_private_dir(path.parent_path());
    if (!dir.is_ok()) return dir;
  }
  if (!options.read_only) {
    Status file = create_private_file(path);  // SQLite would create it 0644, and its -wal and -shm alike
    if (!file.is_ok()) return file;
  }
  int flags = (options.read_only ? SQLITE_OPEN_READONLY
                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  Result<detail::DbPtr> db = detail::open_db(path, flags);
  if (!db) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->options = options;
  auto store = std::make_unique<AuditStore>(Token{}, path, std::move(impl));
  Status ready = store->impl_->configure();
  if (ready.is_ok()) ready = store->impl_->prepare_transactions();
  if (ready.is_ok() && !options.read_only) ready = store->create_schema_if_missing();
  if (ready.is_ok()) ready = store->impl_->check_format();
  if (ready.is_ok()) ready = store->impl_->prepare();
  if (ready.is_ok() && !options.read_only && options.background_wal_checkpoint) {
    ready = store->impl_->start_background_checkpoints(path);
  }
  if (!ready.is_ok()) return ready;
  return store;
}

Status AuditStore::create_schema_if_missing() {
  Result<bool> present = impl_->has_schema();
  if (!present) return present.status();
  if (!*present) return write_transaction([&] { return detail::exec(impl_->handle(), kSchema); });
  Result<bool> upgraded = impl_->has_frontier_column();
  if (!upgraded) return upgraded.status();
  if (*upgraded) return Status::ok();
  return write_transaction([&] { return impl_->add_frontier_column(); });
}

Status AuditStore::write_transaction(const std::function<Status()>& body) {
  Status begun = impl_->begin_immediate();
  if (!begun.is_ok()) return begun;
  Status done = body();
  if (done.is_ok()) {
    done = impl_->commit.run("cannot commit the audit transaction");
    if (done.is_ok()) return done;
  }
  impl_->rollback_if_open();
  return done;
}

Status AuditStore::Appender::load_tail() {
  Stmt& last = store_.impl_->last;
  int rc = last.step();
  seq_ = 0;
  prev_ = kZeroDigest;
  appended_.clear();
  if (rc == SQLITE_ROW) {
    seq_ = last.column_int(0);
    first_seq_ = seq_ + 1;
    bool ok = last.column_digest(1, prev_);
    last.reset();
    if (!ok) return Status::corruption("tail entry " + std::to_string(seq_) + " has a malformed hash");
    return Status::ok();
  }
  first_seq_ = 1;
  last.reset();
  return rc == SQLITE_DONE ? Status::ok() : store_.impl_->fail(rc, "cannot read the audit tail");
}

Result<int64_t> AuditStore::Appender::append(const NewEntry& fresh) {
  Impl& impl = *store_.impl_;
  Entry& entry = impl.scratch;
  seal_entry_into(fresh, seq_ + 1, prev_, entry);
  bind_entry(impl.insert, entry);
  int rc = impl.insert.step();
  impl.insert.reset();
  if (rc != SQLITE_DONE) return impl.fail(rc, "cannot append audit entry");
  prev_ = entry.entry_hash;
  appended_.push_back(entry.entry_hash);
  return ++seq_;
}

Status AuditStore::Appender::isolated(const std::function<Status(Appender&)>& body) {
  Impl& impl = *store_.impl_;
  Status opened = impl.savepoint.run("cannot open a savepoint");
  if (!opened.is_ok()) return opened;
  int64_t seq = seq_;
  Digest prev = prev_;
  std::size_t appended = appended_.size();
  Status done = body(*this);
  if (done.is_ok()) done = impl.release.run("cannot release a savepoint");
  if (done.is_ok()) return done;
  (void)impl.rollback_to.run("cannot roll back to a savepoint");
  (void)impl.release.run("cannot release a savepoint");
  seq_ = seq;
  prev_ = prev;
  appended_.resize(appended);
  return done;
}

sqlite3* AuditStore::Appender::connection() const { return store_.impl_->handle(); }

sqlite3* AuditStore::connection() const { return impl_->handle(); }

Status AuditStore::append_transaction(const std::function<Status(Appender&)>& body) {
  Appender appender(*this);
  return write_transaction([&] {
    Status tail = appender.load_tail();
    return tail.is_ok() ? body(appender) : tail;
  });
}

Result<int64_t> AuditStore::append_batch(std::span<const NewEntry> entries) {
  int64_t first_seq = 0;
  Status done = append_transaction([&](Appender& appender) {
    for (const NewEntry& fresh : entries) {
      Result<int64_t> seq = appender.append(fresh);
      if (!seq) return seq.status();
      if (first_seq == 0) first_seq = *seq;
    }
    return Status::ok();
  });
  if (!done.is_ok()) return done;
  return first_seq;
}

Result<int64_t> AuditStore::last_seq() {
  Stmt& last = impl_->last;
  int rc = last.step();
  int64_t seq = rc == SQLITE_ROW ? last.column_int(0) : 0;
  last.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return impl_->fail(rc, "cannot read the audit tail");
  return seq;
}

Result<Entry> AuditStore::read_entry(int64_t seq) {
  Stmt& stmt = impl_->read_one;
  stmt.bind_int(1, seq);
  Entry entry;
  int rc = stmt.step();
  Status read = rc == SQLITE_ROW ? read_entry_row(stmt, entry)
                : rc == SQLITE_DONE
                    ? Status::not_found("no audit entry with seq " + std::to_string(seq))
                    : impl_->fail(rc, "cannot read audit entry");
  stmt.reset();
  if (!read.is_ok()) return read;
  return entry;
}

Status AuditStore::scan(int64_t from_seq, const std::function<bool(const Entry&)>& visit,
                        int64_t* bad_seq) {
  Result<Stmt> stmt =
      Stmt::prepare(impl_->handle(), select_entries(" FROM audit_entries WHERE seq >= ?1 ORDER BY seq"));
  if (!stmt) return stmt.status();
  stmt->bind_int(1, from_seq);
  Entry entry;
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    Status read = read_entry_row(*stmt, entry);
    if (!read.is_ok()) {
      if (bad_seq != nullptr) *bad_seq = entry.seq;
      return read;
    }
    if (!visit(entry)) return Status::ok();
  }
  return rc == SQLITE_DONE ? Status::ok() : impl_->fail(rc, "cannot read audit entries");
}

Status AuditStore::scan_hashes(int64_t from_seq, int64_t to_seq,
                               const std::function<void(const Digest&)>& visit) {
  Result<Stmt> stmt = Stmt::prepare(
      impl_->handle(), "SELECT seq, entry_hash FROM audit_entries WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq");
  if (!stmt) return stmt.status();
  stmt->bind_int(1, from_seq);
  stmt->bind_int(2, to_seq);
  int64_t expected = from_seq;
  Digest hash{};
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    if (stmt->column_int(0) != expected || !stmt->column_digest(1, hash)) {
      return Status::corruption("audit entry " + std::to_string(expected) + " is missing or malformed");
    }
    visit(hash);
    ++expected;
    ++impl_->hashes_read;
  }
  if (rc != SQLITE_DONE) return impl_->fail(rc, "cannot read audit hashes");
  if (expected != to_seq + 1) return Status::corruption("audit entries end before seq " + std::to_string(to_seq));
  return Status::ok();
}

Status AuditStore::query(const EntryFilter& filter, const std::function<bool(const Entry&)>& visit) {
  Result<Stmt> stmt = Stmt::prepare(impl_->handle(), select_entries(kQueryWhere));
  if (!stmt) return stmt.status();
  stmt->bind_int(1, filter.from_seq);
  bind_optional(*stmt, 2, filter.tool);
  bind_optional(*stmt, 3, filter.decision);
  bind_optional(*stmt, 4, filter.session_id);
  bind_optional(*stmt, 5, filter.kind);
  if (filter.since_us) stmt->bind_int(6, *filter.since_us);
  stmt->bind_int(7, filter.limit.value_or(-1));
  Entry entry;
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    Status read = read_entry_row(*stmt, entry);
    if (!read.is_ok()) return read;
    if (!visit(entry)) return Status::ok();
  }
  return rc == SQLITE_DONE ? Status::ok() : impl_->fail(rc, "cannot query audit entries");
}

Status AuditStore::insert_checkpoint(const Checkpoint& checkpoint) {
  if (!impl_->has_frontier) return Status::failed_precondition("the audit database is open read-only");
  Stmt& stmt = impl_->insert_checkpoint;
  stmt.bind_int(1, checkpoint.tree_size);
  stmt.bind_digest(2, checkpoint.root);
  stmt.bind_int(3, checkpoint.time_us);
  stmt.bind_blob(4, checkpoint.public_key);
  stmt.bind_blob(5, checkpoint.signature);
  stmt.bind_blob(6, frontier_bytes(checkpoint.frontier));
  return stmt.run("cannot record checkpoint");
}

Result<std::optional<Checkpoint>> AuditStore::latest_checkpoint() {
  Stmt& stmt = impl_->latest_checkpoint;
  int rc = stmt.step();
  Result<std::optional<Checkpoint>> out = std::optional<Checkpoint>();
  if (rc == SQLITE_ROW) {
    Result<Checkpoint> row = read_checkpoint_row(stmt);
    out = row ? Result<std::optional<Checkpoint>>(std::optional<Checkpoint>(std::move(*row)))
              : Result<std::optional<Checkpoint>>(row.status());
  } else if (rc != SQLITE_DONE) {
    out = impl_->fail(rc, "cannot read the newest checkpoint");
  }
  stmt.reset();
  return out;
}

Result<int64_t> AuditStore::data_version() {
  Stmt& stmt = impl_->data_version;
  int rc = stmt.step();
  int64_t version = rc == SQLITE_ROW ? stmt.column_int(0) : 0;
  stmt.reset();
  if (rc != SQLITE_ROW) return impl_->fail(rc, "cannot read the database's data version");
  return version;
}

int64_t AuditStore::entry_hashes_read() const { return impl_->hashes_read; }

int64_t AuditStore::wal_checkpoint_requests() const { return impl_->wal_hook.requests; }

Result<std::vector<Checkpoint>> AuditStore::checkpoints() {
  Result<Stmt> stmt = Stmt::prepare(impl_->handle(), select_checkpoints(impl_->has_frontier, "ORDER BY tree_size, rowid"));
  if (!stmt) return stmt.status();
  std::vector<Checkpoint> out;
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    Result<Checkpoint> checkpoint = read_checkpoint_row(*stmt);
    if (!checkpoint) return checkpoint.status();
    out.push_back(std::move(*checkpoint));
  }
  if (rc != SQLITE_DONE) return impl_->fail(rc, "cannot read checkpoints");
  return out;
}

namespace {

// Runs a query whose rows are (text, count) and adds them to `out`.
Status count_groups(sqlite3* db, const char* sql, std::map<std::string, int64_t>& out) {
  Result<Stmt> stmt = Stmt::prepare(db, sql);
  if (!stmt) return stmt.status();
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) out[stmt->column_bytes(0)] = stmt->column_int(1);
  return rc == SQLITE_DONE ? Status::ok() : detail::sqlite_status(db, rc, sql);
}

Status read_totals(sqlite3* db, StoreStats& stats) {
  Result<Stmt> stmt = Stmt::prepare(
      db,
      "SELECT COUNT(*), COALESCE(MIN(time_us), 0), COALESCE(MAX(time_us), 0), COUNT(DISTINCT "
      "session_id), (SELECT COUNT(*) FROM audit_checkpoints) FROM audit_entries");
  if (!stmt) return stmt.status();
  int rc = stmt->step();
  if (rc != SQLITE_ROW) return detail::sqlite_status(db, rc, "cannot read audit totals");
  stats.entries = stmt->column_int(0);
  stats.first_time_us = stmt->column_int(1);
  stats.last_time_us = stmt->column_int(2);
  stats.sessions = stmt->column_int(3);
  stats.checkpoints = stmt->column_int(4);
  return Status::ok();
}

}  // namespace

Result<StoreStats> AuditStore::stats() {
  StoreStats stats;
  Status done = read_totals(impl_->handle(), stats);
  if (done.is_ok()) {
    done = count_groups(impl_->handle(), "SELECT kind, COUNT(*) FROM audit_entries GROUP BY kind",
                        stats.by_kind);
  }
  if (done.is_ok()) {
    done = count_groups(impl_->handle(),
                        "SELECT decision, COUNT(*) FROM audit_entries WHERE kind = 'tool_call' "
                        "GROUP BY decision",
                        stats.by_decision);
  }
  if (!done.is_ok()) return done;
  stats.file_bytes = file_size_or_zero(path_) + file_size_or_zero(path_.string() + "-wal");
  return stats;
}

}  // namespace mcp_warden::audit
