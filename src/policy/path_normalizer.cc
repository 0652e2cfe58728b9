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

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && fold_case(text.substr(0, prefix.size())) == prefix;
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
      const bool hit = path == link.first || path.rfind(link.first + "/", 0) == 0;
      if (hit && (best == nullptr || link.first.size() > best->first.size())) best = &link;
    }
    if (best == nullptr) return path;
    path = lexically_normal(best->second + path.substr(best->first.size()));
  }
  return std::nullopt;  // a symlink loop: the OS would refuse too (ELOOP)
}

std::string lexically_normal(std::string_view path) {
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
    : fs_(std::move(fs)), options_(options) {}

std::string PathNormalizer::expand(std::string_view raw) const {
  std::string text = starts_with_ci(raw, "file://") ? strip_file_uri(raw) : std::string(raw);
  return expand_home(std::move(text), fs_->home_dir());
}

std::vector<std::string> PathNormalizer::candidates(std::string_view raw) const {
  std::vector<std::string> out;
  std::string expanded = expand(raw);
  std::string given = lexically_normal(expanded);
  const bool resolvable = expanded.size() <= kMaxResolvablePath &&
                          expanded.find('\0') == std::string::npos;
  std::string absolute = given;
  if (!given.empty() && given.front() != '/') {
    add_unique(out, given);
    absolute = lexically_normal(fs_->current_dir() + "/" + expanded);
  }
  add_unique(out, absolute);
  if (resolvable && !absolute.empty()) {
    if (auto resolved = fs_->resolve(absolute)) add_unique(out, *resolved);
  }
  if (options_.case_insensitive) {
    for (std::string& c : out) c = fold_case(c);
  }
  return out;
}

}  // namespace mcp_warden::policy
