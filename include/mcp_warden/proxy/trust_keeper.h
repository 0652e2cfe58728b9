// TrustKeeper: the Session's view of the server's trust, kept off the relay thread.
//
// The Session reads a cached score and the set of tools blocked by a catalog
// change (both updated on the relay thread as results come back) and reports
// events without waiting. AsyncTrustKeeper runs the TrustStore's SQLite
// transactions on its own worker thread, appends a `trust_event` audit entry
// for every change, and posts the new score back to the io_context. A store
// failure is logged and leaves the cached state as it was (the score then
// lags; enforcement never loosens because of it).
//
// Owned by the proxy runner; score()/blocked_reason()/record()/observe_catalog()
// are called on the relay thread only.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/trust/score_model.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::proxy {

class TrustKeeper {
 public:
  virtual ~TrustKeeper() = default;
  // The server's score (0..1000) as last known on the relay thread.
  virtual int score() const = 0;
  // Why calls to `tool` are blocked (its definition changed and nobody
  // approved it), or nullopt.
  virtual std::optional<std::string> blocked_reason(const std::string& tool) const = 0;
  // Reports an event; the score follows once the store has applied it.
  virtual void record(trust::EventKind kind, const std::string& tool, const std::string& reason) = 0;
  // Compares a complete tools/list with what was last seen; `done` runs on
  // the relay thread once the blocked set reflects it.
  virtual void observe_catalog(nlohmann::json tools, std::function<void()> done) = 0;
};

class AsyncTrustKeeper final : public TrustKeeper {
 public:
  // `audit` may be null (no audit entries). Loads the server's current
  // state synchronously; errors are those of TrustStore::open/ensure_server.
  static Result<std::unique_ptr<AsyncTrustKeeper>> open(boost::asio::io_context& io, const std::string& db_path,
                                                        const std::string& server, trust::TrustLevel level,
                                                        audit::AuditLog* audit, std::string session_id);
  ~AsyncTrustKeeper() override;

  int score() const override { return score_; }
  std::optional<std::string> blocked_reason(const std::string& tool) const override;
  void record(trust::EventKind kind, const std::string& tool, const std::string& reason) override;
  void observe_catalog(nlohmann::json tools, std::function<void()> done) override;
  // Finishes the queued work and stops the worker.
  void close();

  AsyncTrustKeeper(boost::asio::io_context& io, std::unique_ptr<trust::TrustStore> store, std::string server,
                   audit::AuditLog* audit, std::string session_id, int score);

 private:
  void enqueue(std::function<void()> task);
  void run_worker();
  void audit_event(const trust::TrustEvent& event);
  void publish_score(int score);

  boost::asio::io_context& io_;
  std::unique_ptr<trust::TrustStore> store_;
  std::string server_;
  audit::AuditLog* audit_;
  std::string session_id_;
  int score_;  // relay thread
  std::map<std::string, std::string> blocked_;  // relay thread: tool → reason

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mcp_warden::proxy
