#include "mcp_warden/audit/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "mcp_warden/inspect/detectors.h"
#include "mcp_warden/inspect/scan.h"

namespace mcp_warden::audit {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 13> kSecretWords = {
    "token",      "password",    "passwd", "pwd",    "secret",     "key",        "authorization",
    "credential", "credentials", "apikey", "cookie", "privatekey", "accesstoken"};

constexpr std::array<std::string_view, 5> kSecretCompounds = {
    "apikey", "accesskey", "secretkey", "privatekey", "authtoken"};

bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool is_lower_or_digit(char c) {
  return std::islower(static_cast<unsigned char>(c)) != 0 ||
         std::isdigit(static_cast<unsigned char>(c)) != 0;
}
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// True when a camelCase word starts at key[i]: "aB" or the "Bc" in "ABc".
bool starts_camel_word(std::string_view key, std::size_t i) {
  if (i == 0 || !is_upper(key[i])) return false;
  if (is_lower_or_digit(key[i - 1])) return true;
  return is_upper(key[i - 1]) && i + 1 < key.size() && is_lower_or_digit(key[i + 1]);
}

// Lower-cased words of `key`.
std::vector<std::string> split_words(std::string_view key) {
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (!std::isalnum(static_cast<unsigned char>(key[i]))) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (starts_camel_word(key, i) && !words.back().empty()) words.emplace_back();
    words.back().push_back(lower(key[i]));
  }
  return words;
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view word) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

void redact_keys(json& value) {
  if (value.is_array()) {
    for (json& item : value) redact_keys(item);
    return;
  }
  if (!value.is_object()) return;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (is_secret_key(it.key())) {
      it.value() = std::string(kRedactedValue);
    } else {
      redact_keys(it.value());
    }
  }
}

// Replaces the value at `pointer` if it resolves. nlohmann throws on
// malformed pointers; the caller catches.
void redact_pointer(json& value, const std::string& pointer) {
  json::json_pointer ptr(pointer);
  if (ptr.empty()) {
    value = std::string(kRedactedValue);
  } else if (value.contains(ptr)) {
    value.at(ptr) = std::string(kRedactedValue);
  }
}

// Replaces every string of `value` (keys excepted) with kRedactedValue: the
// fallback when content inspection could not finish.
void redact_all_strings(json& value) {
  std::vector<json*> stack{&value};
  while (!stack.empty()) {
    json* node = stack.back();
    stack.pop_back();
    if (node->is_string()) *node = std::string(kRedactedValue);
    if (node->is_structured()) {
      for (json& child : *node) stack.push_back(&child);
    }
  }
}

void redact_content(json& value) {
  inspect::ScanOptions options;
  options.kinds = kContentRedactedKinds;
  options.max_occurrences = 0;  // only the redaction is wanted here
  options.max_depth = std::numeric_limits<std::size_t>::max();  // the walk is iterative
  inspect::Report report = inspect::redact(value, inspect::Detectors::builtin(), kContentRedactedKinds, options);
  if (report.incomplete) redact_all_strings(value);
}

}  // namespace

bool is_secret_key(std::string_view key) {
  std::vector<std::string> words = split_words(key);
  std::string joined;
  for (const std::string& word : words) {
    if (contains(kSecretWords, word)) return true;
    joined += word;
  }
  return contains(kSecretCompounds, joined);
}

Result<nlohmann::json> redact_secrets(const nlohmann::json& value, const std::vector<std::string>& pointers,
                                      ContentScan content) {
  json copy = value;
  try {
    for (const std::string& pointer : pointers) redact_pointer(copy, pointer);
  } catch (const json::exception& e) {
    return Status::invalid_argument(std::string("bad JSON Pointer: ") + e.what());
  }
  redact_keys(copy);
  if (content == ContentScan::kScan) redact_content(copy);
  return copy;
}

}  // namespace mcp_warden::audit
