#include "mcp_warden/policy/path_normalizer.h"

#include <algorithm>

namespace mcp_warden::policy {
namespace {

constexpr size_t kMaxResolvablePath = 4096;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a malformed escape is kept literally.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int hi = text[i] == '%' && i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
    if (lo < 0) {
      out.push_back(text[i]);
      continue;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `lower_prefix` must be lower-case.
bool starts_with_ci(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (lower_ascii(text[i]) != lower_prefix[i]) return false;
  }
  return true;
}

// Whether expand() could change `raw` (file:// URI, ~ or $HOME).
bool may_need_expansion(std::string_view raw) {
  return !raw.empty() && (raw.front() == '~' || raw.front() == '$' || starts_with_ci(raw, "file://"));
}

// No `.` or `..` segment, no empty segment (repeated or trailing slash):
// lexically_normal() would return it unchanged. "/" is left to it.
bool is_lexically_normal(std::string_view path) {
  if (path.empty()) return true;
  size_t seg_start = path.front() == '/' ? 1 : 0;
  for (size_t i = seg_start;; ++i) {
    if (i < path.size() && path[i] != '/') continue;
    const size_t length = i - seg_start;  // the segment [seg_start, i)
    if (length == 0) return false;
    if (length <= 2 && path[seg_start] == '.' && (length == 1 || path[seg_start + 1] == '.')) return false;
    if (i == path.size()) return true;
    seg_start = i + 1;
  }
}

// `path` is `dir` or lies below it.
bool is_at_or_below(std::string_view path, std::string_view dir) {
  return path.substr(0, dir.size()) == dir && (path.size() == dir.size() || path[dir.size()] == '/');
}

// "file:///a/b" and "file://localhost/a/b" → "/a/b"; other hosts are kept
// as "//host/a/b" (a UNC-like path that matches no local anchor).
std::string strip_file_uri(std::string_view raw) {
  std::string_view rest = raw.substr(7);
  if (starts_with_ci(rest, "localhost/")) rest.remove_prefix(9);
  if (!rest.empty() && rest.front() != '/') return "//" + percent_decode(rest);
  return percent_decode(rest);
}

// Replaces a leading `~`, `$HOME` or `${HOME}` (followed by '/' or the end).
std::string expand_home(std::string text, const std::string& home) {
  for (std::string_view prefix : {"~", "$HOME", "${HOME}"}) {
    if (text.compare(0, prefix.size(), prefix) != 0) continue;
    if (text.size() == prefix.size() || text[prefix.size()] == '/') {
      return home + text.substr(prefix.size());
    }
  }
  return text;
}

void push_segment(std::vector<std::string_view>& parts, std::string_view seg, bool absolute) {
  if (seg.empty() || seg == ".") return;
  if (seg != "..") {
    parts.push_back(seg);
  } else if (!parts.empty() && parts.back() != "..") {
    parts.pop_back();
  } else if (!absolute) {
    parts.push_back(seg);  // a relative path keeps its leading `..`
  }
}

void fold_case_in_place(std::string* text) {
  for (char& c : *text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

}  // namespace

void FakeFileSystem::add_symlink(std::string link, std::string target) {
  links_.emplace_back(lexically_normal(link), std::move(target));
}

bool FakeFileSystem::resolve_into(const std::string& absolute_path, std::string* out) const {
  constexpr int kMaxHops = 40;
  lexically_normal_into(absolute_path, out);
  for (int hop = 0; hop < kMaxHops; ++hop) {
    const std::pair<std::string, std::string>* best = nullptr;
    for (const auto& link : links_) {
      const bool hit = is_at_or_below(*out, link.first);
      if (hit && (best == nullptr || link.first.size() > best->first.size())) best = &link;
    }
    if (best == nullptr) return true;
    *out = lexically_normal(best->second + out->substr(best->first.size()));
  }
  return false;  // a symlink loop: the OS would refuse too (ELOOP)
}

std::string lexically_normal(std::string_view path) {
  if (is_lexically_normal(path)) return std::string(path);
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    push_segment(parts, path.substr(start, end - start), absolute);
    start = end + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(parts[i]);
  }
  if (out.empty() && !path.empty()) return std::string(1, '.');
  return out;
}

void lexically_normal_into(std::string_view path, std::string* out) {
  if (is_lexically_normal(path)) {
    out->assign(path);
  } else {
    *out = lexically_normal(path);
  }
}

std::string fold_case(std::string_view text) {
  std::string out(text);
  fold_case_in_place(&out);
  return out;
}

PathNormalizer::PathNormalizer(std::shared_ptr<const FileSystem> fs, PathNormalizerOptions options)
    : fs_(std::move(fs)),
      options_(options),
      home_(fs_->home_dir()),
      cwd_(fs_->current_dir()),
      cwd_is_normal_absolute_(!cwd_.empty() && cwd_.front() == '/' && is_lexically_normal(cwd_)) {}

std::string PathNormalizer::expand(std::string_view raw) const {
  std::string text = starts_with_ci(raw, "file://") ? strip_file_uri(raw) : std::string(raw);
  return expand_home(std::move(text), home_);
}

// lexically_normal(cwd + "/" + expanded), knowing `given` is `expanded`
// normalised and relative: unless it climbs out with a leading `..`, the
// working directory's segments are untouched and it is a concatenation.
void PathNormalizer::against_cwd(const std::string& given, std::string_view expanded, std::string* out) const {
  const bool climbs = given.size() >= 2 && given[0] == '.' && given[1] == '.' && (given.size() == 2 || given[2] == '/');
  if (!cwd_is_normal_absolute_ || climbs) {
    *out = lexically_normal(cwd_ + "/" + std::string(expanded));
  } else if (given.size() == 1 && given[0] == '.') {
    out->assign(cwd_);
  } else {
    out->clear();
    if (cwd_.size() > 1) out->append(cwd_);  // a normal absolute cwd of one byte is "/"
    out->push_back('/');
    out->append(given);
  }
}

std::vector<std::string> PathNormalizer::candidates(std::string_view raw) const {
  PathCandidates out;
  candidates(raw, &out);
  return out.to_vector();
}

// Candidates in order: as given, against the working directory (relative
// only), resolved (when different from both).
void PathNormalizer::candidates(std::string_view raw, PathCandidates* out) const {
  std::string expanded_storage;
  std::string_view expanded = raw;
  if (may_need_expansion(raw)) {
    expanded_storage = expand(raw);
    expanded = expanded_storage;
  }
  std::array<std::string, PathCandidates::kMax>& paths = out->paths_;
  size_t n = 1;
  lexically_normal_into(expanded, &paths[0]);
  if (!paths[0].empty() && paths[0].front() != '/') against_cwd(paths[0], expanded, &paths[n++]);
  const bool resolvable = expanded.size() <= kMaxResolvablePath && expanded.find('\0') == std::string_view::npos;
  if (resolvable && !paths[n - 1].empty() && fs_->resolve_into(paths[n - 1], &paths[n])) {
    if (std::find(paths.begin(), paths.begin() + n, paths[n]) == paths.begin() + n) ++n;
  }
  if (options_.case_insensitive) {
    for (size_t i = 0; i < n; ++i) fold_case_in_place(&paths[i]);
  }
  out->count_ = n;
}

}  // namespace mcp_warden::policy
