#include "mcp_warden/approval/grant_store.h"

#include <array>

#include <sqlite3.h>

#include "mcp_warden/approval/grant_code.h"
#include "mcp_warden/approval/process_identity.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/sqlite.h"

namespace mcp_warden::approval {

namespace fs = std::filesystem;
using audit::sqlite::Statement;

namespace {

constexpr int kBusyWaitMs = 2000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS approval_grants (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  state TEXT NOT NULL,
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  policy TEXT NOT NULL,
  rule TEXT NOT NULL,
  session_id TEXT NOT NULL,
  call_digest TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  expires_us INTEGER NOT NULL,
  granted_by TEXT NOT NULL,
  note TEXT NOT NULL,
  owner_pid INTEGER NOT NULL DEFAULT 0,
  owner_start TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX IF NOT EXISTS approval_grants_by_call ON approval_grants(server, call_digest);
CREATE INDEX IF NOT EXISTS approval_grants_by_code ON approval_grants(code_hash);
)sql";

// A table made before session grants named their proxy gains the columns.
constexpr std::array<const char*, 2> kOwnerColumns = {
    "ALTER TABLE approval_grants ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE approval_grants ADD COLUMN owner_start TEXT NOT NULL DEFAULT ''"};

constexpr const char* kColumns =
    "id, scope, state, server, tool, policy, rule, session_id, call_digest, created_us, expires_us, granted_by, note, "
    "owner_pid, owner_start";

constexpr std::array<std::string_view, 3> kScopeNames = {"once", "session", "always"};
constexpr std::array<std::string_view, 5> kStateNames = {"offered", "granted", "used", "revoked", "ended"};

template <typename Enum, std::size_t N>
Enum parse_name(const std::array<std::string_view, N>& names, const std::string& text, Enum fallback) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return fallback;
}

std::string with_columns(const std::string& sql) {
  std::string out = sql;
  out.replace(out.find("<COLUMNS>"), 9, kColumns);
  return out;
}

Grant read_grant(const Statement& row) {
  Grant g;
  g.id = row.column_bytes(0);
  g.scope = parse_name(kScopeNames, row.column_bytes(1), GrantScope::kOnce);
  g.state = parse_name(kStateNames, row.column_bytes(2), GrantState::kRevoked);  // unknown: in force nowhere
  g.server = row.column_bytes(3);
  g.tool = row.column_bytes(4);
  g.policy = row.column_bytes(5);
  g.rule = row.column_bytes(6);
  g.session_id = row.column_bytes(7);
  g.call_digest = row.column_bytes(8);
  g.created_us = row.column_int(9);
  g.expires_us = row.column_int(10);
  g.granted_by = row.column_bytes(11);
  g.note = row.column_bytes(12);
  g.owner.pid = row.column_int(13);
  g.owner.start = row.column_bytes(14);
  return g;
}

}  // namespace

struct GrantStoreImpl {
  audit::sqlite::Database db;
  const Clock* clock = nullptr;

  sqlite3* handle() const { return db.get(); }

  Result<Statement> prepare(const std::string& sql) { return Statement::prepare(handle(), sql); }

  // Runs `stmt` (bound) and reads every row it returns.
  Result<std::vector<Grant>> rows(Statement& stmt, std::string_view what) {
    std::vector<Grant> out;
    for (;;) {
      int rc = stmt.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Status failed = audit::sqlite::to_status(handle(), rc, what);
        stmt.reset();
        return failed;
      }
      out.push_back(read_grant(stmt));
    }
    stmt.reset();
    return out;
  }

  Result<std::optional<Grant>> first(Statement& stmt, std::string_view what) {
    auto all = rows(stmt, what);
    if (!all) return all.status();
    if (all->empty()) return std::optional<Grant>();
    return std::optional<Grant>(std::move(all->front()));
  }

  Result<Grant> insert(const Grant& g, std::string_view code_hash) {
    auto stmt = prepare(with_columns(
        "INSERT INTO approval_grants(<COLUMNS>, code_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "?13, ?14, ?15, ?16)"));
    if (!stmt) return stmt.status();
    const std::array<std::string_view, 9> texts = {g.id, scope_name(g.scope), state_name(g.state), g.server, g.tool,
                                                   g.policy, g.rule, g.session_id, g.call_digest};
    for (std::size_t i = 0; i < texts.size(); ++i) stmt->bind_text(static_cast<int>(i) + 1, texts[i]);
    stmt->bind_int(10, g.created_us);
    stmt->bind_int(11, g.expires_us);
    stmt->bind_text(12, g.granted_by);
    stmt->bind_text(13, g.note);
    stmt->bind_int(14, g.owner.pid);
    stmt->bind_text(15, g.owner.start);
    stmt->bind_text(16, code_hash);
    Status done = stmt->run("cannot record the grant");
    if (!done) return done;
    return g;
  }

  Status add_owner_columns() {
    auto probe = prepare("SELECT owner_pid FROM approval_grants LIMIT 0");
    if (probe) return Status::ok();
    for (const char* sql : kOwnerColumns) {
      Status added = audit::sqlite::exec(handle(), sql);
      if (!added) return added;
    }
    return Status::ok();
  }

  // Session grants whose proxy no longer runs (it exited without ending
  // them: SIGKILL, a crash, a power loss) are ended.
  Status end_orphaned_sessions() {
    auto stmt = prepare(with_columns("SELECT <COLUMNS> FROM approval_grants WHERE scope = 'session' AND state = 'granted'"));
    if (!stmt) return stmt.status();
    auto live = rows(*stmt, "cannot read the session grants");
    if (!live) return live.status();
    for (const Grant& g : *live) {
      if (process_alive(g.owner)) continue;
      auto end = prepare("UPDATE approval_grants SET state = 'ended' WHERE id = ?1 AND state = 'granted'");
      if (!end) return end.status();
      end->bind_text(1, g.id);
      Status ended = end->run("cannot end an orphaned session grant");
      if (!ended) return ended;
    }
    return Status::ok();
  }

  Result<Grant> fresh(GrantScope scope, GrantState state, const CallKey& call) {
    auto id = new_grant_id();
    if (!id) return id.status();
    Grant g;
    g.id = *id;
    g.scope = scope;
    g.state = state;
    g.server = call.server;
    g.tool = call.tool;
    g.policy = call.policy;
    g.rule = call.rule;
    g.session_id = call.session_id;
    g.call_digest = call.digest;
    g.created_us = clock->now_unix_micros();
    return g;
  }
};

std::string_view scope_name(GrantScope scope) { return kScopeNames.at(static_cast<std::size_t>(scope)); }
std::string_view state_name(GrantState state) { return kStateNames.at(static_cast<std::size_t>(state)); }

GrantStore::GrantStore(Token, std::unique_ptr<GrantStoreImpl> impl) : impl_(std::move(impl)) {}
GrantStore::~GrantStore() = default;

Result<std::unique_ptr<GrantStore>> GrantStore::open(const fs::path& path, const Clock& clock) {
  if (path.empty()) return Status::invalid_argument("no database path given");
  if (!path.parent_path().empty()) {
    Status dir = audit::ensure_private_dir(path.parent_path());
    if (!dir) return dir;
  }
  Status file = audit::create_private_file(path);  // SQLite would create it 0644
  if (!file) return file;
  auto db = audit::sqlite::open_database(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!db) return db.status();
  audit::sqlite::set_busy_wait(db->get(), kBusyWaitMs);
  auto impl = std::make_unique<GrantStoreImpl>();
  impl->db = std::move(*db);
  impl->clock = &clock;
  Status wal = audit::sqlite::exec(impl->handle(), "PRAGMA journal_mode=WAL");
  if (wal) wal = audit::sqlite::exec(impl->handle(), "PRAGMA synchronous=NORMAL");
  if (wal) wal = audit::sqlite::exec(impl->handle(), kSchema);
  if (wal) wal = impl->add_owner_columns();
  if (!wal) return wal;
  return std::make_unique<GrantStore>(Token{}, std::move(impl));
}

Result<CodeOffer> GrantStore::offer_code(const CallKey& call, int64_t ttl_us) {
  auto code = new_grant_code();
  if (!code) return code.status();
  auto grant = impl_->fresh(GrantScope::kOnce, GrantState::kOffered, call);
  if (!grant) return grant.status();
  grant->expires_us = grant->created_us + ttl_us;
  auto stored = impl_->insert(*grant, grant_code_hash(*parse_grant_code(*code)));
  if (!stored) return stored.status();
  return CodeOffer{std::move(*stored), std::move(*code)};
}

Result<Grant> GrantStore::confirm_code(std::string_view code) {
  std::optional<std::string> canonical = parse_grant_code(code);
  if (!canonical) return Status::invalid_argument("not a grant code (10 letters and digits, e.g. 7QK2M-XW4RD)");
  auto stmt = impl_->prepare(with_columns(
      "UPDATE approval_grants SET state = 'granted', granted_by = 'cli' WHERE code_hash = ?1 AND scope = 'once' AND "
      "state = 'offered' AND expires_us > ?2 RETURNING <COLUMNS>"));
  if (!stmt) return stmt.status();
  stmt->bind_text(1, grant_code_hash(*canonical));
  stmt->bind_int(2, impl_->clock->now_unix_micros());
  auto found = impl_->first(*stmt, "cannot confirm the grant");
  if (!found) return found.status();
  if (!*found) return Status::not_found("no open grant has this code (it may have expired, been used or revoked)");
  return std::move(**found);
}

Result<std::optional<Grant>> GrantStore::redeem_once(std::string_view server, std::string_view digest) {
  auto stmt = impl_->prepare(with_columns(
      "UPDATE approval_grants SET state = 'used' WHERE id = (SELECT id FROM approval_grants WHERE server = ?1 AND "
      "call_digest = ?2 AND scope = 'once' AND state = 'granted' AND expires_us > ?3 ORDER BY created_us LIMIT 1) "
      "RETURNING <COLUMNS>"));
  if (!stmt) return stmt.status();
  stmt->bind_text(1, server);
  stmt->bind_text(2, digest);
  stmt->bind_int(3, impl_->clock->now_unix_micros());
  return impl_->first(*stmt, "cannot use the grant");
}

Result<Grant> GrantStore::add_session(const CallKey& call) {
  auto grant = impl_->fresh(GrantScope::kSession, GrantState::kGranted, call);
  if (!grant) return grant.status();
  grant->call_digest.clear();  // covers the rule's scope, not one call
  grant->granted_by = "elicitation";
  grant->owner = this_process();
  return impl_->insert(*grant, "");
}

Result<Grant> GrantStore::add_always(std::string_view server, std::string_view tool, int64_t expires_us,
                                     std::string_view note) {
  if (expires_us <= impl_->clock->now_unix_micros()) return Status::invalid_argument("the expiry is not in the future");
  CallKey call;
  call.server = std::string(server);
  call.tool = std::string(tool);
  auto grant = impl_->fresh(GrantScope::kAlways, GrantState::kGranted, call);
  if (!grant) return grant.status();
  grant->expires_us = expires_us;
  grant->granted_by = "cli";
  grant->note = std::string(note);
  return impl_->insert(*grant, "");
}

Result<std::optional<Grant>> GrantStore::standing_for(const CallKey& call) {
  auto stmt = impl_->prepare(with_columns(
      "SELECT <COLUMNS> FROM approval_grants WHERE state = 'granted' AND server = ?1 AND tool = ?2 AND "
      "((scope = 'session' AND session_id = ?3 AND policy = ?4 AND rule = ?5 AND owner_pid = ?7 AND owner_start = ?8) "
      "OR (scope = 'always' AND expires_us > ?6)) ORDER BY scope = 'session' DESC, created_us LIMIT 1"));
  if (!stmt) return stmt.status();
  stmt->bind_text(1, call.server);
  stmt->bind_text(2, call.tool);
  stmt->bind_text(3, call.session_id);
  stmt->bind_text(4, call.policy);
  stmt->bind_text(5, call.rule);
  stmt->bind_int(6, impl_->clock->now_unix_micros());
  const ProcessIdentity self = this_process();  // only this proxy's own session grants
  stmt->bind_int(7, self.pid);
  stmt->bind_text(8, self.start);
  return impl_->first(*stmt, "cannot read the grants");
}

Result<std::vector<Grant>> GrantStore::list(bool everything) {
  Status swept = impl_->end_orphaned_sessions();
  if (!swept) return swept;
  auto stmt = impl_->prepare(with_columns(
      "SELECT <COLUMNS> FROM approval_grants WHERE ?1 OR (state IN ('offered', 'granted') AND (expires_us = 0 OR "
      "expires_us > ?2)) ORDER BY created_us"));
  if (!stmt) return stmt.status();
  stmt->bind_int(1, everything ? 1 : 0);
  stmt->bind_int(2, impl_->clock->now_unix_micros());
  return impl_->rows(*stmt, "cannot list the grants");
}

Result<Grant> GrantStore::revoke(std::string_view id) {
  auto stmt = impl_->prepare(with_columns(
      "UPDATE approval_grants SET state = 'revoked' WHERE id = ?1 AND state IN ('offered', 'granted') RETURNING "
      "<COLUMNS>"));
  if (!stmt) return stmt.status();
  stmt->bind_text(1, id);
  auto found = impl_->first(*stmt, "cannot revoke the grant");
  if (!found) return found.status();
  if (!*found) return Status::not_found("no grant in force has the id " + std::string(id));
  return std::move(**found);
}

Status GrantStore::end_session(std::string_view session_id) {
  auto stmt = impl_->prepare(
      "UPDATE approval_grants SET state = 'ended' WHERE scope = 'session' AND session_id = ?1 AND state = 'granted'");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, session_id);
  return stmt->run("cannot end the session's grants");
}

}  // namespace mcp_warden::approval
