// What a string argument is, for path rules applied to every string (`path:
// "*"` with `path_glob`): a path, a glob pattern, a shell command, free
// text, or unknown. Decided from the tool's input schema (the property's
// name, its `format`, its description) and, for free text, from the shape of
// each word. docs/policy.md ("What is a path") states the rule.
//
// Internal to mcp_warden_policy. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcp_warden::policy::internal {

enum class PathRole {
  kPath,     // judged whole (a path-named property, format uri, a description that says path/file/directory)
  kPattern,  // a glob pattern (pattern, glob, include, exclude): judged whole, and as a pattern in search/list tools
  kCommand,  // a shell command or script: judged whole and word by word
  kText,     // free text (query, message, content, …, or a declared property with no path signal):
             // only its words that have a path's shape are judged
  kUnknown,  // not declared by the schema, no telling name: judged whole, and its path-shaped words
};

// The role of a value under the property `name` (empty at the top level or
// for array elements without a named parent), whose schema is `schema`
// (nullptr when the tool declares none for it).
PathRole path_role_of(std::string_view name, const nlohmann::json* schema);

// A search or list tool (name words: search, find, list, glob, grep, ls,
// tree, locate, walk, scan, …): glob characters in its path arguments are a
// pattern.
bool is_search_or_list_tool(std::string_view tool);

// Has `text` a path's shape: starts with `/`, `~`, `$HOME`, `./`, `../`,
// `file:`, a drive (`C:\`, `C:/`), or contains `/` or `\`.
bool has_path_shape(std::string_view text);

// Whitespace, `=`, or a quote: the value may hold several words.
bool may_hold_words(std::string_view text);

// The next word of `text` from `*pos` on (split at whitespace and `=`, with
// quotes, backticks, brackets, commas and semicolons trimmed off its ends),
// `*pos` moved past it; empty when no word is left.
std::string_view next_word(std::string_view text, size_t* pos);

// Calls `word` for each word of `text` (see next_word) until it returns
// true; returns whether one did. A template: the call allocates nothing.
template <typename Fn>
bool any_word(std::string_view text, Fn&& word) {
  size_t pos = 0;
  for (std::string_view w = next_word(text, &pos); !w.empty(); w = next_word(text, &pos)) {
    if (word(w)) return true;
  }
  return false;
}

// `*`, `?` or `[`.
bool has_glob_chars(std::string_view text);

// Representative concrete paths of a path_glob pattern ("id_rsa*" → "id_rsa",
// "*.pem" → "x.pem", ".ssh/" → ".ssh", "/etc/shadow" → "/etc/shadow").
std::string representative_path(std::string_view pattern);

// Whether the glob path `glob` (normalised) may match a path that `secret`
// matches: concrete paths are made by putting each representative segment
// into each glob segment it fits (`**` dropped, other glob segments "x"),
// and, when the glob ends in `**`, by putting each representative path
// below the part before the first glob segment.
bool glob_may_match(std::string_view glob, const std::vector<std::string>& representatives,
                    const std::function<bool(std::string_view)>& secret);

}  // namespace mcp_warden::policy::internal
