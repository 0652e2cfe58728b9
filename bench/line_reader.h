// LineReader: reads newline-terminated lines from a file descriptor, with a
// deadline, for the load generator.
//
// Lines are returned without the '\n' (a trailing '\r' is kept: the caller's
// JSON parser tolerates it). A read that sees no complete line within the
// timeout fails with error() == "timeout"; EOF fails with "eof". Borrows the
// descriptor; never closes it. Not thread-safe.
#pragma once

#include <string>

namespace mcp_warden::bench {

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  // Stores the next line in *line. False on timeout, EOF or error; see error().
  bool read_line(std::string* line, int timeout_ms);
  // Reads and discards everything until EOF or the timeout. True on EOF.
  bool drain_to_eof(int timeout_ms);
  const std::string& error() const { return error_; }

 private:
  // Appends what one read() returns to buffer_. False on EOF, error or timeout.
  bool fill(int timeout_ms);

  int fd_;
  std::string buffer_;
  size_t start_ = 0;  // first byte of buffer_ not yet returned
  std::string error_;
};

// Monotonic time in nanoseconds (CLOCK_MONOTONIC), for all benchmark timing.
long long monotonic_ns();

}  // namespace mcp_warden::bench
