// CallView: one evaluation's lazily computed view of a CallContext — every
// leaf of the arguments, the value each JSON Pointer selects, and path
// candidates per distinct string — so 200 rules share the work. Its buffers
// live in a CallScratch that the Policy keeps from one evaluation to the
// next, so a call that allocates nothing new costs no heap traffic here.
// Internal to mcp_warden_policy; a CallView lives for one evaluate() call,
// and evaluate() runs on one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/policy/call_context.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "model.h"
#include "path_roles.h"

namespace mcp_warden::policy::internal {

// A scalar in the arguments, or an object key (keys can be paths too).
struct Leaf {
  const nlohmann::json* value;  // nullptr for a key
  std::string_view key;         // the key text when value is nullptr
  uint32_t step;                // where it sits: Leaves::pointer()
  std::string_view text() const { return value ? std::string_view(value->get_ref<const std::string&>()) : key; }
  bool is_string() const { return value == nullptr || value->is_string(); }
};

// Every scalar and key under a JSON value, depth first. Their JSON Pointers
// are kept as a tree of steps and spelled out only on request (a reason
// needs one; matching does not). Borrows the value: valid while it lives.
class Leaves {
 public:
  // Forgets what it held (keeping the buffers) and collects `root`'s leaves.
  void collect(const nlohmann::json& root);
  // Frees the buffers when an unusually large value made them big.
  void trim();
  const std::vector<Leaf>& items() const { return leaves_; }
  // The leaf's JSON Pointer (RFC 6901 escaped), starting with `base`.
  std::string pointer(const Leaf& leaf, std::string_view base) const;
  // The steps from the root down to the leaf (for a key: to the object
  // holding it), as object keys (nullptr for an array element), into *out.
  void steps_to(const Leaf& leaf, std::vector<const std::string*>* out) const;

 private:
  struct Step {
    uint32_t parent;
    const std::string* key;  // nullptr for an array element
    size_t index;            // the array element's index
  };
  void collect_under(const nlohmann::json& node, uint32_t step);
  uint32_t add_step(uint32_t parent, const std::string* key, size_t index);

  std::vector<Leaf> leaves_;
  std::vector<Step> steps_;  // steps_[0] is the root
};

// Numbers every args condition's JSON Pointer (equal pointers share a slot)
// and fills model->pointers, so a CallView can look each up once.
void assign_pointer_slots(Model* model);

// PathNormalizer::candidates() of each distinct string of one evaluation,
// in entries kept (with their buffers) from one evaluation to the next.
class CandidateCache {
 public:
  void clear();  // forgets the strings, keeps the buffers
  // Forgets the strings too, and frees buffers beyond what an ordinary call needs.
  void trim();
  // Stays valid until clear() or trim().
  const PathCandidates& get(std::string_view text, const PathNormalizer& normalizer, const PathBases* bases);

 private:
  struct Entry {
    std::string text;
    size_t hash = 0;
    PathCandidates paths;
  };
  static constexpr uint32_t kFree = UINT32_MAX;
  static constexpr size_t kKeptEntries = 64;
  static constexpr size_t kKeptChars = 4096;  // per string
  void grow();
  uint32_t* slot_of(std::string_view text, size_t hash);

  std::deque<Entry> entries_;  // [0, used_) belong to this evaluation
  size_t used_ = 0;
  std::vector<uint32_t> slots_;  // open addressing: indexes into entries_, or kFree
};

// What a CallView reuses from one evaluation to the next. After a call
// with unusually many or long strings the extra buffers are freed, so the
// memory kept between calls stays small.
struct CallScratch {
  Leaves leaves;
  CandidateCache candidates;
  std::vector<const nlohmann::json*> selected;
};

class CallView {
 public:
  CallView(const CallContext& call, const PathNormalizer& normalizer,
           const std::vector<std::vector<std::string>>& pointers, CallScratch& scratch);
  ~CallView();
  CallView(const CallView&) = delete;
  CallView& operator=(const CallView&) = delete;

  const CallContext& call() const { return call_; }
  const ToolAnnotations& annotations() const;
  const nlohmann::json& arguments() const;
  // Every leaf of the arguments; their pointers start at "".
  const Leaves& leaves();
  const PathCandidates& candidates(std::string_view text) {
    return scratch_.candidates.get(text, normalizer_, call_.path_bases);
  }
  // What `leaf` (one of `leaves`) is, for path rules: from the tool's input
  // schema and the name of the property holding it (path_roles.h).
  PathRole path_role(const Leaves& leaves, const Leaf& leaf);
  // Whether the tool searches or lists (glob characters in a path are a pattern).
  bool search_or_list_tool();
  // What the JSON Pointer in `slot` (cond.pointer_slot) selects in the
  // arguments; nullptr when nothing.
  const nlohmann::json* selected(size_t slot) {
    const nlohmann::json* value = scratch_.selected[slot];
    return value != kNotLookedUp ? value : look_up(slot);
  }

 private:
  const nlohmann::json* look_up(size_t slot);

  const CallContext& call_;
  const PathNormalizer& normalizer_;
  const std::vector<std::vector<std::string>>& pointers_;  // by slot
  CallScratch& scratch_;
  bool leaves_collected_ = false;
  int search_or_list_ = -1;  // not looked at yet
  std::vector<const std::string*> steps_;  // path_role()'s scratch
  static const nlohmann::json* const kNotLookedUp;
};

}  // namespace mcp_warden::policy::internal
