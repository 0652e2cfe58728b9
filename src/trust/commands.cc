#include "mcp_warden/trust/commands.h"

#include <cstdlib>
#include <iomanip>
#include <span>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/export.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/store.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitNotFound = 1;
constexpr int kExitError = 2;
// The audit session id of entries written by these commands.
constexpr std::string_view kCliSession = "cli:trust";

Result<fs::path> resolve_db(const CommandContext& ctx) {
  if (!ctx.db_path.empty()) return ctx.db_path;
  return audit::default_db_path();
}

bool db_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Prints `status` on err and maps it to an exit status.
int report(const CommandContext& ctx, const Status& status) {
  *ctx.err << "mcp-warden trust: " << status.message() << "\n";
  return status.code() == ErrorCode::kNotFound ? kExitNotFound : kExitError;
}

Result<std::unique_ptr<TrustStore>> open_store(const CommandContext& ctx, const fs::path& db) {
  TrustStoreOptions options;
  options.clock = ctx.clock;
  return TrustStore::open(db, options);
}

// "+1.5", "-20", "0": points with up to three decimals, trailing zeros dropped.
std::string format_points(int64_t milli) {
  std::string sign = milli > 0 ? "+" : milli < 0 ? "-" : "";
  int64_t magnitude = milli < 0 ? -milli : milli;
  std::string text = sign + std::to_string(magnitude / kMilliPerPoint);
  int64_t fraction = magnitude % kMilliPerPoint;
  if (fraction == 0) return text;
  std::ostringstream digits;
  digits << std::setw(3) << std::setfill('0') << fraction;
  std::string tail = digits.str();
  return text + "." + tail.substr(0, tail.find_last_not_of('0') + 1);
}

// Points as a JSON number (milli precision).
double points_value(int64_t milli) { return static_cast<double>(milli) / kMilliPerPoint; }

json server_json(const ServerTrust& s) {
  return json{{"server", s.server},           {"score", s.score()},
              {"tier", tier_name(s.tier())},   {"base", s.base()},
              {"level", trust_level_name(s.level)}, {"events", s.events},
              {"last_seen", audit::format_time_rfc3339(s.last_seen_us)}};
}

void print_server_table(std::ostream& out, const std::vector<ServerTrust>& servers) {
  out << std::left << std::setw(24) << "SERVER" << std::setw(7) << "SCORE" << std::setw(13)
      << "TIER" << std::setw(6) << "BASE" << std::setw(8) << "EVENTS" << "LAST SEEN\n";
  for (const ServerTrust& s : servers) {
    out << std::left << std::setw(24) << s.server << std::setw(7) << s.score() << std::setw(13)
        << tier_name(s.tier()) << std::setw(6) << s.base() << std::setw(8) << s.events
        << audit::format_time_rfc3339(s.last_seen_us) << "\n";
  }
}

void print_servers(const CommandContext& ctx, const std::vector<ServerTrust>& servers, bool as_json) {
  if (!as_json) return print_server_table(*ctx.out, servers);
  json array = json::array();
  for (const ServerTrust& s : servers) array.push_back(server_json(s));
  *ctx.out << array.dump(2) << "\n";
}

Result<std::vector<ServerTrust>> servers_to_show(TrustStore& store,
                                                 const std::optional<std::string>& server) {
  if (!server) return store.list();
  Result<ServerTrust> one = store.get(*server);
  if (!one) return one.status();
  return std::vector<ServerTrust>{*one};
}

json event_json(const TrustEvent& e) {
  return json{{"id", e.id},
              {"time", audit::format_time_rfc3339(e.time_us)},
              {"event", event_kind_name(e.kind)},
              {"tool", e.tool},
              {"delta", points_value(e.delta_milli)},
              {"recovered", points_value(e.recovered_milli)},
              {"score_after", e.score_after()},
              {"tier_after", tier_name(e.tier_after())},
              {"reason", e.reason}};
}

void print_event_line(std::ostream& out, const TrustEvent& e) {
  out << audit::format_time_rfc3339(e.time_us) << "  " << std::left << std::setw(18)
      << event_kind_name(e.kind) << std::setw(9) << format_points(e.delta_milli) << "-> "
      << e.score_after() << " (" << tier_name(e.tier_after()) << ")";
  if (e.recovered_milli != 0) out << "  recovered " << format_points(e.recovered_milli);
  if (!e.tool.empty()) out << "  tool " << e.tool;
  if (!e.reason.empty()) out << "  " << e.reason;
  out << "\n";
}

// Records `event` in the audit chain of `db`. The trust change is already
// committed; a failure here is reported and turns the exit status to 2.
int audit_event(const CommandContext& ctx, const fs::path& db, const TrustEvent& event) {
  Result<std::unique_ptr<audit::AuditStore>> store = audit::AuditStore::open(db);
  if (!store) return report(ctx, store.status());
  audit::NewEntry entry = trust_event_entry(event, kCliSession);
  Status appended = (*store)->append_batch(std::span<const audit::NewEntry>(&entry, 1)).status();
  return appended.is_ok() ? kExitOk : report(ctx, appended);
}

// Opens the existing database for a command that changes it.
Result<std::unique_ptr<TrustStore>> open_existing(const CommandContext& ctx, fs::path& db) {
  Result<fs::path> path = resolve_db(ctx);
  if (!path) return path.status();
  db = *path;
  if (!db_exists(db)) return Status::not_found("no database at " + db.string());
  return open_store(ctx, db);
}

}  // namespace

int run_show(const CommandContext& ctx, const std::optional<std::string>& server, bool json) {
  Result<fs::path> db = resolve_db(ctx);
  if (!db) return report(ctx, db.status());
  if (!db_exists(*db) && !server) {
    print_servers(ctx, {}, json);
    return kExitOk;
  }
  if (!db_exists(*db)) return report(ctx, Status::not_found("no trust record for server '" + *server + "'"));
  Result<std::unique_ptr<TrustStore>> store = open_store(ctx, *db);
  if (!store) return report(ctx, store.status());
  Result<std::vector<ServerTrust>> servers = servers_to_show(**store, server);
  if (!servers) return report(ctx, servers.status());
  print_servers(ctx, *servers, json);
  return kExitOk;
}

int run_history(const CommandContext& ctx, const std::string& server, int64_t limit, bool as_json) {
  fs::path db;
  Result<std::unique_ptr<TrustStore>> store = open_existing(ctx, db);
  if (!store) return report(ctx, store.status());
  Result<ServerTrust> known = (*store)->get(server);
  if (!known) return report(ctx, known.status());
  Result<std::vector<TrustEvent>> events = (*store)->history(server, limit);
  if (!events) return report(ctx, events.status());
  json array = json::array();
  for (const TrustEvent& e : *events) {
    if (as_json) array.push_back(event_json(e));
    else print_event_line(*ctx.out, e);
  }
  if (as_json) *ctx.out << array.dump(2) << "\n";
  return kExitOk;
}

int run_reset(const CommandContext& ctx, const std::string& server) {
  fs::path db;
  Result<std::unique_ptr<TrustStore>> store = open_existing(ctx, db);
  if (!store) return report(ctx, store.status());
  Result<TrustEvent> event = (*store)->reset(server);
  if (!event) return report(ctx, event.status());
  *ctx.out << "server '" << server << "' reset to " << event->score_after() << " ("
           << tier_name(event->tier_after()) << "), a change of "
           << format_points(event->delta_milli + event->recovered_milli) << "\n";
  return audit_event(ctx, db, *event);
}

int run_approve(const CommandContext& ctx, const std::string& server, const std::string& tool) {
  fs::path db;
  Result<std::unique_ptr<TrustStore>> store = open_existing(ctx, db);
  if (!store) return report(ctx, store.status());
  Result<std::optional<TrustEvent>> event = (*store)->approve(server, tool);
  if (!event) return report(ctx, event.status());
  if (!*event) {
    *ctx.out << "'" << tool << "' of server '" << server << "' is not blocked; nothing to approve\n";
    return kExitOk;
  }
  *ctx.out << "approved the current definition of '" << tool << "' for server '" << server
           << "'; calls to it are allowed again\n";
  return audit_event(ctx, db, **event);
}

}  // namespace mcp_warden::trust
