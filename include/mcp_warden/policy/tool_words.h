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

}  // namespace mcp_warden::policy
