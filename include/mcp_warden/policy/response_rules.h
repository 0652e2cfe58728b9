// ResponseRules: the policy's `responses:` section — what happens to a
// server's answer that carries content findings (inspect/finding.h) before
// the client sees it: the results of tools/call, tasks/result,
// resources/read and prompts/get, and the tools/list listing (its
// descriptions).
//
//   responses:
//     - name: redact-secrets
//       match: {content: [secret, payment_card]}   # required
//       action: redact                             # redact | ask | deny | warn | log
//   (match may also name method:, server:, tool: — fnmatch globs)
//     - name: ask-personal-data
//       match: {tool: [read_*], content: [email, phone]}
//       action: ask          # hold the answer until a person says deliver or withhold
//       fallback: redact     # where the client cannot ask: redact | deny | warn | log
//
// A rule matches an answer when its method, server and tool globs hold (a
// rule without `method:` applies to the four result methods, not to
// tools/list, where `ask` is refused) and the answer holds a finding of one
// of its kinds. Among the matching rules the strongest action wins (deny >
// ask > redact > warn > log); the kinds redacted are those of every
// matching redact or deny rule that were found (an answer a person lets
// through is still redacted for them). An `ask` verdict names the deciding
// rule's fallback and the found kinds of every matching ask rule (what a
// `redact` fallback redacts). `tool:` matches the request's subject: the tool name for tools/call
// and tasks/result, the URI for resources/read, the prompt's name for
// prompts/get, "" for tools/list. A child policy's rules add to its
// parents'; none can be removed. Loaded by policy/loader.cc; immutable.
//
// Thread safety: immutable after loading; safe to read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/inspect/finding.h"
#include "mcp_warden/policy/glob.h"

namespace mcp_warden::policy {

// In rank order: a stronger action outranks a weaker one.
enum class ResponseAction : uint8_t { kLog, kWarn, kRedact, kAsk, kDeny };

// "log", "warn", "redact", "ask", "deny".
const char* response_action_name(ResponseAction action);
std::optional<ResponseAction> parse_response_action(std::string_view text);

// The methods a response rule without `method:` applies to.
inline constexpr std::string_view kResultMethods[] = {"tools/call", "tasks/result", "resources/read", "prompts/get"};

struct ResponseRule {
  std::string name;
  std::string origin;  // "file:line"
  std::string reason;
  std::vector<std::string> methods;  // as written (defaults filled in)
  std::vector<Glob> method_globs;
  std::vector<Glob> server_globs;  // empty: any server
  std::vector<Glob> tool_globs;    // empty: any subject
  inspect::KindSet content;        // never empty
  ResponseAction action = ResponseAction::kLog;
  // `ask` only: what applies where the client cannot ask (never kAsk);
  // none: withheld, with a one-time grant code for the identical call.
  std::optional<ResponseAction> ask_fallback;

  bool applies_to(std::string_view method, std::string_view server, std::string_view tool) const;
};

// What the rules say about one answer.
struct ResponseVerdict {
  bool matched = false;
  ResponseAction action = ResponseAction::kLog;
  std::string rule;        // the deciding rule's name ("" when none matched)
  std::string reason;      // its reason, or a sentence naming it
  inspect::KindSet redact; // found kinds that matching redact/deny rules name
  inspect::KindSet asked;  // found kinds that matching ask rules name
  std::optional<ResponseAction> ask_fallback;  // the deciding ask rule's fallback
};

class ResponseRules {
 public:
  void add(ResponseRule rule) {
    asks_ = asks_ || rule.action == ResponseAction::kAsk;
    rules_.push_back(std::move(rule));
  }
  const std::vector<ResponseRule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

  // The kinds the rules applying to (method, server, tool) look for.
  inspect::KindSet watched(std::string_view method, std::string_view server, std::string_view tool) const;
  // Whether a rule that asks may apply to answers of (method, server, tool);
  // false at once when no rule asks.
  bool may_ask(std::string_view method, std::string_view server, std::string_view tool) const {
    return asks_ && any_ask_applies(method, server, tool);
  }
  // The verdict for an answer whose findings have the kinds `found`.
  ResponseVerdict evaluate(std::string_view method, std::string_view server, std::string_view tool,
                           inspect::KindSet found) const;

 private:
  bool any_ask_applies(std::string_view method, std::string_view server, std::string_view tool) const;

  std::vector<ResponseRule> rules_;
  bool asks_ = false;
};

}  // namespace mcp_warden::policy
