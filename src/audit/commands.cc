#include "mcp_warden/audit/commands.h"

#include <cctype>
#include <chrono>
#include <deque>
#include <map>
#include <fstream>
#include <sstream>
#include <thread>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/export.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/proof.h"
#include "mcp_warden/audit/session_clients.h"
#include "mcp_warden/audit/verifier.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kOk = 0;
constexpr int kNo = 1;
constexpr int kUsage = 2;

int fail(const CommandContext& ctx, const Status& status) {
  *ctx.err << "error: " << status.message() << "\n";
  return status.code() == ErrorCode::kNotFound || status.code() == ErrorCode::kInvalidArgument ||
                 status.code() == ErrorCode::kIoError || status.code() == ErrorCode::kBusy
             ? kUsage
             : kNo;
}

// A missing entry is a "no" (1); anything else as fail().
int entry_error(const CommandContext& ctx, const Status& status) {
  int code = fail(ctx, status);
  return status.code() == ErrorCode::kNotFound ? kNo : code;
}

const Clock& clock_of(const CommandContext& ctx) {
  return ctx.clock != nullptr ? *ctx.clock : SystemClock::instance();
}

Result<fs::path> db_path(const CommandContext& ctx) {
  if (!ctx.db_path.empty()) return ctx.db_path;
  return default_db_path();
}

Result<fs::path> key_dir(const CommandContext& ctx) {
  if (!ctx.key_dir.empty()) return ctx.key_dir;
  return warden_home();
}

Result<std::unique_ptr<AuditStore>> open_read_only(const CommandContext& ctx) {
  Result<fs::path> path = db_path(ctx);
  if (!path) return path.status();
  StoreOptions options;
  options.read_only = true;
  return AuditStore::open(*path, options);
}

Result<std::unique_ptr<AuditLog>> open_writer(const CommandContext& ctx) {
  Result<fs::path> path = db_path(ctx);
  if (!path) return path.status();
  Result<fs::path> keys = key_dir(ctx);
  if (!keys) return keys.status();
  AuditLogOptions options;
  options.db_path = *path;
  options.key_dir = *keys;
  options.checkpoint_every = 0;
  options.clock = ctx.clock;
  return AuditLog::open(options);
}

void print_report(const CommandContext& ctx, const VerifyReport& report) {
  for (const std::string& note : report.notes) *ctx.err << "note: " << note << "\n";
  if (report.intact) {
    *ctx.out << "ok: " << report.valid_entries << " entries, root " << to_hex(report.root) << ", "
             << report.checkpoints_checked << " checkpoints checked\n";
  } else if (report.first_bad_seq > 0) {
    *ctx.out << "FAILED at seq " << report.first_bad_seq << ": " << report.problem << "\n";
  } else {
    *ctx.out << "FAILED: " << report.problem << "\n";
  }
}

std::string trusted_key_from(const CommandContext& ctx) {
  Result<fs::path> keys = key_dir(ctx);
  if (!keys) return std::string();
  Result<std::shared_ptr<const SigningKey>> key = SigningKey::load(*keys);
  return key ? (*key)->public_key() : std::string();
}

int verify_proof_file(const CommandContext& ctx, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ctx, Status::io_error("cannot read " + file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  Result<InclusionProof> proof = parse_inclusion_proof(text.str());
  if (!proof) return fail(ctx, proof.status());
  Status checked = verify_inclusion_proof(*proof, trusted_key_from(ctx));
  if (!checked.is_ok()) {
    *ctx.out << "FAILED: proof of seq " << proof->entry.seq << ": " << checked.message() << "\n";
    return kNo;
  }
  *ctx.out << "ok: seq " << proof->entry.seq << " is in the log of " << proof->checkpoint.tree_size
           << " entries with root " << to_hex(proof->checkpoint.root) << "\n";
  return kOk;
}

json show_json(const Entry& entry) {
  json value = entry_to_json(entry);
  value["payload_text"] = entry.payload;
  return value;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// " how=elicitation answer=allow_once scope=once" for a person's decision (approval
// and approval_request entries); "" for every other kind.
std::string approval_text(const Entry& e) {
  if (e.kind != entry_kind_name(EntryKind::kApproval) && e.kind != entry_kind_name(EntryKind::kApprovalRequest)) {
    return "";
  }
  json payload = json::parse(e.payload, nullptr, false);
  if (!payload.is_object()) return "";
  std::string text;
  for (const char* key : {"how", "answer", "scope", "grant_id", "rule"}) {
    auto it = payload.find(key);
    if (it != payload.end() && it->is_string() && !it->get<std::string>().empty()) {
      text += std::string(" ") + key + "=" + it->get<std::string>();
    }
  }
  return text;
}

// Formats and post-filters entries for tail and query.
class Lister {
 public:
  Lister(const QueryArgs& args, std::map<std::string, std::string> clients)
      : args_(args), clients_(std::move(clients)) {}

  // Learns the client of a session whose handshake passes by (tail -f).
  void learn(const Entry& e) {
    std::string name = client_name_in(e);
    if (!name.empty()) clients_.emplace(e.session_id, std::move(name));
  }

  bool wanted(const Entry& e) const {
    if (args_.server && e.server != *args_.server) return false;
    if (args_.client && lower(client_of(e)) != lower(*args_.client)) return false;
    return true;
  }

  std::string line(const Entry& e) const {
    bool decided = e.kind == entry_kind_name(EntryKind::kToolCall) || e.kind == entry_kind_name(EntryKind::kRequest);
    json payload = decided ? json::parse(e.payload, nullptr, false) : json();
    json decision = payload.is_object() ? payload.value("decision", json()) : json();
    json rule = decision.is_object() ? decision.value("rule", json()) : json();
    json reason = decision.is_object() ? decision.value("reason", json()) : json();
    std::string client = client_of(e);
    if (args_.json) {
      json out = {{"seq", e.seq}, {"time", format_time_rfc3339(e.time_us)}, {"kind", e.kind},
                  {"server", e.server}, {"tool", e.tool}, {"decision", e.decision},
                  {"request_id", e.request_id}, {"session", e.session_id},
                  {"client", client.empty() ? json() : json(client)}, {"rule", rule}, {"reason", reason}};
      return out.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    std::string text = format_entry_summary(e);
    if (!client.empty()) text += " client=" + client;
    text += approval_text(e);
    if (rule.is_string() && !rule.get<std::string>().empty()) text += " rule=" + rule.get<std::string>();
    if (reason.is_string() && !reason.get<std::string>().empty()) {
      text += " reason=" + reason.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return text;
  }

 private:
  std::string client_of(const Entry& e) const {
    auto found = clients_.find(e.session_id);
    return found == clients_.end() ? std::string() : found->second;
  }

  const QueryArgs& args_;
  std::map<std::string, std::string> clients_;
};

// Prints entries matching `filter` and the lister's own filters, at most
// `limit`; returns the highest seq seen (or from_seq - 1).
Result<int64_t> print_summaries(const CommandContext& ctx, AuditStore& store, EntryFilter filter,
                                Lister& lister, std::optional<int64_t> limit) {
  int64_t last = filter.from_seq - 1;
  int64_t printed = 0;
  filter.limit.reset();
  Status done = store.query(filter, [&](const Entry& e) {
    last = e.seq;
    lister.learn(e);
    if (!lister.wanted(e)) return true;
    *ctx.out << lister.line(e) << "\n";
    return !limit || ++printed < *limit;
  });
  ctx.out->flush();
  if (!done.is_ok()) return done;
  return last;
}

Result<EntryFilter> filter_from(const CommandContext& ctx, const QueryArgs& args) {
  EntryFilter filter;
  filter.tool = args.tool;
  filter.decision = args.decision;
  filter.session_id = args.session_id;
  filter.kind = args.kind;
  filter.limit = args.limit;
  if (args.since) {
    Result<int64_t> since = parse_time(*args.since, clock_of(ctx));
    if (!since) return since.status();
    filter.since_us = *since;
  }
  return filter;
}

// The newest recorded checkpoint covering `seq`, writing one if needed.
Result<Checkpoint> checkpoint_covering(const CommandContext& ctx, AuditStore& store, int64_t seq) {
  Result<std::vector<Checkpoint>> recorded = store.checkpoints();
  if (!recorded) return recorded.status();
  if (!recorded->empty() && recorded->back().tree_size >= seq) return recorded->back();
  Result<std::unique_ptr<AuditLog>> log = open_writer(ctx);
  if (!log) return log.status();
  Result<Checkpoint> made = (*log)->checkpoint();
  Status closed = (*log)->close();
  if (made && !closed.is_ok()) return closed;
  return made;
}

void print_counts(const CommandContext& ctx, const char* title, const std::map<std::string, int64_t>& counts) {
  *ctx.out << title << ":";
  for (const auto& [name, count] : counts) *ctx.out << " " << (name.empty() ? "-" : name) << "=" << count;
  *ctx.out << "\n";
}

}  // namespace

int run_verify(const CommandContext& ctx, const std::optional<fs::path>& proof_file) {
  if (proof_file) return verify_proof_file(ctx, *proof_file);
  Result<fs::path> path = db_path(ctx);
  if (!path) return fail(ctx, path.status());
  VerifyOptions options;
  options.db_path = *path;
  Result<fs::path> keys = key_dir(ctx);
  if (keys) options.key_dir = *keys;
  Result<VerifyReport> report = verify_log(options);
  if (!report) return fail(ctx, report.status());
  print_report(ctx, *report);
  return report->intact ? kOk : kNo;
}

int run_show(const CommandContext& ctx, int64_t seq) {
  Result<std::unique_ptr<AuditStore>> store = open_read_only(ctx);
  if (!store) return fail(ctx, store.status());
  Result<Entry> entry = (*store)->read_entry(seq);
  if (!entry) return entry_error(ctx, entry.status());
  *ctx.out << show_json(*entry).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return kOk;
}

// The seq from which the last `count` entries the lister wants begin.
Result<int64_t> tail_start(AuditStore& store, const EntryFilter& filter, const Lister& lister, int64_t count) {
  std::deque<int64_t> seqs;
  Status done = store.query(filter, [&](const Entry& e) {
    if (!lister.wanted(e)) return true;
    seqs.push_back(e.seq);
    if (static_cast<int64_t>(seqs.size()) > count) seqs.pop_front();
    return true;
  });
  if (!done.is_ok()) return done;
  Result<int64_t> last = store.last_seq();
  if (!last) return last.status();
  return seqs.empty() ? *last + 1 : seqs.front();
}

int run_tail(const CommandContext& ctx, int64_t count, bool follow,
             const std::function<bool()>& keep_following, const QueryArgs& filters) {
  Result<std::unique_ptr<AuditStore>> store = open_read_only(ctx);
  if (!store) return fail(ctx, store.status());
  Result<std::map<std::string, std::string>> clients = session_client_names(**store);
  if (!clients) return fail(ctx, clients.status());
  Lister lister(filters, std::move(clients).value());
  EntryFilter filter;
  filter.tool = filters.tool;
  filter.decision = filters.decision;
  filter.kind = filters.kind;
  filter.session_id = filters.session_id;
  Result<int64_t> start = tail_start(**store, filter, lister, std::max<int64_t>(0, count));
  if (!start) return fail(ctx, start.status());
  filter.from_seq = *start;
  do {
    Result<int64_t> printed = print_summaries(ctx, **store, filter, lister, std::nullopt);
    if (!printed) return fail(ctx, printed.status());
    filter.from_seq = *printed + 1;
    if (follow) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (follow && (!keep_following || keep_following()));
  return kOk;
}

int run_query(const CommandContext& ctx, const QueryArgs& args) {
  Result<EntryFilter> filter = filter_from(ctx, args);
  if (!filter) return fail(ctx, filter.status());
  Result<std::unique_ptr<AuditStore>> store = open_read_only(ctx);
  if (!store) return fail(ctx, store.status());
  Result<std::map<std::string, std::string>> clients = session_client_names(**store);
  if (!clients) return fail(ctx, clients.status());
  Lister lister(args, std::move(clients).value());
  Result<int64_t> printed = print_summaries(ctx, **store, *filter, lister, args.limit);
  return printed ? kOk : fail(ctx, printed.status());
}

int run_export(const CommandContext& ctx, const std::string& format,
               const std::optional<std::string>& since) {
  Result<ExportFormat> chosen = parse_export_format(format);
  if (!chosen) return fail(ctx, chosen.status());
  QueryArgs args;
  args.since = since;
  Result<EntryFilter> filter = filter_from(ctx, args);
  if (!filter) return fail(ctx, filter.status());
  Result<std::unique_ptr<AuditStore>> store = open_read_only(ctx);
  if (!store) return fail(ctx, store.status());
  Status done = (*store)->query(*filter, [&](const Entry& e) {
    *ctx.out << format_export_line(e, *chosen) << "\n";
    return true;
  });
  return done.is_ok() ? kOk : fail(ctx, done);
}

int run_proof(const CommandContext& ctx, int64_t seq) {
  Result<std::unique_ptr<AuditStore>> store = open_read_only(ctx);
  if (!store) return fail(ctx, store.status());
  Result<Entry> entry = (*store)->read_entry(seq);
  if (!entry) return entry_error(ctx, entry.status());
  Result<Checkpoint> checkpoint = checkpoint_covering(ctx, **store, seq);
  if (!checkpoint) return fail(ctx, checkpoint.status());
  Result<InclusionProof> proof = make_inclusion_proof(**store, seq, *checkpoint);
  if (!proof) return fail(ctx, proof.status());
  *ctx.out << format_inclusion_proof(*proof) << "\n";
  return kOk;
}

int run_checkpoint(const CommandContext& ctx) {
  Result<std::unique_ptr<AuditLog>> log = open_writer(ctx);
  if (!log) return fail(ctx, log.status());
  Result<Checkpoint> made = (*log)->checkpoint();
  Status closed = (*log)->close();
  if (!made) return fail(ctx, made.status());
  if (!closed.is_ok()) return fail(ctx, closed);
  *ctx.out << format_checkpoint(*made);
  return kOk;
}

int run_stats(const CommandContext& ctx) {
  Result<std::unique_ptr<AuditStore>> store = open_read_only(ctx);
  if (!store) return fail(ctx, store.status());
  Result<StoreStats> stats = (*store)->stats();
  if (!stats) return fail(ctx, stats.status());
  *ctx.out << "entries: " << stats->entries << "\nsessions: " << stats->sessions
           << "\nfirst: " << (stats->entries ? format_time_rfc3339(stats->first_time_us) : "-")
           << "\nlast: " << (stats->entries ? format_time_rfc3339(stats->last_time_us) : "-")
           << "\ncheckpoints: " << stats->checkpoints << "\nbytes: " << stats->file_bytes << "\n";
  print_counts(ctx, "kinds", stats->by_kind);
  print_counts(ctx, "decisions", stats->by_decision);
  return kOk;
}

}  // namespace mcp_warden::audit
