#include "mcp_warden/policy/path_normalizer.h"

#include <algorithm>

#include "mcp_warden/policy/file_uri.h"

namespace mcp_warden::policy {
namespace {

// PATH_MAX on Linux: the longest path a system call accepts.
constexpr size_t kMaxResolvablePath = 4096;

// Whether expand() could change `raw` (file: URL, ~ or $HOME).
bool may_need_expansion(std::string_view raw) {
  return !raw.empty() && (raw.front() == '~' || raw.front() == '$' || looks_like_file_uri(raw));
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
  if (std::optional<FileUri> uri = parse_file_uri(raw)) return std::move(uri->path);
  return expand_home(std::string(raw), home_);
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

std::string& PathCandidates::next() {
  if (paths_.size() <= count_) paths_.emplace_back();
  return paths_[count_];
}

bool PathCandidates::push_if_new() {
  const std::string& last = paths_[count_];
  if (std::find(paths_.begin(), paths_.begin() + count_, last) != paths_.begin() + count_) return false;
  ++count_;
  return true;
}

std::vector<std::string> PathNormalizer::candidates(std::string_view raw, const PathBases* bases) const {
  PathCandidates out;
  candidates(raw, &out, bases);
  return out.to_vector();
}

// Adds the symlink-resolved form of each absolute candidate from `first` on,
// when it differs from every candidate so far.
void PathNormalizer::resolve_absolute(size_t first, PathCandidates* out) const {
  const size_t end = out->count_;
  for (size_t i = first; i < end; ++i) {
    const std::string& path = out->paths_[i];  // stays put: reserve() in candidates()
    if (path.empty() || path.front() != '/' || path.size() > kMaxResolvablePath) continue;
    if (path.find('\0') != std::string::npos) continue;
    if (fs_->resolve_into(path, &out->next())) out->push_if_new();
  }
}

// Candidates in order: as given, against the working directory and each
// base (relative only), then the resolved forms that differ.
void PathNormalizer::candidates(std::string_view raw, PathCandidates* out, const PathBases* bases) const {
  std::string expanded_storage;
  std::string_view expanded = raw;
  if (may_need_expansion(raw)) {
    expanded_storage = expand(raw);
    expanded = expanded_storage;
  }
  static const PathBases kNoBases;
  const std::vector<std::string>& dirs = (bases ? *bases : kNoBases).dirs();
  // Every slot this string can fill, so references into paths_ stay valid.
  const size_t most = 2 * (2 + dirs.size());
  if (out->paths_.capacity() < most) out->paths_.reserve(most);
  out->count_ = 0;
  lexically_normal_into(expanded, &out->next());
  out->count_ = 1;
  const std::string& given = out->paths_[0];
  const bool relative = !given.empty() && given.front() != '/';
  if (relative) {
    against_cwd(given, expanded, &out->next());
    out->push_if_new();
    for (const std::string& base : dirs) {
      std::string& joined = out->next();
      joined.assign(base).append("/").append(given);
      lexically_normal_into(std::string(joined), &joined);
      out->push_if_new();
    }
  }
  resolve_absolute(relative ? 1 : 0, out);
  if (options_.case_insensitive) {
    for (size_t i = 0; i < out->count_; ++i) fold_case_in_place(&out->paths_[i]);
  }
}

void PathBases::add(std::string_view dir, std::string_view cwd) {
  if (dir.empty()) return;
  std::string absolute = dir.front() == '/' ? std::string(dir) : std::string(cwd) + "/" + std::string(dir);
  if (absolute.front() != '/') return;
  std::string normal = lexically_normal(absolute);
  if (std::find(dirs_.begin(), dirs_.end(), normal) == dirs_.end()) dirs_.push_back(std::move(normal));
}

void PathBases::add_root(std::string_view uri_or_path) {
  if (std::optional<FileUri> uri = parse_file_uri(uri_or_path)) return add(uri->path);
  add(uri_or_path);
}

namespace {

// `value` has a path's shape: absolute, home-relative, explicitly relative or a file: URL.
bool has_path_shape(std::string_view value) {
  if (value.empty()) return false;
  return value.front() == '/' || value.front() == '~' || value.substr(0, 2) == "./" || value.substr(0, 3) == "../" ||
         looks_like_file_uri(value);
}

}  // namespace

PathBases PathBases::from_command_line(const std::vector<std::string>& command, std::string_view cwd,
                                       std::string_view home) {
  PathBases bases;
  for (size_t i = 1; i < command.size(); ++i) {
    std::string_view arg = command[i];
    if (arg.substr(0, 1) == "-" && arg.find('=') != std::string_view::npos) arg = arg.substr(arg.find('=') + 1);
    if (!has_path_shape(arg)) continue;
    if (std::optional<FileUri> uri = parse_file_uri(arg)) {
      bases.add(uri->path);
    } else {
      bases.add(expand_home(std::string(arg), std::string(home)), cwd);
    }
  }
  return bases;
}

}  // namespace mcp_warden::policy
