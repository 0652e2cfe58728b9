// mcp-warden-bench-relay: the minimal byte-copying relay, the physical limit
// that the benchmark compares mcp-warden against.
//
//   mcp-warden-bench-relay CMD [ARGS...]
//
// Starts CMD with pipes, then copies bytes stdin -> child stdin and
// child stdout -> stdout with one poll() loop; the child's stderr is
// inherited. No framing, no parsing. On stdin EOF it closes the child's stdin;
// when the child's stdout reaches EOF it reaps the child and exits with its
// status. Writes are blocking: fine for the benchmark's small messages, but a
// message larger than a pipe's capacity in both directions at once could
// deadlock it. Not a product; a yardstick.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "child_process.h"

namespace {

using mcp_warden::bench::ChildProcess;

constexpr size_t kBufferBytes = 64 * 1024;

// Copies what one read() returns from `from` to `to`. Returns false on EOF or
// error of either side.
bool copy_once(int from, int to) {
  static char buffer[kBufferBytes];
  ssize_t n = ::read(from, buffer, sizeof buffer);
  while (n < 0 && errno == EINTR) n = ::read(from, buffer, sizeof buffer);
  if (n <= 0) return false;
  return mcp_warden::bench::write_all(to, buffer, static_cast<size_t>(n));
}

// Relays until the child's stdout closes. Our stdin closing (or the child's
// stdin refusing writes) closes the child's stdin.
void relay(ChildProcess& child) {
  bool stdin_open = true;
  while (true) {
    pollfd fds[2] = {{child.stdout_fd(), POLLIN, 0}, {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0 && !copy_once(child.stdout_fd(), STDOUT_FILENO)) return;
    if (fds[1].revents != 0 && !copy_once(STDIN_FILENO, child.stdin_fd())) {
      stdin_open = false;
      child.close_stdin();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::fprintf(stderr, "usage: mcp-warden-bench-relay CMD [ARGS...]\n");
    return 2;
  }
  ChildProcess child(std::vector<std::string>(argv + 1, argv + argc));
  if (!child.started()) {
    std::fprintf(stderr, "mcp-warden-bench-relay: %s\n", child.error().c_str());
    return 127;
  }
  relay(child);
  child.close_stdin();
  child.close_stdout();
  return mcp_warden::bench::exit_code_of(child.wait());
}
