// Policy::evaluate and Policy::always_denies: rule precedence, default
// action, rate limits and the sentences in Decision::reason.
#include <algorithm>
#include <ctime>

#include "conditions.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/policy/tool_words.h"
#include "policy_impl.h"
#include "quick_reject.h"

namespace mcp_warden::policy {
namespace {

using internal::Evidence;
using internal::Rule;

const char* verb_of(Action action) {
  switch (action) {
    case Action::kAllow: return "allowed";
    case Action::kLog: return "allowed and logged";
    case Action::kWarn: return "allowed with a warning";
    case Action::kAsk: return "holds for a person's approval";
    case Action::kDeny: return "denied";
  }
  return "denied";
}

// `text` as a JSON string literal: quotes, control characters and invalid
// UTF-8 cannot garble the sentence.
std::string in_quotes(std::string_view text) {
  auto plain = [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; };
  if (std::all_of(text.begin(), text.end(), plain)) return "\"" + std::string(text) + "\"";
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "2025-01-31T12:00:05Z" for microseconds since the epoch.
std::string utc_text(int64_t unix_micros) {
  std::time_t seconds = static_cast<std::time_t>(unix_micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// "the call to tool \"x\"", or "the resources/read request for \"file:///a\"".
std::string what_of(const CallContext& call) {
  if (call.method == kToolsCallMethod) return "the call to tool " + in_quotes(call.tool);
  return "the " + std::string(call.method) + " request for " + in_quotes(call.tool);
}

std::string lead_in(const std::string& policy, const std::string& rule, Action action, const CallContext& call) {
  return "mcp-warden policy " + in_quotes(policy) + " (rule " + in_quotes(rule) + ") " + verb_of(action) + " " +
         what_of(call) + ": ";
}

std::string rule_reason(const Rule& rule) {
  if (!rule.reason.empty()) return rule.reason;
  if (rule.action == Action::kAsk) return "the policy wants a person to decide";
  return rule.action == Action::kDeny ? "the policy forbids it" : "the policy permits it";
}

// Names the kinds a `content:` condition found; never a value.
std::string content_text(const Rule& rule, const CallContext& call) {
  std::string kinds;
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    auto kind = static_cast<inspect::Kind>(i);
    if (!rule.match.content.contains(kind) || !call.content_found.contains(kind)) continue;
    kinds += (kinds.empty() ? "" : ", ") + std::string(inspect::kind_name(kind));
  }
  return kinds.empty() ? "" : " (the arguments carry content of kind " + kinds + ")";
}

std::string evidence_text(const Evidence& evidence) {
  if (evidence.pointer.empty()) return "";
  return " (argument " + evidence.pointer + " is " + in_quotes(evidence.value) + ")";
}

std::string with_period(std::string text) {
  if (!text.empty() && text.back() != '.' && text.back() != '!' && text.back() != '?') text += ".";
  return text;
}

std::string rule_decision_reason(const std::string& policy, const Rule& rule, const Evidence& evidence,
                                 const CallContext& call) {
  return with_period(lead_in(policy, rule.name, rule.action, call) + rule_reason(rule) +
                     (rule.match.content.empty() ? evidence_text(evidence) : content_text(rule, call)));
}

// The reason of `rule` deciding `call`; one without evidence or content to
// name depends only on the entry's tool, so it is made once per entry.
std::string cached_rule_reason(const std::string& policy, size_t index, const Rule& rule,
                               const Evidence& evidence, const CallContext& call,
                               internal::StaticMatches::Entry& entry) {
  if (!evidence.pointer.empty() || !rule.match.content.empty()) {
    return rule_decision_reason(policy, rule, evidence, call);
  }
  for (const auto& [cached_index, reason] : entry.rule_reasons) {
    if (cached_index == index) return reason;
  }
  return entry.rule_reasons.emplace_back(index, rule_decision_reason(policy, rule, evidence, call)).second;
}

Decision from_rule(const std::string& policy, size_t index, const Rule& rule, const Evidence& evidence,
                   const CallContext& call, internal::StaticMatches::Entry& entry) {
  Decision d;
  d.action = rule.action;
  d.policy = policy;
  d.rule = rule.name;
  d.reason = cached_rule_reason(policy, index, rule, evidence, call, entry);
  d.credential_denial = rule.secret && rule.action == Action::kDeny;
  if (rule.action == Action::kAsk) d.ask_fallback = rule.ask_fallback;
  return d;
}

// The default decision; its reason is made once per StaticMatches entry.
Decision from_default(const internal::Model& model, const CallContext& call, std::string* cached_reason) {
  Decision d;
  d.action = model.default_action;
  d.policy = model.name;
  d.rule = "default";
  if (cached_reason->empty()) {
    std::string why = model.default_reason.empty()
                          ? std::string("no rule matched, so the default action applies")
                          : model.default_reason;
    *cached_reason = with_period(lead_in(model.name, "default", d.action, call) + why);
  }
  d.reason = *cached_reason;
  return d;
}

void deny_for_rate(Decision& d, const Rule& rule, const CallContext& call, int64_t reset,
                   const Clock& clock) {
  const int64_t wait_seconds = (reset - clock.now_unix_micros() + 999'999) / 1'000'000;
  d.action = Action::kDeny;
  d.rule = rule.name;
  d.credential_denial = false;
  d.rate_limit_reset_unix_micros = reset;
  d.reason = lead_in(d.policy, rule.name, Action::kDeny, call) + "the rate limit of " +
             rule.rate_limit->text + " for tool " + in_quotes(call.tool) + " on server " +
             in_quotes(call.server) + " is used up; try again after " + utc_text(reset) + " (in " +
             std::to_string(wait_seconds) + " s).";
}

}  // namespace

// Rate-limited rules that matched are checked only when the call would
// otherwise go through; a call counts against the limits only when it is
// let through.
Decision Policy::evaluate(const CallContext& call, const Clock& clock) {
  const internal::Model& model = impl_->model;
  internal::CallView view(call, impl_->normalizer, model.pointers, impl_->call_scratch);
  const Rule* best = nullptr;
  size_t best_index = 0;
  Evidence best_evidence;
  std::vector<size_t> limited;
  internal::StaticMatches::Entry& entry = impl_->static_matches.rules_for(model, call, view.annotations());
  std::vector<size_t>& candidates = impl_->candidate_rules;
  internal::QuickPass(model, model.quick_groups, impl_->quick_scratch).may_match(entry.rules, entry.plan, view, &candidates);
  for (size_t i : candidates) {
    const Rule& rule = model.rules[i];
    // Only a rule that would become the best needs its evidence spelled out.
    const bool would_lead = best == nullptr || action_rank(rule.action) > action_rank(best->action);
    Evidence evidence;
    if (!internal::dynamic_match_holds(rule.match, view, would_lead ? &evidence : nullptr)) continue;
    if (rule.rate_limit) limited.push_back(i);
    if (would_lead) {
      best = &rule;
      best_index = i;
      best_evidence = std::move(evidence);
    }
    if (rule.action == Action::kDeny) break;  // nothing outranks the first deny
  }
  Decision d = best != nullptr ? from_rule(model.name, best_index, *best, best_evidence, call, entry)
                               : from_default(model, call, &entry.default_reason);
  // Retention and rate limits tighten an ask too (deny outranks it).
  if (d.action != Action::kDeny) apply_retention(d, call);
  if (d.action != Action::kDeny) apply_rate_limits(d, limited, call, clock);
  if (impl_->shadow) {
    Decision s = impl_->shadow->evaluate(call, clock);
    d.shadow = ShadowDecision{s.action, s.policy, s.rule, s.reason};
  }
  return d;
}

void Policy::apply_rate_limits(Decision& d, const std::vector<size_t>& limited,
                               const CallContext& call, const Clock& clock) {
  const internal::Model& model = impl_->model;
  for (size_t i : limited) {
    const Rule& rule = model.rules[i];
    if (auto reset = impl_->limiter.over_limit(i, call.server, call.tool, *rule.rate_limit, clock)) {
      deny_for_rate(d, rule, call, *reset, clock);
      return;
    }
  }
  for (size_t i : limited) {
    impl_->limiter.consume(i, call.server, call.tool, *model.rules[i].rate_limit, clock);
  }
}

bool Policy::always_denies(std::string_view server, const ToolInfo& tool) const {
  const std::vector<std::string> words = split_tool_words(tool.name);
  bool may_pass = impl_->model.default_action != Action::kDeny;
  for (const Rule& rule : impl_->model.rules) {
    if (!internal::static_match_holds(rule.match, kToolsCallMethod, server, tool.name, tool.annotations, words)) continue;
    if (rule.action != Action::kDeny) {
      may_pass = true;
    } else if (rule.match.is_static()) {
      return true;  // an unconditional deny outranks everything
    }
  }
  return !may_pass;
}

}  // namespace mcp_warden::policy
