#include "quick_groups.h"

#include <algorithm>
#include <map>
#include <utility>

#include "call_view.h"
#include "model.h"

namespace mcp_warden::policy::internal {
namespace {

using Kind = QuickReject::Kind;

// Globs see text as fnmatch does: up to the first NUL (see glob.h).
std::string_view up_to_nul(std::string_view text) {
  const size_t nul = text.find('\0');
  return nul == std::string_view::npos ? text : text.substr(0, nul);
}

void add_glob(const Glob& glob, uint32_t member, QuickGroup* group) {
  switch (glob.kind()) {
    case Glob::Kind::kLiteral: group->exact.add(glob.core(), member); return;
    case Glob::Kind::kPrefix: group->prefixes.add(glob.core(), member); return;
    case Glob::Kind::kSuffix: group->suffixes.add(glob.core(), member); return;
    case Glob::Kind::kFnmatch: group->fnmatch_members.push_back(member); return;
  }
}

// Every regex of the group in one set, compiled with the options of the
// rules' own (read_regex() gives all of them the same). False when RE2
// refuses: the group is then not made and each rule checks its own regex.
bool add_regex_set(const std::vector<const QuickReject*>& quick, QuickGroup* group) {
  auto set = std::make_shared<RE2::Set>(quick.front()->regex()->options(), RE2::UNANCHORED);
  for (size_t m = 0; m < quick.size(); ++m) {
    std::string error;
    if (set->Add(quick[m]->regex()->pattern(), &error) != static_cast<int>(m)) return false;
  }
  if (!set->Compile()) return false;
  group->regex_set = std::move(set);
  return true;
}

// The index of the group's kind; false when it cannot be made.
bool index_members(const std::vector<const QuickReject*>& quick, QuickGroup* group) {
  for (uint32_t m = 0; m < quick.size(); ++m) {
    switch (group->kind) {
      case Kind::kEquals: group->exact.add(quick[m]->text(), m); break;
      case Kind::kPrefix: group->prefixes.add(quick[m]->text(), m); break;
      case Kind::kGlob:
        if (quick[m]->glob() == nullptr) return false;
        add_glob(*quick[m]->glob(), m, group);
        break;
      case Kind::kGt:
      case Kind::kLt: group->numbers.push_back(quick[m]->number()); break;
      default: break;  // regex below; max_length compares per member
    }
  }
  group->exact.finish();
  group->prefixes.finish();
  group->suffixes.finish();
  return group->kind != Kind::kRegex || add_regex_set(quick, group);
}

}  // namespace

void TextIndex::finish() {
  lengths_.clear();
  for (const auto& [text, members] : by_text_) lengths_.push_back(text.size());
  std::sort(lengths_.begin(), lengths_.end());
  lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
}

QuickGroups QuickGroups::build(const Model& model) {
  std::map<std::pair<size_t, int>, std::vector<uint32_t>> by_key;  // (slot, kind) -> rules
  for (size_t i = 0; i < model.quick_rejects.size(); ++i) {
    const QuickReject& q = model.quick_rejects[i];
    if (q.applies()) by_key[{q.pointer_slot(), static_cast<int>(q.kind())}].push_back(static_cast<uint32_t>(i));
  }
  QuickGroups out;
  out.group_of_.assign(model.quick_rejects.size(), kNoGroup);
  for (auto& [key, rules] : by_key) {
    if (rules.size() < 2) continue;
    QuickGroup group;
    group.slot = key.first;
    group.kind = static_cast<Kind>(key.second);
    std::vector<const QuickReject*> quick;
    for (uint32_t rule : rules) quick.push_back(&model.quick_rejects[rule]);
    if (!index_members(quick, &group)) continue;
    for (uint32_t rule : rules) out.group_of_[rule] = static_cast<uint32_t>(out.groups_.size());
    group.rules = std::move(rules);
    out.groups_.push_back(std::move(group));
  }
  return out;
}

QuickPlan QuickPlan::for_rules(const QuickGroups& groups, const std::vector<size_t>& rules) {
  QuickPlan plan;
  for (size_t rule : rules) {
    const uint32_t g = groups.group_of(rule);
    if (g == QuickGroups::kNoGroup) plan.solo.push_back(rule);
    else plan.groups.push_back(g);
  }
  std::sort(plan.groups.begin(), plan.groups.end());
  plan.groups.erase(std::unique(plan.groups.begin(), plan.groups.end()), plan.groups.end());
  return plan;
}

void QuickPass::may_match(const std::vector<size_t>& rules, const QuickPlan& plan, CallView& view,
                          std::vector<size_t>* out) {
  out->clear();
  for (size_t rule : plan.solo) {
    const QuickReject& q = model_.quick_rejects[rule];
    if (!q.applies() || !q.rejects(view.selected(q.pointer_slot()))) out->push_back(rule);
  }
  for (uint32_t g : plan.groups) {
    const QuickGroup& group = groups_.group(g);
    judge(group, view.selected(group.slot));
    for (uint32_t member : scratch_.passing) {
      const size_t rule = group.rules[member];
      if (std::binary_search(rules.begin(), rules.end(), rule)) out->push_back(rule);
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());  // a rule is judged once
}

void QuickPass::judge(const QuickGroup& group, const nlohmann::json* selected) {
  scratch_.passing.clear();
  if (selected != nullptr && selected->is_string()) {
    judge_string(group, *selected);
  } else {
    judge_non_string(group, selected);
  }
}

void QuickPass::pass_all(const QuickGroup& group) {
  for (uint32_t member = 0; member < group.rules.size(); ++member) scratch_.passing.push_back(member);
}

// Only gt and lt depend on the member (its number, compared with the value
// read once); for every other kind the first member's answer is everyone's.
void QuickPass::judge_non_string(const QuickGroup& group, const nlohmann::json* selected) {
  const bool numeric = group.kind == Kind::kGt || group.kind == Kind::kLt;
  if (!numeric || selected == nullptr || !selected->is_number()) {
    if (!model_.quick_rejects[group.rules.front()].rejects_non_string(selected)) pass_all(group);
    return;
  }
  const double value = selected->get<double>();
  for (uint32_t member = 0; member < group.numbers.size(); ++member) {
    const double n = group.numbers[member];
    if (group.kind == Kind::kGt ? value > n : value < n) scratch_.passing.push_back(member);
  }
}

void QuickPass::judge_string(const QuickGroup& group, const nlohmann::json& selected) {
  const std::string& text = selected.get_ref<const std::string&>();
  auto pass = [&](uint32_t member) { scratch_.passing.push_back(member); };
  auto pass_unless_rejected = [&](uint32_t member) {
    if (!model_.quick_rejects[group.rules[member]].rejects(&selected)) pass(member);
  };
  switch (group.kind) {
    case Kind::kEquals: group.exact.find_exact(text, pass); return;
    case Kind::kPrefix: group.prefixes.find_prefixes(text, pass); return;
    case Kind::kGlob: {
      const std::string_view visible = up_to_nul(text);
      group.exact.find_exact(visible, pass);
      group.prefixes.find_prefixes(visible, pass);
      group.suffixes.find_suffixes(visible, pass);
      for (uint32_t member : group.fnmatch_members) pass_unless_rejected(member);
      return;
    }
    case Kind::kRegex:
      if (!match_regexes(group, text)) return pass_all(group);  // each rule runs its own regex
      for (int hit : scratch_.regex_hits) {
        if (hit >= 0 && static_cast<size_t>(hit) < group.rules.size()) pass(static_cast<uint32_t>(hit));
      }
      return;
    default:  // max_length; gt and lt, which never hold for a string
      for (uint32_t member = 0; member < group.rules.size(); ++member) pass_unless_rejected(member);
      return;
  }
}

// The members whose regex matches, into scratch_.regex_hits; false when the
// set cannot answer (its DFA ran out of memory).
bool QuickPass::match_regexes(const QuickGroup& group, const std::string& text) {
  std::vector<int>& hits = scratch_.regex_hits;
  hits.clear();
  RE2::Set::ErrorInfo error{RE2::Set::kNoError};
  const bool any = group.regex_set->Match(re2::StringPiece(text.data(), text.size()), &hits, &error);
  return any || error.kind == RE2::Set::kNoError;
}

}  // namespace mcp_warden::policy::internal
