#include "call_view.h"

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

void collect_leaves(const nlohmann::json& root, const std::string& base, std::vector<Leaf>* out) {
  if (root.is_object()) {
    for (const auto& [key, value] : root.items()) {
      std::string pointer = base + "/" + escape_token(key);
      out->push_back(Leaf{pointer, nullptr, key});
      collect_leaves(value, pointer, out);
    }
  } else if (root.is_array()) {
    for (size_t i = 0; i < root.size(); ++i) {
      collect_leaves(root[i], base + "/" + std::to_string(i), out);
    }
  } else if (!root.is_null()) {
    out->push_back(Leaf{base, &root, {}});
  }
}

const ToolAnnotations& CallView::annotations() const {
  return call_.tool_info != nullptr ? call_.tool_info->annotations : kDefaultAnnotations;
}

const nlohmann::json& CallView::arguments() const {
  return call_.arguments != nullptr ? *call_.arguments : kNullArguments;
}

const std::vector<Leaf>& CallView::leaves() {
  if (!leaves_) {
    leaves_.emplace();
    collect_leaves(arguments(), "", &*leaves_);
  }
  return *leaves_;
}

const Candidates& CallView::candidates(std::string_view text) {
  auto it = candidates_.find(text);
  if (it == candidates_.end()) {
    it = candidates_.emplace(std::string(text), Candidates{normalizer_.candidates(text)}).first;
  }
  return it->second;
}

const nlohmann::json* CallView::look_up(size_t slot) {
  selected_[slot] = follow_pointer(arguments(), pointers_[slot]);
  return selected_[slot];
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
