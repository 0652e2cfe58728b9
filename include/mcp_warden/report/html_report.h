// `mcp-warden report`: one self-contained HTML page of what the agents did.
//
// collect_report_data() reads the audit database (read-only): the
// verification of the whole log (as `audit verify`), the store's figures (as
// `audit stats`, whole log), and, for entries at or after `since_us`: tool
// calls per server and tool over time with their decisions, denials with
// their rule and reason, redacted arguments, trust scores over time, and the
// sessions with their clients' names. render_html_report() draws it as HTML
// with inline SVG charts drawn here: no script, no external resource, and a
// Content-Security-Policy that forbids both, since tool names and reasons
// come from servers and clients and are only ever written escaped.
//
// Thread safety: stateless functions; each call opens its own connection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/audit/store.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::report {

struct CallPoint {
  int64_t time_us = 0;
  std::string server;
  std::string tool;
  std::string decision;
};

struct Denial {
  int64_t time_us = 0;
  int64_t seq = 0;
  std::string server, tool, decision, rule, reason, client;
};

struct TrustPoint {
  int64_t time_us = 0;
  int score = 0;
  std::string tier, event, reason;
};

struct ToolCounts {
  std::map<std::string, int64_t> by_decision;  // allow, deny, warn, log
  int64_t total = 0;
};

struct ReportData {
  std::string db_path;
  int64_t generated_us = 0;
  int64_t since_us = 0;
  // Verification of the whole log.
  bool verified = false;
  std::string verification;  // "1234 entries, chain and checkpoints intact" or the failure
  audit::StoreStats stats;    // the whole log, as `audit stats` prints it
  std::vector<CallPoint> calls;
  std::map<std::pair<std::string, std::string>, ToolCounts> per_tool;  // (server, tool)
  std::vector<Denial> denials;     // deny decisions, oldest first
  std::vector<Denial> redactions;  // calls whose recorded arguments were redacted
  std::map<std::string, std::vector<TrustPoint>> trust;  // per server, oldest first
  std::map<std::string, int64_t> sessions_per_client;    // in the window; "(unknown)" when it never said
  int64_t warns = 0;
};

struct ReportOptions {
  std::filesystem::path db_path;  // empty: the default database
  std::filesystem::path key_dir;  // empty: MCP_WARDEN_HOME
  int64_t since_us = 0;
  int64_t now_us = 0;
};

Result<ReportData> collect_report_data(const ReportOptions& options);

std::string render_html_report(const ReportData& data);

// The HTML-escaped text (& < > " ').
std::string html_escape(std::string_view text);

}  // namespace mcp_warden::report
