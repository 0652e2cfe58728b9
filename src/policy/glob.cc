#include "mcp_warden/policy/glob.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>

namespace mcp_warden::policy {
namespace {

bool has_glob_chars(std::string_view text) {
  return text.find_first_of("*?[\\") != std::string_view::npos;
}

std::string_view up_to_nul(std::string_view text) {
  const size_t nul = text.find('\0');
  return nul == std::string_view::npos ? text : text.substr(0, nul);
}

}  // namespace

Glob::Glob(std::string pattern) : pattern_(std::move(pattern)) {
  const std::string_view glob = pattern_;
  if (!has_glob_chars(glob)) {
    kind_ = Kind::kLiteral;
    core_ = pattern_;
  } else if (glob.back() == '*' && !has_glob_chars(glob.substr(0, glob.size() - 1))) {
    kind_ = Kind::kPrefix;
    core_ = glob.substr(0, glob.size() - 1);
  } else if (glob.front() == '*' && !has_glob_chars(glob.substr(1))) {
    kind_ = Kind::kSuffix;
    core_ = glob.substr(1);
  }
}

bool Glob::matches(std::string_view text) const {
  text = up_to_nul(text);
  switch (kind_) {
    case Kind::kLiteral: return text == core_;
    case Kind::kPrefix: return text.substr(0, core_.size()) == core_;
    case Kind::kSuffix:
      return text.size() >= core_.size() && text.substr(text.size() - core_.size()) == core_;
    case Kind::kFnmatch: break;
  }
  return fnmatch(pattern_.c_str(), std::string(text).c_str(), 0) == 0;
}

bool Glob::matches(const char* text) const {
  if (kind_ == Kind::kFnmatch) return fnmatch(pattern_.c_str(), text, 0) == 0;
  return matches(std::string_view(text));
}

bool empty_or_any_matches(const std::vector<Glob>& globs, std::string_view text) {
  return globs.empty() ||
         std::any_of(globs.begin(), globs.end(), [&](const Glob& g) { return g.matches(text); });
}

std::vector<Glob> make_globs(const std::vector<std::string>& patterns) {
  return std::vector<Glob>(patterns.begin(), patterns.end());
}

}  // namespace mcp_warden::policy
