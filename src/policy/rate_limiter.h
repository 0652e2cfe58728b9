// RateLimiter: fixed windows per (rule, server, tool). A window opens with
// the first counted call and lasts the rule's period; up to `count` calls
// fit in it. Windows run on the Clock's steady time; reset times are
// reported in its wall time. Internal to mcp_warden_policy; not
// thread-safe (the owning Policy is used from one thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mcp_warden/base/clock.h"
#include "model.h"

namespace mcp_warden::policy::internal {

class RateLimiter {
 public:
  // When the window of this key resets, if one more call would not fit.
  std::optional<int64_t> over_limit(size_t rule, std::string_view server, std::string_view tool,
                                    const RateLimit& limit, const Clock& clock);
  // Counts one call against the key's window (opening one if needed).
  void consume(size_t rule, std::string_view server, std::string_view tool,
               const RateLimit& limit, const Clock& clock);

 private:
  struct Window {
    int64_t start_steady_nanos = 0;
    int64_t count = 0;
  };
  static std::string key_of(size_t rule, std::string_view server, std::string_view tool);
  // Drops expired windows once the table grows past a bound (untrusted
  // clients can invent tool names).
  void sweep(const Clock& clock);

  std::unordered_map<std::string, Window> windows_;
  int64_t longest_period_nanos_ = 0;
};

}  // namespace mcp_warden::policy::internal
