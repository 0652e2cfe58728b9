// ChildProcess: a command started with its stdin and stdout on pipes, for the
// benchmark tools (the minimal relay and the load generator).
//
// The child is found on PATH (posix_spawnp, no shell), inherits the
// environment and this process's stderr. The parent holds the write end of
// the child's stdin and the read end of its stdout; both are close-on-exec so
// no other child inherits them. The destructor never leaves an orphan: a child
// still running is sent SIGKILL and reaped. Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mcp_warden::bench {

class ChildProcess {
 public:
  // Starts argv[0] with arguments argv[1..]. On failure, started() is false
  // and error() says why; nothing is left running.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }
  // Write end of the child's stdin; -1 once closed.
  int stdin_fd() const { return stdin_fd_; }
  // Read end of the child's stdout; -1 once closed.
  int stdout_fd() const { return stdout_fd_; }

  // Closes the child's stdin: the child sees EOF. Idempotent.
  void close_stdin();
  // Closes our end of the child's stdout. Idempotent.
  void close_stdout();
  // Blocks until the child exits and reaps it. Returns the raw waitpid status,
  // or -1 if there is no child. Idempotent (returns the first status again).
  int wait();
  // Like wait(), but gives up after timeout_ms: returns -1 and leaves the
  // child running (the destructor still kills and reaps it).
  int wait_for(int timeout_ms);

 private:
  bool spawn(const std::vector<std::string>& argv);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  bool reaped_ = false;
  int status_ = -1;
  std::string error_;
};

// Converts a waitpid status to a shell-style exit code (128+signal if killed).
int exit_code_of(int wait_status);

// Writes all of data to fd, retrying on EINTR and short writes. False on error.
bool write_all(int fd, const char* data, size_t size);

}  // namespace mcp_warden::bench
