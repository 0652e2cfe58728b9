#include "path_roles.h"

#include <fnmatch.h>

#include <algorithm>
#include <array>

#include "mcp_warden/policy/tool_words.h"

namespace mcp_warden::policy::internal {
namespace {

template <size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

constexpr std::array<std::string_view, 29> kPathWords = {
    "path", "paths", "file", "files", "filename", "filenames", "filepath", "dir", "dirs", "directory",
    "directories", "folder", "folders", "src", "source", "sources", "dst", "dest", "destination", "target",
    "root", "roots", "cwd", "workdir", "location", "uri", "uris", "pathname", "fullpath"};
constexpr std::array<std::string_view, 8> kPatternWords = {"pattern", "patterns", "glob", "globs", "include",
                                                           "exclude", "includes", "excludes"};
constexpr std::array<std::string_view, 9> kCommandWords = {"command", "commands", "cmd", "script", "shell",
                                                           "exec", "argv", "code", "cmdline"};
constexpr std::array<std::string_view, 29> kTextWords = {
    "query", "q", "search", "message", "messages", "text", "content", "contents", "body", "prompt",
    "description", "title", "comment", "comments", "note", "notes", "summary", "question", "answer",
    "subject", "keyword", "keywords", "term", "terms", "thought", "reason", "instructions", "name", "label"};
constexpr std::array<std::string_view, 8> kPathDescriptionWords = {"path",      "paths",       "file",   "files",
                                                                   "directory", "directories", "folder", "filename"};
constexpr std::array<std::string_view, 5> kPathFormats = {"uri", "uri-reference", "iri", "iri-reference", "path"};
constexpr std::array<std::string_view, 15> kSearchWords = {"search", "find", "list", "glob", "grep", "ls",
                                                           "tree", "locate", "walk", "scan", "rg", "ripgrep",
                                                           "fd", "match", "query"};

// Whether a word of `text` (split as tool names are, any case) is listed.
// Allocates nothing: it runs for every string argument a path rule reads.
template <size_t N>
bool any_word_listed(std::string_view text, const std::array<std::string_view, N>& list) {
  size_t pos = 0;
  std::string_view word;
  while (next_tool_word(text, &pos, &word)) {
    for (std::string_view entry : list) {
      if (equals_ignoring_case(word, entry)) return true;
    }
  }
  return false;
}

std::string_view string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                               : std::string_view();
}

// The schema says the value is a path: `format`, or a description or title
// that speaks of paths, files or directories.
bool schema_says_path(const nlohmann::json& schema) {
  if (listed(kPathFormats, string_member(schema, "format"))) return true;
  for (const char* key : {"description", "title"}) {
    if (any_word_listed(string_member(schema, key), kPathDescriptionWords)) return true;
  }
  return false;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_separator(char c) { return is_space(c) || c == '='; }
bool is_trimmed(char c) {
  return c == '"' || c == '\'' || c == '`' || c == '(' || c == ')' || c == '{' || c == '}' || c == '<' ||
         c == '>' || c == ',' || c == ';';
}

bool is_drive(std::string_view text) {
  return text.size() >= 3 && ((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z')) &&
         text[1] == ':' && (text[2] == '/' || text[2] == '\\');
}

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string_view>& parts, bool absolute) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty() || absolute) out.push_back('/');
    out.append(part);
  }
  return out;
}

bool fits(std::string_view glob, const std::string& name) {
  return ::fnmatch(std::string(glob).c_str(), name.c_str(), 0) == 0;
}

// The concrete path made by putting `name` in place of segment `at`.
std::string substitute(const std::vector<std::string_view>& segments, size_t at, const std::string& name,
                       bool absolute) {
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i == at) parts.push_back(name);
    else if (segments[i] == "**") continue;
    else parts.push_back(has_glob_chars(segments[i]) ? std::string_view("x") : segments[i]);
  }
  return join(parts, absolute);
}

}  // namespace

PathRole path_role_of(std::string_view name, const nlohmann::json* schema) {
  if (any_word_listed(name, kPathWords)) return PathRole::kPath;
  const bool declared = schema != nullptr && schema->is_object();
  if (declared && schema_says_path(*schema)) return PathRole::kPath;
  if (any_word_listed(name, kPatternWords)) return PathRole::kPattern;
  if (any_word_listed(name, kCommandWords)) return PathRole::kCommand;
  if (any_word_listed(name, kTextWords) || declared) return PathRole::kText;
  return PathRole::kUnknown;
}

bool is_search_or_list_tool(std::string_view tool) {
  return any_word_listed(tool, kSearchWords);
}

bool has_path_shape(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == '/' || text.front() == '~' || text.front() == '\\' || is_drive(text)) return true;
  if (text.substr(0, 5) == "$HOME" || text.substr(0, 7) == "${HOME}") return true;
  if (text.size() >= 5 && (text[0] | 0x20) == 'f' && (text[1] | 0x20) == 'i' && (text[2] | 0x20) == 'l' &&
      (text[3] | 0x20) == 'e' && text[4] == ':') {
    return true;
  }
  return std::any_of(text.begin(), text.end(), [](char c) { return c == '/' || c == '\\'; });
}

bool may_hold_words(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return is_separator(c) || is_trimmed(c); });
}

std::string_view next_word(std::string_view text, size_t* pos) {
  size_t i = *pos;
  while (i < text.size()) {
    while (i < text.size() && is_separator(text[i])) ++i;
    size_t end = i;
    while (end < text.size() && !is_separator(text[end])) ++end;
    std::string_view w = text.substr(i, end - i);
    while (!w.empty() && is_trimmed(w.front())) w.remove_prefix(1);
    while (!w.empty() && is_trimmed(w.back())) w.remove_suffix(1);
    i = end;
    if (!w.empty()) {
      *pos = i;
      return w;
    }
  }
  *pos = i;
  return {};
}

// A byte loop: find_first_of() would call memchr once per byte of `text`.
bool has_glob_chars(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c == '*' || c == '?' || c == '['; });
}

std::string representative_path(std::string_view pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*') {
      bool alone = (i == 0 || pattern[i - 1] == '/') && (i + 1 == pattern.size() || pattern[i + 1] == '/');
      if (alone) out.push_back('x');
    } else if (c == '?') {
      out.push_back('x');
    } else if (c == '[') {
      size_t close = pattern.find(']', i + 1);
      if (close == std::string_view::npos) {
        out.push_back(c);
        continue;
      }
      char first = pattern[i + 1] == '!' || pattern[i + 1] == '^' ? 'x' : pattern[i + 1];
      out.push_back(first);
      i = close;
    } else {
      out.push_back(c);
    }
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  if (!out.empty() && out.front() == '.' && pattern.substr(0, 2) == "*.") out.insert(out.begin(), 'x');
  return out;
}

bool glob_may_match(std::string_view glob, const std::vector<std::string>& representatives,
                    const std::function<bool(std::string_view)>& secret) {
  const bool absolute = !glob.empty() && glob.front() == '/';
  std::vector<std::string_view> segments = split_segments(glob);
  std::vector<std::string> names;  // every segment of every representative
  for (const std::string& r : representatives) {
    for (std::string_view s : split_segments(r)) names.emplace_back(s);
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!has_glob_chars(segments[i]) || segments[i] == "**") continue;
    for (const std::string& name : names) {
      if (fits(segments[i], name) && secret(substitute(segments, i, name, absolute))) return true;
    }
  }
  if (segments.empty() || segments.back() != "**") return secret(substitute(segments, segments.size(), "", absolute));
  std::vector<std::string_view> prefix;
  for (std::string_view s : segments) {
    if (has_glob_chars(s)) break;
    prefix.push_back(s);
  }
  std::string base = join(prefix, absolute);
  for (const std::string& r : representatives) {
    if (r.empty()) continue;
    const bool anchored_below = r.front() == '/' && r.compare(0, base.size(), base) == 0 &&
                                (r.size() == base.size() || r[base.size()] == '/' || base == "/");
    if (r.front() == '/' ? anchored_below && secret(r) : secret(base + "/" + r)) return true;
  }
  return false;
}

}  // namespace mcp_warden::policy::internal
