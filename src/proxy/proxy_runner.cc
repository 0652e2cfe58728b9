#include "mcp_warden/proxy/proxy_runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
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

// Hands entries to the journal, which the relay thread flushes right after
// the handler that queued them: `done` runs on the relay thread, with no
// thread hand-off between a call and its commit.
class JournalAuditor final : public CallAuditor {
 public:
  explicit JournalAuditor(audit::Journal& journal) : journal_(journal) {}
  void record(audit::NewEntry entry, Done done) override { journal_.append(std::move(entry), std::move(done)); }
  void record_deferred(audit::NewEntry entry, Done done) override {
    journal_.append(std::move(entry), std::move(done), audit::Urgency::kDeferred);
  }

 private:
  audit::Journal& journal_;
};

// Stands in when the audit database could not be opened: every record
// fails, so every tools/call is denied (fail closed) with the reason.
class UnavailableAuditor final : public CallAuditor {
 public:
  explicit UnavailableAuditor(Status why) : why_(std::move(why)) {}
  void record(audit::NewEntry, Done done) override { done(why_); }

 private:
  Status why_;
};

// A policy that does not load leaves `error` set: the server is then not
// started and the proxy behaves as for a server that cannot start — every
// request, `initialize` first, is answered with the reason — and exits 2.
std::optional<policy::Policy> load_policy(const std::string& spec, std::string& error) {
  auto loaded = policy::Policy::load(spec);
  if (loaded) return std::move(loaded).value();
  error = "mcp-warden cannot load the policy " + spec + ": " + loaded.status().message();
  return std::nullopt;
}

using Spawned = std::variant<std::unique_ptr<io::ChildProcess>, io::SpawnError>;

std::string resolve_db_path(const std::string& given) {
  if (!given.empty()) return given;
  auto path = audit::default_db_path();
  if (!path) throw std::runtime_error("cannot find a place for the audit database: " + path.status().message() +
                                      " (set MCP_WARDEN_HOME or pass --db)");
  return path->string();
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
        policy_(options.layers == Layers::kRelayOnly ? std::nullopt : load_policy(options.policy, policy_error_)),
        trust_level_(policy_ ? declared_level(options, *policy_, server_name_) : trust::TrustLevel::kStandard),
        launch_(sandbox::prepare(sandbox_request(options, policy_ ? &*policy_ : nullptr, server_name_))),
        spawned_(policy_error_.empty() ? sandbox::spawn(io_, options.command, launch_)
                                       : Spawned(io::SpawnError{2, policy_error_})),
        auditor_(open_audit()),
        session_options_(session_options(options, server_name_)),
        trust_(open_trust()),
        session_(session_options_, *this, SystemClock::instance(),
                 Governance{policy_ ? &*policy_ : nullptr, auditor_.get(), trust_.get()}),
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
    if (policy_ && policy_->name() == "permissive") {
      spdlog::warn("policy permissive: nothing is blocked, not even secrets; decisions strict would make are only recorded");
    }
    record_session_start();
    // The frame writer: the only writer of stdout in proxy mode.
    client_out_ = std::make_unique<io::FdWriter>(io_, ::dup(STDOUT_FILENO));
    client_out_->set_error_handler([this](const std::string& e) { on_client_gone("stdout: " + e); });
    client_in_ = std::make_unique<io::FdReader>(io_, ::dup(STDIN_FILENO));
    start_child();
    start_client_reader();
    watch_signals();
    watch_call_timeouts();
    io_.run();
    int status = exit_status_.value_or(1);
    close_audit(status);
    return status;
  }

  void send_to_client(std::string line) override { client_out_->write_line(std::move(line)); }
  void send_to_server(std::string line) override {
    if (server_in_ && !server_in_->closed()) server_in_->write_line(std::move(line));
  }

 private:
  std::unique_ptr<CallAuditor> open_audit() {
    // Without an auditor the Session records nothing and builds no entries.
    if (options_.layers != Layers::kFull || !policy_) return nullptr;
    audit::AuditLogOptions log_options;
    log_options.db_path = resolve_db_path(options_.db_path);
    log_options.sync = options_.audit_sync_full ? audit::SyncMode::kFull : audit::SyncMode::kNormal;
    Status dir = audit::ensure_private_dir(log_options.db_path.parent_path().empty() ? "." : log_options.db_path.parent_path());
    auto log = dir ? audit::Journal::open(log_options) : Result<std::unique_ptr<audit::Journal>>(dir);
    if (!log) {
      spdlog::error("audit database {} unavailable ({}); every tools/call will be denied",
                    log_options.db_path.string(), log.status().to_string());
      return std::make_unique<UnavailableAuditor>(Status::io_error("audit database unavailable: " + log.status().message()));
    }
    journal_ = std::move(log).value();
    // Queued work is committed by the relay thread as soon as the handler
    // that queued it returns: one transaction for everything it queued.
    // A call waits for its commit: committed at the end of the burst that
    // queued it (see handle_burst), or right after other handlers.
    journal_->set_wakeup([this] {
      journal_due_ = true;
      if (in_burst_ == 0) asio::post(io_, [this] { if (journal_due_) flush_journal(); });
    });
    // Results and successes nobody waits for: committed along with the next
    // call's commit, or by flush_deferred_work's timer.
    journal_->set_deferred_wakeup([this] { asio::post(io_, [this] { flush_deferred_work(); }); });
    return std::make_unique<JournalAuditor>(*journal_);
  }

  // The level the server starts from: --trust-level when given (it names
  // one server in one client config), else the policy's servers: entry,
  // else standard.
  static trust::TrustLevel declared_level(const ProxyOptions& options, const policy::Policy& policy,
                                          const std::string& server) {
    policy::ServerSettings settings = policy.server_settings(server);
    for (const auto& capped : settings.capped_levels()) {
      spdlog::warn("policy: trust_level {} at {} ignored for {}: {} declares {} (a child policy cannot raise its "
                   "parent's level)", capped.level, capped.origin, server, settings.trust_level()->origin,
                   settings.trust_level()->level);
    }
    std::string name = settings.trust_level() ? settings.trust_level()->level : "standard";
    if (options.trust_level) {
      if (settings.trust_level() && *options.trust_level != name) {
        spdlog::info("--trust-level {} overrides the policy's trust_level {} ({})", *options.trust_level, name,
                     settings.trust_level()->origin);
      }
      name = *options.trust_level;
    }
    auto level = trust::parse_trust_level(name);
    if (!level) throw std::runtime_error("unknown --trust-level " + name +
                                         " (verified_partner, trusted, standard, unknown, untrusted)");
    return *level;
  }

  // Changed tool definitions the policy's servers: section accepts.
  trust::ToolChangeAcceptor change_acceptor() const {
    return [settings = policy_->server_settings(server_name_)](const std::string& tool, const std::string& hash)
               -> std::optional<std::string> {
      auto accepted = settings.accepts_tool_change(tool, hash);
      return accepted ? std::optional<std::string>(accepted->reason()) : std::nullopt;
    };
  }

  std::unique_ptr<JournalTrustKeeper> open_trust() {
    if (!journal_) return nullptr;  // no database: calls are denied anyway
    // Trust setup (docs/trust.md): base from level and manifest, attestation of the spawned command, its pin.
    TrustSetup setup = trust_setup(policy_->server_settings(server_name_), trust_level_, options_.command,
                                   change_acceptor());
    auto keeper = JournalTrustKeeper::open(*journal_, server_name_, std::move(setup), session_options_.session_id);
    if (!keeper) {
      spdlog::error("trust store unavailable ({}); scoring is off for this session", keeper.status().to_string());
      return nullptr;
    }
    return std::move(keeper).value();
  }

  audit::NewEntry session_entry(audit::EntryKind kind, nlohmann::json payload) {
    audit::NewEntry entry;
    entry.kind = kind;
    entry.session_id = session_options_.session_id;
    entry.server = server_name_;
    entry.payload = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return entry;
  }

  void record_session_start() {
    if (!journal_) return;
    nlohmann::json payload = {{"command", options_.command}, {"mcp_warden_version", MCP_WARDEN_VERSION},
                              {"policy", policy_->name()}, {"policy_sha256", policy_->content_hash()},
                              {"trust_level", trust::trust_level_name(trust_level_)},
                              {"pid", ::getpid()}, {"sandbox", launch_.record()}};
    journal_->append(session_entry(audit::EntryKind::kSessionStart, std::move(payload)), [](Result<int64_t> seq) {
      if (!seq.is_ok()) spdlog::error("audit: cannot record the session start: {}", seq.status().to_string());
    });
  }

  void close_audit(int status) {
    if (!journal_) return;
    const Handshake& hs = session_.handshake();
    nlohmann::json payload = {{"exit_status", status}, {"client_info", hs.client_info},
                              {"protocol_version", hs.negotiated_version}, {"server_info", hs.server_info},
                              {"client_messages", session_.counters().client_messages},
                              {"server_messages", session_.counters().server_messages},
                              {"server_non_protocol_lines", session_.counters().server_non_protocol_lines}};
    journal_->append(session_entry(audit::EntryKind::kSessionEnd, std::move(payload)), [](Result<int64_t>) {});
    Status closed = journal_->close();
    if (!closed) spdlog::error("audit: closing the log failed: {}", closed.to_string());
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
    if (journal_->idle()) return;
    if (!client_in_) return flush_journal();
    if (deferred_flush_pending_) return;
    deferred_flush_pending_ = true;
    deferred_timer_.expires_after(milliseconds(kDeferredCommitMs));
    deferred_timer_.async_wait([this](const boost::system::error_code& ec) {
      deferred_flush_pending_ = false;
      if (!ec && !journal_->idle()) flush_journal();
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
    journal_->flush();
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

  // Checks for overdue tools/call requests a few times per timeout period
  // (at most once per second, at least every 10 ms).
  void watch_call_timeouts() {
    if (options_.call_timeout_ms <= 0) return;
    int64_t tick = std::clamp<int64_t>(options_.call_timeout_ms / 4, 10, 1000);
    timeout_timer_.expires_after(milliseconds(tick));
    timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      session_.expire_overdue_calls();
      watch_call_timeouts();
    });
  }

  // The client is done with us: stdin EOF, or our stdout is gone.
  void on_client_gone(const std::string& why) {
    if (client_gone_) return;
    client_gone_ = true;
    spdlog::debug("client side closed ({})", why);
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
  std::string policy_error_;              // why the policy did not load, or ""
  std::optional<policy::Policy> policy_;  // none in the relay-only layer
  trust::TrustLevel trust_level_;
  sandbox::Launch launch_;  // the kernel sandbox the server starts under
  std::variant<std::unique_ptr<io::ChildProcess>, io::SpawnError> spawned_;
  std::unique_ptr<audit::Journal> journal_;
  std::unique_ptr<CallAuditor> auditor_;
  SessionOptions session_options_;
  std::unique_ptr<JournalTrustKeeper> trust_;
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
