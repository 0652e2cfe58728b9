#include "mcp_warden/proxy/proxy_runner.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/io/child_process.h"
#include "mcp_warden/io/fd_stream.h"
#include "mcp_warden/io/frame_reader.h"
#include "mcp_warden/proxy/session.h"

namespace mcp_warden::proxy {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// How long to wait for the child's last output after it exited (a grandchild
// may hold its stdout open), and to flush our own output at exit.
constexpr int kDrainAfterExitMs = 200;
constexpr int kFinalFlushMs = 1000;

std::string join_command(const std::vector<std::string>& argv) {
  std::string joined;
  for (const auto& arg : argv) joined += (joined.empty() ? "" : " ") + arg;
  return joined;
}

class ProxyRunner final : public SessionOutput {
 public:
  explicit ProxyRunner(const ProxyOptions& options)
      : options_(options),
        session_(SessionOptions{options.max_message_bytes, {}, join_command(options.command)}, *this,
                 SystemClock::instance()),
        server_sink_(session_),
        client_frames_(options.max_message_bytes),
        server_frames_(options.max_message_bytes),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        shutdown_timer_(io_),
        drain_timer_(io_) {}

  int run() {
    client_out_ = std::make_unique<io::FdWriter>(io_, ::dup(STDOUT_FILENO));
    client_out_->set_error_handler([this](const std::string& e) { on_client_gone("stdout: " + e); });
    client_in_ = std::make_unique<io::FdReader>(io_, ::dup(STDIN_FILENO));
    start_child();
    start_client_reader();
    watch_signals();
    io_.run();
    return exit_status_.value_or(1);
  }

  void send_to_client(std::string line) override { client_out_->write_line(std::move(line)); }
  void send_to_server(std::string line) override {
    if (server_in_ && !server_in_->closed()) server_in_->write_line(std::move(line));
  }

 private:
  void start_child() {
    auto spawned = io::ChildProcess::spawn(io_, options_.command);
    if (auto* error = std::get_if<io::SpawnError>(&spawned)) {
      spdlog::error("{}", error->message);
      spawn_failure_status_ = error->exit_status;
      return session_.set_server_unavailable(error->message);
    }
    child_ = std::move(std::get<std::unique_ptr<io::ChildProcess>>(spawned));
    spdlog::info("started MCP server (pid {}): {}", child_->pid(), join_command(options_.command));
    server_in_ = std::make_unique<io::FdWriter>(io_, child_->take_stdin_fd());
    server_in_->set_error_handler([](const std::string& e) { spdlog::warn("writing to the server failed: {}", e); });
    server_out_ = std::make_unique<io::FdReader>(io_, child_->take_stdout_fd());
    server_out_->start([this](std::string_view data) { server_frames_.feed(data, server_sink_); },
                       [this](const std::string& e) { on_server_stdout_closed(e); });
    child_->async_wait([this](int status) { on_child_exit(status); });
  }

  void start_client_reader() {
    client_in_->start(
        [this](std::string_view data) {
          client_frames_.feed(data, session_);
          if (session_.done()) finish(*spawn_failure_status_);
        },
        [this](const std::string& e) { on_client_gone(e.empty() ? "stdin closed" : "stdin: " + e); });
  }

  void watch_signals() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      spdlog::info("received signal {}; forwarding it to the MCP server", signal);
      if (!child_) return finish(128 + signal);
      child_->send_signal(signal);
      escalate_after_grace(SIGKILL);
      watch_signals();
    });
  }

  // The client is done with us: stdin EOF, or our stdout is gone.
  void on_client_gone(const std::string& why) {
    if (client_gone_) return;
    client_gone_ = true;
    spdlog::debug("client side closed ({})", why);
    if (!child_) return finish(spawn_failure_status_.value_or(1));
    if (server_in_) server_in_->close_when_drained();
    escalate_after_grace(SIGTERM);
  }

  // After the grace period, sends `signal` to a child that is still running;
  // SIGTERM is followed by SIGKILL after another grace period.
  void escalate_after_grace(int signal) {
    shutdown_timer_.expires_after(milliseconds(options_.shutdown_grace_ms));
    shutdown_timer_.async_wait([this, signal](const boost::system::error_code& ec) {
      if (ec || !child_ || !child_->running()) return;
      spdlog::warn("MCP server still running after {} ms; sending {}", options_.shutdown_grace_ms,
                   signal == SIGKILL ? "SIGKILL" : "SIGTERM");
      child_->send_signal(signal);
      if (signal != SIGKILL) escalate_after_grace(SIGKILL);
    });
  }

  void on_server_stdout_closed(const std::string& error) {
    server_stdout_closed_ = true;
    if (!error.empty()) spdlog::warn("reading the server's stdout failed: {}", error);
    if (child_status_) return finish(*child_status_);
    session_.fail_pending_client_requests("the MCP server closed its stdout before answering");
    if (server_in_) server_in_->close_when_drained();
    escalate_after_grace(SIGTERM);
  }

  void on_child_exit(int status) {
    child_status_ = status;
    spdlog::info("MCP server exited with status {}", status);
    if (server_stdout_closed_) return finish(status);
    drain_timer_.expires_after(milliseconds(kDrainAfterExitMs));
    drain_timer_.async_wait([this, status](const boost::system::error_code& ec) {
      if (!ec) finish(status);
    });
  }

  void finish(int status) {
    if (exit_status_) return;
    exit_status_ = status;
    session_.fail_pending_client_requests("the MCP server exited (status " + std::to_string(status) +
                                          ") before answering");
    client_out_->flush_blocking(kFinalFlushMs);
    if (client_in_) client_in_->stop();
    if (server_out_) server_out_->stop();
    io_.stop();
  }

  const ProxyOptions& options_;
  asio::io_context io_{1};
  Session session_;
  ServerFrameSink server_sink_;
  io::FrameReader client_frames_;
  io::FrameReader server_frames_;
  asio::signal_set signals_;
  asio::steady_timer shutdown_timer_;
  asio::steady_timer drain_timer_;
  std::unique_ptr<io::ChildProcess> child_;
  std::unique_ptr<io::FdReader> client_in_;
  std::unique_ptr<io::FdWriter> client_out_;
  std::unique_ptr<io::FdReader> server_out_;
  std::unique_ptr<io::FdWriter> server_in_;
  std::optional<int> spawn_failure_status_;
  std::optional<int> child_status_;
  std::optional<int> exit_status_;
  bool client_gone_ = false;
  bool server_stdout_closed_ = false;
};

}  // namespace

int run_proxy(const ProxyOptions& options) {
  ProxyRunner runner(options);
  return runner.run();
}

}  // namespace mcp_warden::proxy
