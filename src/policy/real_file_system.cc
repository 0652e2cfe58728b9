// RealFileSystem: symlink resolution with the answer of
// std::filesystem::weakly_canonical and as few syscalls as that answer
// allows: one lstat per path component below the longest cached prefix (the
// canonical home and working directory, taken once), plus one readlink per
// symlink met. weakly_canonical itself stats every prefix of the path and
// then readlinks every component of the part that exists.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "mcp_warden/policy/path_normalizer.h"

namespace mcp_warden::policy {
namespace {

constexpr int kMaxSymlinkHops = 40;  // Linux's MAXSYMLINKS: more is ELOOP

// How a path (or a prefix of it) turned out. kMissing is ENOENT or ENOTDIR,
// which weakly_canonical treats as "does not exist"; anything else is kError.
enum class Step { kFound, kMissing, kError };

Step failed_step() { return errno == ENOENT || errno == ENOTDIR ? Step::kMissing : Step::kError; }

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string passwd_home() {
  const passwd* entry = getpwuid(getuid());  // NOLINT: read once at start-up
  return entry != nullptr && entry->pw_dir != nullptr ? entry->pw_dir : "/";
}

std::string current_dir_or_root() {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  return ec ? std::string(1, '/') : lexically_normal(cwd);
}

// `dir` + "/" + `name`; "" stands for the root directory.
std::string child_path(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir);
  out.push_back('/');
  out.append(name);
  return out;
}

void drop_last_component(std::string* dir) {
  const size_t slash = dir->rfind('/');
  dir->resize(slash == std::string::npos ? 0 : slash);
}

// The symlink's target; nullopt when it cannot be read.
std::optional<std::string> read_link(const std::string& link) {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), buffer, sizeof buffer);
  if (n < 0 || static_cast<size_t>(n) >= sizeof buffer) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

// Walks `pending` ('/'-separated, may hold `.`, `..` and symlinks) from the
// canonical directory *dir the way the kernel would: every component must
// exist, a non-directory ends the walk unless it is the last component,
// `..` goes to the physical parent. On kFound *dir is the canonical result.
// *hops counts the symlinks followed so far (kError beyond 40, like ELOOP).
Step walk(std::string* dir, std::string pending, int* hops) {
  size_t pos = 0;
  while (pos < pending.size()) {
    size_t end = pending.find('/', pos);
    if (end == std::string::npos) end = pending.size();
    const std::string_view name(pending.data() + pos, end - pos);
    pos = end + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      drop_last_component(dir);
      continue;
    }
    std::string next = child_path(*dir, name);
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) return failed_step();
    if (!S_ISLNK(st.st_mode)) {
      if (!S_ISDIR(st.st_mode) && end < pending.size()) return Step::kMissing;  // ENOTDIR
      *dir = std::move(next);
      continue;
    }
    if (++*hops > kMaxSymlinkHops) return Step::kError;
    std::optional<std::string> target = read_link(next);
    if (!target) return Step::kError;
    if (target->empty()) return Step::kMissing;
    if (target->front() == '/') dir->clear();
    pending = end < pending.size() ? *target + pending.substr(end) : *target;
    pos = 0;
  }
  return Step::kFound;
}

// The canonical form of `path` when all of it exists, else nullopt.
std::optional<std::string> canonical_existing(const std::string& path) {
  std::string dir;
  int hops = 0;
  if (walk(&dir, path, &hops) != Step::kFound) return std::nullopt;
  return dir.empty() ? std::string(1, '/') : dir;
}

// Whether `path` is `prefix` or lies below it ("/" lies below nothing here:
// the root is the walk's natural start).
bool starts_with_dir(std::string_view path, std::string_view prefix) {
  return path.size() >= prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

RealFileSystem::RealFileSystem() : RealFileSystem(std::string(), current_dir_or_root()) {
  home_ = env_or_empty("HOME");
  if (home_.empty()) home_ = passwd_home();
  home_ = lexically_normal(home_);
  cache_prefix(home_);
}

RealFileSystem::RealFileSystem(std::string home, std::string cwd)
    : home_(lexically_normal(home)), cwd_(lexically_normal(cwd)) {
  cache_prefix(home_);
  cache_prefix(cwd_);
}

void RealFileSystem::cache_prefix(const std::string& dir) {
  if (dir.size() < 2 || dir.front() != '/') return;  // "" or "/": nothing to save
  if (std::optional<std::string> canonical = canonical_existing(dir)) {
    canonical_prefixes_.emplace_back(dir, *canonical);
  }
}

// As weakly_canonical: the longest prefix of the path that exists (following
// symlinks) in canonical form, then the rest as written. The walk starts at
// the longest cached prefix; a component that does not exist ends it.
bool RealFileSystem::resolve_into(const std::string& absolute_path, std::string* out) const {
  const std::string path = lexically_normal(absolute_path);
  if (path.empty() || path.front() != '/') return false;
  std::string dir;
  size_t pos = 0;
  for (const auto& [lexical, canonical] : canonical_prefixes_) {
    if (lexical.size() > pos && starts_with_dir(path, lexical)) {
      dir = canonical == "/" ? std::string() : canonical;
      pos = lexical.size();
    }
  }
  int hops = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos + 1);
    if (end == std::string::npos) end = path.size();
    std::string entered = dir;
    const Step step = walk(&entered, path.substr(pos + 1, end - pos - 1), &hops);
    if (step == Step::kError) return false;
    if (step == Step::kMissing) {
      *out = dir + path.substr(pos);
      return true;
    }
    dir = std::move(entered);
    pos = end;
  }
  *out = dir.empty() ? std::string(1, '/') : std::move(dir);
  return true;
}

}  // namespace mcp_warden::policy
