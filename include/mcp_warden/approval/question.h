// The question mcp-warden puts to a person about one call, and how their
// answer is read.
//
// The question is an MCP `elicitation/create` in form mode: a message a
// person can decide on (the server, the tool, the arguments — secrets
// redacted, long values shortened —, the server's trust, and why the policy
// asks) and one field, `decision`, a single choice titled
//   once     "Allow once"
//   session  "Allow for this session"
//   deny     "Deny".
// An answer counts as an approval only when it is `accept` with content
// exactly {"decision": "once" | "session"}; anything else is read as what it
// is (the person chose deny, declined, cancelled) or, when it is not an
// elicitation result of this form at all, as malformed — which, like every
// answer that is not an approval, denies the call.
//
// A server's answer held by a response rule that asks is put the same way,
// with the same field and values, titled for an answer:
//   once     "Deliver it"
//   session  "Deliver this tool's answers for this session"
//   deny     "Withhold it"
// and a message that names the server, the method and subject, what was
// found (kinds and counts, never a value), the trust score and tier, and
// the rule. The answer is read by the same read_answer().
//
// Thread safety: pure functions. Nothing here touches disk.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcp_warden::approval {

struct QuestionFacts {
  std::string server;
  std::string method;  // "tools/call", "resources/read", …
  std::string subject;  // the tool's name, the resource's URI, …
  const nlohmann::json* arguments = nullptr;
  std::optional<int> trust_score;
  std::optional<std::string> trust_tier;
  std::string reason;  // the policy's decision reason (why it asks)
};

// The params of the elicitation/create request.
nlohmann::json elicitation_params(const QuestionFacts& facts);

struct ResultFacts {
  std::string server;
  std::string method;   // the request's method: "tools/call", "resources/read", …
  std::string subject;  // the tool's name, the resource's URI, …
  std::vector<std::pair<std::string, std::size_t>> found;  // kind → how many
  std::optional<int> trust_score;
  std::optional<std::string> trust_tier;
  std::string rule;    // the response rule that asks
  std::string reason;  // its reason
};

// The params of the elicitation/create request about a held answer.
nlohmann::json result_elicitation_params(const ResultFacts& facts);

// What became of a question.
enum class Answer {
  kAllowOnce,
  kAllowSession,
  kDenied,      // accept, with decision "deny"
  kDeclined,    // action "decline"
  kCancelled,   // action "cancel" (dismissed)
  kMalformed,   // not an elicitation result of the question's form
  kClientError, // the client answered with a JSON-RPC error
  kNoAnswer,    // the session ended first
  kTimedOut,    // no answer within --ask-timeout
  kWithdrawn,   // the requester cancelled the request first
};

// "allow_once", "allow_session", "deny", "decline", "cancel", "malformed",
// "client_error", "no_answer", "timeout", "withdrawn".
std::string_view answer_name(Answer answer);
bool approves(Answer answer);

// Reads a JSON-RPC response (its whole body) to the question.
Answer read_answer(const nlohmann::json& response);

}  // namespace mcp_warden::approval
