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
  size_t start = path.front() == '/' ? 1 : 0;
  while (true) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (end == path.size()) return true;
    start = end + 1;
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

void add_unique(std::vector<std::string>& out, std::string value) {
  if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(std::move(value));
}

}  // namespace

void FakeFileSystem::add_symlink(std::string link, std::string target) {
  links_.emplace_back(lexically_normal(link), std::move(target));
}

std::optional<std::string> FakeFileSystem::resolve(const std::string& absolute_path) const {
  constexpr int kMaxHops = 40;
  std::string path = lexically_normal(absolute_path);
  for (int hop = 0; hop < kMaxHops; ++hop) {
    const std::pair<std::string, std::string>* best = nullptr;
    for (const auto& link : links_) {
      const bool hit = is_at_or_below(path, link.first);
      if (hit && (best == nullptr || link.first.size() > best->first.size())) best = &link;
    }
    if (best == nullptr) return path;
    path = lexically_normal(best->second + path.substr(best->first.size()));
  }
  return std::nullopt;  // a symlink loop: the OS would refuse too (ELOOP)
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

std::string fold_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
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
std::string PathNormalizer::against_cwd(const std::string& given, std::string_view expanded) const {
  const bool climbs = given == ".." || given.compare(0, 3, "../") == 0;
  if (!cwd_is_normal_absolute_ || climbs) return lexically_normal(cwd_ + "/" + std::string(expanded));
  if (given == ".") return cwd_;
  std::string out;
  out.reserve(cwd_.size() + 1 + given.size());
  if (cwd_ != "/") out = cwd_;
  out.push_back('/');
  out.append(given);
  return out;
}

std::vector<std::string> PathNormalizer::candidates(std::string_view raw) const {
  std::string expanded_storage;
  std::string_view expanded = raw;
  if (may_need_expansion(raw)) {
    expanded_storage = expand(raw);
    expanded = expanded_storage;
  }
  std::vector<std::string> out;
  std::string given = lexically_normal(expanded);
  if (!given.empty() && given.front() != '/') {
    std::string absolute = against_cwd(given, expanded);
    out.push_back(std::move(given));
    out.push_back(std::move(absolute));
  } else {
    out.push_back(std::move(given));
  }
  const bool resolvable = expanded.size() <= kMaxResolvablePath && expanded.find('\0') == std::string_view::npos;
  if (resolvable && !out.back().empty()) {
    if (std::optional<std::string> resolved = fs_->resolve(out.back())) add_unique(out, std::move(*resolved));
  }
  if (options_.case_insensitive) {
    for (std::string& c : out) c = fold_case(c);
  }
  return out;
}

}  // namespace mcp_warden::policy
