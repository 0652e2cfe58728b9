// Glob: one fnmatch(3) pattern, flags 0 (so `*` and `?` also match '/'),
// classified once when loaded. The common shapes — "abc", "abc*", "*abc"
// with no other special character — are matched by plain comparison, which
// is exactly what fnmatch answers for them; anything else goes to fnmatch.
//
// Text is matched as fnmatch sees a C string: up to its first NUL byte.
// Thread safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcp_warden::policy {

class Glob {
 public:
  enum class Kind { kLiteral, kPrefix, kSuffix, kFnmatch };

  explicit Glob(std::string pattern);

  bool matches(std::string_view text) const;
  bool matches(const char* text) const;  // NUL-terminated

  const std::string& pattern() const { return pattern_; }
  Kind kind() const { return kind_; }
  // The literal part for kLiteral, kPrefix and kSuffix ("" for kFnmatch).
  const std::string& core() const { return core_; }

 private:
  std::string pattern_;
  Kind kind_ = Kind::kFnmatch;
  std::string core_;
};

// True when `globs` is empty or any of them matches `text`.
bool empty_or_any_matches(const std::vector<Glob>& globs, std::string_view text);

// Globs for each of `patterns`, in order.
std::vector<Glob> make_globs(const std::vector<std::string>& patterns);

}  // namespace mcp_warden::policy
