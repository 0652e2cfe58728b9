// Content inspection of what the server answers: results before the client
// sees them, tool listings before the catalog is built from them. See
// content_inspection.h and session.h.
#include <spdlog/spdlog.h>

#include "mcp_warden/proxy/session.h"
#include "mcp_warden/rpc/reply.h"
#include "mcp_warden/trust/tier.h"

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
  if (check.ask) {
    hold_result(request, m, std::move(check));
    return false;
  }
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
  send_withheld(request, m, withheld_text(request, check), std::move(details));
}

// The client's answer in place of a withheld result: for a plain tools/call
// a CallToolResult with isError (the model reads it), otherwise an error.
void Session::send_withheld(const PendingRequest& request, const Message&, const std::string& text, json details) {
  if (request.audit_seq >= 0) details["audit_seq"] = request.audit_seq;
  if (request.spec->id == GovernedMethod::kToolsCall && !request.task_augmented) {
    return output_.send_to_client(rpc::make_result_reply(request.id, withheld_result(text, details)));
  }
  ++counters_.client_errors_answered;
  output_.send_to_client(rpc::make_error_reply(request.id, kPolicyDenied, text, json{{"mcp-warden", std::move(details)}}));
}

// ---- answers held for a person (a response rule that asks) -----------------

// One held answer: the request it answers, the response as received (its
// body built), what the inspection found and what the outcome will record.
struct HeldResult {
  PendingRequest request;
  Message response;
  ResultCheck check;
  json content;
  std::size_t bytes = 0;
};

// The answer waits (other traffic flows); a marker keeps its id in use, so
// the client cannot slip another request under it and the server's second
// answer to it is a forgery. The ask step settles it, now or later.
void Session::hold_result(PendingRequest& request, Message& m, ResultCheck check) {
  auto held = std::make_shared<HeldResult>();
  held->request = std::move(request);
  held->response = std::move(m);
  held->check = std::move(check);
  held->content = std::move(result_content_);
  held->bytes = held->response.raw.size();
  held_result_bytes_ += held->bytes;
  PendingRequest marker(held->request.id, held->request.method, held->request.started_nanos);
  marker.held_answer = true;
  client_pending_.insert(std::move(marker));
  ResultQuestion question;
  question.facts.server = options_.server_name;
  question.facts.method = held->request.method;
  question.facts.subject = held->request.tool;
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    auto kind = static_cast<inspect::Kind>(i);
    if (held->check.report.has(kind)) question.facts.found.emplace_back(inspect::kind_name(kind), held->check.report.count(kind));
  }
  if (governance_.trust != nullptr) {
    question.facts.trust_score = governance_.trust->score();
    question.facts.trust_tier = std::string(trust::tier_name(trust::tier_for_score(*question.facts.trust_score)));
  }
  question.facts.rule = held->check.verdict.rule;
  question.facts.reason = held->check.verdict.reason;
  question.request_id = held->request.id;
  question.policy = governance_.policy->name();
  question.digest = held->request.result_digest;
  question.fallback = held->check.verdict.ask_fallback;
  spdlog::info("holding the answer to {} {} for a person (response rule \"{}\")", held->request.method,
               held->request.tool, held->check.verdict.rule);
  ask_step_->ask_about_result(std::move(question),
                              [this, held](const ResultSettlement& settlement) { settle_held_result(*held, settlement); });
}

void Session::settle_held_result(HeldResult& held, const ResultSettlement& settlement) {
  held_result_bytes_ -= held.bytes;
  struct Forget {
    json& content;
    ~Forget() { content = nullptr; }
  } forget{result_content_};
  PendingRequest* marker = client_pending_.find(held.request.id);
  const bool waiting = marker != nullptr && marker->held_answer;
  if (waiting) client_pending_.take(held.request.id);
  result_content_ = std::move(held.content);
  if (result_content_.is_object()) result_content_["answer"] = settlement.answer;
  Message& m = held.response;
  const Outcome outcome = m.body.contains("error") ? Outcome::kError : Outcome::kOk;
  if (!waiting || settlement.kind == ResultSettlement::Kind::kWithhold) {
    if (result_content_.is_object()) result_content_["withheld"] = true;
    record_outcome(held.request, outcome, &m);
    if (!waiting) return;  // the client gave up on it, or was answered already (the server exited)
    json details = {{"action", "deny"}, {"rule", held.check.verdict.rule}, {"answer", settlement.answer},
                    {"findings", finding_list(held.check.report)}};
    return send_withheld(held.request, m, settlement.why, std::move(details));
  }
  deliver_held_result(held, settlement);
}

// A person let it through (or the rule's fallback applies): the bytes as the
// server sent them, unless another rule redacts or the fallback changes them.
void Session::deliver_held_result(HeldResult& held, const ResultSettlement& settlement) {
  Message& m = held.response;
  json& result = m.body["result"];
  std::optional<policy::ResponseAction> fallback;
  if (settlement.kind == ResultSettlement::Kind::kFallback) fallback = settlement.fallback;
  content_->settle_ask(held.check, result, fallback);
  json content = content_record(held.check.report, &held.check.verdict, held.check.withhold);
  content["answer"] = settlement.answer;
  result_content_ = std::move(content);
  if (held.check.withhold) return withhold_result(held.request, m, held.check);
  if (held.check.changed) m.raw = rpc::dump_wire(m.body);
  if (deliver_governed_response(held.request, m)) output_.send_to_client(std::move(m.raw));
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
