#include "conditions.h"

#include <algorithm>

namespace mcp_warden::policy::internal {
namespace {

constexpr size_t kEvidenceChars = 120;

bool hint_holds(const std::optional<bool>& wanted, bool actual) {
  return !wanted || *wanted == actual;
}

bool annotations_hold(const Match& m, const ToolAnnotations& a) {
  return hint_holds(m.read_only, a.read_only()) && hint_holds(m.destructive, a.destructive()) &&
         hint_holds(m.idempotent, a.idempotent()) && hint_holds(m.open_world, a.open_world());
}

// `listed` is sorted (see rule_loader.cc).
bool any_word_listed(const std::vector<std::string>& listed, const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::binary_search(listed.begin(), listed.end(), w);
  });
}

bool words_hold(const Match& m, const std::vector<std::string>& words) {
  if (!m.tool_words.empty() && !any_word_listed(m.tool_words, words)) return false;
  return m.not_tool_words.empty() || !any_word_listed(m.not_tool_words, words);
}

// `solicited:` and `url_host:`, which only server→client requests satisfy.
bool request_holds(const Match& m, const CallContext& call) {
  if (m.solicited && (!call.solicited || *call.solicited != *m.solicited)) return false;
  return m.url_host_globs.empty() || (!call.url_host.empty() && empty_or_any_matches(m.url_host_globs, call.url_host));
}

bool trust_holds(const Match& m, const CallContext& call) {
  if (!m.trust_below && !m.trust_at_least && m.tiers.empty()) return true;
  if ((m.trust_below || m.trust_at_least) && !call.trust_score) return false;
  if (m.trust_below && *call.trust_score >= *m.trust_below) return false;
  if (m.trust_at_least && *call.trust_score < *m.trust_at_least) return false;
  if (m.tiers.empty()) return true;
  return call.trust_tier && std::find(m.tiers.begin(), m.tiers.end(), *call.trust_tier) != m.tiers.end();
}

// Every absolute candidate lies in `dir` (or is it).
bool all_under(const PathCandidates& c, const std::string& dir) {
  bool any_absolute = false;
  for (const std::string& path : c) {
    if (path.empty() || path.front() != '/') continue;
    any_absolute = true;
    bool inside = path == dir || dir == "/" ||
                  (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
    if (!inside) return false;
  }
  return any_absolute;
}

bool path_glob_holds(const ArgCondition& cond, const PathCandidates& c) {
  return std::any_of(c.begin(), c.end(),
                     [&](const std::string& path) { return cond.patterns.matches(std::string_view(path)); });
}

// `text` read as a glob (a search or list tool's path argument): may it
// match a path the patterns match?
bool glob_pattern_holds(const ArgCondition& cond, std::string_view text, CallView& view) {
  const PathCandidates& c = view.candidates(text);
  auto secret = [&](std::string_view path) { return cond.patterns.matches(path); };
  return std::any_of(c.begin(), c.end(), [&](const std::string& path) {
    return has_glob_chars(path) && glob_may_match(path, cond.examples, secret);
  });
}

// path_glob on `text` as a path, and as a pattern in a search or list tool.
bool path_or_pattern_holds(const ArgCondition& cond, std::string_view text, CallView& view) {
  if (path_glob_holds(cond, view.candidates(text))) return true;
  return has_glob_chars(text) && view.search_or_list_tool() && glob_pattern_holds(cond, text, view);
}

// path_glob on the words of `text`: every word, or only those with a path's shape.
bool text_words_hold(const ArgCondition& cond, std::string_view text, CallView& view, bool every_word) {
  return any_word(text, [&](std::string_view word) {
    return (every_word || has_path_shape(word)) && path_or_pattern_holds(cond, word, view);
  });
}

// path_glob on one string of `path: "*"`, read as its role says (path_roles.h;
// docs/policy.md, "What is a path"). Free text is never resolved whole, so
// the role comes first (it allocates nothing); the other roles judge the
// whole string, and the rest only when the answer can depend on it.
bool any_string_path_glob_holds(const ArgCondition& cond, const Leaves& leaves, const Leaf& leaf, CallView& view) {
  std::string_view text = leaf.text();
  const bool words = may_hold_words(text);
  const PathRole role = view.path_role(leaves, leaf);
  if (role == PathRole::kText) {
    return words ? text_words_hold(cond, text, view, false)
                 : has_path_shape(text) && path_or_pattern_holds(cond, text, view);
  }
  if (path_glob_holds(cond, view.candidates(text))) return true;
  const bool pattern = has_glob_chars(text) && view.search_or_list_tool();
  switch (role) {
    case PathRole::kPath:
    case PathRole::kPattern: return pattern && glob_pattern_holds(cond, text, view);
    case PathRole::kCommand: return words && text_words_hold(cond, text, view, true);
    case PathRole::kText: break;
    case PathRole::kUnknown:
      return (pattern && glob_pattern_holds(cond, text, view)) || (words && text_words_hold(cond, text, view, false));
  }
  return false;
}

bool string_holds(const ArgCondition& cond, std::string_view text, CallView& view) {
  switch (cond.op) {
    case ArgOp::kGlob: return empty_or_any_matches(cond.globs, text);
    case ArgOp::kRegex: return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *cond.regex);
    case ArgOp::kPrefix:
      return std::any_of(cond.texts.begin(), cond.texts.end(),
                         [&](const std::string& p) { return text.substr(0, p.size()) == p; });
    case ArgOp::kUnder: {
      const PathCandidates& c = view.candidates(text);
      return std::any_of(cond.texts.begin(), cond.texts.end(), [&](const std::string& d) { return all_under(c, d); });
    }
    case ArgOp::kPathGlob: return path_or_pattern_holds(cond, text, view);
    case ArgOp::kMaxLength: return static_cast<double>(text.size()) > cond.number;
    default: return false;
  }
}

bool value_holds(const ArgCondition& cond, const nlohmann::json& value) {
  switch (cond.op) {
    case ArgOp::kEquals:
    case ArgOp::kIn: return std::find(cond.values.begin(), cond.values.end(), value) != cond.values.end();
    case ArgOp::kGt: return value.is_number() && value.get<double>() > cond.number;
    case ArgOp::kLt: return value.is_number() && value.get<double>() < cond.number;
    default: return false;
  }
}

bool leaf_holds(const ArgCondition& cond, const Leaf& leaf, CallView& view) {
  if (leaf.is_string() && string_holds(cond, leaf.text(), view)) return true;
  return leaf.value != nullptr && value_holds(cond, *leaf.value);
}

void record(std::string pointer, const Leaf& leaf, Evidence* evidence) {
  evidence->pointer = pointer.empty() ? "/" : std::move(pointer);
  std::string shown = leaf.is_string() ? std::string(leaf.text()) : leaf.value->dump();
  if (shown.size() > kEvidenceChars) shown = shown.substr(0, kEvidenceChars) + "...";
  evidence->value = shown;
}

// Pointers are spelled out (from `base`) only for the evidence of a hit.
bool any_leaf_holds(const ArgCondition& cond, const Leaves& leaves, std::string_view base, CallView& view,
                    Evidence* evidence) {
  const bool by_role = cond.any_string && cond.op == ArgOp::kPathGlob;
  for (const Leaf& leaf : leaves.items()) {
    const bool holds = by_role ? leaf.is_string() && any_string_path_glob_holds(cond, leaves, leaf, view)
                               : leaf_holds(cond, leaf, view);
    if (holds) {
      if (evidence != nullptr) record(leaves.pointer(leaf, base), leaf, evidence);
      return true;
    }
  }
  return false;
}

// A JSON Pointer condition: equals/in compare the selected value itself;
// the other operators test every leaf inside it.
bool pointer_holds(const ArgCondition& cond, CallView& view, Evidence* evidence) {
  const nlohmann::json* selected = view.selected(cond.pointer_slot);
  if (selected == nullptr) return false;
  const bool whole = cond.op == ArgOp::kEquals || cond.op == ArgOp::kIn;
  if (whole || selected->is_primitive()) {  // no leaves to collect
    Leaf leaf{selected, {}, 0};
    const bool holds = whole ? value_holds(cond, *selected) : leaf_holds(cond, leaf, view);
    if (holds && evidence != nullptr) record(cond.path_text, leaf, evidence);
    return holds;
  }
  Leaves leaves;
  leaves.collect(*selected);
  return any_leaf_holds(cond, leaves, cond.path_text, view, evidence);
}

}  // namespace

bool condition_holds(const ArgCondition& cond, CallView& view, Evidence* evidence) {
  Evidence* ev = cond.negate ? nullptr : evidence;  // a negated hit shows nothing
  bool holds = cond.any_string ? any_leaf_holds(cond, view.leaves(), "", view, ev)
                               : pointer_holds(cond, view, ev);
  return holds != cond.negate;
}

bool static_match_holds(const Match& match, std::string_view method, std::string_view server, std::string_view tool,
                        const ToolAnnotations& annotations, const std::vector<std::string>& words) {
  return empty_or_any_matches(match.method_globs, method) && empty_or_any_matches(match.server_globs, server) &&
         empty_or_any_matches(match.tool_globs, tool) &&
         annotations_hold(match, annotations) && words_hold(match, words);
}

namespace {

bool content_holds(const Match& m, const CallContext& call) {
  if (m.content.empty()) return true;
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    auto kind = static_cast<inspect::Kind>(i);
    if (m.content.contains(kind) && call.content_found.contains(kind)) return true;
  }
  return false;
}

}  // namespace

bool dynamic_match_holds(const Match& match, CallView& view, Evidence* evidence) {
  if (!trust_holds(match, view.call()) || !request_holds(match, view.call())) return false;
  if (!content_holds(match, view.call())) return false;
  for (const ArgCondition& cond : match.args) {
    if (!condition_holds(cond, view, evidence)) return false;
  }
  return true;
}

}  // namespace mcp_warden::policy::internal
