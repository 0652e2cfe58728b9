// unified_diff(): the `diff -u` of two texts, for --dry-run.
//
// Computed in-process with Myers' O((N+M)·D) line diff (after trimming the
// common head and tail), so a dry run spawns nothing and needs no `diff` on
// the PATH. Output follows GNU diff -u: "--- a" / "+++ b" headers, hunks with
// three lines of context, "\ No newline at end of file" where it applies.
// Identical texts give "". Lines are compared byte for byte ("\r" included).
//
// Thread safety: a pure function. Memory: O((N+M)·D) for D changed lines.
#pragma once

#include <string>
#include <string_view>

namespace mcp_warden::integrations {

inline constexpr int kDiffContextLines = 3;

std::string unified_diff(std::string_view before, std::string_view after, const std::string& before_label,
                         const std::string& after_label);

}  // namespace mcp_warden::integrations
