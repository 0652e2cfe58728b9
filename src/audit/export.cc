#include "mcp_warden/audit/export.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::audit {
namespace {

using nlohmann::json;

constexpr int64_t kMicrosPerSecond = 1'000'000;

json payload_value(const std::string& payload) {
  Result<json> parsed = rpc::parse_json_strict(payload);
  return parsed ? std::move(*parsed) : json(payload);
}

bool parse_int64(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "90s", "15m", "2h", "7d" → microseconds before now.
bool parse_age(std::string_view text, const Clock& clock, int64_t& out) {
  if (text.size() < 2) return false;
  int64_t amount = 0;
  if (!parse_int64(text.substr(0, text.size() - 1), amount) || amount < 0) return false;
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return false;
  }
  out = clock.now_unix_micros() - amount * unit * kMicrosPerSecond;
  return true;
}

// Fraction ".ffffff" then "Z" or "±hh:mm"; adjusts `micros` and `offset_s`.
bool parse_zone(std::string_view rest, int64_t& micros, int64_t& offset_s) {
  if (!rest.empty() && rest[0] == '.') {
    std::size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    std::string frac(rest.substr(1, std::min<std::size_t>(digits - 1, 6)));
    if (frac.empty()) return false;
    frac.resize(6, '0');
    micros = std::stoll(frac);
    rest.remove_prefix(digits);
  }
  if (rest == "Z" || rest == "z") return true;
  int hh = 0, mm = 0;
  char sign = 0;
  if (rest.size() != 6 || std::sscanf(std::string(rest).c_str(), "%c%2d:%2d", &sign, &hh, &mm) != 3 ||
      (sign != '+' && sign != '-')) {
    return false;
  }
  offset_s = (sign == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
  return true;
}

bool parse_rfc3339(std::string_view text, int64_t& out) {
  std::tm tm{};
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed) != 3 ||
      consumed != 10) {
    return false;
  }
  int64_t micros = 0, offset_s = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        std::sscanf(s.c_str() + 11, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 3 ||
        consumed != 8 || !parse_zone(std::string_view(s).substr(19), micros, offset_s)) {
      return false;
    }
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  out = (static_cast<int64_t>(::timegm(&tm)) - offset_s) * kMicrosPerSecond + micros;
  return true;
}

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "jsonl") return ExportFormat::kJsonl;
  if (name == "cloudevents") return ExportFormat::kCloudEvents;
  return Status::invalid_argument("unknown export format \"" + std::string(name) +
                                  "\" (expected jsonl or cloudevents)");
}

json entry_to_json(const Entry& e) {
  return {{"seq", e.seq},
          {"time", format_time_rfc3339(e.time_us)},
          {"time_us", e.time_us},
          {"session_id", e.session_id},
          {"kind", e.kind},
          {"server", e.server},
          {"tool", e.tool},
          {"request_id", e.request_id},
          {"decision", e.decision},
          {"payload", payload_value(e.payload)},
          {"prev_hash", to_hex(e.prev_hash)},
          {"entry_hash", to_hex(e.entry_hash)}};
}

json entry_to_cloudevent(const Entry& e) {
  return {{"specversion", "1.0"},
          {"id", to_hex(e.entry_hash)},
          {"source", "mcp-warden://" + (e.server.empty() ? std::string("-") : e.server)},
          {"type", "dev.mcp-warden.audit." + e.kind},
          {"time", format_time_rfc3339(e.time_us)},
          {"subject", e.tool},
          {"datacontenttype", "application/json"},
          {"mcpwardenseq", e.seq},
          {"mcpwardensession", e.session_id},
          {"data", entry_to_json(e)}};
}

std::string format_export_line(const Entry& entry, ExportFormat format) {
  json value = format == ExportFormat::kJsonl ? entry_to_json(entry) : entry_to_cloudevent(entry);
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string format_entry_summary(const Entry& e) {
  auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  return std::to_string(e.seq) + " " + format_time_rfc3339(e.time_us) + " " + e.kind + " " +
         or_dash(e.server) + " " + or_dash(e.tool) + " " + or_dash(e.decision) + " id=" +
         or_dash(e.request_id) + " session=" + or_dash(e.session_id);
}

std::string format_time_rfc3339(int64_t time_us) {
  int64_t seconds = time_us / kMicrosPerSecond;
  int64_t micros = time_us % kMicrosPerSecond;
  if (micros < 0) {
    micros += kMicrosPerSecond;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

Result<int64_t> parse_time(std::string_view text, const Clock& clock) {
  int64_t out = 0;
  if (!text.empty() && text[0] == '@' && parse_int64(text.substr(1), out)) return out * kMicrosPerSecond;
  if (parse_age(text, clock, out) || parse_rfc3339(text, out)) return out;
  return Status::invalid_argument("cannot read time \"" + std::string(text) +
                                  "\" (use 2024-05-01T12:00:00Z, 2024-05-01, @unix-seconds or 15m/2h/7d)");
}

}  // namespace mcp_warden::audit
