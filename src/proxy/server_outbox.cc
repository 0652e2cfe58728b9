#include "mcp_warden/proxy/server_outbox.h"

namespace mcp_warden::proxy {

void ServerOutbox::send(std::string line, const nlohmann::json& id) {
  send_(std::move(line));
  if (sent_ && !id.is_null()) sent_(id);
}

void ServerOutbox::push(std::string line, const nlohmann::json& id) {
  if (queue_.empty()) return send(std::move(line), id);
  waiting_bytes_ += line.size();
  queue_.push_back(Slot{0, true, std::move(line), id});
}

uint64_t ServerOutbox::reserve(const nlohmann::json& id) {
  uint64_t ticket = next_ticket_++;
  queue_.push_back(Slot{ticket, false, std::nullopt, id});
  return ticket;
}

void ServerOutbox::settle(uint64_t ticket, std::optional<std::string> line) {
  for (Slot& slot : queue_) {
    if (slot.ticket != ticket || slot.settled) continue;
    slot.settled = true;
    if (line) waiting_bytes_ += line->size();
    slot.line = std::move(line);
    break;
  }
  flush();
}

void ServerOutbox::flush() {
  while (!queue_.empty() && queue_.front().settled) {
    Slot slot = std::move(queue_.front());
    queue_.pop_front();
    if (!slot.line) continue;
    waiting_bytes_ -= slot.line->size();
    send(std::move(*slot.line), slot.id);
  }
}

}  // namespace mcp_warden::proxy
