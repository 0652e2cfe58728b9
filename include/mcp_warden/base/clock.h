// Clock: the source of time behind a small interface, so tests can fake it.
//
// SystemClock reads the OS clocks. FakeClock is set and advanced by a test.
// Thread safety: SystemClock is stateless; FakeClock is safe for concurrent
// reads and advances (atomics).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace mcp_warden {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in microseconds since the Unix epoch (for records).
  virtual int64_t now_unix_micros() const = 0;
  // Monotonic time in nanoseconds from an arbitrary origin (for durations).
  virtual int64_t now_steady_nanos() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_unix_micros() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
  int64_t now_steady_nanos() const override {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  }
  // A process-wide instance for code that has no clock injected.
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_micros = 1'700'000'000'000'000) : unix_micros_(unix_micros) {}
  int64_t now_unix_micros() const override { return unix_micros_.load(); }
  int64_t now_steady_nanos() const override { return steady_nanos_.load(); }
  void advance_micros(int64_t us) {
    unix_micros_ += us;
    steady_nanos_ += us * 1000;
  }
  void set_unix_micros(int64_t us) { unix_micros_ = us; }

 private:
  std::atomic<int64_t> unix_micros_;
  std::atomic<int64_t> steady_nanos_{0};
};

}  // namespace mcp_warden
