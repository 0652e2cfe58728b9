// Tool-name words: splits a tool name into lower-case words so a policy can
// match verbs ("write" in write_file, writeFile, write-file, fs.write2).
//
// Splitting: at any character that is not an ASCII letter or digit (`_`,
// `-`, `.`, `/`, spaces, …), between a lower-case letter or digit and an
// upper-case letter (camelCase), before the last capital of an acronym run
// ("HTTPRequest" → http, request) and between letters and digits
// ("s3put" → s, 3, put). Words are whole: "settings" is not "set".
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcp_warden::policy {

std::vector<std::string> split_tool_words(std::string_view name);

// The next word of `name` from `*pos` on, as written (not lower-cased), into
// *word, `*pos` moved past it; false when no word is left. Splits exactly as
// split_tool_words does, allocating nothing.
bool next_tool_word(std::string_view name, size_t* pos, std::string_view* word);

// Whether `word` (any case) equals `lower_case` (lower case).
bool equals_ignoring_case(std::string_view word, std::string_view lower_case);

}  // namespace mcp_warden::policy
