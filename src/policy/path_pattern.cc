#include "mcp_warden/policy/path_pattern.h"

#include <fnmatch.h>

#include <cstring>

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

bool has_glob_chars(std::string_view text) {
  return text.find_first_of("*?[\\") != std::string_view::npos;
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
    out.segments_.push_back(make_segment(seg));
  }
  std::string_view inner = std::string_view(body).substr(begin, end - begin);
  if (out.segments_.empty() || inner.find("//") != std::string_view::npos) {
    return Status::invalid_argument("path pattern \"" + out.text_ + "\" has an empty segment");
  }
  return out;
}

PathPattern::Segment PathPattern::make_segment(std::string_view glob) {
  Segment s{std::string(glob), Kind::kGlob, {}};
  std::string_view head = glob.substr(0, glob.size() - 1);
  std::string_view tail = glob.substr(1);
  if (glob == "**") {
    s.kind = Kind::kAnyRun;
  } else if (!has_glob_chars(glob)) {
    s = {s.glob, Kind::kLiteral, std::string(glob)};
  } else if (glob.back() == '*' && !has_glob_chars(head)) {
    s = {s.glob, Kind::kPrefix, std::string(head)};
  } else if (glob.front() == '*' && !has_glob_chars(tail)) {
    s = {s.glob, Kind::kSuffix, std::string(tail)};
  }
  return s;
}

bool PathPattern::Segment::matches(const char* part) const {
  switch (kind) {
    case Kind::kLiteral: return core == part;
    case Kind::kPrefix: return std::strncmp(part, core.c_str(), core.size()) == 0;
    case Kind::kSuffix: {
      const size_t n = std::strlen(part);
      return n >= core.size() && std::memcmp(part + n - core.size(), core.data(), core.size()) == 0;
    }
    case Kind::kAnyRun:
    case Kind::kGlob: break;
  }
  return fnmatch(glob.c_str(), part, 0) == 0;
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
  if (segments_[seg].kind == Kind::kAnyRun) {
    for (size_t p = part; p <= parts.size(); ++p) {
      if (match_from(parts, p, seg + 1)) return true;
    }
    return false;
  }
  if (part == parts.size() || !segments_[seg].matches(parts[part])) return false;
  return match_from(parts, part + 1, seg + 1);
}

const std::string* PathPattern::first_literal() const {
  if (anchored_ || segments_.front().kind != Kind::kLiteral) return nullptr;
  return &segments_.front().core;
}

void PathPatternSet::add(PathPattern pattern) {
  const size_t index = patterns_.size();
  patterns_.push_back(std::move(pattern));
  if (const std::string* first = patterns_.back().first_literal()) {
    by_first_literal_[*first].push_back(index);
  } else {
    others_.push_back(index);
  }
}

bool PathPatternSet::matches(const SplitPath& path) const {
  for (size_t i : others_) {
    if (patterns_[i].matches(path)) return true;
  }
  if (by_first_literal_.empty()) return false;
  for (size_t start = 0; start < path.size(); ++start) {
    auto it = by_first_literal_.find(std::string_view(path[start]));
    if (it == by_first_literal_.end()) continue;
    for (size_t i : it->second) {
      if (patterns_[i].matches_at(path, start)) return true;
    }
  }
  return false;
}

}  // namespace mcp_warden::policy
