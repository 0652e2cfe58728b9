#include "mcp_warden/io/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <type_traits>

// Boost 1.81's Process v2 with BOOST_PROCESS_USE_STD_FS names boost::optional
// and Boost.TypeTraits without including them; include them first.
#include <memory>
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

namespace mcp_warden::io {
namespace {

namespace bp = boost::process::v2;
namespace fs = std::filesystem;

// Runs in the child between fork and exec: die with the parent.
struct DieWithParent {
  pid_t parent = ::getpid();
  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const fs::path&, const char* const*) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kExitCommandNotExecutable);  // the parent already died
    return {};
  }
};

// Runs in the child after DieWithParent: the caller's pre-exec work. The
// launcher reports errno to the parent, so the hook's error is put there.
struct RunHook {
  const PreExecHook* hook = nullptr;
  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const fs::path&, const char* const*) {
    int error = hook ? hook->run_in_child() : 0;
    if (error == 0) return {};
    errno = error;
    return boost::system::error_code(error, boost::system::system_category());
  }
};

struct PipePair {
  int read_end = -1;
  int write_end = -1;
};

bool make_pipe(PipePair& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  pipe = {fds[0], fds[1]};
  return true;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Resolves the command like execvp would: as given when it has a '/', else on PATH.
std::variant<fs::path, SpawnError> resolve_command(const std::string& command) {
  if (command.empty()) return SpawnError{kExitCommandNotFound, "no command given to run as the MCP server"};
  fs::path path = command.find('/') != std::string::npos ? fs::path(command) : bp::environment::find_executable(command);
  if (path.empty() || !fs::exists(path)) {
    return SpawnError{kExitCommandNotFound, "cannot start MCP server: command not found: " + command};
  }
  if (fs::is_directory(path) || ::access(path.c_str(), X_OK) != 0) {
    return SpawnError{kExitCommandNotExecutable, "cannot start MCP server: not executable: " + command};
  }
  return path;
}

int shell_status(int native) {
  if (WIFEXITED(native)) return WEXITSTATUS(native);
  if (WIFSIGNALED(native)) return 128 + WTERMSIG(native);
  return native;
}

}  // namespace

struct ChildProcess::Impl {
  bp::process process;
};

ChildProcess::ChildProcess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChildProcess::~ChildProcess() {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  if (impl_ && !exited_ && impl_->process.is_open()) {
    boost::system::error_code ec;
    impl_->process.terminate(ec);  // SIGKILL and reap
  }
}

std::variant<std::unique_ptr<ChildProcess>, SpawnError> ChildProcess::spawn(
    boost::asio::io_context& io, const std::vector<std::string>& argv, const PreExecHook* hook) {
  auto resolved = resolve_command(argv.empty() ? std::string() : argv[0]);
  if (auto* error = std::get_if<SpawnError>(&resolved)) return *error;
  PipePair in, out;
  if (!make_pipe(in) || !make_pipe(out)) {
    close_fd(in.read_end), close_fd(in.write_end);
    return SpawnError{kExitCommandNotExecutable, std::string("cannot create pipes: ") + std::strerror(errno)};
  }
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  boost::system::error_code ec;
  bp::process process = bp::default_process_launcher()(
      io.get_executor(), ec, std::get<fs::path>(resolved), args,
      bp::process_stdio{in.read_end, out.write_end, {}}, DieWithParent{}, RunHook{hook});
  close_fd(in.read_end);
  close_fd(out.write_end);
  if (ec) {
    close_fd(in.write_end), close_fd(out.read_end);
    std::string stage = hook ? std::string(" (or ") + hook->what() + " refused it)" : "";
    return SpawnError{kExitCommandNotExecutable, "cannot start MCP server " + argv[0] + ": " + ec.message() + stage};
  }
  pid_t pid = process.id();
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess(std::make_unique<Impl>(Impl{std::move(process)})));
  child->pid_ = pid;
  child->stdin_fd_ = in.write_end;
  child->stdout_fd_ = out.read_end;
  return child;
}

int ChildProcess::take_stdin_fd() { return std::exchange(stdin_fd_, -1); }
int ChildProcess::take_stdout_fd() { return std::exchange(stdout_fd_, -1); }

void ChildProcess::async_wait(std::function<void(int status)> on_exit) {
  impl_->process.async_wait([this, on_exit = std::move(on_exit)](boost::system::error_code ec, int) {
    if (ec == boost::asio::error::operation_aborted) return;
    exited_ = true;
    on_exit(shell_status(impl_->process.native_exit_code()));
  });
}

void ChildProcess::send_signal(int signal) {
  if (!exited_ && pid_ > 0) ::kill(pid_, signal);
}

}  // namespace mcp_warden::io
