// QuickReject: one args condition of a rule, kept small and together with
// the other rules' so that evaluate() can pass over most non-matching rules
// without touching the rules themselves. It answers only when the answer is
// certain: the condition's pointer selects nothing, or a scalar the operator
// can judge in a few bytes (one equals/in string, one prefix or glob, a
// regex, max_length, gt, lt). For objects, arrays, negated or path
// conditions it never rejects and the full condition decides.
// Internal to mcp_warden_policy; built at load time, then immutable.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "mcp_warden/policy/glob.h"

namespace mcp_warden::policy::internal {

struct ArgCondition;
struct Match;
struct Model;

class QuickReject {
 public:
  // For the first condition of `match` it can judge; never rejects when none.
  static QuickReject for_match(const Match& match);

  bool applies() const { return kind_ != Kind::kNone; }
  size_t pointer_slot() const { return slot_; }
  // True only when the condition certainly fails for what the pointer
  // selects (nullptr: nothing), so the rule cannot match.
  bool rejects(const nlohmann::json* selected) const;
  // What rejects() answers for anything but a string (which string_fails()
  // judges): nullptr, numbers, booleans, null, objects and arrays.
  bool rejects_non_string(const nlohmann::json* selected) const;

  // What the check compares, for QuickGroups (quick_groups.h).
  enum class Kind { kNone, kEquals, kPrefix, kGlob, kRegex, kMaxLength, kGt, kLt };
  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }     // equals, prefix
  const Glob* glob() const { return glob_ ? &*glob_ : nullptr; }
  const RE2* regex() const { return regex_.get(); }
  double number() const { return number_; }            // max_length, gt, lt

 private:
  static std::optional<QuickReject> for_condition(const ArgCondition& cond);
  bool string_fails(const std::string& text) const;

  Kind kind_ = Kind::kNone;
  size_t slot_ = 0;
  std::string text_;                     // equals, prefix
  std::optional<Glob> glob_;             // glob
  std::shared_ptr<const RE2> regex_;     // regex
  double number_ = 0;                    // max_length, gt, lt
};

// Fills model->quick_rejects, one per rule (after assign_pointer_slots).
void add_quick_rejects(Model* model);

}  // namespace mcp_warden::policy::internal
