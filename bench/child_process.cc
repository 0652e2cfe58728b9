#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace mcp_warden::bench {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// Builds the NULL-terminated argv that posix_spawnp wants; points into argv.
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const std::string& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    error_ = "no command given";
    return;
  }
  if (!spawn(argv)) {
    close_fd(stdin_fd_);
    close_fd(stdout_fd_);
  }
}

ChildProcess::~ChildProcess() {
  close_stdin();
  close_stdout();
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

bool ChildProcess::spawn(const std::vector<std::string>& argv) {
  int in_pipe[2];   // [0] child's stdin, [1] ours
  int out_pipe[2];  // [0] ours, [1] child's stdout
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return false;
  }
  stdin_fd_ = in_pipe[1];
  stdout_fd_ = out_pipe[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the target descriptor only.
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  std::vector<char*> args = c_argv(argv);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (rc != 0) {
    error_ = "cannot start '" + argv[0] + "': " + std::strerror(rc);
    return false;
  }
  pid_ = pid;
  return true;
}

void ChildProcess::close_stdin() { close_fd(stdin_fd_); }

void ChildProcess::close_stdout() { close_fd(stdout_fd_); }

int ChildProcess::wait() {
  if (pid_ <= 0) return -1;
  if (reaped_) return status_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  reaped_ = true;
  status_ = status;
  return status_;
}

int ChildProcess::wait_for(int timeout_ms) {
  if (pid_ <= 0 || reaped_) return wait();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) return wait();  // kernel without pidfd: block
  pollfd pfd{pidfd, POLLIN, 0};
  int ready = ::poll(&pfd, 1, timeout_ms);
  while (ready < 0 && errno == EINTR) ready = ::poll(&pfd, 1, timeout_ms);
  ::close(pidfd);
  return ready > 0 ? wait() : -1;
}

int exit_code_of(int wait_status) {
  if (wait_status < 0) return 127;
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace mcp_warden::bench
