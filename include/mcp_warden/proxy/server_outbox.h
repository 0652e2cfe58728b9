// ServerOutbox: keeps client→server messages in arrival order while some wait.
//
// A tools/call is forwarded only after its decision is committed to the audit
// log, which happens on another thread. Messages the client sent after it
// must not overtake it, so each is queued behind a reserved slot; when the
// slot is filled (forward) or cancelled (denied), everything ready at the
// head of the queue is sent. Messages with nothing ahead of them go out at once.
//
// Owned by the Session; used only on the relay thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

namespace mcp_warden::proxy {

class ServerOutbox {
 public:
  using Sender = std::function<void(std::string line)>;
  // Told the id of each request once its line has been handed to the Sender
  // (so the Session knows the server can have received it).
  using Sent = std::function<void(const nlohmann::json& id)>;
  explicit ServerOutbox(Sender send, Sent sent = {}) : send_(std::move(send)), sent_(std::move(sent)) {}

  // Sends `line` now if nothing is waiting, else queues it. `id`: the
  // request's id, reported to Sent when the line leaves (null: not a request).
  void push(std::string line, const nlohmann::json& id = nullptr);
  // Reserves a place for a message not yet decided; returns its ticket.
  uint64_t reserve(const nlohmann::json& id = nullptr);
  // Puts `line` in the reserved place (nullopt: the message is not sent).
  void settle(uint64_t ticket, std::optional<std::string> line);
  std::size_t waiting() const { return queue_.size(); }
  // The bytes of the lines queued behind an undecided message.
  std::size_t waiting_bytes() const { return waiting_bytes_; }

 private:
  struct Slot {
    uint64_t ticket = 0;
    bool settled = false;
    std::optional<std::string> line;
    nlohmann::json id;
  };
  void flush();
  void send(std::string line, const nlohmann::json& id);

  Sender send_;
  Sent sent_;
  std::deque<Slot> queue_;
  std::size_t waiting_bytes_ = 0;
  uint64_t next_ticket_ = 1;
};

}  // namespace mcp_warden::proxy
