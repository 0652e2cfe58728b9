#include "mcp_warden/proxy/proxy_runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <chrono>
#include <memory>
#include <optional>

#include <cstdio>
#include <random>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "mcp_warden/audit/journal.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/call_auditor.h"
#include "mcp_warden/proxy/server_name.h"
#include "mcp_warden/proxy/trust_keeper.h"
#include "mcp_warden/trust/trust_level.h"
#include "mcp_warden/io/child_process.h"
#include "mcp_warden/io/fd_stream.h"
#include "mcp_warden/io/frame_reader.h"
#include "mcp_warden/proxy/governance_assembly.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/proxy/sandbox_request.h"
#include "random_id.h"

namespace mcp_warden::proxy {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// How long to wait for the child's last output after it exited (a grandchild
// may hold its stdout open), and to flush our own output at exit.
constexpr int kDrainAfterExitMs = 200;
constexpr int kFinalFlushMs = 1000;
// The longest a call's result entry (and a success's trust event) waits for
// its commit when no other call comes to take it along (see
// audit::Urgency). A SIGKILL within this window can lose it; the call's own
// entry was committed before the call was forwarded.
constexpr int kDeferredCommitMs = 5;

std::string join_command(const std::vector<std::string>& argv) {
  std::string joined;
  for (const auto& arg : argv) joined += (joined.empty() ? "" : " ") + arg;
  return joined;
}

using Spawned = std::variant<std::unique_ptr<io::ChildProcess>, io::SpawnError>;

// `path` as one shell word: as it is when it holds only safe characters, else in single quotes.
std::string shell_word(const std::string& path) {
  const bool plain = std::all_of(path.begin(), path.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/._-+=:,@%").find(c) != std::string_view::npos;
  });
  if (plain && !path.empty()) return path;
  std::string out = "'";
  for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

SessionOptions session_options(const ProxyOptions& options, const std::string& server_name) {
  SessionOptions s;
  s.max_message_bytes = options.max_message_bytes;
  s.server_command = join_command(options.command);
  s.server_argv = options.command;
  s.server_name = server_name;
  s.session_id = random_hex128();
  s.show_denied_tools = options.show_denied_tools;
  s.audit_fail_open = options.audit_fail_open;
  s.footer = options.footer;
  s.call_timeout_ms = options.call_timeout_ms;
  s.ask_timeout_ms = options.ask_timeout_ms;
  // The person's command names the database only when it is not the default one.
  s.grant_command = options.db_path.empty() ? "mcp-warden grant" : "mcp-warden grant --db " + shell_word(options.db_path);
  return s;
}

// Holds the writers while one burst of work runs (a chunk read from either
// side, a journal commit), so everything it sends in one direction leaves in
// one write when the burst ends (FdWriter::hold).
class WriteBurst {
 public:
  WriteBurst(io::FdWriter* a, io::FdWriter* b) : a_(a), b_(b) {
    if (a_) a_->hold();
    if (b_) b_->hold();
  }
  ~WriteBurst() {
    if (a_) a_->release();
    if (b_) b_->release();
  }
  WriteBurst(const WriteBurst&) = delete;
  WriteBurst& operator=(const WriteBurst&) = delete;

 private:
  io::FdWriter* a_;
  io::FdWriter* b_;
};

class ProxyRunner final : public SessionOutput {
 public:
  explicit ProxyRunner(const ProxyOptions& options)
      : options_(options),
        server_name_(options.server_name.empty() ? derive_server_name(options.command) : options.server_name),
        // The policy is loaded first (the sandbox is derived from it); the
        // server starts before the audit database is opened, so that its
        // start-up overlaps ours; nothing reaches it before io_.run().
        governance_(options, server_name_),
        launch_(sandbox::prepare(sandbox_request(options, governance_.policy(), server_name_))),
        spawned_(governance_.policy_error().empty() ? sandbox::spawn(io_, options.command, launch_)
                                                    : Spawned(io::SpawnError{2, governance_.policy_error()})),
        session_options_(session_options(options, server_name_)),
        session_(session_options_, *this, SystemClock::instance(),
                 governance_.open(session_options_.session_id, journal_wakeups())),
        server_sink_(session_),
        client_frames_(options.max_message_bytes),
        server_frames_(options.max_message_bytes),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        shutdown_timer_(io_),
        drain_timer_(io_),
        hold_timer_(io_),
        timeout_timer_(io_),
        deferred_timer_(io_) {}

  int run() {
    if (governance_.policy() != nullptr && governance_.policy()->name() == "permissive") {
      spdlog::warn("policy permissive: nothing is blocked, not even secrets; decisions strict would make are only recorded");
    }
    governance_.record_session_start(session_options_.session_id, {{"sandbox", launch_.record()}});
    // The frame writer: the only writer of stdout in proxy mode.
    client_out_ = std::make_unique<io::FdWriter>(io_, ::dup(STDOUT_FILENO));
    client_out_->set_error_handler([this](const std::string& e) { on_client_gone("stdout: " + e); });
    client_out_->set_progress_handler([this] { update_flow(); });
    client_in_ = std::make_unique<io::FdReader>(io_, ::dup(STDIN_FILENO));
    start_child();
    start_client_reader();
    watch_signals();
    watch_call_timeouts();
    io_.run();
    int status = exit_status_.value_or(1);
    governance_.close(session_options_.session_id, status, session_);
    return status;
  }

  void send_to_client(std::string line) override { client_out_->write_line(std::move(line)); }
  void send_to_server(std::string line) override {
    if (server_in_ && !server_in_->closed()) server_in_->write_line(std::move(line));
  }

 private:
  // Queued work is committed by the relay thread as soon as the handler
  // that queued it returns: one transaction for everything it queued. A
  // call waits for its commit: committed at the end of the burst that
  // queued it (see handle_burst), or right after other handlers. Results
  // and successes nobody waits for are committed along with the next
  // call's commit, or by flush_deferred_work's timer.
  JournalWakeups journal_wakeups() {
    return JournalWakeups{[this] {
                            journal_due_ = true;
                            if (in_burst_ == 0) asio::post(io_, [this] { if (journal_due_) flush_journal(); });
                          },
                          [this] { asio::post(io_, [this] { flush_deferred_work(); }); }};
  }

  void start_child() {
    auto spawned = std::move(spawned_);
    if (auto* error = std::get_if<io::SpawnError>(&spawned)) {
      spdlog::error("{}", error->message);
      spawn_failure_status_ = error->exit_status;
      return session_.set_server_unavailable(error->message);
    }
    child_ = std::move(std::get<std::unique_ptr<io::ChildProcess>>(spawned));
    spdlog::info("started MCP server (pid {}): {}", child_->pid(), join_command(options_.command));
    server_in_ = std::make_unique<io::FdWriter>(io_, child_->take_stdin_fd());
    server_in_->set_error_handler([](const std::string& e) { spdlog::warn("writing to the server failed: {}", e); });
    server_in_->set_progress_handler([this] { update_flow(); });
    server_out_ = std::make_unique<io::FdReader>(io_, child_->take_stdout_fd());
    server_out_->start(
        [this](std::string_view data) { handle_burst([&] { server_frames_.feed(data, server_sink_); }); },
        [this](const std::string& e) { on_server_stdout_closed(e); });
    child_->async_wait([this](int status) { on_child_exit(status); });
  }

  void start_client_reader() {
    client_in_->start(
        [this](std::string_view data) {
          handle_burst([&] { client_frames_.feed(data, session_); });
          if (session_.done()) finish(*spawn_failure_status_);
        },
        [this](const std::string& e) { on_client_gone(e.empty() ? "stdin closed" : "stdin: " + e); });
  }

  // Deferred work (see audit::Urgency) rides along with the next call's
  // commit, or is committed kDeferredCommitMs after it was queued if no call
  // comes first: a client calling tools in a row pays one transaction per
  // call, not two. The timer is armed once and left to fire (re-arming or
  // cancelling it costs a system call each time).
  void flush_deferred_work() {
    if (governance_.journal()->idle()) return;
    if (!client_in_) return flush_journal();
    if (deferred_flush_pending_) return;
    deferred_flush_pending_ = true;
    deferred_timer_.expires_after(milliseconds(kDeferredCommitMs));
    deferred_timer_.async_wait([this](const boost::system::error_code& ec) {
      deferred_flush_pending_ = false;
      if (!ec && !governance_.journal()->idle()) flush_journal();
    });
  }

  // Runs `work` (what one read delivered) with the writers held, and
  // commits what it queued for the journal before releasing them: one
  // transaction for the burst, with no reactor turn between a call and its
  // commit, and the calls it releases leave in the same write.
  template <typename Work>
  void handle_burst(Work&& work) {
    {
      WriteBurst burst = write_burst();
      ++in_burst_;
      work();
      --in_burst_;
      if (journal_due_) commit_journal();
    }
    after_session_work();
  }

  void commit_journal() {
    journal_due_ = false;
    governance_.journal()->flush();
  }

  void flush_journal() {
    {
      WriteBurst burst = write_burst();
      commit_journal();
    }
    after_session_work();
  }

  WriteBurst write_burst() { return WriteBurst(client_out_.get(), server_in_.get()); }

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

  // Checks for overdue tools/call requests and unanswered questions to the
  // person a few times per timeout period (at most once per second, at
  // least every 10 ms).
  void watch_call_timeouts() {
    int64_t period = options_.ask_timeout_ms;
    if (options_.call_timeout_ms > 0) period = std::min(period, options_.call_timeout_ms);
    int64_t tick = std::clamp<int64_t>(period / 4, 10, 1000);
    timeout_timer_.expires_after(milliseconds(tick));
    timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      {
        WriteBurst burst = write_burst();
        session_.expire_overdue_calls();
      }
      after_session_work();
      watch_call_timeouts();
    });
  }

  // The client is done with us: stdin EOF, or our stdout is gone.
  void on_client_gone(const std::string& why) {
    if (client_gone_) return;
    client_gone_ = true;
    spdlog::debug("client side closed ({})", why);
    update_flow();  // nothing queued toward the client counts any more
    if (!child_) return finish(spawn_failure_status_.value_or(1));
    close_server_stdin_when_released(options_.shutdown_grace_ms);
  }

  // Calls still waiting for their audit commit (or the catalog) must reach
  // the server before its stdin closes: closes it once the Session holds
  // nothing (see after_session_work), or after `budget_ms` at the latest,
  // then starts the SIGTERM/SIGKILL escalation.
  void close_server_stdin_when_released(int budget_ms) {
    if (!session_.holding_messages() || budget_ms <= 0 || !child_->running()) return close_server_stdin();
    awaiting_release_ = true;
    hold_timer_.expires_after(milliseconds(budget_ms));
    hold_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && awaiting_release_) close_server_stdin();
    });
  }

  // Runs after everything that can release held messages: a journal flush
  // (commits), and lines from either side (the catalog's answer, an
  // auditor that completes at once).
  void after_session_work() {
    if (awaiting_release_ && !session_.holding_messages()) close_server_stdin();
    update_flow();
  }

  // Back-pressure (docs/relay.md, "Memory"). Each side's lines feed the
  // queue toward the other side (forwards) and, less, the one back toward
  // itself (mcp-warden's replies and refusals). A side is read while the
  // first holds less than the limit and the second less than twice it.
  // Held client lines count toward the server — but never stop the server
  // from being read: its tools/list answer is what releases them. Answers
  // held for a person count toward the client — but never stop the client
  // from being read: the person's answer is what releases them.
  void update_flow() {
    const std::size_t limit = options_.queue_limit_bytes;
    const std::size_t to_client = client_out_ ? client_out_->queued_bytes() : 0;
    const std::size_t to_server_pipe = server_in_ ? server_in_->queued_bytes() : 0;
    const std::size_t to_server = to_server_pipe + session_.bytes_held_for_server();
    set_reading(client_in_.get(), to_server < limit && to_client < 2 * limit);
    set_reading(server_out_.get(), to_client + session_.bytes_held_for_client() < limit && to_server_pipe < 2 * limit);
  }

  static void set_reading(io::FdReader* reader, bool read) {
    if (reader == nullptr || reader->paused() == !read) return;
    if (read) return reader->resume();
    reader->pause();
  }

  void close_server_stdin() {
    awaiting_release_ = false;
    hold_timer_.cancel();
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
  // One thread runs everything on it; only handlers are posted from other
  // threads (FdReader's fallback for regular files), which the hint keeps
  // safe, while I/O objects skip their locks.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::string server_name_;
  GovernanceAssembly governance_;  // policy, trust level, journal, auditor, trust keeper
  sandbox::Launch launch_;  // the kernel sandbox the server starts under
  std::variant<std::unique_ptr<io::ChildProcess>, io::SpawnError> spawned_;
  SessionOptions session_options_;
  Session session_;
  ServerFrameSink server_sink_;
  io::FrameReader client_frames_;
  io::FrameReader server_frames_;
  asio::signal_set signals_;
  asio::steady_timer shutdown_timer_;
  asio::steady_timer drain_timer_;
  asio::steady_timer hold_timer_;
  asio::steady_timer timeout_timer_;
  asio::steady_timer deferred_timer_;
  bool deferred_flush_pending_ = false;
  bool journal_due_ = false;  // urgent journal work is queued (see open_audit)
  int in_burst_ = 0;          // inside handle_burst's work
  std::unique_ptr<io::ChildProcess> child_;
  std::unique_ptr<io::FdReader> client_in_;
  std::unique_ptr<io::FdWriter> client_out_;
  std::unique_ptr<io::FdReader> server_out_;
  std::unique_ptr<io::FdWriter> server_in_;
  std::optional<int> spawn_failure_status_;
  std::optional<int> child_status_;
  std::optional<int> exit_status_;
  bool client_gone_ = false;
  bool awaiting_release_ = false;  // stdin EOF seen; the server's stdin closes once nothing is held
  bool server_stdout_closed_ = false;
};

}  // namespace

int run_proxy(const ProxyOptions& options) {
  ProxyRunner runner(options);
  return runner.run();
}

}  // namespace mcp_warden::proxy
