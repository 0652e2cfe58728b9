#include "call_view.h"

#include "mcp_warden/policy/tool_words.h"

namespace mcp_warden::policy::internal {
namespace {

const ToolAnnotations kDefaultAnnotations{};
const nlohmann::json kNullArguments = nullptr;

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

}  // namespace

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

const std::vector<std::string>& CallView::tool_words() {
  if (!words_) words_ = split_tool_words(call_.tool);
  return *words_;
}

const std::vector<Leaf>& CallView::leaves() {
  if (!leaves_) {
    leaves_.emplace();
    collect_leaves(arguments(), "", &*leaves_);
  }
  return *leaves_;
}

const Candidates& CallView::candidates(std::string_view text) {
  auto [it, inserted] = candidates_.try_emplace(std::string(text));
  if (inserted) {
    it->second.paths = normalizer_.candidates(text);
    for (const std::string& path : it->second.paths) {
      it->second.split.push_back(std::make_unique<SplitPath>(path));
    }
  }
  return it->second;
}

}  // namespace mcp_warden::policy::internal
