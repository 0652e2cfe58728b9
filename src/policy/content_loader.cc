#include "content_loader.h"

#include <algorithm>

#include "yaml_util.h"

namespace mcp_warden::policy::internal {
namespace {

constexpr const char* kKindList = "secret, payment_card, ssn, iban, email, phone, hidden_instruction, personal_data";

Status add_kind(const std::string& origin, const YAML::Node& node, const std::string& name, inspect::KindSet* out) {
  if (name == "personal_data") {
    for (inspect::Kind k : {inspect::Kind::kSsn, inspect::Kind::kIban, inspect::Kind::kEmail, inspect::Kind::kPhone}) {
      out->add(k);
    }
    return Status::ok();
  }
  std::optional<inspect::Kind> kind = inspect::parse_kind(name);
  if (!kind) return error_at(origin, node, "unknown content kind \"" + name + "\" (expected " + kKindList + ")");
  out->add(*kind);
  return Status::ok();
}

Status read_globs(const std::string& origin, const YAML::Node& node, const char* what, std::vector<std::string>* texts,
                  std::vector<Glob>* globs) {
  if (!node) return Status::ok();
  Result<std::vector<std::string>> list = read_string_list(origin, node, what);
  if (!list.is_ok()) return list.status();
  *texts = std::move(list).value();
  *globs = make_globs(*texts);
  return Status::ok();
}

Status read_response_match(const std::string& origin, const YAML::Node& node, ResponseRule* rule) {
  Status s = check_keys(origin, node, "responses match", {"method", "server", "tool", "content"});
  if (!s.is_ok()) return s;
  if (!node["content"]) return error_at(origin, node, "a response rule's match needs content: (the kinds it acts on)");
  Result<inspect::KindSet> kinds = parse_content_kinds(origin, node["content"]);
  if (!kinds.is_ok()) return kinds.status();
  rule->content = *kinds;
  std::vector<std::string> ignored;
  s = read_globs(origin, node["method"], "method", &rule->methods, &rule->method_globs);
  if (s.is_ok()) s = read_globs(origin, node["server"], "server", &ignored, &rule->server_globs);
  if (s.is_ok()) s = read_globs(origin, node["tool"], "tool", &ignored, &rule->tool_globs);
  if (!s.is_ok()) return s;
  if (rule->methods.empty()) {
    rule->methods.assign(std::begin(kResultMethods), std::end(kResultMethods));
    rule->method_globs = make_globs(rule->methods);
  }
  return Status::ok();
}

// `fallback:` of an ask rule: what applies where the client cannot ask.
Status read_response_fallback(const std::string& origin, const YAML::Node& node, ResponseRule* rule) {
  if (!node) return Status::ok();
  if (rule->action != ResponseAction::kAsk) return error_at(origin, node, "fallback applies only to a response rule whose action is ask");
  Result<std::string> text = read_string(origin, node, "fallback");
  if (!text.is_ok()) return text.status();
  if (*text == "grant") return Status::ok();  // the default, named
  std::optional<ResponseAction> fallback = parse_response_action(*text);
  if (!fallback || *fallback == ResponseAction::kAsk) {
    return error_at(origin, node, "unknown response fallback \"" + *text + "\" (expected grant, redact, deny, warn or log)");
  }
  rule->ask_fallback = fallback;
  return Status::ok();
}

// A tools/list listing is not held for a person: it builds the catalog.
Status check_ask_methods(const std::string& origin, const YAML::Node& match, const ResponseRule& rule) {
  if (rule.action != ResponseAction::kAsk) return Status::ok();
  for (const Glob& method : rule.method_globs) {
    if (method.matches(std::string_view("tools/list"))) {
      return error_at(origin, match["method"], "response rule \"" + rule.name + "\" asks about tools/list; ask applies to "
                                               "results (tools/call, tasks/result, resources/read, prompts/get)");
    }
  }
  return Status::ok();
}

Result<ResponseRule> parse_response_rule(const std::string& origin, const YAML::Node& node) {
  ResponseRule rule;
  Status s = check_keys(origin, node, "response rule", {"name", "match", "action", "reason", "fallback"});
  if (!s.is_ok()) return s;
  if (!node["name"]) return error_at(origin, node, "response rule has no name");
  Result<std::string> name = read_string(origin, node["name"], "name");
  if (!name.is_ok()) return name.status();
  rule.name = *name;
  if (!node["action"]) return error_at(origin, node, "response rule \"" + rule.name + "\" has no action");
  Result<std::string> action = read_string(origin, node["action"], "action");
  if (!action.is_ok()) return action.status();
  std::optional<ResponseAction> parsed = parse_response_action(*action);
  if (!parsed) {
    return error_at(origin, node["action"], "unknown response action \"" + *action + "\" (expected redact, ask, deny, warn or log)");
  }
  rule.action = *parsed;
  if (node["reason"]) {
    Result<std::string> reason = read_string(origin, node["reason"], "reason");
    if (!reason.is_ok()) return reason.status();
    rule.reason = *reason;
  }
  if (!node["match"]) return error_at(origin, node, "response rule \"" + rule.name + "\" has no match (content: is required)");
  s = read_response_match(origin, node["match"], &rule);
  if (s.is_ok()) s = read_response_fallback(origin, node["fallback"], &rule);
  if (s.is_ok()) s = check_ask_methods(origin, node["match"], rule);
  if (!s.is_ok()) return s;
  rule.origin = where(origin, node);
  return rule;
}

}  // namespace

Result<inspect::KindSet> parse_content_kinds(const std::string& origin, const YAML::Node& node) {
  Result<std::vector<std::string>> names = read_string_list(origin, node, "content");
  if (!names.is_ok()) return names.status();
  if (names->empty()) return error_at(origin, node, "content: must name at least one kind (" + std::string(kKindList) + ")");
  inspect::KindSet out;
  for (const std::string& name : *names) {
    Status s = add_kind(origin, node, name, &out);
    if (!s.is_ok()) return s;
  }
  return out;
}

Status add_response_rules(const std::string& origin, const YAML::Node& node, ResponseRules* rules) {
  if (!node) return Status::ok();
  if (!node.IsSequence()) return error_at(origin, node, "responses must be a list");
  for (const auto& item : node) {
    Result<ResponseRule> rule = parse_response_rule(origin, item);
    if (!rule.is_ok()) return rule.status();
    auto same = [&](const ResponseRule& r) { return r.name == rule->name; };
    auto clash = std::find_if(rules->rules().begin(), rules->rules().end(), same);
    if (clash != rules->rules().end()) {
      return error_at(origin, item["name"], "response rule \"" + rule->name + "\" is already defined at " + clash->origin);
    }
    rules->add(std::move(rule).value());
  }
  return Status::ok();
}

Status read_retention_rules(const std::string& origin, const YAML::Node& node, RetentionRules* rules) {
  if (!node) return Status::ok();
  if (!node.IsMap()) return error_at(origin, node, "retention_rules must be a mapping of content kind to retentions");
  for (const auto& item : node) {
    Result<std::string> kind_name = read_string(origin, item.first, "retention_rules key");
    if (!kind_name.is_ok()) return kind_name.status();
    std::optional<inspect::Kind> kind = inspect::parse_kind(*kind_name);
    if (!kind) return error_at(origin, item.first, "unknown content kind \"" + *kind_name + "\" in retention_rules");
    uint8_t bits = 0;
    if (!(item.second.IsSequence() && item.second.size() == 0)) {
      Result<std::vector<std::string>> classes = read_string_list(origin, item.second, "retention_rules");
      if (!classes.is_ok()) return classes.status();
      for (const std::string& text : *classes) {
        std::optional<RetentionClass> r = parse_retention_class(text);
        if (!r) {
          return error_at(origin, item.second, "unknown retention \"" + text +
                                                   "\" (expected ephemeral, temporary, permanent or undeclared)");
        }
        bits |= RetentionRules::bit(*r);
      }
    }
    rules->set(*kind, bits, where(origin, item.first));
  }
  return Status::ok();
}

}  // namespace mcp_warden::policy::internal
