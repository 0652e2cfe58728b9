#include <nlohmann/json.hpp>

#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/redact.h"
#include "mcp_warden/audit/session_clients.h"
#include "mcp_warden/audit/verifier.h"
#include "mcp_warden/report/html_report.h"

namespace mcp_warden::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

void verify(const ReportOptions& options, const fs::path& db, ReportData& data) {
  audit::VerifyOptions verify_options;
  verify_options.db_path = db;
  auto home = options.key_dir.empty() ? audit::warden_home() : Result<fs::path>(options.key_dir);
  if (home) verify_options.key_dir = *home;
  auto report = audit::verify_log(verify_options);
  if (!report) {
    data.verification = "cannot verify: " + report.status().message();
    return;
  }
  data.verified = report->intact;
  data.verification = report->intact ? std::to_string(report->valid_entries) +
                                           " entries; hash chain, Merkle root and " +
                                           std::to_string(report->checkpoints_checked) + " signed checkpoint(s) intact"
                                     : "FAILED at seq " + std::to_string(report->first_bad_seq) + ": " + report->problem;
}

class Collector {
 public:
  Collector(ReportData& data, std::map<std::string, std::string> clients)
      : data_(data), clients_(std::move(clients)) {}

  void add(const audit::Entry& e) {
    if (e.kind == audit::entry_kind_name(audit::EntryKind::kToolCall)) return add_call(e);
    if (e.kind == audit::entry_kind_name(audit::EntryKind::kTrustEvent)) return add_trust(e);
    if (e.kind == audit::entry_kind_name(audit::EntryKind::kSessionStart)) {
      auto client = clients_.find(e.session_id);
      ++data_.sessions_per_client[client == clients_.end() ? "(unknown)" : client->second];
    }
  }

 private:
  void add_call(const audit::Entry& e) {
    data_.calls.push_back({e.time_us, e.server, e.tool, e.decision});
    ToolCounts& counts = data_.per_tool[{e.server, e.tool}];
    ++counts.by_decision[e.decision];
    ++counts.total;
    if (e.decision == "warn") ++data_.warns;
    bool denied = e.decision == "deny";
    bool redacted = e.payload.find(audit::kRedactedValue) != std::string::npos;
    if (!denied && !redacted) return;
    json payload = json::parse(e.payload, nullptr, false);
    json decision = payload.is_object() ? payload.value("decision", json()) : json();
    auto client = clients_.find(e.session_id);
    Denial row{e.time_us, e.seq, e.server, e.tool, e.decision, string_at(decision, "rule"),
               string_at(decision, "reason"), client == clients_.end() ? "" : client->second};
    if (denied) data_.denials.push_back(row);
    if (redacted) data_.redactions.push_back(std::move(row));
  }

  void add_trust(const audit::Entry& e) {
    json payload = json::parse(e.payload, nullptr, false);
    if (!payload.is_object() || !payload.contains("score_after") || !payload["score_after"].is_number()) return;
    data_.trust[e.server].push_back({e.time_us, payload["score_after"].get<int>(), string_at(payload, "tier_after"),
                                     string_at(payload, "event"), string_at(payload, "reason")});
  }

  ReportData& data_;
  std::map<std::string, std::string> clients_;
};

}  // namespace

Result<ReportData> collect_report_data(const ReportOptions& options) {
  auto db = options.db_path.empty() ? audit::default_db_path() : Result<fs::path>(options.db_path);
  if (!db) return db.status();
  audit::StoreOptions store_options;
  store_options.read_only = true;
  auto store = audit::AuditStore::open(*db, store_options);
  if (!store) return store.status();
  ReportData data;
  data.db_path = db->string();
  data.generated_us = options.now_us;
  data.since_us = options.since_us;
  auto stats = (*store)->stats();
  if (!stats) return stats.status();
  data.stats = *stats;
  verify(options, *db, data);
  Result<std::map<std::string, std::string>> clients = audit::session_client_names(**store);
  if (!clients) return clients.status();
  Collector collector(data, std::move(clients).value());
  audit::EntryFilter filter;
  filter.since_us = options.since_us;
  Status read = (*store)->query(filter, [&](const audit::Entry& e) {
    collector.add(e);
    return true;
  });
  if (!read.is_ok()) return read;
  return data;
}

}  // namespace mcp_warden::report
