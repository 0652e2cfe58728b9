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

bool next_tool_word(std::string_view name, size_t* pos, std::string_view* word) {
  size_t i = *pos;
  while (i < name.size() && kind_of(name[i]) == CharKind::kSeparator) ++i;
  if (i == name.size()) {
    *pos = i;
    return false;
  }
  const size_t start = i++;
  while (i < name.size() && kind_of(name[i]) != CharKind::kSeparator && !starts_word(name, i)) ++i;
  *word = name.substr(start, i - start);
  *pos = i;
  return true;
}

std::vector<std::string> split_tool_words(std::string_view name) {
  std::vector<std::string> words;
  size_t pos = 0;
  std::string_view word;
  while (next_tool_word(name, &pos, &word)) {
    std::string& out = words.emplace_back(word);
    for (char& c : out) c = lower(c);
  }
  return words;
}

bool equals_ignoring_case(std::string_view word, std::string_view lower_case) {
  if (word.size() != lower_case.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (lower(word[i]) != lower_case[i]) return false;
  }
  return true;
}

}  // namespace mcp_warden::policy
