// ContentInspection: the content step's logic — what mcp-warden looks for in
// governed traffic and what it does about it (docs/inspection.md).
//
// Request side: every string of a governed request's arguments (tools/call
// params.arguments; the params of every other method, so prompts/get and
// completion/complete arguments, a resource URI and the messages of a
// server's sampling request) is run through the detectors, compiled once
// (inspect::Detectors::builtin()). The kinds found feed the policy's
// `content:` matches and retention rules; the findings go into the request's
// audit entry. A scan that cannot finish is a denial (fail closed).
//
// Response side: the result of tools/call, tasks/result, resources/read and
// prompts/get is scanned before the client sees it and judged by the
// policy's `responses:` rules: redact replaces each finding of the rules'
// kinds by "[REDACTED:<kind>]" (strings stay strings) and lists what it
// redacted under result._meta["mcp-warden"].redacted (kind, where, count —
// never a value); deny, or a scan that cannot finish, withholds the result;
// ask leaves it untouched and says so (ResultCheck::ask): the caller holds it
// for a person (ask_step.h) and then settles it with settle_ask().
// A result without findings is left alone (the caller forwards its bytes).
// tools/list: hidden instructions in the tools' descriptions are found and,
// where a tools/list response rule says redact, stripped (invisible
// characters removed, instruction phrases redacted) before the catalog is
// built, so the catalog, its fingerprints and the client see the same text.
//
// Findings are recorded with a keyed hash of each value (the audit
// database's finding key) when a hasher is given, never the value.
//
// Owned by the Session; immutable; used on the relay thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/scan.h"
#include "mcp_warden/inspect/value_hash.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/governed_methods.h"

namespace mcp_warden::proxy {

// The rule name of a request denied because its content could not be inspected.
inline constexpr std::string_view kContentIncompleteRule = "content-uninspectable";

struct ResultCheck {
  inspect::Report report;
  policy::ResponseVerdict verdict;
  bool changed = false;   // the result was redacted: serialise it again
  bool withhold = false;  // the result must not reach the client (deny, or incomplete)
  bool ask = false;       // a response rule asks: hold the result for a person, untouched
};

class ContentInspection {
 public:
  // `policy` is borrowed; `hasher` may be null (findings recorded without hashes).
  ContentInspection(const policy::Policy& policy, std::string server, const inspect::ValueHasher* hasher);

  // The findings in a request's arguments (every kind, medium confidence up).
  inspect::Report scan_arguments(const nlohmann::json& arguments) const;

  // Whether the results of `method` are inspected (tools/call, tasks/result,
  // resources/read, prompts/get).
  static bool inspects_results_of(GovernedMethod method);
  // True when the raw line `raw` (a response, or a request whose arguments
  // are to be scanned) certainly holds no finding once decoded, so its
  // result or arguments need no scan: it has no backslash
  // (every decoded string is then a substring of the line, byte for byte)
  // and the detectors find nothing in the whole line at any confidence.
  // Anything else — an escape, a finding, even a spurious one across JSON
  // punctuation — says false, and the result takes the full path.
  bool raw_is_clean(std::string_view raw) const;
  // Whether a response rule that asks may apply to answers of `method` about
  // `subject` (false at once when none asks).
  bool may_ask(std::string_view method, std::string_view subject) const {
    return policy_.response_rules().may_ask(method, server_, subject);
  }
  // Scans `result` of `method` about `subject` and applies the response rules.
  ResultCheck check_result(std::string_view method, std::string_view subject, nlohmann::json& result) const;
  // A held result (check.ask) settled: `fallback` none — the person let it
  // through, so only what other rules redact is redacted; otherwise the
  // fallback applies as if it were the rule's action (a redact or deny
  // fallback covers the kinds the ask rules named too).
  void settle_ask(ResultCheck& check, nlohmann::json& result, std::optional<policy::ResponseAction> fallback) const;
  // A tools/list result: hidden instructions in its tools.
  ResultCheck check_tool_list(nlohmann::json& result) const;

 private:
  inspect::ScanOptions options(inspect::KindSet kinds) const;
  void redact_result(ResultCheck& check, nlohmann::json& result) const;
  void apply(ResultCheck& check, nlohmann::json& result, policy::ResponseAction action) const;

  const policy::Policy& policy_;
  std::string server_;
  const inspect::ValueHasher* hasher_;
  const inspect::Detectors& detectors_;
};

// What the audit log keeps of a scan: {"findings": [{"kind","detector",
// "where","count","hashes"[, "in_key"][, "redacted"]}...]} grouped by
// (kind, detector, where), plus "truncated", "incomplete" and "reason" when
// they apply, and for a result the response rule's "action" and "rule" and
// "withheld". Never a value. Null when there is nothing to say.
nlohmann::json content_record(const inspect::Report& report, const policy::ResponseVerdict* verdict = nullptr,
                              bool withheld = false);

// The redacted occurrences as [{"kind","where","count"}], for _meta.
// A `where` never shows a finding: a key on the pointer's way that holds
// one is shown redacted (so is every pointer content_record writes).
nlohmann::json redaction_list(const inspect::Report& report);
// Every occurrence the same way.
nlohmann::json finding_list(const inspect::Report& report);
nlohmann::json kind_place_list(const inspect::Report& report, bool only_redacted);

}  // namespace mcp_warden::proxy
