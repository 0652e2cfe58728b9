// The ask step. See ask_step.h.
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "mcp_warden/approval/call_digest.h"
#include "mcp_warden/approval/question.h"
#include "mcp_warden/approval/receipt.h"
#include "mcp_warden/proxy/ask_step.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {
namespace {

using approval::Answer;
using approval::CallKey;
using approval::Grant;
using approval::Receipt;
using policy::Action;

constexpr int64_t kNanosPerMilli = 1'000'000;

std::string in_quotes(const std::string& text) { return "\"" + text + "\""; }

// "policy \"moderate\", rule \"ask-destructive\"".
std::string rule_text(const policy::Decision& d) {
  return "policy " + in_quotes(d.policy) + ", rule " + in_quotes(d.rule);
}

// The receipt of a one-time grant code offered where the client cannot ask:
// the request (or answer) is denied now, the code allows it once.
Receipt code_offered(Receipt r, const approval::CodeOffer& offer, std::string reason) {
  r.decision = "deny";
  r.how = "grant_code";
  r.answer = "code_offered";
  r.scope = "once";
  r.grant_id = offer.grant.id;
  r.expires_us = offer.grant.expires_us;
  r.reason = std::move(reason);
  return r;
}

std::string why_denied(Answer answer, int64_t timeout_ms) {
  switch (answer) {
    case Answer::kDenied: return "they chose Deny.";
    case Answer::kDeclined: return "they declined.";
    case Answer::kCancelled: return "they dismissed the question (cancel) without allowing it.";
    case Answer::kMalformed: return "the client's answer did not match the question's form, so it counts as a denial.";
    case Answer::kClientError: return "the client could not show the question (it answered with an error).";
    case Answer::kNoAnswer: return "the session ended before anyone answered.";
    case Answer::kWithdrawn: return "the request was cancelled before anyone answered.";
    case Answer::kTimedOut:
      return "nobody answered within " + std::to_string(timeout_ms / 1000) + " s (--ask-timeout).";
    default: return "the answer was not an approval.";
  }
}

class AskStepImpl final : public AskStep {
 public:
  AskStepImpl(const StepServices& services, AskChannel channel, approval::GrantStore* grants, AskSettings settings)
      : services_(services), channel_(std::move(channel)), grants_(grants), settings_(std::move(settings)),
        policy_sha256_(services.policy != nullptr ? services.policy->content_hash() : std::string()) {}

  std::string_view name() const override { return "ask"; }
  std::size_t open_questions() const override { return open_.size(); }

  StepResult on_request(GovernedRequest& request, Resume resume) override {
    if (!request.decision.asks()) return StepResult::kContinue;
    request.asked = true;
    CallKey key = key_of(request);
    if (grants_ != nullptr) {
      if (std::optional<StepResult> covered = covered_by_grant(request, key)) return *covered;
    }
    if (channel_.can_elicit && channel_.can_elicit()) return ask(request, std::move(key), std::move(resume));
    return fall_back(request, key);
  }

  void expire_overdue() override {
    const int64_t now = services_.clock->now_steady_nanos();
    std::vector<uint64_t> overdue;
    for (const auto& [id, question] : open_) {
      if (question.deadline_nanos <= now) overdue.push_back(id);
    }
    for (uint64_t id : overdue) {
      auto it = open_.find(id);
      if (it == open_.end()) continue;
      channel_.withdraw(it->second.id, "no answer within the time mcp-warden waits (--ask-timeout)");
      settle(it, Answer::kTimedOut);
    }
  }

  void withdraw_for(const nlohmann::json& id) override {
    for (auto it = open_.begin(); it != open_.end(); ++it) {
      if (!is_about_client_request(it->second, id)) continue;
      channel_.withdraw(it->second.id, "the request this question was about was cancelled");
      return settle(it, Answer::kWithdrawn);
    }
  }

  void ask_about_result(ResultQuestion question, ResultSettled settled) override {
    CallKey key = result_key_of(question);
    if (grants_ != nullptr) {
      if (std::optional<ResultSettlement> covered = result_covered_by_grant(question, key)) return settled(*covered);
    }
    if (channel_.can_elicit && channel_.can_elicit()) return ask_result(std::move(question), std::move(key), std::move(settled));
    settled(result_fall_back(question, key));
  }

 private:
  struct Question {
    GovernedRequest* request = nullptr;  // a call; null for a held answer
    Resume resume;
    std::optional<ResultQuestion> result;  // a held answer
    ResultSettled settled;
    std::string id;  // the elicitation request's id
    CallKey key;
    int64_t asked_nanos = 0;
    int64_t deadline_nanos = 0;
    int64_t seq = -1;  // the approval_request entry
  };
  using OpenQuestions = std::unordered_map<uint64_t, Question>;

  static bool is_about_client_request(const Question& q, const nlohmann::json& id) {
    if (q.result) return q.result->request_id == id;
    return q.request->spec->direction == Direction::kClientToServer && q.request->message.id == id;
  }

  CallKey key_of(const GovernedRequest& request) const {
    CallKey key;
    key.server = services_.server_name;
    key.tool = request.subject;
    key.policy = request.decision.policy;
    key.rule = request.decision.rule;
    key.session_id = settings_.session_id;
    key.digest = approval::call_digest(key.server, key.tool, request.arguments);
    return key;
  }

  Receipt receipt_of(const GovernedRequest& request, const CallKey& key, audit::EntryKind kind) const {
    Receipt r;
    r.kind = kind;
    r.tool = request.subject;
    r.request_id = rpc::id_key(request.message.id);
    r.method = request.spec->name;
    r.call_digest = key.digest;
    r.policy = key.policy;
    r.policy_sha256 = policy_sha256_;
    r.rule = key.rule;
    return r;
  }

  // Records `receipt`; `on_seq` (if any) gets its sequence number.
  void record(const Receipt& receipt, std::function<void(int64_t)> on_seq = {}) {
    if (!services_.recorder->recording()) return;
    services_.recorder->record(receipt.to_entry(), [on_seq = std::move(on_seq)](Result<int64_t> seq) {
      if (!seq.is_ok()) spdlog::error("audit: cannot record an approval receipt: {}", seq.status().to_string());
      if (seq.is_ok() && on_seq) on_seq(seq.value());
    });
  }

  // ---- 1, 2: grants -------------------------------------------------------

  std::optional<StepResult> covered_by_grant(GovernedRequest& request, const CallKey& key) {
    auto standing = grants_->standing_for(key);
    if (!standing) return unreadable_grants(request, standing.status());
    if (*standing) return allow_by_grant(request, key, **standing, "standing_grant", "covered");
    auto once = grants_->redeem_once(key.server, key.digest);
    if (!once) return unreadable_grants(request, once.status());
    if (*once) return allow_by_grant(request, key, **once, "grant_code", "redeemed");
    return std::nullopt;
  }

  StepResult allow_by_grant(GovernedRequest& request, const CallKey& key, const Grant& grant, const char* how,
                            const char* answer) {
    const std::string scope(approval::scope_name(grant.scope));
    allow(request.decision, "a person's " + scope + " grant " + grant.id + " covers it");
    Receipt r = receipt_of(request, key, audit::EntryKind::kApproval);
    r.decision = "allow";
    r.how = how;
    r.answer = answer;
    r.scope = scope;
    r.grant_id = grant.id;
    r.expires_us = grant.expires_us;
    record(r);
    return StepResult::kContinue;
  }

  StepResult unreadable_grants(GovernedRequest& request, const Status& error) {
    spdlog::error("approvals: cannot read the grants: {}", error.to_string());
    return deny(request.decision, "mcp-warden could not read its approvals (" + error.message() +
                                      "), so this call, which needs a person's approval, was not carried out.");
  }

  // ---- 3: the question ----------------------------------------------------

  StepResult ask(GovernedRequest& request, CallKey key, Resume resume) {
    Question q;
    q.request = &request;
    q.resume = std::move(resume);
    q.key = std::move(key);
    Receipt asked = receipt_of(request, q.key, audit::EntryKind::kApprovalRequest);
    asked.reason = request.decision.reason;
    open_question(std::move(q), approval::elicitation_params(facts_of(request)), std::move(asked));
    if (channel_.on_waiting) channel_.on_waiting(request);
    spdlog::info("asked the person about {} {} ({})", request.spec->name, request.subject, rule_text(request.decision));
    return StepResult::kPending;
  }

  // Puts `params` to the person as question `q` and records `asked`.
  void open_question(Question q, nlohmann::json params, Receipt asked) {
    const uint64_t number = next_question_++;
    const int64_t now = services_.clock->now_steady_nanos();
    q.asked_nanos = now;
    q.deadline_nanos = now + settings_.timeout_ms * kNanosPerMilli;
    Question& open = open_[number] = std::move(q);
    open.id = channel_.ask(std::move(params), [this, number](const rpc::Message* response) { on_answer(number, response); });
    asked.decision = "ask";
    asked.how = "elicitation";
    asked.answer = "asked";
    asked.expires_us = services_.clock->now_unix_micros() + settings_.timeout_ms * 1000;
    record(asked, [this, number](int64_t seq) {
      if (auto it = open_.find(number); it != open_.end()) it->second.seq = seq;
    });
  }

  approval::QuestionFacts facts_of(const GovernedRequest& request) const {
    approval::QuestionFacts facts;
    facts.server = services_.server_name;
    facts.method = request.spec->name;
    facts.subject = request.subject;
    facts.arguments = request.arguments;
    facts.trust_score = request.trust_score;
    facts.trust_tier = request.trust_tier;
    facts.reason = request.decision.reason;
    return facts;
  }

  void on_answer(uint64_t number, const rpc::Message* response) {
    auto it = open_.find(number);
    if (it == open_.end()) {
      spdlog::warn("approvals: an answer came to a question that is already settled; ignored");
      return;
    }
    settle(it, response == nullptr ? Answer::kNoAnswer : approval::read_answer(response->body));
  }

  void settle(OpenQuestions::iterator it, Answer answer) {
    Question q = std::move(it->second);
    open_.erase(it);
    if (q.result) return settle_result(q, answer);
    GovernedRequest& request = *q.request;
    Receipt r = receipt_of(request, q.key, audit::EntryKind::kApproval);
    r.how = "elicitation";
    r.answer = std::string(approval::answer_name(answer));
    r.question_seq = q.seq;
    r.waited_ms = (services_.clock->now_steady_nanos() - q.asked_nanos) / kNanosPerMilli;
    if (approval::approves(answer)) {
      r.scope = answer == Answer::kAllowSession ? keep_for_session(q.key, r.grant_id) : "once";
      allow(request.decision, "a person allowed it (" + std::string(r.scope == "session" ? "for this session" : "once") +
                                  ", asked by elicitation)");
      r.decision = "allow";
    } else {
      deny(request.decision, "mcp-warden asked a person whether to allow this call (" + rule_text(request.decision) +
                                 "), and " + why_denied(answer, settings_.timeout_ms) +
                                 " Do not retry it unless the person asks you to.");
      r.decision = "deny";
      r.reason = request.decision.reason;
    }
    spdlog::info("the person's answer about {} {}: {}", request.spec->name, request.subject, r.answer);
    record(r);
    q.resume();
  }

  // "session" with the new grant's id in `grant_id`; "once" when it could not be kept.
  std::string keep_for_session(const CallKey& key, std::string& grant_id) {
    if (grants_ == nullptr) return "once";
    auto grant = grants_->add_session(key);
    if (!grant) {
      spdlog::error("approvals: cannot keep the session grant ({}); this call only is allowed", grant.status().to_string());
      return "once";
    }
    grant_id = grant->id;
    return "session";
  }

  // ---- 4: no way to ask ---------------------------------------------------

  StepResult fall_back(GovernedRequest& request, const CallKey& key) {
    policy::Decision& d = request.decision;
    if (d.ask_fallback) return apply_fallback(request, key, *d.ask_fallback);
    if (grants_ == nullptr) {
      return deny(d, "mcp-warden policy " + in_quotes(d.policy) + " (rule " + in_quotes(d.rule) +
                         ") needs a person's approval for this call, and neither can this client ask one nor can "
                         "mcp-warden offer a grant code (its database is unavailable).");
    }
    auto offer = grants_->offer_code(key, settings_.code_ttl_us);
    if (!offer) return unreadable_grants(request, offer.status());
    const int64_t minutes = settings_.code_ttl_us / 60'000'000;
    deny(d, "mcp-warden policy " + in_quotes(d.policy) + " (rule " + in_quotes(d.rule) +
                ") needs a person's approval for this call, and this client cannot ask one. Tell the user: to allow "
                "this exact call once, run `" + settings_.grant_command + " " + offer->code + "` within " +
                std::to_string(minutes) + " minutes, then ask me to retry it (the same tool with the same arguments).");
    record(code_offered(receipt_of(request, key, audit::EntryKind::kApprovalRequest), *offer, d.reason));
    return StepResult::kStop;
  }

  StepResult apply_fallback(GovernedRequest& request, const CallKey& key, Action fallback) {
    policy::Decision& d = request.decision;
    const std::string name = policy::action_name(fallback);
    Receipt r = receipt_of(request, key, audit::EntryKind::kApproval);
    r.how = "fallback";
    r.answer = name;
    r.decision = fallback == Action::kDeny ? "deny" : "allow";
    d.action = fallback;
    d.reason += " This client cannot ask a person, so the rule's fallback (" + name + ") applies.";
    r.reason = d.reason;
    record(r);
    return fallback == Action::kDeny ? StepResult::kStop : StepResult::kContinue;
  }

  // ---- a held answer (response rules that ask) ---------------------------

  // A held answer's grants live beside the calls' under the rule
  // "responses/<name>", so a response rule never shares a grant with a
  // request rule of the same name.
  CallKey result_key_of(const ResultQuestion& question) const {
    CallKey key;
    key.server = question.facts.server;
    key.tool = question.facts.subject;
    key.policy = question.policy;
    key.rule = "responses/" + question.facts.rule;
    key.session_id = settings_.session_id;
    key.digest = question.digest;
    return key;
  }

  Receipt result_receipt(const ResultQuestion& question, const CallKey& key, audit::EntryKind kind) const {
    Receipt r;
    r.kind = kind;
    r.about = "result";
    r.tool = question.facts.subject;
    r.request_id = rpc::id_key(question.request_id);
    r.method = question.facts.method;
    r.call_digest = key.digest;
    r.policy = key.policy;
    r.policy_sha256 = policy_sha256_;
    r.rule = question.facts.rule;
    return r;
  }

  static ResultSettlement delivered(std::string answer) {
    ResultSettlement s;
    s.kind = ResultSettlement::Kind::kDeliver;
    s.answer = std::move(answer);
    return s;
  }

  static ResultSettlement withheld(std::string why, std::string answer) {
    ResultSettlement s;
    s.kind = ResultSettlement::Kind::kWithhold;
    s.why = std::move(why);
    s.answer = std::move(answer);
    return s;
  }

  // "the server's answer to tools/call \"read_file\" (response rule \"ask-pii\")".
  static std::string answer_text(const ResultQuestion& q) {
    return "the server's answer to " + q.facts.method + " " + in_quotes(q.facts.subject) + " (response rule " +
           in_quotes(q.facts.rule) + ")";
  }

  std::optional<ResultSettlement> result_covered_by_grant(const ResultQuestion& question, const CallKey& key) {
    auto standing = grants_->standing_for(key);
    if (!standing) return unreadable_result_grants(standing.status());
    if (*standing) return deliver_by_grant(question, key, **standing, "standing_grant", "covered");
    if (key.digest.empty()) return std::nullopt;
    auto once = grants_->redeem_once(key.server, key.digest);
    if (!once) return unreadable_result_grants(once.status());
    if (*once) return deliver_by_grant(question, key, **once, "grant_code", "redeemed");
    return std::nullopt;
  }

  ResultSettlement deliver_by_grant(const ResultQuestion& question, const CallKey& key, const Grant& grant,
                                    const char* how, const char* answer) {
    Receipt r = result_receipt(question, key, audit::EntryKind::kApproval);
    r.decision = "allow";
    r.how = how;
    r.answer = answer;
    r.scope = std::string(approval::scope_name(grant.scope));
    r.grant_id = grant.id;
    r.expires_us = grant.expires_us;
    record(r);
    return delivered(answer);
  }

  static ResultSettlement unreadable_result_grants(const Status& error) {
    spdlog::error("approvals: cannot read the grants: {}", error.to_string());
    return withheld("mcp-warden could not read its approvals (" + error.message() +
                        "), so an answer that needs a person's approval was withheld.",
                    "grants_unreadable");
  }

  void ask_result(ResultQuestion question, CallKey key, ResultSettled settled) {
    spdlog::info("asked the person about the answer to {} {}", question.facts.method, question.facts.subject);
    Question q;
    q.settled = std::move(settled);
    q.key = std::move(key);
    Receipt asked = result_receipt(question, q.key, audit::EntryKind::kApprovalRequest);
    asked.reason = question.facts.reason;
    nlohmann::json params = approval::result_elicitation_params(question.facts);
    q.result = std::move(question);
    open_question(std::move(q), std::move(params), std::move(asked));
  }

  void settle_result(Question& q, Answer answer) {
    const ResultQuestion& question = *q.result;
    Receipt r = result_receipt(question, q.key, audit::EntryKind::kApproval);
    r.how = "elicitation";
    r.answer = std::string(approval::answer_name(answer));
    r.question_seq = q.seq;
    r.waited_ms = (services_.clock->now_steady_nanos() - q.asked_nanos) / kNanosPerMilli;
    ResultSettlement settlement;
    if (approval::approves(answer)) {
      r.scope = answer == Answer::kAllowSession ? keep_for_session(q.key, r.grant_id) : "once";
      r.decision = "allow";
      settlement = delivered(r.answer);
    } else {
      r.decision = "deny";
      r.reason = "mcp-warden held " + answer_text(question) + " and asked a person whether to deliver it, and " +
                 why_denied(answer, settings_.timeout_ms) + " The answer was withheld; do not retry unless the person "
                 "asks you to.";
      settlement = withheld(r.reason, r.answer);
    }
    spdlog::info("the person's answer about the answer to {} {}: {}", question.facts.method, question.facts.subject,
                 r.answer);
    record(r);
    q.settled(settlement);
  }

  ResultSettlement result_fall_back(const ResultQuestion& question, const CallKey& key) {
    if (question.fallback) {
      const std::string name = policy::response_action_name(*question.fallback);
      Receipt r = result_receipt(question, key, audit::EntryKind::kApproval);
      r.how = "fallback";
      r.answer = name;
      r.decision = *question.fallback == policy::ResponseAction::kDeny ? "deny" : "allow";
      r.reason = "this client cannot ask a person, so the response rule's fallback (" + name + ") applies";
      record(r);
      ResultSettlement s;
      s.kind = ResultSettlement::Kind::kFallback;
      s.fallback = *question.fallback;
      s.answer = name;
      return s;
    }
    if (grants_ == nullptr || key.digest.empty()) {
      return withheld("mcp-warden withheld " + answer_text(question) + ": a person must approve it, and this client "
                      "cannot ask one (nor can mcp-warden offer a grant code: its database is unavailable).",
                      "withheld");
    }
    auto offer = grants_->offer_code(key, settings_.code_ttl_us);
    if (!offer) return unreadable_result_grants(offer.status());
    const int64_t minutes = settings_.code_ttl_us / 60'000'000;
    std::string why = "mcp-warden withheld " + answer_text(question) +
                      ": a person must approve it, and this client cannot ask one. Tell the user: to receive this "
                      "answer once, run `" + settings_.grant_command + " " + offer->code + "` within " +
                      std::to_string(minutes) + " minutes, then ask me to retry the call (the same tool with the same "
                      "arguments).";
    record(code_offered(result_receipt(question, key, audit::EntryKind::kApprovalRequest), *offer, why));
    return withheld(std::move(why), "code_offered");
  }

  // ---- settling the decision ---------------------------------------------

  static void allow(policy::Decision& d, const std::string& why) {
    d.action = Action::kAllow;
    d.reason += " Allowed: " + why + ".";
  }

  static StepResult deny(policy::Decision& d, std::string reason) {
    d.action = Action::kDeny;
    d.credential_denial = false;
    d.reason = std::move(reason);
    return StepResult::kStop;
  }

  StepServices services_;
  AskChannel channel_;
  approval::GrantStore* grants_;
  AskSettings settings_;
  std::string policy_sha256_;
  OpenQuestions open_;
  uint64_t next_question_ = 1;
};

}  // namespace

std::unique_ptr<AskStep> make_ask_step(const StepServices& services, AskChannel channel,
                                       approval::GrantStore* grants, AskSettings settings) {
  return std::make_unique<AskStepImpl>(services, std::move(channel), grants, std::move(settings));
}

}  // namespace mcp_warden::proxy
