#include "mcp_warden/policy/response_rules.h"

#include <algorithm>
#include <array>

namespace mcp_warden::policy {
namespace {

constexpr std::array<const char*, 5> kActionNames = {"log", "warn", "redact", "ask", "deny"};

int rank(ResponseAction action) { return static_cast<int>(action); }

bool intersects(inspect::KindSet a, inspect::KindSet b) {
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    auto kind = static_cast<inspect::Kind>(i);
    if (a.contains(kind) && b.contains(kind)) return true;
  }
  return false;
}

void add_common(inspect::KindSet& out, inspect::KindSet a, inspect::KindSet b) {
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    auto kind = static_cast<inspect::Kind>(i);
    if (a.contains(kind) && b.contains(kind)) out.add(kind);
  }
}

void add_all(inspect::KindSet& out, inspect::KindSet more) {
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    if (more.contains(static_cast<inspect::Kind>(i))) out.add(static_cast<inspect::Kind>(i));
  }
}

}  // namespace

const char* response_action_name(ResponseAction action) { return kActionNames.at(static_cast<std::size_t>(action)); }

std::optional<ResponseAction> parse_response_action(std::string_view text) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (text == kActionNames[i]) return static_cast<ResponseAction>(i);
  }
  return std::nullopt;
}

bool ResponseRule::applies_to(std::string_view method, std::string_view server, std::string_view tool) const {
  return empty_or_any_matches(method_globs, method) && empty_or_any_matches(server_globs, server) &&
         empty_or_any_matches(tool_globs, tool);
}

inspect::KindSet ResponseRules::watched(std::string_view method, std::string_view server, std::string_view tool) const {
  inspect::KindSet out;
  for (const ResponseRule& rule : rules_) {
    if (rule.applies_to(method, server, tool)) add_all(out, rule.content);
  }
  return out;
}

bool ResponseRules::any_ask_applies(std::string_view method, std::string_view server, std::string_view tool) const {
  for (const ResponseRule& rule : rules_) {
    if (rule.action == ResponseAction::kAsk && rule.applies_to(method, server, tool)) return true;
  }
  return false;
}

ResponseVerdict ResponseRules::evaluate(std::string_view method, std::string_view server, std::string_view tool,
                                        inspect::KindSet found) const {
  ResponseVerdict verdict;
  if (found.empty()) return verdict;
  for (const ResponseRule& rule : rules_) {
    if (!intersects(rule.content, found) || !rule.applies_to(method, server, tool)) continue;
    if (rule.action == ResponseAction::kRedact || rule.action == ResponseAction::kDeny) {
      add_common(verdict.redact, rule.content, found);
    }
    if (rule.action == ResponseAction::kAsk) add_common(verdict.asked, rule.content, found);
    if (verdict.matched && rank(rule.action) <= rank(verdict.action)) continue;
    verdict.matched = true;
    verdict.action = rule.action;
    verdict.rule = rule.name;
    verdict.ask_fallback = rule.ask_fallback;
    verdict.reason = rule.reason.empty() ? "response rule \"" + rule.name + "\" (" + rule.origin + ")" : rule.reason;
  }
  return verdict;
}

}  // namespace mcp_warden::policy
