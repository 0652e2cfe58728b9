// PathPattern: gitignore-style patterns matched against normalised paths.
//
// A pattern is split at '/' into segments, each an fnmatch(3) glob:
//   - "id_rsa*", "*.pem"        no slash: matches any single path segment
//                                (so also everything below such a directory)
//   - ".ssh/", ".aws/"           trailing slash: a directory name; matches the
//                                directory itself and anything below it
//   - ".docker/config.json"      several segments: matches them as a
//                                consecutive run anywhere in the path
//   - "/etc/shadow"              leading slash: anchored at the root
//   - "**" as a segment          matches any run of segments (also none)
// A pattern matches a path when it matches the path itself or any of its
// ancestors, so "/etc/shadow" also matches "/etc/shadow/x".
//
// Thread safety: immutable after construction.
#pragma once

#include <string>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mcp_warden/base/status.h"

namespace mcp_warden::policy {

// A normalised path split into NUL-terminated segments, built once and
// matched against many patterns.
class SplitPath {
 public:
  explicit SplitPath(std::string_view path);
  size_t size() const { return parts_.size(); }
  const char* operator[](size_t i) const { return parts_[i]; }

  SplitPath(const SplitPath&) = delete;  // parts_ point into storage_
  SplitPath& operator=(const SplitPath&) = delete;
  SplitPath(SplitPath&&) = delete;
  SplitPath& operator=(SplitPath&&) = delete;

 private:
  std::string storage_;
  std::vector<const char*> parts_;
};

class PathPattern {
 public:
  // Errors: empty pattern, or an empty segment ("a//b").
  static Result<PathPattern> parse(std::string_view pattern, bool fold_case = false);

  // `path` must be normalised (see lexically_normal) and, when the pattern
  // was parsed with fold_case, lower-cased.
  bool matches(std::string_view path) const;
  bool matches(const SplitPath& path) const;
  // Whether the pattern matches with its first segment at path[start].
  bool matches_at(const SplitPath& path, size_t start) const { return match_from(path, start, 0); }
  const std::string& text() const { return text_; }
  // The first segment when it is a plain name and the pattern unanchored
  // (such patterns can be looked up by a path segment), else nullptr.
  const std::string* first_literal() const;

 private:
  // How a segment is matched: plain comparisons where they are exactly what
  // fnmatch would do ("abc", "abc*", "*abc"), fnmatch otherwise.
  enum class Kind { kAnyRun, kLiteral, kPrefix, kSuffix, kGlob };
  struct Segment {
    std::string glob;
    Kind kind = Kind::kGlob;
    std::string core;  // the literal part for kLiteral, kPrefix, kSuffix
    bool matches(const char* part) const;
  };
  static Segment make_segment(std::string_view glob);
  bool match_from(const SplitPath& parts, size_t part, size_t seg) const;

  std::string text_;
  std::vector<Segment> segments_;
  bool anchored_ = false;
};

// Several patterns matched as one: those starting with a plain name are
// looked up by each path segment instead of being tried one by one.
class PathPatternSet {
 public:
  void add(PathPattern pattern);
  bool matches(const SplitPath& path) const;
  size_t size() const { return patterns_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::vector<PathPattern> patterns_;
  std::unordered_map<std::string, std::vector<size_t>, Hash, std::equal_to<>> by_first_literal_;
  std::vector<size_t> others_;
};

}  // namespace mcp_warden::policy
