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

#include <bitset>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mcp_warden/base/status.h"
#include "mcp_warden/policy/glob.h"

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
  // The first segment when it is a plain name (anchored or not), else nullptr.
  const std::string* first_literal() const;
  bool anchored() const { return anchored_; }
  // The glob when the pattern is one unanchored segment ("id_rsa*", ".ssh/"):
  // such a pattern matches a path exactly when it matches one of its
  // segments. nullptr otherwise.
  const Glob* single_segment() const;

 private:
  struct Segment {
    bool any_run = false;  // "**"
    Glob glob;
    bool matches(const char* part) const { return !any_run && glob.matches(part); }
  };
  static Segment make_segment(std::string_view glob);
  bool match_from(const SplitPath& parts, size_t part, size_t seg) const;

  std::string text_;
  std::vector<Segment> segments_;
  bool anchored_ = false;
};

// Several patterns matched as one. One-segment patterns are checked per
// path segment (literals by hash, prefixes and suffixes only when the
// segment's first or last byte could match); patterns of several segments
// that start with a plain name are tried only where a segment is that name
// (at the root only, when anchored); the rest one by one.
class PathPatternSet {
 public:
  void add(PathPattern pattern);
  bool matches(std::string_view path) const;  // normalised, as PathPattern
  bool matches(const SplitPath& path) const;
  size_t size() const { return patterns_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Index = std::unordered_map<std::string, std::vector<size_t>, Hash, std::equal_to<>>;

  // One-segment patterns, by how they are matched.
  struct SegmentMatcher {
    std::unordered_set<std::string, Hash, std::equal_to<>> literals;
    std::vector<std::string> prefixes;
    std::vector<std::string> suffixes;
    std::vector<Glob> others;               // fnmatch
    std::bitset<256> literal_or_prefix_first;  // first bytes worth a look
    std::bitset<256> suffix_last;              // last bytes worth a look
    void add(const Glob& glob);
    bool matches(std::string_view segment) const;
  };

  bool multi_segment_matches(const SplitPath& path) const;
  bool indexed_match_at(const Index& index, const SplitPath& path, size_t start) const;
  bool may_start_multi_segment(std::string_view segment, size_t position) const;

  std::vector<PathPattern> patterns_;
  SegmentMatcher single_;
  Index by_first_literal_;  // unanchored, several segments
  Index anchored_by_first_literal_;
  std::bitset<256> multi_first_byte_;  // first bytes of both indexes' keys
  std::vector<size_t> others_;
};

}  // namespace mcp_warden::policy
