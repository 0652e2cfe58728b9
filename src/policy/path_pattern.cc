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

// SplitPath cuts at '/' and at NUL (its parts are C strings); so does the
// string_view walk in PathPatternSet::matches.
bool is_separator(char c) { return c == '/' || c == '\0'; }

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
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
  return Segment{glob == "**", Glob(std::string(glob))};
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
  if (segments_[seg].any_run) {
    for (size_t p = part; p <= parts.size(); ++p) {
      if (match_from(parts, p, seg + 1)) return true;
    }
    return false;
  }
  if (part == parts.size() || !segments_[seg].matches(parts[part])) return false;
  return match_from(parts, part + 1, seg + 1);
}

const std::string* PathPattern::first_literal() const {
  const Segment& first = segments_.front();
  if (first.any_run || first.glob.kind() != Glob::Kind::kLiteral) return nullptr;
  return &first.glob.core();
}

const Glob* PathPattern::single_segment() const {
  if (anchored_ || segments_.size() != 1 || segments_.front().any_run) return nullptr;
  return &segments_.front().glob;
}

void PathPatternSet::SegmentMatcher::add(const Glob& glob) {
  const std::string& core = glob.core();
  switch (glob.kind()) {
    case Glob::Kind::kLiteral:
      literals.insert(core);
      literal_or_prefix_first.set(static_cast<unsigned char>(core.front()));
      return;
    case Glob::Kind::kPrefix:
      prefixes.push_back(core);
      if (core.empty()) literal_or_prefix_first.set();  // "*": every segment
      else literal_or_prefix_first.set(static_cast<unsigned char>(core.front()));
      return;
    case Glob::Kind::kSuffix:
      suffixes.push_back(core);
      suffix_last.set(static_cast<unsigned char>(core.back()));
      return;
    case Glob::Kind::kFnmatch: others.push_back(glob); return;
  }
}

// `segment` is not empty and holds no '/' or NUL.
bool PathPatternSet::SegmentMatcher::matches(std::string_view segment) const {
  if (literal_or_prefix_first[static_cast<unsigned char>(segment.front())]) {
    if (literals.find(segment) != literals.end()) return true;
    for (const std::string& p : prefixes) {
      if (starts_with(segment, p)) return true;
    }
  }
  if (suffix_last[static_cast<unsigned char>(segment.back())]) {
    for (const std::string& s : suffixes) {
      if (ends_with(segment, s)) return true;
    }
  }
  for (const Glob& glob : others) {
    if (glob.matches(segment)) return true;
  }
  return false;
}

void PathPatternSet::add(PathPattern pattern) {
  const size_t index = patterns_.size();
  patterns_.push_back(std::move(pattern));
  const PathPattern& added = patterns_.back();
  if (const Glob* glob = added.single_segment()) {
    single_.add(*glob);
  } else if (const std::string* first = added.first_literal()) {
    (added.anchored() ? anchored_by_first_literal_ : by_first_literal_)[*first].push_back(index);
    multi_first_byte_.set(static_cast<unsigned char>(first->front()));
  } else {
    others_.push_back(index);
  }
}

bool PathPatternSet::may_start_multi_segment(std::string_view segment, size_t position) const {
  if (!multi_first_byte_[static_cast<unsigned char>(segment.front())]) return false;
  return by_first_literal_.find(segment) != by_first_literal_.end() ||
         (position == 0 && anchored_by_first_literal_.find(segment) != anchored_by_first_literal_.end());
}

// One pass over the segments for the one-segment patterns; a SplitPath is
// built only when a longer pattern could match.
bool PathPatternSet::matches(std::string_view path) const {
  bool multi = !others_.empty();
  size_t position = 0;
  for (size_t start = 0; start < path.size();) {
    size_t end = start;
    while (end < path.size() && !is_separator(path[end])) ++end;
    if (end > start) {
      const std::string_view segment = path.substr(start, end - start);
      if (single_.matches(segment)) return true;
      multi = multi || may_start_multi_segment(segment, position++);
    }
    start = end + 1;
  }
  return multi && multi_segment_matches(SplitPath(path));
}

bool PathPatternSet::matches(const SplitPath& path) const {
  for (size_t i = 0; i < path.size(); ++i) {
    if (single_.matches(path[i])) return true;
  }
  return multi_segment_matches(path);
}

bool PathPatternSet::indexed_match_at(const Index& index, const SplitPath& path, size_t start) const {
  auto it = index.find(std::string_view(path[start]));
  if (it == index.end()) return false;
  for (size_t i : it->second) {
    if (patterns_[i].matches_at(path, start)) return true;
  }
  return false;
}

bool PathPatternSet::multi_segment_matches(const SplitPath& path) const {
  for (size_t i : others_) {
    if (patterns_[i].matches(path)) return true;
  }
  for (size_t start = 0; start < path.size(); ++start) {
    if (indexed_match_at(by_first_literal_, path, start)) return true;
  }
  return path.size() > 0 && indexed_match_at(anchored_by_first_literal_, path, 0);
}

}  // namespace mcp_warden::policy
