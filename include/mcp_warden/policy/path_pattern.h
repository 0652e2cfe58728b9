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
#include <string_view>
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
  const std::string& text() const { return text_; }

 private:
  bool match_from(const SplitPath& parts, size_t part, size_t seg) const;

  std::string text_;
  std::vector<std::string> segments_;
  bool anchored_ = false;
};

}  // namespace mcp_warden::policy
