// The policy model as loaded: rules, their match conditions and rate limits.
// Internal to mcp_warden_policy; built by loader.cc, read by evaluator.cc.
// Immutable after loading, so shared read-only between evaluations.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "mcp_warden/inspect/finding.h"
#include "mcp_warden/policy/decision.h"
#include "mcp_warden/policy/glob.h"
#include "mcp_warden/policy/path_pattern.h"
#include "mcp_warden/policy/response_rules.h"
#include "mcp_warden/policy/retention_rules.h"
#include "quick_groups.h"
#include "quick_reject.h"

namespace mcp_warden::policy::internal {

// One operator of an `args:` condition.
enum class ArgOp { kEquals, kIn, kGlob, kRegex, kPrefix, kUnder, kPathGlob, kMaxLength, kGt, kLt };

struct ArgCondition {
  bool any_string = false;                // path "*": every string anywhere
  std::vector<std::string> pointer;       // otherwise JSON Pointer tokens, unescaped
  size_t pointer_slot = 0;                // the same for equal pointers (assign_pointer_slots)
  std::string path_text;                  // as written, for reasons
  ArgOp op = ArgOp::kEquals;
  bool negate = false;                    // `not: true`
  nlohmann::json values;                  // equals: [v]; in: [v...]
  std::vector<std::string> texts;         // glob / prefix / under (normalised)
  std::vector<Glob> globs;                // glob, compiled from texts
  std::shared_ptr<const RE2> regex;
  PathPatternSet patterns;                // path_glob
  std::vector<std::string> examples;      // path_glob: a concrete path each pattern matches (path_roles.h)
  double number = 0;                      // max_length / gt / lt
};

struct Match {
  // The governed methods the rule applies to (fnmatch globs on the method
  // name, e.g. "resources/read", "tasks/*"). Never empty once loaded: a rule
  // without `method:` applies to tools/call, a `secret: true` one to every
  // client→server method (kSecretRuleMethods).
  std::vector<std::string> methods;
  std::vector<Glob> method_globs;     // compiled from methods
  std::optional<bool> solicited;      // server→client requests: a forwarded call is in flight
  std::vector<std::string> url_hosts; // fnmatch globs on a URL elicitation's host
  std::vector<Glob> url_host_globs;
  std::vector<std::string> servers;  // fnmatch globs; empty = any server
  std::vector<std::string> tools;    // fnmatch globs; empty = any tool
  std::vector<Glob> server_globs;    // compiled from servers
  std::vector<Glob> tool_globs;      // compiled from tools
  std::optional<bool> read_only, destructive, idempotent, open_world;
  std::vector<std::string> tool_words;      // holds when any name word is listed
  std::vector<std::string> not_tool_words;  // holds when no name word is listed
  std::vector<ArgCondition> args;       // all must hold
  std::optional<int> trust_below, trust_at_least;
  std::vector<std::string> tiers;
  // `content:`: holds when the request's arguments carry a finding of one of
  // these kinds (CallContext::content_found); empty = no condition.
  inspect::KindSet content;

  // True when the match depends only on server, tool and annotations.
  bool is_static() const {
    return args.empty() && !trust_below && !trust_at_least && tiers.empty() && !solicited && url_hosts.empty() &&
           content.empty();
  }
};

struct RateLimit {
  int64_t count = 0;
  int64_t period_micros = 0;
  std::string text;  // "30/minute"
};

struct Rule {
  std::string name;
  std::string origin;  // "file:line"
  std::string policy;  // name of the policy that defined it
  Match match;
  Action action = Action::kDeny;
  std::string reason;
  bool secret = false;
  std::optional<RateLimit> rate_limit;
  std::optional<Action> ask_fallback;  // action ask: `fallback:` (unset = grant code)
  nlohmann::json definition;
};

struct Model {
  std::string name;
  std::string description;
  Action default_action = Action::kDeny;
  std::string default_reason;
  std::string default_origin;
  std::vector<Rule> rules;  // parents' rules first, in order
  std::vector<std::pair<std::string, std::string>> sources;  // child first
  // Rules whose `tool:` lists only literal names, by name; every other rule.
  // Both ascending, so merging them keeps file order (see index_rules()).
  std::unordered_map<std::string, std::vector<size_t>> rules_by_tool;
  std::vector<size_t> rules_for_any_tool;
  // Distinct JSON Pointers of args conditions, by slot (see call_view.h).
  std::vector<std::vector<std::string>> pointers;
  // One per rule: a cheap look at one of its args conditions (quick_reject.h).
  std::vector<QuickReject> quick_rejects;
  // The same, indexed by value across rules (quick_groups.h).
  QuickGroups quick_groups;
  ResponseRules responses;  // `responses:`, parents' first
  RetentionRules retention = RetentionRules::defaults();  // `retention_rules:`, the child's win
  std::string shadow;       // name or path of the shadow policy, or ""
  std::string shadow_base;  // directory relative shadow paths resolve against
};

}  // namespace mcp_warden::policy::internal
