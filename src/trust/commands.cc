#include "mcp_warden/trust/commands.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <span>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/export.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/store.h"
#include "mcp_warden/integrations/unified_diff.h"
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

// A server with what is pinned for it and whether an upgrade is pending.
struct ShownServer {
  ServerTrust trust;
  std::optional<Attestation> identity;
  int64_t review_id = 0;
  bool held = false;
};

json identity_json(const std::optional<Attestation>& identity) {
  if (!identity) return nullptr;
  json out = json::parse(attestation_json(*identity));
  out.erase("executable_stat");
  out.erase("script_stat");
  out["summary"] = describe(*identity);
  return out;
}

json server_json(const ShownServer& shown) {
  const ServerTrust& s = shown.trust;
  return json{{"server", s.server},           {"score", s.score()},
              {"tier", tier_name(s.tier())},   {"base", s.base()},
              {"level", trust_level_name(s.level)}, {"events", s.events},
              {"last_seen", audit::format_time_rfc3339(s.last_seen_us)},
              {"identity", identity_json(shown.identity)}, {"held", shown.held}, {"review", shown.review_id}};
}

void print_server_table(std::ostream& out, const std::vector<ShownServer>& servers) {
  out << std::left << std::setw(24) << "SERVER" << std::setw(7) << "SCORE" << std::setw(13)
      << "TIER" << std::setw(6) << "BASE" << std::setw(8) << "EVENTS" << "LAST SEEN\n";
  for (const ShownServer& shown : servers) {
    const ServerTrust& s = shown.trust;
    out << std::left << std::setw(24) << s.server << std::setw(7) << s.score() << std::setw(13)
        << tier_name(s.tier()) << std::setw(6) << s.base() << std::setw(8) << s.events
        << audit::format_time_rfc3339(s.last_seen_us) << "\n";
    if (shown.identity) out << "  pinned: " << describe(*shown.identity) << "\n";
    if (shown.review_id != 0) {
      out << "  upgrade review #" << shown.review_id << " pending" << (shown.held ? " (tools held)" : "")
          << ": mcp-warden trust review " << s.server << "\n";
    }
  }
}

void print_servers(const CommandContext& ctx, const std::vector<ShownServer>& servers, bool as_json) {
  if (!as_json) return print_server_table(*ctx.out, servers);
  json array = json::array();
  for (const ShownServer& s : servers) array.push_back(server_json(s));
  *ctx.out << array.dump(2) << "\n";
}

Result<std::vector<ShownServer>> with_identities(TrustStore& store, std::vector<ServerTrust> servers) {
  std::vector<ShownServer> out;
  for (ServerTrust& s : servers) {
    ShownServer shown{std::move(s), {}, 0, false};
    auto pin = store.pinned_identity(shown.trust.server);
    if (!pin) return pin.status();
    shown.identity = *pin;
    auto review = store.pending_review(shown.trust.server);
    if (!review) return review.status();
    shown.review_id = review->review_id;
    shown.held = review->held;
    out.push_back(std::move(shown));
  }
  return out;
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

// Appends the events an opening migration recorded to the audit chain.
int audit_migration(const CommandContext& ctx, const fs::path& db, TrustStore& store) {
  for (const TrustEvent& event : store.take_migration_events()) {
    int status = audit_event(ctx, db, event);
    if (status != kExitOk) return status;
  }
  return kExitOk;
}

int64_t count_kind(const std::vector<TrustEvent>& events, EventKind kind) {
  return std::count_if(events.begin(), events.end(), [&](const TrustEvent& e) { return e.kind == kind; });
}

// After an approval: whether calls pass now, or what still denies them.
std::string what_still_denies(TrustStore& store, const std::string& server) {
  auto state = store.get(server);
  auto held = store.is_held(server);
  auto review = store.pending_review(server);
  if (!state || !held || !review) return "its state could not be read back";
  std::string where = "server '" + server + "' is at trust " + std::to_string(state->score()) + " (" +
                      std::string(tier_name(state->tier())) + ")";
  if (*held) return where + ", but its tools are still held: review the rest with `mcp-warden trust review " + server + "`";
  if (!review->tools.empty()) {
    return where + "; " + std::to_string(review->tools.size()) + " other changed tool(s) stay blocked until approved";
  }
  switch (state->tier()) {
    case Tier::kTrusted:
    case Tier::kStandard: return where + ": calls are allowed again";
    case Tier::kProbation: return where + ": calls pass, except destructive tools (the tier denies them)";
    case Tier::kQuarantined: return where + ": only read-only tools pass (the tier denies the rest)";
    case Tier::kBlocked: break;
  }
  return where + ": the tier still denies every call; see `mcp-warden trust history " + server +
         "`, or set it back to its base with `mcp-warden trust reset " + server + "`";
}

void print_identity_change(std::ostream& out, const ReviewItem& item) {
  out << "upgrade review #" << item.review_id << (item.held ? " (tools held until reviewed)" : "") << "\n";
  out << "  was: " << (item.old_identity ? describe(*item.old_identity) : "(unknown)") << "\n";
  out << "  now: " << (item.new_identity ? describe(*item.new_identity) : "(unknown)") << "\n";
  if (!item.hostile.empty()) out << "  approving gives no trust back: " << item.hostile << "\n";
  else out << "  approving gives back " << format_points(item.taken_milli).substr(item.taken_milli > 0 ? 1 : 0) << " points\n";
}

void print_review(std::ostream& out, const std::string& server, const ReviewItem& item) {
  if (item.review_id == 0 && item.tools.empty()) {
    out << "server '" << server << "' has nothing to review\n";
    return;
  }
  if (item.review_id != 0) print_identity_change(out, item);
  for (const ToolChange& change : item.tools) {
    out << "\ntool " << change.tool << " (new definition sha256 " << change.fingerprint << ")\n";
    std::string before = change.approved_text.empty() ? "(the approved definition was not recorded)\n" : change.approved_text;
    out << integrations::unified_diff(before, change.current_text, "approved/" + change.tool, "current/" + change.tool);
  }
}

}  // namespace

int run_show(const CommandContext& ctx, const std::optional<std::string>& server, bool json) {
  Result<fs::path> db = resolve_db(ctx);
  if (!db) return report(ctx, db.status());
  if (!db_exists(*db) && !server) {
    print_servers(ctx, std::vector<ShownServer>{}, json);
    return kExitOk;
  }
  if (!db_exists(*db)) return report(ctx, Status::not_found("no trust record for server '" + *server + "'"));
  Result<std::unique_ptr<TrustStore>> store = open_store(ctx, *db);
  if (!store) return report(ctx, store.status());
  Result<std::vector<ServerTrust>> servers = servers_to_show(**store, server);
  if (!servers) return report(ctx, servers.status());
  Result<std::vector<ShownServer>> shown = with_identities(**store, std::move(servers).value());
  if (!shown) return report(ctx, shown.status());
  print_servers(ctx, *shown, json);
  return audit_migration(ctx, *db, **store);
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
  *ctx.out << "approved the current definition of '" << tool << "' for server '" << server << "'; "
           << what_still_denies(**store, server) << "\n";
  return audit_event(ctx, db, **event);
}

int run_review(const CommandContext& ctx, const std::string& server, const std::vector<std::string>& tools,
               bool approve) {
  fs::path db;
  Result<std::unique_ptr<TrustStore>> store = open_existing(ctx, db);
  if (!store) return report(ctx, store.status());
  Result<ReviewItem> item = (*store)->pending_review(server);
  if (!item) return report(ctx, item.status());
  for (const std::string& tool : tools) {
    bool pending = std::any_of(item->tools.begin(), item->tools.end(), [&](const ToolChange& c) { return c.tool == tool; });
    if (!pending) return report(ctx, Status::not_found("tool '" + tool + "' of server '" + server + "' has no change to review"));
  }
  print_review(*ctx.out, server, *item);
  if (!approve) {
    if (item->review_id != 0 || !item->tools.empty()) {
      *ctx.out << "\napprove with: mcp-warden trust review " << server << " --approve   (or name the tools to approve)\n";
    }
    return kExitOk;
  }
  Result<std::vector<TrustEvent>> events = (*store)->approve_review(server, tools);
  if (!events) return report(ctx, events.status());
  for (const TrustEvent& e : *events) {
    int status = audit_event(ctx, db, e);
    if (status != kExitOk) return status;
  }
  *ctx.out << "\napproved " << count_kind(*events, EventKind::kToolApproved) << " tool(s)";
  if (count_kind(*events, EventKind::kChangeReviewed) > 0) *ctx.out << " and closed the upgrade review";
  *ctx.out << "; " << what_still_denies(**store, server) << "\n";
  return kExitOk;
}

}  // namespace mcp_warden::trust
