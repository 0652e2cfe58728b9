// ChildProcess: the MCP server mcp-warden runs, with its stdin and stdout piped to us.
//
// spawn() looks the command up on PATH (no shell), inherits our environment
// and our stderr (the server's logs reach the client's log unchanged), and
// asks the kernel to SIGKILL the child if mcp-warden dies without reaping it
// (PR_SET_PDEATHSIG on Linux), so no server is left orphaned even after a
// SIGKILL of mcp-warden. Its exit is reported once, with a shell-style status
// (the exit code, or 128 + the signal number).
//
// Owned by the proxy runner; used on the io_context's thread. Destroying a
// ChildProcess whose child still runs kills and reaps the child.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "mcp_warden/base/status.h"

namespace mcp_warden::io {

// Exit statuses mcp-warden itself uses when the command could not run (as shells do).
inline constexpr int kExitCommandNotExecutable = 126;
inline constexpr int kExitCommandNotFound = 127;

// Work the child does between fork and exec, after PR_SET_PDEATHSIG (the
// kernel sandbox, src/sandbox). run_in_child() runs in the forked child of a
// multi-threaded process, so it must be async-signal-safe: no allocation, no
// locks, no logging — prepare everything before spawn(). It returns 0, or an
// errno value that fails the spawn (SpawnError names the hook's what()).
class PreExecHook {
 public:
  virtual ~PreExecHook() = default;
  virtual int run_in_child() const noexcept = 0;
  virtual const char* what() const noexcept = 0;  // e.g. "the Landlock sandbox"
};

struct SpawnError {
  int exit_status = kExitCommandNotFound;
  std::string message;  // names the command and the reason
};

class ChildProcess {
 public:
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with argv[1..]. On success the returned object owns our
  // ends of the child's stdin and stdout pipes (see take_stdin_fd/take_stdout_fd).
  // `hook`, when given, must outlive the call.
  static std::variant<std::unique_ptr<ChildProcess>, SpawnError> spawn(
      boost::asio::io_context& io, const std::vector<std::string>& argv, const PreExecHook* hook = nullptr);

  pid_t pid() const { return pid_; }
  // The write end of the child's stdin and the read end of its stdout; each
  // can be taken once (ownership passes to the caller).
  int take_stdin_fd();
  int take_stdout_fd();

  // Calls on_exit(status) once the child has exited and been reaped.
  void async_wait(std::function<void(int status)> on_exit);
  // Sends `signal` to the child if it is still running.
  void send_signal(int signal);
  bool running() const { return !exited_; }

 private:
  struct Impl;
  explicit ChildProcess(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  bool exited_ = false;
};

}  // namespace mcp_warden::io
