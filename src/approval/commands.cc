#include "mcp_warden/approval/commands.h"

#include <iomanip>
#include <ostream>
#include <span>

#include <nlohmann/json.hpp>

#include "mcp_warden/approval/grant_store.h"
#include "mcp_warden/approval/receipt.h"
#include "mcp_warden/audit/export.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/store.h"

namespace mcp_warden::approval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kOk = 0;
constexpr int kNotFound = 1;
constexpr int kError = 2;
constexpr std::string_view kCliSession = "cli:approvals";
constexpr int64_t kMaxExpiryUs = 365LL * 86'400'000'000;

const Clock& clock_of(const CommandContext& ctx) { return ctx.clock != nullptr ? *ctx.clock : SystemClock::instance(); }

int report(const CommandContext& ctx, const Status& status) {
  *ctx.err << "mcp-warden: " << status.message() << "\n";
  return status.code() == ErrorCode::kNotFound ? kNotFound : kError;
}

Result<fs::path> db_of(const CommandContext& ctx) {
  if (!ctx.db_path.empty()) return ctx.db_path;
  return audit::default_db_path();
}

Result<std::unique_ptr<GrantStore>> open_store(const CommandContext& ctx, fs::path& db) {
  auto path = db_of(ctx);
  if (!path) return path.status();
  db = *path;
  return GrantStore::open(db, clock_of(ctx));
}

std::string time_text(int64_t us) { return us == 0 ? std::string("-") : audit::format_time_rfc3339(us); }

// The receipt of a change made here, appended to the audit chain.
int record(const CommandContext& ctx, const fs::path& db, const Grant& g, const char* answer) {
  Receipt r;
  r.kind = audit::EntryKind::kApproval;
  r.tool = g.tool;
  r.how = "cli";
  r.answer = answer;
  r.scope = std::string(scope_name(g.scope));
  r.call_digest = g.call_digest;
  r.policy = g.policy;
  r.rule = g.rule;
  r.grant_id = g.id;
  r.expires_us = g.expires_us;
  audit::NewEntry entry = r.to_entry();
  entry.time_us = clock_of(ctx).now_unix_micros();
  entry.session_id = std::string(kCliSession);
  entry.server = g.server;
  auto store = audit::AuditStore::open(db);
  if (!store) return report(ctx, store.status());
  Status appended = (*store)->append_batch(std::span<const audit::NewEntry>(&entry, 1)).status();
  return appended.is_ok() ? kOk : report(ctx, appended);
}

json grant_json(const Grant& g) {
  json out = {{"id", g.id},           {"scope", scope_name(g.scope)}, {"state", state_name(g.state)},
              {"server", g.server},   {"tool", g.tool},               {"policy", g.policy},
              {"rule", g.rule},       {"session", g.session_id},      {"created", time_text(g.created_us)},
              {"expires", time_text(g.expires_us)}, {"granted_by", g.granted_by}, {"note", g.note}};
  if (g.scope == GrantScope::kSession) out["proxy_pid"] = g.owner.pid;
  return out;
}

void print_table(std::ostream& out, const std::vector<Grant>& grants) {
  if (grants.empty()) {
    out << "no grants in force\n";
    return;
  }
  out << std::left << std::setw(16) << "ID" << std::setw(9) << "SCOPE" << std::setw(9) << "STATE" << std::setw(16)
      << "SERVER" << std::setw(20) << "TOOL" << std::setw(22) << "RULE" << "EXPIRES\n";
  for (const Grant& g : grants) {
    out << std::setw(16) << g.id << std::setw(9) << scope_name(g.scope) << std::setw(9) << state_name(g.state)
        << std::setw(16) << g.server << std::setw(20) << g.tool << std::setw(22) << (g.rule.empty() ? "-" : g.rule)
        << (g.scope == GrantScope::kSession ? std::string("end of session") : time_text(g.expires_us)) << "\n";
  }
}

}  // namespace

std::optional<int64_t> parse_duration_us(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  const int64_t scale = unit == 's' ? 1'000'000 : unit == 'm' ? 60'000'000 : unit == 'h' ? 3'600'000'000
                      : unit == 'd' ? 86'400'000'000 : 0;
  if (scale == 0) return std::nullopt;
  int64_t count = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9' || count > 1'000'000) return std::nullopt;
    count = count * 10 + (c - '0');
  }
  if (count == 0 || count * scale > kMaxExpiryUs) return std::nullopt;
  return count * scale;
}

int run_grant(const CommandContext& ctx, const std::string& code) {
  fs::path db;
  auto store = open_store(ctx, db);
  if (!store) return report(ctx, store.status());
  auto grant = (*store)->confirm_code(code);
  if (!grant) return report(ctx, grant.status());
  *ctx.out << "granted: the identical call of " << grant->tool << " on server " << grant->server
           << " may now pass once, until " << time_text(grant->expires_us) << " (grant " << grant->id << ")\n";
  return record(ctx, db, *grant, "granted");
}

int run_list(const CommandContext& ctx, bool everything, bool json_out) {
  fs::path db;
  auto store = open_store(ctx, db);
  if (!store) return report(ctx, store.status());
  auto grants = (*store)->list(everything);
  if (!grants) return report(ctx, grants.status());
  if (!json_out) {
    print_table(*ctx.out, *grants);
    return kOk;
  }
  json out = json::array();
  for (const Grant& g : *grants) out.push_back(grant_json(g));
  *ctx.out << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return kOk;
}

int run_revoke(const CommandContext& ctx, const std::string& id) {
  fs::path db;
  auto store = open_store(ctx, db);
  if (!store) return report(ctx, store.status());
  auto grant = (*store)->revoke(id);
  if (!grant) return report(ctx, grant.status());
  *ctx.out << "revoked " << grant->id << " (" << scope_name(grant->scope) << ", " << grant->server << " "
           << grant->tool << ")\n";
  return record(ctx, db, *grant, "revoked");
}

int run_add(const CommandContext& ctx, const std::string& server, const std::string& tool, const std::string& expires,
            const std::string& note) {
  std::optional<int64_t> duration = parse_duration_us(expires);
  if (!duration) return report(ctx, Status::invalid_argument("--expires wants a duration such as 30m, 24h or 7d (at most 365d)"));
  if (server.empty() || tool.empty()) return report(ctx, Status::invalid_argument("--server and --tool must not be empty"));
  fs::path db;
  auto store = open_store(ctx, db);
  if (!store) return report(ctx, store.status());
  auto grant = (*store)->add_always(server, tool, clock_of(ctx).now_unix_micros() + *duration, note);
  if (!grant) return report(ctx, grant.status());
  *ctx.out << "added " << grant->id << ": calls of " << tool << " on server " << server
           << " that the policy asks about pass without asking until " << time_text(grant->expires_us)
           << " (denied calls stay denied)\n";
  return record(ctx, db, *grant, "granted");
}

}  // namespace mcp_warden::approval
