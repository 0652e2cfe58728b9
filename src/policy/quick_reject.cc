#include "quick_reject.h"

#include "model.h"

namespace mcp_warden::policy::internal {

std::optional<QuickReject> QuickReject::for_condition(const ArgCondition& cond) {
  if (cond.any_string || cond.negate) return std::nullopt;
  QuickReject q;
  q.slot_ = cond.pointer_slot;
  q.number_ = cond.number;
  switch (cond.op) {
    case ArgOp::kEquals:
    case ArgOp::kIn:
      if (cond.values.size() != 1 || !cond.values[0].is_string()) return std::nullopt;
      q.kind_ = Kind::kEquals;
      q.text_ = cond.values[0].get<std::string>();
      return q;
    case ArgOp::kPrefix:
      if (cond.texts.size() != 1) return std::nullopt;
      q.kind_ = Kind::kPrefix;
      q.text_ = cond.texts[0];
      return q;
    case ArgOp::kGlob:
      if (cond.globs.size() != 1) return std::nullopt;
      q.kind_ = Kind::kGlob;
      q.glob_ = cond.globs[0];
      return q;
    case ArgOp::kRegex: q.kind_ = Kind::kRegex; q.regex_ = cond.regex; return q;
    case ArgOp::kMaxLength: q.kind_ = Kind::kMaxLength; return q;
    case ArgOp::kGt: q.kind_ = Kind::kGt; return q;
    case ArgOp::kLt: q.kind_ = Kind::kLt; return q;
    case ArgOp::kUnder:
    case ArgOp::kPathGlob: return std::nullopt;
  }
  return std::nullopt;
}

QuickReject QuickReject::for_match(const Match& match) {
  for (const ArgCondition& cond : match.args) {
    if (std::optional<QuickReject> q = for_condition(cond)) return *q;
  }
  return QuickReject();
}

// Whether the string operator fails on `text` (as string_holds would say).
bool QuickReject::string_fails(const std::string& text) const {
  switch (kind_) {
    case Kind::kEquals: return text != text_;
    case Kind::kPrefix: return text.compare(0, text_.size(), text_) != 0;
    case Kind::kGlob: return !glob_->matches(std::string_view(text));
    case Kind::kRegex: return !RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *regex_);
    case Kind::kMaxLength: return !(static_cast<double>(text.size()) > number_);
    default: return true;  // gt/lt never hold for a string
  }
}

// A scalar the condition tests is the only leaf; equals compares the
// selected value whatever it is. Objects and arrays are left to the full
// condition, which looks at every leaf inside.
bool QuickReject::rejects(const nlohmann::json* selected) const {
  if (kind_ == Kind::kNone) return false;
  if (selected != nullptr && selected->is_string()) return string_fails(selected->get_ref<const std::string&>());
  return rejects_non_string(selected);
}

bool QuickReject::rejects_non_string(const nlohmann::json* selected) const {
  if (kind_ == Kind::kNone) return false;
  if (selected == nullptr) return true;
  if (kind_ == Kind::kEquals) return true;  // a string never equals a non-string
  if (!selected->is_primitive()) return false;
  if (kind_ == Kind::kGt) return !(selected->is_number() && selected->get<double>() > number_);
  if (kind_ == Kind::kLt) return !(selected->is_number() && selected->get<double>() < number_);
  return true;  // string operators never hold for a number, boolean or null
}

void add_quick_rejects(Model* model) {
  model->quick_rejects.clear();
  for (const Rule& rule : model->rules) model->quick_rejects.push_back(QuickReject::for_match(rule.match));
  model->quick_groups = QuickGroups::build(*model);
}

}  // namespace mcp_warden::policy::internal
