// QuickGroups: the rules' QuickRejects (quick_reject.h) indexed by value, so
// that one look at an argument answers for every rule that tests it the same
// way: `equals` strings by hash, prefixes and glob prefixes/suffixes by hash
// per distinct length, regexes in one RE2::Set pass, max_length, gt and lt by
// one comparison each on a value read once. A group is the rules whose
// QuickReject has the same kind and JSON Pointer slot; only groups of two or
// more are made (a lone rule keeps its own QuickReject).
//
// A group answers exactly as each member's QuickReject::rejects() would, and
// like it only ever rules a rule out: the rule's full condition still
// decides. Where it cannot answer cheaply and surely (a string for a glob that
// fnmatch must judge, an RE2::Set that failed to compile or ran out of DFA
// memory) it rules nothing out, so a rule is never skipped by mistake.
//
// Internal to mcp_warden_policy. QuickGroups is built at load time and then
// immutable; QuickPass holds one evaluation's answers in a QuickScratch that
// the Policy keeps between calls (evaluate() runs on one thread at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <re2/set.h>

#include "quick_reject.h"

namespace mcp_warden::policy::internal {

class CallView;
struct Model;

// Strings mapped to the group members whose literal they are: whole texts,
// prefixes or suffixes, the latter two looked up once per distinct length.
class TextIndex {
 public:
  void add(const std::string& text, uint32_t member) { by_text_[text].push_back(member); }
  void finish();  // collects the distinct lengths; call after the last add()
  bool empty() const { return by_text_.empty(); }
  // Calls hit(member) for every member whose text is `text` / a prefix of
  // it / a suffix of it.
  template <typename Hit>
  void find_exact(std::string_view text, Hit hit) const { visit(text, hit); }
  template <typename Hit>
  void find_prefixes(std::string_view text, Hit hit) const {
    for (size_t n : lengths_) {
      if (n > text.size()) break;
      visit(text.substr(0, n), hit);
    }
  }
  template <typename Hit>
  void find_suffixes(std::string_view text, Hit hit) const {
    for (size_t n : lengths_) {
      if (n > text.size()) break;
      visit(text.substr(text.size() - n), hit);
    }
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  template <typename Hit>
  void visit(std::string_view key, Hit hit) const {
    auto it = by_text_.find(key);
    if (it == by_text_.end()) return;
    for (uint32_t member : it->second) hit(member);
  }

  std::unordered_map<std::string, std::vector<uint32_t>, Hash, std::equal_to<>> by_text_;
  std::vector<size_t> lengths_;  // distinct, ascending
};

struct QuickGroup {
  QuickReject::Kind kind = QuickReject::Kind::kNone;
  size_t slot = 0;
  std::vector<uint32_t> rules;  // members: rule indexes, ascending
  // Per kind, members are positions in `rules`.
  TextIndex exact;     // equals; glob literals
  TextIndex prefixes;  // prefix; glob prefixes
  TextIndex suffixes;  // glob suffixes
  std::vector<uint32_t> fnmatch_members;  // globs only fnmatch can judge
  std::shared_ptr<const RE2::Set> regex_set;  // regex: set index = member
  std::vector<double> numbers;  // gt, lt: by member
};

class QuickGroups {
 public:
  static constexpr uint32_t kNoGroup = UINT32_MAX;
  // Groups the rules' QuickRejects (after add_quick_rejects()).
  static QuickGroups build(const Model& model);

  uint32_t group_of(size_t rule) const { return rule < group_of_.size() ? group_of_[rule] : kNoGroup; }
  size_t size() const { return groups_.size(); }
  const QuickGroup& group(uint32_t g) const { return groups_[g]; }

 private:
  std::vector<QuickGroup> groups_;
  std::vector<uint32_t> group_of_;  // by rule
};

// Buffers reused from one evaluation to the next.
struct QuickScratch {
  std::vector<uint32_t> passing;  // members of the group being judged
  std::vector<int> regex_hits;
};

// What one evaluation must look at for a StaticMatches entry: the groups its
// rules belong to and the rules in no group.
struct QuickPlan {
  std::vector<uint32_t> groups;  // ascending
  std::vector<size_t> solo;      // ascending
  static QuickPlan for_rules(const QuickGroups& groups, const std::vector<size_t>& rules);
};

// One evaluation's pass over the rules of a StaticMatches entry.
class QuickPass {
 public:
  QuickPass(const Model& model, const QuickGroups& groups, QuickScratch& scratch)
      : model_(model), groups_(groups), scratch_(scratch) {}
  // The rules of `rules` (ascending) that may match, ascending, into *out:
  // each group judged once for all its members, each solo rule by its own
  // QuickReject. Leaves out only rules that certainly do not match.
  void may_match(const std::vector<size_t>& rules, const QuickPlan& plan, CallView& view,
                 std::vector<size_t>* out);

 private:
  // The group's members (positions in group.rules) not ruled out, into
  // scratch_.passing.
  void judge(const QuickGroup& group, const nlohmann::json* selected);
  void judge_string(const QuickGroup& group, const nlohmann::json& selected);
  void judge_non_string(const QuickGroup& group, const nlohmann::json* selected);
  bool match_regexes(const QuickGroup& group, const std::string& text);
  void pass_all(const QuickGroup& group);

  const Model& model_;
  const QuickGroups& groups_;
  QuickScratch& scratch_;
};

}  // namespace mcp_warden::policy::internal
