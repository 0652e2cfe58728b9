// Content inspection of what the server answers: results before the client
// sees them, tool listings before the catalog is built from them. See
// content_inspection.h and session.h.
#include <spdlog/spdlog.h>

#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"

namespace mcp_warden::proxy {

using nlohmann::json;
using rpc::Message;

namespace {

// The CallToolResult a withheld tools/call result is replaced by.
json withheld_result(const std::string& text, const json& details) {
  return json{{"content", json::array({json{{"type", "text"}, {"text", text}}})},
              {"isError", true},
              {"_meta", json{{"mcp-warden", details}}}};
}

std::string withheld_text(const PendingRequest& request, const ResultCheck& check) {
  std::string why = check.report.incomplete
                        ? "it could not be inspected completely (" +
                              (check.report.error.empty() ? std::string("too large or too deep") : check.report.error) + ")"
                        : check.verdict.reason + " (response rule \"" + check.verdict.rule + "\")";
  return "mcp-warden withheld the server's answer to " + request.method + " " + request.tool + ": " + why + ".";
}

}  // namespace

// False when the result was withheld: the client got an error instead, and
// the outcome is recorded. Otherwise result_content_ holds what the outcome
// entry will record, and m.raw is the redacted result when it was redacted.
bool Session::inspect_result(PendingRequest& request, Message& m) {
  if (content_->raw_is_clean(m.raw)) return true;  // nothing to find: no parse, bytes untouched
  if (!load_body(m)) return true;  // the caller answers an unreadable result
  auto result = m.body.find("result");
  if (result == m.body.end()) return true;
  ResultCheck check = content_->check_result(request.method, request.tool, *result);
  if (check.report.empty() && !check.withhold) return true;  // nothing found: the bytes go on untouched
  result_content_ = content_record(check.report, &check.verdict, check.withhold);
  report_content_trust(request.tool, check.report);
  if (check.withhold) {
    withhold_result(request, m, check);
    return false;
  }
  if (check.changed) m.raw = rpc::dump_wire(m.body);
  return true;
}

void Session::withhold_result(const PendingRequest& request, Message& m, const ResultCheck& check) {
  spdlog::warn("withheld the result of {} {}", request.method, request.tool);
  record_outcome(request, m.body.contains("error") ? Outcome::kError : Outcome::kOk, &m);
  json details = {{"action", check.report.incomplete ? "withhold" : policy::response_action_name(check.verdict.action)},
                  {"findings", finding_list(check.report)}};  // kinds and places; no hashes, no values
  if (request.audit_seq >= 0) details["audit_seq"] = request.audit_seq;
  std::string text = withheld_text(request, check);
  if (request.spec->id == GovernedMethod::kToolsCall && !request.task_augmented) {
    return output_.send_to_client(rpc::make_result_reply(request.id, withheld_result(text, details)));
  }
  ++counters_.client_errors_answered;
  output_.send_to_client(rpc::make_error_reply(request.id, kPolicyDenied, text, json{{"mcp-warden", std::move(details)}}));
}

// A server whose answers carry secrets, or text aimed at the model, loses
// trust. (A secret in the client's arguments is the model's doing: it never
// reaches this.)
void Session::report_content_trust(const std::string& tool, const inspect::Report& report) {
  if (report.has(inspect::Kind::kSecret)) {
    report_trust(trust::EventKind::kResultSecret, tool,
                 "the answer carried " + std::to_string(report.count(inspect::Kind::kSecret)) + " secret(s)");
  }
  if (report.has(inspect::Kind::kHiddenInstruction)) {
    report_trust(trust::EventKind::kResultHiddenInstructions, tool,
                 "the answer carried " + std::to_string(report.count(inspect::Kind::kHiddenInstruction)) +
                     " hidden instruction(s)");
  }
}

// A tools/list page: hidden instructions in its tools are noted for the
// catalog entry and stripped where the policy says so, before the catalog
// is built from it. True when `result` changed.
bool Session::inspect_tool_list(json& result) {
  if (!content_) return false;
  ResultCheck check = content_->check_tool_list(result);
  if (check.report.empty()) return false;
  if (catalog_findings_.is_null()) catalog_findings_ = json::array();
  catalog_findings_.push_back(content_record(check.report, &check.verdict));
  return check.changed;
}

// Once per recorded listing: the trust event for what its descriptions hid.
void Session::note_catalog_findings(json& payload) {
  if (catalog_findings_.is_null()) return;
  std::size_t count = 0;
  for (const json& page : catalog_findings_) {
    for (const json& finding : page["findings"]) count += finding.value("count", std::size_t{0});
  }
  payload["content"] = std::move(catalog_findings_);
  catalog_findings_ = nullptr;
  report_trust(trust::EventKind::kResultHiddenInstructions, {},
               "the tool descriptions carried " + std::to_string(count) + " hidden instruction(s)");
}

}  // namespace mcp_warden::proxy
