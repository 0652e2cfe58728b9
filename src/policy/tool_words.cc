#include "mcp_warden/policy/tool_words.h"

namespace mcp_warden::policy {
namespace {

enum class CharKind { kSeparator, kLower, kUpper, kDigit };

CharKind kind_of(char c) {
  if (c >= 'a' && c <= 'z') return CharKind::kLower;
  if (c >= 'A' && c <= 'Z') return CharKind::kUpper;
  if (c >= '0' && c <= '9') return CharKind::kDigit;
  return CharKind::kSeparator;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// True when a new word starts at name[i] (name[i] is not a separator and
// name[i-1] is not either).
bool starts_word(std::string_view name, size_t i) {
  CharKind prev = kind_of(name[i - 1]);
  CharKind cur = kind_of(name[i]);
  if ((prev == CharKind::kDigit) != (cur == CharKind::kDigit)) return true;
  if (cur != CharKind::kUpper) return false;
  if (prev == CharKind::kLower) return true;  // camelCase
  // An acronym run ends before its last capital: "HTTPRequest" → HTTP|Request.
  return i + 1 < name.size() && kind_of(name[i + 1]) == CharKind::kLower;
}

}  // namespace

std::vector<std::string> split_tool_words(std::string_view name) {
  std::vector<std::string> words;
  std::string current;
  for (size_t i = 0; i < name.size(); ++i) {
    if (kind_of(name[i]) == CharKind::kSeparator) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (!current.empty() && starts_word(name, i)) {
      words.push_back(std::move(current));
      current.clear();
    }
    current.push_back(lower(name[i]));
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

}  // namespace mcp_warden::policy
