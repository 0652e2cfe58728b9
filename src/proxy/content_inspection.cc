#include "mcp_warden/proxy/content_inspection.h"

#include <map>
#include <tuple>

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;

// Deeper than the strict parser accepts (1000): depth never stops a scan of
// what was parsed.
constexpr std::size_t kMaxDepth = 1024;

// An RFC 6901 token unescaped, and escaped again.
std::string unescape_token(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

std::string escape_token(std::string_view token) {
  std::string out;
  for (char c : token) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// A pointer names the keys on its way, and a key may itself be a secret:
// each token that holds a finding is shown redacted, never as it is.
std::string safe_pointer(std::string_view where) {
  const inspect::Detectors& detectors = inspect::Detectors::builtin();
  std::string out;
  std::size_t start = 0;
  while (start < where.size()) {
    std::size_t next = where.find('/', start + 1);
    if (next == std::string_view::npos) next = where.size();
    std::string token = unescape_token(where.substr(start + 1, next - start - 1));
    std::vector<inspect::Finding> found = detectors.find(token);
    out += '/';
    out += found.empty() ? escape_token(token) : escape_token(inspect::redact_text(token, found));
    start = next;
  }
  return out;
}

using GroupKey = std::tuple<inspect::Kind, inspect::DetectorId, std::string, bool, bool>;

json group_json(const GroupKey& key, std::size_t count, const std::vector<std::string>& hashes) {
  const auto& [kind, detector, where, in_key, redacted] = key;
  json item = {{"kind", inspect::kind_name(kind)},
               {"detector", inspect::detector_info(detector).name},
               {"where", safe_pointer(where)},
               {"count", count}};
  if (!hashes.empty()) item["hashes"] = hashes;
  if (in_key) item["in_key"] = true;
  if (redacted) item["redacted"] = true;
  return item;
}

void add_hash(std::vector<std::string>& hashes, const std::string& hash) {
  if (hash.empty()) return;
  for (const std::string& h : hashes) {
    if (h == hash) return;
  }
  hashes.push_back(hash);
}

json& meta_mark(json& result) {
  json& meta = result["_meta"];
  if (!meta.is_object()) meta = json::object();
  json& mark = meta["mcp-warden"];
  if (!mark.is_object()) mark = json::object();
  return mark;
}

}  // namespace

ContentInspection::ContentInspection(const policy::Policy& policy, std::string server, const inspect::ValueHasher* hasher)
    : policy_(policy), server_(std::move(server)), hasher_(hasher), detectors_(inspect::Detectors::builtin()) {}

inspect::ScanOptions ContentInspection::options(inspect::KindSet kinds) const {
  inspect::ScanOptions options;
  options.kinds = kinds;
  options.max_depth = kMaxDepth;
  options.hasher = hasher_;
  return options;
}

bool ContentInspection::raw_is_clean(std::string_view raw) const {
  if (raw.find('\\') != std::string_view::npos) return false;
  return !detectors_.contains(raw, inspect::KindSet::all(), inspect::Confidence::kLow);
}

inspect::Report ContentInspection::scan_arguments(const json& arguments) const {
  return inspect::scan(arguments, detectors_, options(inspect::KindSet::all()));
}

bool ContentInspection::inspects_results_of(GovernedMethod method) {
  return method == GovernedMethod::kToolsCall || method == GovernedMethod::kTasksResult ||
         method == GovernedMethod::kResourcesRead || method == GovernedMethod::kPromptsGet;
}

ResultCheck ContentInspection::check_result(std::string_view method, std::string_view subject, json& result) const {
  ResultCheck check;
  check.report = inspect::scan(result, detectors_, options(inspect::KindSet::all()));
  if (check.report.incomplete) {
    check.withhold = true;
    return check;
  }
  check.verdict = policy_.response_rules().evaluate(method, server_, subject, check.report.kinds());
  if (!check.verdict.matched) return check;
  apply(check, result, check.verdict.action);
  return check;
}

void ContentInspection::settle_ask(ResultCheck& check, json& result, std::optional<policy::ResponseAction> fallback) const {
  check.ask = false;
  policy::ResponseAction action = check.verdict.redact.empty() ? policy::ResponseAction::kLog : policy::ResponseAction::kRedact;
  if (fallback) {
    action = *fallback;
    if (action == policy::ResponseAction::kRedact || action == policy::ResponseAction::kDeny) {
      for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
        if (check.verdict.asked.contains(static_cast<inspect::Kind>(i))) check.verdict.redact.add(static_cast<inspect::Kind>(i));
      }
    }
  }
  apply(check, result, action);
}

void ContentInspection::apply(ResultCheck& check, json& result, policy::ResponseAction action) const {
  switch (action) {
    case policy::ResponseAction::kAsk: check.ask = true; break;
    case policy::ResponseAction::kDeny: check.withhold = true; break;
    case policy::ResponseAction::kRedact: redact_result(check, result); break;
    case policy::ResponseAction::kWarn:
      if (result.is_object()) {
        meta_mark(result)["content_warning"] = json{{"rule", check.verdict.rule}, {"reason", check.verdict.reason},
                                                    {"findings", finding_list(check.report)}};
        check.changed = true;
      }
      break;
    case policy::ResponseAction::kLog: break;
  }
}

void ContentInspection::redact_result(ResultCheck& check, json& result) const {
  if (!result.is_object() || check.verdict.redact.empty()) return;
  // Keys too: a secret used as a property name is renamed "[REDACTED:<kind>]" (a
  // schema names its properties; no schema names one after a secret).
  inspect::Report redacted = inspect::redact(result, detectors_, check.verdict.redact, options(inspect::KindSet::all()));
  if (redacted.incomplete) {  // part of it may be redacted: withhold it all
    check.report = std::move(redacted);
    check.withhold = true;
    return;
  }
  check.report = std::move(redacted);
  check.changed = check.report.redactions > 0;
  if (check.changed) meta_mark(result)["redacted"] = redaction_list(check.report);
}

ResultCheck ContentInspection::check_tool_list(json& result) const {
  ResultCheck check;
  auto tools = result.is_object() ? result.find("tools") : result.end();
  if (!result.is_object() || tools == result.end()) return check;
  inspect::ScanOptions scan_options = options(inspect::KindSet{inspect::Kind::kHiddenInstruction});
  scan_options.scan_keys = false;
  check.report = inspect::scan(*tools, detectors_, scan_options);
  if (check.report.incomplete || check.report.empty()) return check;
  check.verdict = policy_.response_rules().evaluate("tools/list", server_, "", check.report.kinds());
  if (!check.verdict.matched || check.verdict.action < policy::ResponseAction::kRedact) return check;
  inspect::strip_hidden(*tools, detectors_, scan_options);
  inspect::redact(*tools, detectors_, check.verdict.redact, scan_options);
  for (inspect::Occurrence& o : check.report.occurrences) o.redacted = true;
  check.changed = true;
  return check;
}

json content_record(const inspect::Report& report, const policy::ResponseVerdict* verdict, bool withheld) {
  if (report.empty() && !report.incomplete && !withheld) return nullptr;
  std::map<GroupKey, std::pair<std::size_t, std::vector<std::string>>> groups;
  std::vector<GroupKey> order;
  for (const inspect::Occurrence& o : report.occurrences) {
    GroupKey key{o.kind, o.detector, o.where, o.in_key, o.redacted};
    auto [it, fresh] = groups.try_emplace(key);
    if (fresh) order.push_back(key);
    ++it->second.first;
    add_hash(it->second.second, o.value_hash);
  }
  json findings = json::array();
  for (const GroupKey& key : order) findings.push_back(group_json(key, groups[key].first, groups[key].second));
  json out = {{"findings", std::move(findings)}};
  if (report.truncated) out["truncated"] = report.findings;
  if (report.incomplete) {
    out["incomplete"] = true;
    out["reason"] = report.error.empty() ? "the content could not be inspected completely" : report.error;
  }
  if (verdict != nullptr && verdict->matched) {
    out["action"] = policy::response_action_name(verdict->action);
    out["rule"] = verdict->rule;
  }
  if (withheld) out["withheld"] = true;
  return out;
}

json redaction_list(const inspect::Report& report) { return kind_place_list(report, true); }
json finding_list(const inspect::Report& report) { return kind_place_list(report, false); }

json kind_place_list(const inspect::Report& report, bool only_redacted) {
  std::map<std::pair<inspect::Kind, std::string>, std::size_t> counts;
  std::vector<std::pair<inspect::Kind, std::string>> order;
  for (const inspect::Occurrence& o : report.occurrences) {
    if (only_redacted && !o.redacted) continue;
    auto [it, fresh] = counts.try_emplace({o.kind, o.where}, 0);
    if (fresh) order.push_back(it->first);
    ++it->second;
  }
  json out = json::array();
  for (const auto& key : order) {
    out.push_back(json{{"kind", inspect::kind_name(key.first)}, {"where", safe_pointer(key.second)}, {"count", counts[key]}});
  }
  return out;
}

}  // namespace mcp_warden::proxy
