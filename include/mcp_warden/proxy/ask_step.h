// The ask step: where a decision of `ask` becomes allow or deny — by a
// person, never by anything in the MCP stream.
//
// It runs after policy, trust (which denies outright what the server's tier
// forbids: such a server is never asked about) and any other judging step,
// and only for decisions that ask. In order:
//   1. a standing grant covers the call (grant_store.h: this session's
//      "allow for this session" for the same tool and rule, or an always
//      grant from the CLI) → allow;
//   2. a once-grant the person confirmed with `mcp-warden grant CODE` for
//      this exact call (server, tool, canonical arguments) → allow, and the
//      grant is used up;
//   3. the client declared form elicitation → mcp-warden's own
//      `elicitation/create` goes to the client (question.h) and the request
//      is pending (other traffic flows meanwhile, the request no longer
//      holding the messages sent after it) until the answer: allow once,
//      allow for this session (recorded as a session grant), or a denial
//      that says whether the person chose deny, declined, cancelled, the
//      answer was malformed, the client failed, the session ended,
//      the client cancelled the request (withdraw_for()) or nobody
//      answered within the timeout (expire_overdue()) — then the
//      question is withdrawn (notifications/cancelled) and a late answer is
//      ignored;
//   4. otherwise the rule's fallback action, or, without one, a denial
//      naming a one-time grant code valid for a few minutes.
// Every question and every settlement is a receipt in the audit chain
// (receipt.h). A database error while reading grants denies (fail closed).
//
// The same step asks about a server's *answer* a response rule holds
// (`action: ask` under responses:; ask_about_result()), in the same order:
// a standing grant for the tool and response rule, or a redeemed grant code
// for the identical call's answer → deliver; a question (deliver · deliver
// this tool's answers for this session · withhold) → deliver, or withhold
// with a sentence that says why (declined, cancelled, no answer within the
// timeout, the request cancelled, the session ended); no way to ask → the
// rule's fallback, or withhold with a one-time grant code (bound to
// approval::result_digest(), so it never passes the call itself). Receipts
// carry "about": "result".
//
// Thread safety: the relay thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mcp_warden/approval/grant_store.h"
#include "mcp_warden/approval/question.h"
#include "mcp_warden/policy/response_rules.h"
#include "mcp_warden/proxy/governance_steps.h"
#include "mcp_warden/proxy/pipeline.h"
#include "mcp_warden/rpc/message.h"

namespace mcp_warden::proxy {

// How the step reaches the person: the Session's side of it.
struct AskChannel {
  using OnAnswer = std::function<void(const rpc::Message* response)>;
  // True when the client declared the elicitation capability for form mode.
  std::function<bool()> can_elicit;
  // Sends elicitation/create with `params`; returns the request's id.
  // `on_answer` runs once, with the response or nullptr (the session ended).
  std::function<std::string(nlohmann::json params, OnAnswer on_answer)> ask;
  // Takes back a question not answered (on_answer never runs for it).
  std::function<void(const std::string& id, const std::string& reason)> withdraw;
  // The request now waits on a person (may be empty).
  std::function<void(GovernedRequest& request)> on_waiting;
};

struct AskSettings {
  std::string session_id;
  int64_t timeout_ms = 120'000;             // --ask-timeout
  int64_t code_ttl_us = 5LL * 60 * 1'000'000;  // a grant code's validity
  std::string grant_command = "mcp-warden grant";  // what the person runs, before the code
};

// A server's answer held by a response rule that asks.
struct ResultQuestion {
  approval::ResultFacts facts;  // what the person is shown
  nlohmann::json request_id;    // the client's request (withdraw_for() finds it)
  std::string policy;           // the policy's name
  std::string digest;           // approval::result_digest() of the call; "" when unknown
  std::optional<policy::ResponseAction> fallback;  // the rule's, where the client cannot ask
};

// What becomes of a held answer.
struct ResultSettlement {
  enum class Kind : uint8_t { kDeliver, kWithhold, kFallback };
  Kind kind = Kind::kWithhold;
  policy::ResponseAction fallback = policy::ResponseAction::kDeny;  // kFallback: the action that applies
  std::string why;  // kWithhold: the sentence the client is given
  std::string answer;  // the receipt's answer ("allow_once", "decline", "redeemed", …)
};

class AskStep : public RequestStep {
 public:
  using ResultSettled = std::function<void(const ResultSettlement& settlement)>;
  // Asks about a held answer; `settled` runs once, now or later, on the
  // relay thread. The caller keeps the answer until then.
  virtual void ask_about_result(ResultQuestion question, ResultSettled settled) = 0;
  // Denies every question open longer than the timeout.
  virtual void expire_overdue() = 0;
  // The client cancelled its request `id` (notifications/cancelled): a
  // question still open about it (or its held answer) is withdrawn and the
  // request denied (the answer withheld).
  virtual void withdraw_for(const nlohmann::json& id) = 0;
  virtual std::size_t open_questions() const = 0;
};

// `grants` may be null (no database): then nothing is covered by a grant,
// no session grant is kept and no code can be offered.
std::unique_ptr<AskStep> make_ask_step(const StepServices& services, AskChannel channel,
                                       approval::GrantStore* grants, AskSettings settings);

}  // namespace mcp_warden::proxy
