#include "static_matches.h"

#include <functional>

#include "conditions.h"
#include "mcp_warden/policy/tool_words.h"

namespace mcp_warden::policy::internal {
namespace {

// The effective hints as four bits.
unsigned hint_bits(const ToolAnnotations& a) {
  return (a.read_only() ? 1U : 0U) | (a.destructive() ? 2U : 0U) | (a.idempotent() ? 4U : 0U) |
         (a.open_world() ? 8U : 0U);
}

// The rules that can match `tool`, in file order: those indexed under its
// name merged with those for any tool.
std::vector<size_t> rules_naming(const Model& model, const std::string& tool) {
  static const std::vector<size_t> kNone;
  auto named_it = model.rules_by_tool.find(tool);
  const std::vector<size_t>& named = named_it != model.rules_by_tool.end() ? named_it->second : kNone;
  const std::vector<size_t>& any = model.rules_for_any_tool;
  std::vector<size_t> out;
  out.reserve(any.size() + named.size());
  size_t a = 0;
  size_t n = 0;
  while (a < any.size() || n < named.size()) {
    const bool take_any = n == named.size() || (a < any.size() && any[a] < named[n]);
    out.push_back(take_any ? any[a++] : named[n++]);
  }
  return out;
}

std::vector<size_t> static_matches_of(const Model& model, const CallContext& call,
                                      const ToolAnnotations& annotations) {
  const std::vector<std::string> words = split_tool_words(call.tool);
  std::vector<size_t> out;
  for (size_t i : rules_naming(model, call.tool)) {
    if (static_match_holds(model.rules[i].match, call.method, call.server, call.tool, annotations, words)) out.push_back(i);
  }
  return out;
}

}  // namespace

size_t StaticMatches::Hash::operator()(const KeyView& k) const {
  const size_t server = std::hash<std::string_view>{}(k.server);
  const size_t tool = std::hash<std::string_view>{}(k.tool);
  return ((server * 31 + tool) * 31 + k.hints) * 31 + k.method.size();
}

StaticMatches::Entry& StaticMatches::rules_for(const Model& model, const CallContext& call,
                                                    const ToolAnnotations& annotations) {
  const KeyView key{call.method, call.server, call.tool, hint_bits(annotations)};
  auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= kMaxEntries) entries_.clear();
  Key stored{std::string(call.method), call.server, call.tool, key.hints};
  Entry entry{static_matches_of(model, call, annotations), {}, {}};
  entry.plan = QuickPlan::for_rules(model.quick_groups, entry.rules);
  return entries_.emplace(std::move(stored), std::move(entry)).first->second;
}

}  // namespace mcp_warden::policy::internal
