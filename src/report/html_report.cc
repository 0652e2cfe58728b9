#include "mcp_warden/report/html_report.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "mcp_warden/audit/export.h"
#include "mcp_warden/trust/tier.h"
#include "svg_chart.h"

namespace mcp_warden::report {
namespace {

using internal::BarChart;
using internal::LineChart;

constexpr int64_t kSecond = 1'000'000;
constexpr std::size_t kMaxBuckets = 48;
constexpr std::size_t kMaxRows = 200;

enum class TimeStyle { kFull, kMinute, kHourMinute, kMonthDay, kRow };

std::string utc(int64_t time_us, TimeStyle style) {
  std::time_t seconds = static_cast<std::time_t>(time_us / kSecond);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[64];
  std::size_t n = 0;
  switch (style) {
    case TimeStyle::kFull: n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm); break;
    case TimeStyle::kMinute: n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm); break;
    case TimeStyle::kHourMinute: n = std::strftime(text, sizeof text, "%H:%M", &tm); break;
    case TimeStyle::kMonthDay: n = std::strftime(text, sizeof text, "%m-%d", &tm); break;
    case TimeStyle::kRow: n = std::strftime(text, sizeof text, "%m-%d %H:%M:%S", &tm); break;
  }
  return std::string(text, n);
}

std::string when(int64_t time_us) { return utc(time_us, TimeStyle::kFull); }

// The bucket width: the first of these that needs at most kMaxBuckets bars.
int64_t bucket_width(int64_t span_us) {
  for (int64_t seconds : {60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400}) {
    if (span_us / (seconds * kSecond) < static_cast<int64_t>(kMaxBuckets)) return seconds * kSecond;
  }
  return 30 * 86400 * kSecond;
}

// At most `limit` bytes, cut at a character boundary, with "…" when cut.
std::string shortened(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit - 1;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

std::string cell(const std::string& text) { return "<td>" + html_escape(text) + "</td>"; }
std::string number_cell(int64_t n) { return "<td class=\"n\">" + std::to_string(n) + "</td>"; }

std::string figure(const std::string& key, const std::string& label, const std::string& value) {
  return "<div class=\"figure\"><dt>" + html_escape(label) + "</dt><dd data-figure=\"" + html_escape(key) + "\">" +
         html_escape(value) + "</dd></div>";
}

std::string style() {
  return "<style>body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;"
         "color:#0f172a}main{max-width:920px;margin:0 auto;padding:24px}h1{font-size:24px;margin:0 0 4px}"
         "h2{font-size:18px;margin:28px 0 8px}.meta{color:#475569;margin:0 0 16px}"
         ".banner{padding:12px 16px;border-radius:8px;font-weight:600}.banner.ok{background:#dcfce7;color:#14532d}"
         ".banner.fail{background:#fee2e2;color:#7f1d1d}dl.figures{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}"
         ".figure{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:8px 12px;min-width:96px}"
         ".figure dt{font-size:12px;color:#64748b}.figure dd{margin:0;font-size:20px;font-weight:600}"
         "table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e2e8f0;"
         "padding:4px 8px;text-align:left;vertical-align:top}td.n,th.n{text-align:right}"
         "svg.chart{background:#fff;border:1px solid #e2e8f0;border-radius:8px;max-width:100%;height:auto}"
         ".grid{stroke:#e2e8f0}.axis{font-size:11px;fill:#64748b}.legend span{display:inline-block;margin-right:12px}"
         ".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}"
         ".empty{color:#64748b;font-style:italic}code{font-size:13px}</style>";
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "<p class=\"legend\">";
  for (const auto& [name, color] : items) {
    out += "<span><i class=\"swatch\" style=\"background:" + color + "\"></i>" + html_escape(name) + "</span>";
  }
  return out + "</p>";
}

std::string head_and_verification(const ReportData& d) {
  std::string out = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "style-src 'unsafe-inline'; img-src data:\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                    "<title>mcp-warden report</title>" +
                    style() + "</head><body><main><h1>mcp-warden report</h1>";
  out += "<p class=\"meta\">" + html_escape(d.db_path) + " &middot; from " + html_escape(when(d.since_us)) +
         " to " + html_escape(when(d.generated_us)) + "</p>";
  out += std::string("<section id=\"verification\" class=\"banner ") + (d.verified ? "ok" : "fail") + "\">" +
         (d.verified ? "Verified: " : "Verification failed: ") + html_escape(d.verification) + "</section>";
  return out;
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
  std::string out;
  for (const auto& [name, n] : counts) out += (out.empty() ? "" : " ") + (name.empty() ? "-" : name) + "=" + std::to_string(n);
  return out;
}

std::string whole_log_figures(const ReportData& d) {
  const audit::StoreStats& s = d.stats;
  std::string out = "<h2>The whole log</h2><p class=\"meta\">The same figures as <code>mcp-warden audit "
                    "stats</code>.</p><dl class=\"figures\">";
  out += figure("entries", "entries", std::to_string(s.entries));
  out += figure("sessions", "sessions", std::to_string(s.sessions));
  out += figure("checkpoints", "checkpoints", std::to_string(s.checkpoints));
  for (const char* decision : {"allow", "deny", "warn", "log"}) {
    auto it = s.by_decision.find(decision);
    out += figure(std::string("decision-") + decision, decision, std::to_string(it == s.by_decision.end() ? 0 : it->second));
  }
  out += "</dl><p class=\"meta\">kinds: <span data-figure=\"kinds\">" + html_escape(counts_text(s.by_kind)) +
         "</span> &middot; decisions: <span data-figure=\"decisions\">" + html_escape(counts_text(s.by_decision)) +
         "</span></p>";
  return out;
}

std::vector<std::string> servers_of(const ReportData& d) {
  std::set<std::string> names;
  for (const CallPoint& c : d.calls) names.insert(c.server);
  return {names.begin(), names.end()};
}

std::string calls_chart(const ReportData& d) {
  std::string out = "<h2>Tool calls over time</h2>";
  if (d.calls.empty()) return out + "<p class=\"empty\">No tool calls in this window.</p>";
  int64_t width = bucket_width(d.generated_us - d.since_us);
  int64_t first = d.since_us / width * width;
  std::size_t buckets = static_cast<std::size_t>((d.generated_us - first) / width + 1);
  std::vector<std::string> servers = servers_of(d);
  BarChart chart{"tool calls per server", {}, {}, {}};
  TimeStyle label = width >= 86400 * kSecond ? TimeStyle::kMonthDay : TimeStyle::kHourMinute;
  for (std::size_t i = 0; i < buckets; ++i) {
    int64_t at = first + static_cast<int64_t>(i) * width;
    chart.bucket_labels.push_back(utc(at, label));
    chart.bucket_titles.push_back(utc(at, TimeStyle::kMinute));
  }
  std::vector<std::pair<std::string, std::string>> keys;
  for (std::size_t s = 0; s < servers.size(); ++s) {
    chart.series.push_back({servers[s], internal::palette_color(s), std::vector<double>(buckets, 0)});
    keys.emplace_back(servers[s], internal::palette_color(s));
  }
  for (const CallPoint& c : d.calls) {
    std::size_t s = static_cast<std::size_t>(std::find(servers.begin(), servers.end(), c.server) - servers.begin());
    std::size_t b = static_cast<std::size_t>(std::clamp<int64_t>((c.time_us - first) / width, 0, buckets - 1));
    chart.series[s].values[b] += 1;
  }
  out += "<p class=\"meta\"><span data-figure=\"window-calls\">" + std::to_string(d.calls.size()) +
         "</span> call(s) in this window, one bar per " + std::to_string(width / kSecond / 60) + " min.</p>";
  return out + internal::svg_stacked_bars(chart) + legend(keys);
}

std::string per_tool_table(const ReportData& d) {
  std::string out = "<h2>Calls per server and tool</h2>";
  if (d.per_tool.empty()) return out + "<p class=\"empty\">No tool calls in this window.</p>";
  out += "<table id=\"per-tool\"><tr><th>server</th><th>tool</th><th class=\"n\">allow</th><th class=\"n\">deny</th>"
         "<th class=\"n\">warn</th><th class=\"n\">log</th><th class=\"n\">total</th></tr>";
  for (const auto& [key, counts] : d.per_tool) {
    out += "<tr>" + cell(key.first) + cell(key.second);
    for (const char* decision : {"allow", "deny", "warn", "log"}) {
      auto it = counts.by_decision.find(decision);
      out += number_cell(it == counts.by_decision.end() ? 0 : it->second);
    }
    out += number_cell(counts.total) + "</tr>";
  }
  return out + "</table>";
}

std::string call_rows(const std::vector<Denial>& rows, const char* id, bool with_reason) {
  std::string out = std::string("<table id=\"") + id + "\"><tr><th>time</th><th>client</th><th>server</th>"
                    "<th>tool</th>" + (with_reason ? "<th>rule</th><th>reason</th>" : "<th>decision</th>") +
                    "<th class=\"n\">seq</th></tr>";
  std::size_t start = rows.size() > kMaxRows ? rows.size() - kMaxRows : 0;
  for (std::size_t i = rows.size(); i-- > start;) {
    const Denial& r = rows[i];
    out += "<tr>" + cell(utc(r.time_us, TimeStyle::kRow)) + cell(r.client.empty() ? "-" : r.client) +
           cell(r.server) + cell(r.tool) + (with_reason ? cell(r.rule) + cell(r.reason) : cell(r.decision)) +
           number_cell(r.seq) + "</tr>";
  }
  out += "</table>";
  if (start > 0) out += "<p class=\"meta\">and " + std::to_string(start) + " older (see mcp-warden audit query).</p>";
  return out;
}

std::string denials_section(const ReportData& d) {
  std::string out = "<h2>Denials</h2><p class=\"meta\"><span data-figure=\"window-denials\">" +
                    std::to_string(d.denials.size()) + "</span> denied call(s) in this window, newest first.</p>";
  if (d.denials.empty()) return out + "<p class=\"empty\">Nothing was denied in this window.</p>";
  std::map<std::string, int64_t> by_reason;
  for (const Denial& r : d.denials) ++by_reason[r.rule.empty() ? r.reason : r.rule];
  BarChart chart{"denials by rule", {}, {}, {{"denials", internal::palette_color(7), {}}}};
  for (const auto& [rule, n] : by_reason) {
    chart.bucket_labels.push_back(shortened(rule, 18));
    chart.bucket_titles.push_back(rule);
    chart.series[0].values.push_back(static_cast<double>(n));
  }
  return out + internal::svg_stacked_bars(chart) + call_rows(d.denials, "denials", true);
}

std::string redactions_and_approvals(const ReportData& d) {
  std::string out = "<h2>Redactions</h2><p class=\"meta\"><span data-figure=\"window-redactions\">" +
                    std::to_string(d.redactions.size()) +
                    "</span> call(s) whose recorded arguments had secrets replaced by [REDACTED].</p>";
  out += d.redactions.empty() ? "<p class=\"empty\">No redactions in this window.</p>"
                              : call_rows(d.redactions, "redactions", false);
  out += "<h2>Approvals</h2><p class=\"empty\">No approvals are recorded: this version of mcp-warden does not ask a "
         "person about a call yet. Calls the policy marks <code>warn</code>: <span data-figure=\"window-warns\">" +
         std::to_string(d.warns) + "</span>.</p>";
  return out;
}

std::string trust_section(const ReportData& d) {
  std::string out = "<h2>Trust over time</h2><p class=\"meta\">Each server's score (0&ndash;1000) after every "
                    "trust event; see <code>mcp-warden trust history</code>.</p>";
  if (d.trust.empty()) return out + "<p class=\"empty\">No trust events in this window.</p>";
  LineChart chart{"trust score per server", 0, trust::kMaxScore, when(d.since_us), when(d.generated_us), {}};
  double span = static_cast<double>(std::max<int64_t>(1, d.generated_us - d.since_us));
  std::vector<std::pair<std::string, std::string>> keys;
  std::string table = "<table id=\"trust\"><tr><th>server</th><th class=\"n\">events</th><th class=\"n\">score now"
                      "</th><th>tier</th><th>last event</th></tr>";
  std::size_t n = 0;
  for (const auto& [server, points] : d.trust) {
    internal::LineSeries series{server, internal::palette_color(n++), {}, {}};
    for (const TrustPoint& p : points) {
      series.points.emplace_back(static_cast<double>(p.time_us - d.since_us) / span, p.score);
      series.point_titles.push_back(server + ": " + std::to_string(p.score) + " (" + p.tier + ") after " + p.event +
                                    (p.reason.empty() ? "" : ": " + p.reason) + ", " + when(p.time_us));
    }
    keys.emplace_back(server, series.color);
    chart.series.push_back(std::move(series));
    const TrustPoint& last = points.back();
    table += "<tr>" + cell(server) + number_cell(static_cast<int64_t>(points.size())) + number_cell(last.score) +
             cell(last.tier) + cell(last.event + (last.reason.empty() ? "" : ": " + last.reason)) + "</tr>";
  }
  return out + internal::svg_lines(chart) + legend(keys) + table + "</table>";
}

std::string clients_section(const ReportData& d) {
  std::string out = "<h2>Clients</h2>";
  if (d.sessions_per_client.empty()) return out + "<p class=\"empty\">No sessions started in this window.</p>";
  out += "<table id=\"clients\"><tr><th>client</th><th class=\"n\">sessions</th></tr>";
  for (const auto& [client, n] : d.sessions_per_client) out += "<tr>" + cell(client) + number_cell(n) + "</tr>";
  return out + "</table><p class=\"meta\">A client's name is known once its session has ended.</p>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html_report(const ReportData& data) {
  return head_and_verification(data) + whole_log_figures(data) + calls_chart(data) + per_tool_table(data) +
         denials_section(data) + redactions_and_approvals(data) + trust_section(data) + clients_section(data) +
         "</main></body></html>\n";
}

}  // namespace mcp_warden::report
