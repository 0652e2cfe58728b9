#include "rate_limiter.h"

#include <algorithm>

namespace mcp_warden::policy::internal {
namespace {

constexpr size_t kSweepThreshold = 4096;

int64_t period_nanos(const RateLimit& limit) { return limit.period_micros * 1000; }

}  // namespace

std::string RateLimiter::key_of(size_t rule, std::string_view server, std::string_view tool) {
  std::string key = std::to_string(rule);
  key.push_back('\0');
  key.append(server);
  key.push_back('\0');
  key.append(tool);
  return key;
}

std::optional<int64_t> RateLimiter::over_limit(size_t rule, std::string_view server,
                                               std::string_view tool, const RateLimit& limit,
                                               const Clock& clock) {
  auto it = windows_.find(key_of(rule, server, tool));
  if (it == windows_.end()) return std::nullopt;
  const int64_t now = clock.now_steady_nanos();
  const int64_t end = it->second.start_steady_nanos + period_nanos(limit);
  if (now >= end || it->second.count < limit.count) return std::nullopt;
  return clock.now_unix_micros() + (end - now + 999) / 1000;
}

void RateLimiter::consume(size_t rule, std::string_view server, std::string_view tool,
                          const RateLimit& limit, const Clock& clock) {
  if (windows_.size() >= kSweepThreshold) sweep(clock);
  longest_period_nanos_ = std::max(longest_period_nanos_, period_nanos(limit));
  Window& window = windows_[key_of(rule, server, tool)];
  const int64_t now = clock.now_steady_nanos();
  if (window.count == 0 || now >= window.start_steady_nanos + period_nanos(limit)) {
    window = Window{now, 0};
  }
  ++window.count;
}

void RateLimiter::sweep(const Clock& clock) {
  const int64_t now = clock.now_steady_nanos();
  std::erase_if(windows_, [&](const auto& entry) {
    return now >= entry.second.start_steady_nanos + longest_period_nanos_;
  });
}

}  // namespace mcp_warden::policy::internal
