// CallView: one evaluation's lazily computed view of a CallContext — every
// leaf of the arguments with its JSON Pointer, the
// value each JSON Pointer selects, and path candidates cached per string —
// so 200 rules share the work.
// Internal to mcp_warden_policy; lives for one evaluate() call.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/policy/call_context.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "model.h"

namespace mcp_warden::policy::internal {

// A scalar in the arguments, or an object key (keys can be paths too).
struct Leaf {
  std::string pointer;               // JSON Pointer of the value (or of the key's value)
  const nlohmann::json* value;       // nullptr for a key
  std::string_view key;              // the key text when value is nullptr
  std::string_view text() const { return value ? std::string_view(value->get_ref<const std::string&>()) : key; }
  bool is_string() const { return value == nullptr || value->is_string(); }
};

// Every scalar and key under `root`, depth first; pointers start at `base`.
void collect_leaves(const nlohmann::json& root, const std::string& base, std::vector<Leaf>* out);

// Numbers every args condition's JSON Pointer (equal pointers share a slot)
// and fills model->pointers, so a CallView can look each up once.
void assign_pointer_slots(Model* model);

struct Candidates {
  std::vector<std::string> paths;  // PathNormalizer::candidates()
};

class CallView {
 public:
  CallView(const CallContext& call, const PathNormalizer& normalizer,
           const std::vector<std::vector<std::string>>& pointers)
      : call_(call), normalizer_(normalizer), pointers_(pointers), selected_(pointers.size(), kNotLookedUp) {}

  const CallContext& call() const { return call_; }
  const ToolAnnotations& annotations() const;
  const nlohmann::json& arguments() const;
  const std::vector<Leaf>& leaves();
  const Candidates& candidates(std::string_view text);
  // What the JSON Pointer in `slot` (cond.pointer_slot) selects in the
  // arguments; nullptr when nothing.
  const nlohmann::json* selected(size_t slot) {
    const nlohmann::json* value = selected_[slot];
    return value != kNotLookedUp ? value : look_up(slot);
  }

 private:
  const nlohmann::json* look_up(size_t slot);

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  const CallContext& call_;
  const PathNormalizer& normalizer_;
  const std::vector<std::vector<std::string>>& pointers_;  // by slot
  std::optional<std::vector<Leaf>> leaves_;
  std::unordered_map<std::string, Candidates, Hash, std::equal_to<>> candidates_;
  static const nlohmann::json* const kNotLookedUp;
  std::vector<const nlohmann::json*> selected_;  // by pointer slot
};

}  // namespace mcp_warden::policy::internal
