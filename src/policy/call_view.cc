#include "call_view.h"

#include <algorithm>
#include <map>

namespace mcp_warden::policy::internal {
namespace {

const ToolAnnotations kDefaultAnnotations{};
const nlohmann::json kNullArguments = nullptr;
const nlohmann::json kNotLookedUpMarker = nullptr;

// RFC 6901 escaping of one reference token.
std::string escape_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

const nlohmann::json* follow_pointer(const nlohmann::json& root, const std::vector<std::string>& tokens) {
  const nlohmann::json* node = &root;
  for (const std::string& token : tokens) {
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array() && !token.empty() && token.size() < 10 &&
               token.find_first_not_of("0123456789") == std::string::npos) {
      size_t index = std::stoul(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

}  // namespace

const nlohmann::json* const CallView::kNotLookedUp = &kNotLookedUpMarker;

void Leaves::collect(const nlohmann::json& root) {
  leaves_.clear();
  steps_.clear();
  steps_.push_back(Step{0, nullptr, 0});
  collect_under(root, 0);
}

void Leaves::trim() {
  constexpr size_t kKeptLeaves = 1024;
  if (leaves_.capacity() > kKeptLeaves) std::vector<Leaf>().swap(leaves_);
  if (steps_.capacity() > kKeptLeaves) std::vector<Step>().swap(steps_);
}

uint32_t Leaves::add_step(uint32_t parent, const std::string* key, size_t index) {
  steps_.push_back(Step{parent, key, index});
  return static_cast<uint32_t>(steps_.size() - 1);
}

// Object keys are the object's own strings, so the views stay valid.
void Leaves::collect_under(const nlohmann::json& node, uint32_t step) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& key = it.key();
      const uint32_t child = add_step(step, &key, 0);
      leaves_.push_back(Leaf{nullptr, key, child});
      collect_under(it.value(), child);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) collect_under(node[i], add_step(step, nullptr, i));
  } else if (!node.is_null()) {
    leaves_.push_back(Leaf{&node, {}, step});
  }
}

std::string Leaves::pointer(const Leaf& leaf, std::string_view base) const {
  std::vector<uint32_t> chain;
  for (uint32_t s = leaf.step; s != 0; s = steps_[s].parent) chain.push_back(s);
  std::string out(base);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Step& step = steps_[*it];
    out.push_back('/');
    out += step.key != nullptr ? escape_token(*step.key) : std::to_string(step.index);
  }
  return out;
}

void Leaves::steps_to(const Leaf& leaf, std::vector<const std::string*>* out) const {
  out->clear();
  for (uint32_t s = leaf.step; s != 0; s = steps_[s].parent) out->push_back(steps_[s].key);
  std::reverse(out->begin(), out->end());
  if (leaf.value == nullptr && !out->empty()) out->pop_back();  // a key is not its own property
}

namespace {

// The schema of a member (`key`) or an element (nullptr) of what `schema`
// describes; nullptr when it says nothing about it.
const nlohmann::json* child_schema(const nlohmann::json& schema, const std::string* key) {
  if (!schema.is_object()) return nullptr;
  if (key == nullptr) {
    auto items = schema.find("items");
    return items != schema.end() && items->is_object() ? &*items : nullptr;
  }
  auto properties = schema.find("properties");
  if (properties != schema.end() && properties->is_object()) {
    auto member = properties->find(*key);
    if (member != properties->end()) return &*member;
  }
  auto additional = schema.find("additionalProperties");
  return additional != schema.end() && additional->is_object() ? &*additional : nullptr;
}

}  // namespace

PathRole CallView::path_role(const Leaves& leaves, const Leaf& leaf) {
  leaves.steps_to(leaf, &steps_);
  const nlohmann::json* schema = call_.tool_info != nullptr ? &call_.tool_info->input_schema : nullptr;
  if (schema != nullptr && !schema->is_object()) schema = nullptr;
  const std::string* name = nullptr;
  for (const std::string* key : steps_) {
    if (schema != nullptr) schema = child_schema(*schema, key);
    if (key != nullptr) name = key;
  }
  return path_role_of(name != nullptr ? std::string_view(*name) : std::string_view(), schema);
}

bool CallView::search_or_list_tool() {
  if (search_or_list_ < 0) search_or_list_ = is_search_or_list_tool(call_.tool) ? 1 : 0;
  return search_or_list_ == 1;
}

void CandidateCache::clear() {
  if (used_ == 0) return;
  std::fill(slots_.begin(), slots_.end(), kFree);
  used_ = 0;
}

// Called when an evaluation ends: forgets its strings, and frees what only
// an unusually large call needed.
void CandidateCache::trim() {
  const size_t used = used_;
  clear();
  if (entries_.size() > kKeptEntries) {
    entries_.resize(kKeptEntries);
    entries_.shrink_to_fit();
    slots_.clear();
    slots_.shrink_to_fit();
  }
  for (size_t i = 0; i < std::min(used, entries_.size()); ++i) {
    if (entries_[i].text.capacity() > kKeptChars) entries_[i] = Entry();
  }
}

void CandidateCache::grow() {
  slots_.assign(std::max<size_t>(16, slots_.size() * 2), kFree);
  for (size_t i = 0; i < used_; ++i) *slot_of(entries_[i].text, entries_[i].hash) = static_cast<uint32_t>(i);
}

// The slot holding `text`, or the free slot where it belongs.
uint32_t* CandidateCache::slot_of(std::string_view text, size_t hash) {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t& slot = slots_[i];
    if (slot == kFree) return &slot;
    const Entry& entry = entries_[slot];
    if (entry.hash == hash && entry.text == text) return &slot;
  }
}

// `bases` is the same for every string of one evaluation (clear() between).
const PathCandidates& CandidateCache::get(std::string_view text, const PathNormalizer& normalizer,
                                          const PathBases* bases) {
  if ((used_ + 1) * 2 > slots_.size()) grow();
  const size_t hash = std::hash<std::string_view>{}(text);
  uint32_t* slot = slot_of(text, hash);
  if (*slot != kFree) return entries_[*slot].paths;
  if (used_ == entries_.size()) entries_.emplace_back();
  Entry& entry = entries_[used_];
  entry.text.assign(text);
  entry.hash = hash;
  normalizer.candidates(text, &entry.paths, bases);
  *slot = static_cast<uint32_t>(used_++);
  return entry.paths;
}

CallView::CallView(const CallContext& call, const PathNormalizer& normalizer,
                   const std::vector<std::vector<std::string>>& pointers, CallScratch& scratch)
    : call_(call), normalizer_(normalizer), pointers_(pointers), scratch_(scratch) {
  scratch_.candidates.clear();
  scratch_.selected.assign(pointers.size(), kNotLookedUp);
}

CallView::~CallView() {
  scratch_.leaves.trim();
  scratch_.candidates.trim();
}

const ToolAnnotations& CallView::annotations() const {
  return call_.tool_info != nullptr ? call_.tool_info->annotations : kDefaultAnnotations;
}

const nlohmann::json& CallView::arguments() const {
  return call_.arguments != nullptr ? *call_.arguments : kNullArguments;
}

const Leaves& CallView::leaves() {
  if (!leaves_collected_) {
    scratch_.leaves.collect(arguments());
    leaves_collected_ = true;
  }
  return scratch_.leaves;
}

const nlohmann::json* CallView::look_up(size_t slot) {
  scratch_.selected[slot] = follow_pointer(arguments(), pointers_[slot]);
  return scratch_.selected[slot];
}

void assign_pointer_slots(Model* model) {
  std::map<std::vector<std::string>, size_t> slots;
  for (Rule& rule : model->rules) {
    for (ArgCondition& cond : rule.match.args) {
      cond.pointer_slot = slots.emplace(cond.pointer, slots.size()).first->second;
    }
  }
  model->pointers.assign(slots.size(), {});
  for (auto& [tokens, slot] : slots) model->pointers[slot] = tokens;
}

}  // namespace mcp_warden::policy::internal
