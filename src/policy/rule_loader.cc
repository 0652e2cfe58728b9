#include "rule_loader.h"

#include <algorithm>
#include <charconv>

#include "arg_loader.h"
#include "content_loader.h"
#include "mcp_warden/policy/call_context.h"
#include "yaml_util.h"

namespace mcp_warden::policy::internal {
namespace {

constexpr int64_t kMaxRateCount = 1'000'000'000;
constexpr int kMaxTrustScore = 1000;

// What a `secret: true` rule without `method:` applies to: every
// client→server method that can name a file or carry one's content, so a
// credential stays out of reach whichever channel asks for it.
const std::vector<std::string> kSecretRuleMethods = {
    "tools/call", "resources/read", "resources/subscribe", "prompts/get", "completion/complete"};

Status read_annotation_match(const std::string& origin, const YAML::Node& node, Match* match) {
  Status s = check_keys(origin, node, "annotations",
                        {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"});
  if (!s.is_ok()) return s;
  struct Slot { const char* key; std::optional<bool>* out; };
  for (Slot slot : {Slot{"readOnlyHint", &match->read_only}, Slot{"destructiveHint", &match->destructive},
                    Slot{"idempotentHint", &match->idempotent}, Slot{"openWorldHint", &match->open_world}}) {
    if (!node[slot.key]) continue;
    Result<bool> value = read_bool(origin, node[slot.key], slot.key);
    if (!value.is_ok()) return value.status();
    *slot.out = *value;
  }
  return Status::ok();
}

Status read_trust_bound(const std::string& origin, const YAML::Node& node, const char* key,
                        std::optional<int>* out) {
  if (!node[key]) return Status::ok();
  Result<int64_t> value = read_int(origin, node[key], std::string("trust.") + key);
  if (!value.is_ok()) return value.status();
  if (*value < 0 || *value > kMaxTrustScore) {
    return error_at(origin, node[key], std::string("trust.") + key + " must be between 0 and 1000");
  }
  *out = static_cast<int>(*value);
  return Status::ok();
}

Status read_trust_match(const std::string& origin, const YAML::Node& node, Match* match) {
  Status s = check_keys(origin, node, "trust", {"below", "at_least"});
  if (s.is_ok()) s = read_trust_bound(origin, node, "below", &match->trust_below);
  if (s.is_ok()) s = read_trust_bound(origin, node, "at_least", &match->trust_at_least);
  return s;
}

Status read_optional_bool(const std::string& origin, const YAML::Node& node, const char* what,
                          std::optional<bool>* out) {
  Result<bool> value = read_bool(origin, node, what);
  if (!value.is_ok()) return value.status();
  *out = *value;
  return Status::ok();
}

Status read_list_into(const std::string& origin, const YAML::Node& node, const char* what,
                      std::vector<std::string>* out) {
  if (!node) return Status::ok();
  Result<std::vector<std::string>> list = read_string_list(origin, node, what);
  if (!list.is_ok()) return list.status();
  *out = std::move(list).value();
  return Status::ok();
}

Status read_words(const std::string& origin, const YAML::Node& node, const char* what,
                  std::vector<std::string>* out) {
  Status s = read_list_into(origin, node, what, out);
  for (std::string& word : *out) word = fold_case(word);
  std::sort(out->begin(), out->end());  // searched with binary_search
  return s;
}

Result<Match> parse_match(const std::string& origin, const YAML::Node& node,
                          const PathNormalizer& normalizer) {
  Match match;
  Status s = check_keys(origin, node, "match",
                        {"method", "solicited", "url_host", "server", "tool", "annotations", "tool_words",
                         "not_tool_words", "args", "trust", "tier", "content"});
  if (s.is_ok()) s = read_list_into(origin, node["method"], "method", &match.methods);
  if (s.is_ok() && node["method"] && match.methods.empty()) s = error_at(origin, node["method"], "method: must name at least one method");
  if (s.is_ok() && node["solicited"]) s = read_optional_bool(origin, node["solicited"], "solicited", &match.solicited);
  if (s.is_ok()) s = read_list_into(origin, node["url_host"], "url_host", &match.url_hosts);
  for (std::string& host : match.url_hosts) host = fold_case(host);
  if (s.is_ok()) s = read_list_into(origin, node["server"], "server", &match.servers);
  if (s.is_ok()) s = read_list_into(origin, node["tool"], "tool", &match.tools);
  if (s.is_ok() && node["annotations"]) s = read_annotation_match(origin, node["annotations"], &match);
  if (s.is_ok()) s = read_words(origin, node["tool_words"], "tool_words", &match.tool_words);
  if (s.is_ok()) s = read_words(origin, node["not_tool_words"], "not_tool_words", &match.not_tool_words);
  if (s.is_ok() && node["trust"]) s = read_trust_match(origin, node["trust"], &match);
  if (s.is_ok()) s = read_list_into(origin, node["tier"], "tier", &match.tiers);
  if (s.is_ok() && node["args"]) s = parse_arg_conditions(origin, node["args"], normalizer, &match.args);
  if (s.is_ok() && node["content"]) {
    Result<inspect::KindSet> kinds = parse_content_kinds(origin, node["content"]);
    if (kinds.is_ok()) match.content = *kinds;
    s = kinds.status();
  }
  if (!s.is_ok()) return s;
  match.url_host_globs = make_globs(match.url_hosts);
  match.server_globs = make_globs(match.servers);
  match.tool_globs = make_globs(match.tools);
  return match;
}

Status read_action(const std::string& origin, const YAML::Node& rule_node, Rule* rule) {
  if (!rule_node["action"]) return error_at(origin, rule_node, "rule \"" + rule->name + "\" has no action");
  const YAML::Node node = rule_node["action"];
  Result<std::string> text = read_string(origin, node, "action");
  if (!text.is_ok()) return text.status();
  std::optional<Action> action = parse_action(*text);
  if (!action) {
    return error_at(origin, node, "unknown action \"" + *text + "\" (expected allow, deny, warn, ask or log)");
  }
  rule->action = *action;
  return Status::ok();
}

// `fallback:` of an ask rule: what happens where the client cannot show a
// question — `grant` (the default: denied with a one-time grant code) or an
// action other than ask.
Status read_ask_fallback(const std::string& origin, const YAML::Node& node, Rule* rule) {
  if (!node) return Status::ok();
  if (rule->action != Action::kAsk) return error_at(origin, node, "fallback applies only to a rule whose action is ask");
  Result<std::string> text = read_string(origin, node, "fallback");
  if (!text.is_ok()) return text.status();
  if (*text == "grant") return Status::ok();
  std::optional<Action> action = parse_action(*text);
  if (!action || *action == Action::kAsk) {
    return error_at(origin, node, "unknown fallback \"" + *text + "\" (expected grant, deny, warn, log or allow)");
  }
  rule->ask_fallback = *action;
  return Status::ok();
}

Status read_rate_limit(const std::string& origin, const YAML::Node& node, Rule* rule) {
  if (!node) return Status::ok();
  std::optional<RateLimit> limit = node.IsScalar() ? parse_rate_limit(node.Scalar()) : std::nullopt;
  if (!limit) {
    return error_at(origin, node, "bad rate_limit \"" + (node.IsScalar() ? node.Scalar() : "") +
                                      "\" (expected N/second, N/minute, N/hour or N/day, N from 1 to 1000000000)");
  }
  if (rule->action == Action::kDeny) {
    return error_at(origin, node, "rate_limit on a deny rule has no effect; put it on an allow, warn or log rule");
  }
  rule->rate_limit = limit;
  return Status::ok();
}

Status read_rule_texts(const std::string& origin, const YAML::Node& node, Rule* rule) {
  Result<std::string> name = node["name"] ? read_string(origin, node["name"], "rule name")
                                          : Result<std::string>(error_at(origin, node, "rule has no name"));
  if (!name.is_ok()) return name.status();
  if (name->empty()) return error_at(origin, node["name"], "rule name must not be empty");
  rule->name = *name;
  if (!node["reason"]) return Status::ok();
  Result<std::string> reason = read_string(origin, node["reason"], "reason");
  if (!reason.is_ok()) return reason.status();
  rule->reason = *reason;
  return Status::ok();
}

}  // namespace

std::optional<RateLimit> parse_rate_limit(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  int64_t count = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + slash, count);
  if (ec != std::errc() || ptr != text.data() + slash || count < 1 || count > kMaxRateCount) {
    return std::nullopt;
  }
  const std::string unit = text.substr(slash + 1);
  int64_t micros = unit == "second" ? 1'000'000 : unit == "minute" ? 60'000'000
                 : unit == "hour" ? 3'600'000'000 : unit == "day" ? 86'400'000'000 : 0;
  if (micros == 0) return std::nullopt;
  return RateLimit{count, micros, text};
}

Result<Rule> parse_rule(const std::string& origin, const YAML::Node& node,
                        const PathNormalizer& normalizer) {
  Rule rule;
  Status s = check_keys(origin, node, "rule", {"name", "match", "action", "reason", "rate_limit", "secret", "fallback"});
  if (s.is_ok()) s = read_rule_texts(origin, node, &rule);
  if (s.is_ok()) s = read_action(origin, node, &rule);
  if (s.is_ok()) s = read_rate_limit(origin, node["rate_limit"], &rule);
  if (s.is_ok()) s = read_ask_fallback(origin, node["fallback"], &rule);
  if (!s.is_ok()) return s;
  if (node["secret"]) {
    Result<bool> secret = read_bool(origin, node["secret"], "secret");
    if (!secret.is_ok()) return secret.status();
    rule.secret = *secret;
  }
  if (node["match"]) {
    Result<Match> match = parse_match(origin, node["match"], normalizer);
    if (!match.is_ok()) return match.status();
    rule.match = std::move(match).value();
  }
  if (rule.match.methods.empty()) {
    rule.match.methods = rule.secret ? kSecretRuleMethods : std::vector<std::string>{std::string(kToolsCallMethod)};
  }
  rule.match.method_globs = make_globs(rule.match.methods);
  rule.origin = where(origin, node);
  rule.definition = yaml_to_json(node);
  return rule;
}

}  // namespace mcp_warden::policy::internal
