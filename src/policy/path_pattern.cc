#include "mcp_warden/policy/path_pattern.h"

#include <fnmatch.h>

#include "mcp_warden/policy/path_normalizer.h"

namespace mcp_warden::policy {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool glob_matches(const std::string& glob, const char* segment) {
  return fnmatch(glob.c_str(), segment, 0) == 0;
}

}  // namespace

SplitPath::SplitPath(std::string_view path) : storage_(path) {
  for (char& c : storage_) {
    if (c == '/') c = '\0';
  }
  for (size_t i = 0; i < storage_.size(); ++i) {
    if (storage_[i] != '\0' && (i == 0 || storage_[i - 1] == '\0')) {
      parts_.push_back(storage_.c_str() + i);
    }
  }
}

Result<PathPattern> PathPattern::parse(std::string_view pattern, bool fold) {
  if (pattern.empty()) return Status::invalid_argument("empty path pattern");
  PathPattern out;
  out.text_ = std::string(pattern);
  std::string body = fold ? fold_case(pattern) : std::string(pattern);
  out.anchored_ = body.front() == '/';
  size_t begin = out.anchored_ ? 1 : 0;
  size_t end = body.size() > begin && body.back() == '/' ? body.size() - 1 : body.size();
  for (std::string_view seg : split_path(std::string_view(body).substr(begin, end - begin))) {
    out.segments_.emplace_back(seg);
  }
  std::string_view inner = std::string_view(body).substr(begin, end - begin);
  if (out.segments_.empty() || inner.find("//") != std::string_view::npos) {
    return Status::invalid_argument("path pattern \"" + out.text_ + "\" has an empty segment");
  }
  return out;
}

bool PathPattern::matches(std::string_view path) const { return matches(SplitPath(path)); }

bool PathPattern::matches(const SplitPath& parts) const {
  if (anchored_) return match_from(parts, 0, 0);
  for (size_t start = 0; start < parts.size(); ++start) {
    if (match_from(parts, start, 0)) return true;
  }
  return false;
}

// Matches segments_[seg..] against parts[part..]; running out of segments is
// a match (the path is the pattern or below it).
bool PathPattern::match_from(const SplitPath& parts, size_t part,
                             size_t seg) const {
  if (seg == segments_.size()) return true;
  if (segments_[seg] == "**") {
    for (size_t p = part; p <= parts.size(); ++p) {
      if (match_from(parts, p, seg + 1)) return true;
    }
    return false;
  }
  if (part == parts.size() || !glob_matches(segments_[seg], parts[part])) return false;
  return match_from(parts, part + 1, seg + 1);
}

}  // namespace mcp_warden::policy
