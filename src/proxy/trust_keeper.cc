#include "mcp_warden/proxy/trust_keeper.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "mcp_warden/trust/catalog.h"
#include "mcp_warden/trust/trust_event.h"

namespace mcp_warden::proxy {

namespace asio = boost::asio;

Result<std::unique_ptr<AsyncTrustKeeper>> AsyncTrustKeeper::open(asio::io_context& io, const std::string& db_path,
                                                                 const std::string& server, trust::TrustLevel level,
                                                                 audit::AuditLog* audit, std::string session_id) {
  auto store = trust::TrustStore::open(db_path);
  if (!store) return store.status();
  auto state = (*store)->ensure_server(server, level);
  if (!state) return state.status();
  int score = state->score();
  return std::make_unique<AsyncTrustKeeper>(io, std::move(store).value(), server, audit, std::move(session_id), score);
}

AsyncTrustKeeper::AsyncTrustKeeper(asio::io_context& io, std::unique_ptr<trust::TrustStore> store, std::string server,
                                   audit::AuditLog* audit, std::string session_id, int score)
    : io_(io), store_(std::move(store)), server_(std::move(server)), audit_(audit),
      session_id_(std::move(session_id)), score_(score), worker_([this] { run_worker(); }) {}

AsyncTrustKeeper::~AsyncTrustKeeper() { close(); }

void AsyncTrustKeeper::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
}

std::optional<std::string> AsyncTrustKeeper::blocked_reason(const std::string& tool) const {
  auto it = blocked_.find(tool);
  if (it == blocked_.end()) return std::nullopt;
  return it->second;
}

void AsyncTrustKeeper::record(trust::EventKind kind, const std::string& tool, const std::string& reason) {
  enqueue([this, kind, tool, reason] {
    auto event = store_->record(server_, kind, tool, reason);
    if (!event) return spdlog::error("trust: cannot record an event: {}", event.status().to_string());
    audit_event(*event);
    publish_score(event->score_after());
  });
}

void AsyncTrustKeeper::observe_catalog(nlohmann::json tools, std::function<void()> done) {
  enqueue([this, tools = std::move(tools), done = std::move(done)]() mutable {
    std::map<std::string, std::string> blocked;
    auto definitions = trust::parse_tool_definitions(tools);
    auto report = definitions ? store_->observe_catalog(server_, *definitions)
                              : Result<trust::CatalogReport>(definitions.status());
    if (!report) spdlog::error("trust: cannot compare the tool catalog: {}", report.status().to_string());
    for (const auto& event : report ? report->events : std::vector<trust::TrustEvent>{}) audit_event(event);
    for (const auto& tool : report ? report->unapproved : std::vector<std::string>{}) {
      auto why = store_->is_tool_blocked(server_, tool);
      if (why && *why) blocked[tool] = **why;
    }
    auto state = store_->get(server_);
    int score = state ? state->score() : -1;
    asio::post(io_, [this, blocked = std::move(blocked), score, done = std::move(done)]() mutable {
      blocked_ = std::move(blocked);
      if (score >= 0) score_ = score;
      done();
    });
  });
}

void AsyncTrustKeeper::audit_event(const trust::TrustEvent& event) {
  if (audit_ == nullptr) return;
  audit_->append(trust::trust_event_entry(event, session_id_), [](Result<int64_t> seq) {
    if (!seq.is_ok()) spdlog::error("audit: cannot record a trust event: {}", seq.status().to_string());
  });
}

void AsyncTrustKeeper::publish_score(int score) {
  asio::post(io_, [this, score] { score_ = score; });
}

void AsyncTrustKeeper::enqueue(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void AsyncTrustKeeper::run_worker() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and everything queued is done
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace mcp_warden::proxy
