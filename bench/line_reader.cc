#include "line_reader.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mcp_warden::bench {

long long monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

bool LineReader::read_line(std::string* line, int timeout_ms) {
  const long long deadline = monotonic_ns() + static_cast<long long>(timeout_ms) * 1'000'000LL;
  size_t scanned = 0;  // bytes after start_ known to hold no '\n'
  while (true) {
    const size_t nl = buffer_.find('\n', start_ + scanned);
    if (nl != std::string::npos) {
      line->assign(buffer_, start_, nl - start_);
      start_ = nl + 1;
      return true;
    }
    scanned = buffer_.size() - start_;
    const long long left_ms = (deadline - monotonic_ns()) / 1'000'000LL;
    if (left_ms < 0) {
      error_ = "timeout";
      return false;
    }
    if (!fill(static_cast<int>(left_ms))) return false;
  }
}

bool LineReader::drain_to_eof(int timeout_ms) {
  const long long deadline = monotonic_ns() + static_cast<long long>(timeout_ms) * 1'000'000LL;
  while (fill(static_cast<int>((deadline - monotonic_ns()) / 1'000'000LL))) {
    buffer_.clear();
    start_ = 0;
    if (monotonic_ns() > deadline) return false;
  }
  return error_ == "eof";
}

bool LineReader::fill(int timeout_ms) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 64 * 1024) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  pollfd pfd{fd_, POLLIN, 0};
  int ready = ::poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
  while (ready < 0 && errno == EINTR) ready = ::poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
  if (ready < 0) {
    error_ = std::string("poll: ") + std::strerror(errno);
    return false;
  }
  if (ready == 0) {
    error_ = "timeout";
    return false;
  }
  char chunk[64 * 1024];
  ssize_t n = ::read(fd_, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR) n = ::read(fd_, chunk, sizeof chunk);
  if (n <= 0) {
    error_ = n == 0 ? "eof" : std::string("read: ") + std::strerror(errno);
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

}  // namespace mcp_warden::bench
