// PathNormalizer: turns a string argument into the absolute-or-relative paths
// a server could open with it, so path rules judge the file, not the spelling.
//
// For one string it yields one or more candidate paths, all lexically clean
// (no `.`, no repeated or trailing slashes, `..` folded):
//   1. `file:` URLs in every form a WHATWG URL parser accepts are turned into
//      their path (policy/file_uri.h; a host other than localhost is
//      ignored: the path is judged as a local one); `~`, `~/…`, `$HOME` and
//      `${HOME}` at the start are expanded from FileSystem::home_dir().
//   2. The path as given, normalised. A relative path keeps any leading `..`.
//   3. A relative path is also judged against every base the server may
//      resolve it against: FileSystem::current_dir() (the server inherits the
//      proxy's working directory) and the PathBases given with the call (the
//      directories on the server's command line, the client's roots).
//   4. Every absolute candidate is also resolved through symlinks with
//      FileSystem::resolve() (std::filesystem::weakly_canonical for the real
//      one); a different result is added as another candidate. The length
//      that counts is the folded path's: a path padded with thousands of
//      `./` is resolved like the short one. Only a folded path longer than
//      the OS's PATH_MAX (4096), which no system call accepts, or one with a
//      NUL is judged lexically alone.
// With case_insensitive (default on macOS and Windows) all candidates are
// lower-cased; patterns must then be folded the same way (fold_case()).
//
// A rule matches when ANY candidate matches; this is the conservative reading
// for deny rules (see docs/policy.md for `under` in allow rules).
//
// Thread safety: PathNormalizer is immutable after construction and safe to
// share; RealFileSystem snapshots $HOME and the working directory (and their
// canonical forms) when made.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp_warden::policy {

// The OS behind a small interface so tests can fake homes and symlinks.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The user's home directory, absolute, without a trailing slash.
  virtual std::string home_dir() const = 0;
  // The working directory the server will resolve relative paths against.
  virtual std::string current_dir() const = 0;
  // `absolute_path` with symlinks resolved as far as the path exists, into
  // *out (whose capacity is reused); false when the OS refuses (the lexical
  // form is then judged alone; *out is then unspecified).
  virtual bool resolve_into(const std::string& absolute_path, std::string* out) const = 0;
  // The same as a value; nullopt when the OS refuses.
  std::optional<std::string> resolve(const std::string& absolute_path) const {
    std::string out;
    if (!resolve_into(absolute_path, &out)) return std::nullopt;
    return out;
  }
};

// The OS. resolve() answers exactly as std::filesystem::weakly_canonical
// on the lexically normal path, but starts below the home and working
// directory when the path lies there: their canonical forms are taken once,
// when the RealFileSystem is made (the proxy never changes directory; a
// directory renamed or replaced above them later is not seen). Everything
// below them is looked at on every call, so a symlink created later counts.
// Costs one lstat per component below the starting point, up to the first
// that does not exist, and one readlink per symlink met.
class RealFileSystem final : public FileSystem {
 public:
  RealFileSystem();  // reads $HOME (else the passwd entry) and getcwd() once
  // Explicit home and working directory (absolute), e.g. for tests.
  RealFileSystem(std::string home, std::string cwd);
  std::string home_dir() const override { return home_; }
  std::string current_dir() const override { return cwd_; }
  bool resolve_into(const std::string& absolute_path, std::string* out) const override;

 private:
  void cache_prefix(const std::string& dir);

  std::string home_;
  std::string cwd_;
  // (lexical directory, its canonical form) for home and cwd when they exist.
  std::vector<std::pair<std::string, std::string>> canonical_prefixes_;
};

// A FileSystem for tests: a fixed home and working directory, and symlinks
// registered by add_symlink() (resolved like weakly_canonical: the longest
// registered link that is the path or one of its ancestors is replaced,
// repeatedly, up to 40 hops).
class FakeFileSystem final : public FileSystem {
 public:
  FakeFileSystem(std::string home, std::string cwd) : home_(std::move(home)), cwd_(std::move(cwd)) {}
  void add_symlink(std::string link, std::string target);
  std::string home_dir() const override { return home_; }
  std::string current_dir() const override { return cwd_; }
  bool resolve_into(const std::string& absolute_path, std::string* out) const override;

 private:
  std::string home_;
  std::string cwd_;
  std::vector<std::pair<std::string, std::string>> links_;
};

// The directories, besides the working directory, against which a server
// may resolve a relative path: those on its command line
// (from_command_line) and the client's roots (add_root). Absolute and
// lexically normal once added. Built by the proxy per server (roots change
// when the client says so) and handed to each evaluation through
// CallContext::path_bases. Plain value; not synchronised.
class PathBases {
 public:
  // Adds `dir` if absolute (folded); relative directories are resolved
  // against `cwd`. Duplicates are dropped.
  void add(std::string_view dir, std::string_view cwd = {});
  // A root's `file:` URI (or plain path).
  void add_root(std::string_view uri_or_path);
  // Every argument after the program that has a path's shape: an absolute
  // path, `~…`, `./…`, `../…`, a `file:` URL, or such a value after `=` in
  // `--opt=/dir` (relative ones against `cwd`, `~` from `home`). Whether it
  // is a directory is not asked: a file taken for a base only adds
  // candidates, the conservative side.
  static PathBases from_command_line(const std::vector<std::string>& command, std::string_view cwd,
                                     std::string_view home);
  const std::vector<std::string>& dirs() const { return dirs_; }
  bool empty() const { return dirs_.empty(); }

 private:
  std::vector<std::string> dirs_;
};

// The candidate paths of one string (as given, against each base, resolved),
// in strings that keep their capacity when the object is reused for another
// string.
class PathCandidates {
 public:
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const std::string& operator[](size_t i) const { return paths_[i]; }
  const std::string* begin() const { return paths_.data(); }
  const std::string* end() const { return paths_.data() + count_; }
  std::vector<std::string> to_vector() const { return {begin(), end()}; }

 private:
  friend class PathNormalizer;
  std::string& next();  // the next slot, kept from an earlier use when there is one
  bool push_if_new();   // keeps the slot next() gave unless it repeats an earlier one
  std::vector<std::string> paths_;
  size_t count_ = 0;
};

// Lexically normalises a '/'-separated path: collapses repeated slashes,
// drops `.` segments and trailing slashes, folds `..` (never above `/`; kept
// at the front of a relative path). "" stays "" and "a/.." becomes ".".
std::string lexically_normal(std::string_view path);
// The same into *out, reusing its capacity.
void lexically_normal_into(std::string_view path, std::string* out);

// Lower-cases ASCII letters (the fold used on case-insensitive systems).
std::string fold_case(std::string_view text);

struct PathNormalizerOptions {
#if defined(__APPLE__) || defined(_WIN32)
  bool case_insensitive = true;
#else
  bool case_insensitive = false;
#endif
};

// Reads the file system's home_dir() and current_dir() once, when made.
class PathNormalizer {
 public:
  explicit PathNormalizer(std::shared_ptr<const FileSystem> fs,
                          PathNormalizerOptions options = {});

  // The candidate paths for `raw` (never empty for a non-empty input;
  // duplicates removed); a relative path also against each of `bases`.
  std::vector<std::string> candidates(std::string_view raw, const PathBases* bases = nullptr) const;
  // The same into *out, which may hold a previous string's candidates: with
  // its buffers reused, a string that needs no expansion costs no allocation
  // here (the FileSystem's resolve_into() may still allocate).
  void candidates(std::string_view raw, PathCandidates* out, const PathBases* bases = nullptr) const;

  // `raw` with a `file:` URL, `~` and `$HOME` expanded, before normalisation.
  std::string expand(std::string_view raw) const;

  bool case_insensitive() const { return options_.case_insensitive; }
  const FileSystem& file_system() const { return *fs_; }

 private:
  void against_cwd(const std::string& given, std::string_view expanded, std::string* out) const;
  void resolve_absolute(size_t first, PathCandidates* out) const;

  std::shared_ptr<const FileSystem> fs_;
  PathNormalizerOptions options_;
  std::string home_;  // fs_->home_dir(), read once
  std::string cwd_;   // fs_->current_dir(), read once
  bool cwd_is_normal_absolute_ = false;
};

}  // namespace mcp_warden::policy
