#include "mcp_warden/proxy/server_outbox.h"

namespace mcp_warden::proxy {

void ServerOutbox::push(std::string line) {
  if (queue_.empty()) return send_(std::move(line));
  queue_.push_back(Slot{0, true, std::move(line)});
}

uint64_t ServerOutbox::reserve() {
  uint64_t ticket = next_ticket_++;
  queue_.push_back(Slot{ticket, false, std::nullopt});
  return ticket;
}

void ServerOutbox::settle(uint64_t ticket, std::optional<std::string> line) {
  for (Slot& slot : queue_) {
    if (slot.ticket != ticket || slot.settled) continue;
    slot.settled = true;
    slot.line = std::move(line);
    break;
  }
  flush();
}

void ServerOutbox::flush() {
  while (!queue_.empty() && queue_.front().settled) {
    std::optional<std::string> line = std::move(queue_.front().line);
    queue_.pop_front();
    if (line) send_(std::move(*line));
  }
}

}  // namespace mcp_warden::proxy
