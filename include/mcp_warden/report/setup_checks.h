// Checks of the user's set-up shared by `init-integration` (before it
// writes) and `doctor` (after the fact): does a --policy value name a policy
// that loads, does a binary live in a build tree, does a server command
// resolve on the PATH.
//
// Thread safety: stateless; they read the file system and nothing else.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/base/status.h"

namespace mcp_warden::report {

// The --policy value as a wrapped entry must carry it (a preset name as is,
// a file made absolute against `cwd`), after loading it: kInvalidArgument
// naming the problem (and the nearest preset for a mistyped name) when it
// does not load.
Result<std::string> check_policy_spec(const std::string& given, const std::filesystem::path& cwd);

// The build directory `binary` sits in (a CMakeCache.txt beside it or up to
// two levels above), or nullopt for an installed binary.
std::optional<std::filesystem::path> build_tree_of(const std::filesystem::path& binary);

// Where `command` resolves: itself when it has a '/', else the first
// executable of that name on `path_env` (PATH syntax). nullopt when none.
std::optional<std::filesystem::path> resolve_command(const std::string& command, const std::string& path_env);

// The candidate closest to `word` by edit distance, if it is close enough to
// be a plausible typo (at most 2 edits, or a third of the word, or `word` is
// a prefix of it of 3 or more characters).
std::optional<std::string> nearest_name(const std::string& word, const std::vector<std::string>& candidates);

// True when `path` is a regular file this user may execute.
bool is_executable_file(const std::filesystem::path& path);

}  // namespace mcp_warden::report
