// PendingRequests: the requests one side has sent and the other has not yet answered.
//
// JSON-RPC ids are chosen by each sender independently, so client id 3 and
// server id 3 can be in flight at once: the Session keeps one table per
// direction. Entries are keyed by the id's canonical JSON text (rpc::id_key),
// so the string "3" and the integer 3 stay distinct. An entry lives from the
// request until its response, its cancellation, or the end of the session.
//
// Owned by the Session; used only on the relay thread. In memory only.
#pragma once

#include "mcp_warden/policy/decision.h"
#include "mcp_warden/proxy/governed_methods.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcp_warden::proxy {

struct PendingRequest {
  PendingRequest() = default;
  PendingRequest(nlohmann::json request_id, std::string request_method, int64_t started)
      : id(std::move(request_id)), method(std::move(request_method)), started_nanos(started) {}

  nlohmann::json id;          // exactly as the sender wrote it
  std::string method;
  int64_t started_nanos = 0;  // steady clock, for latency
  // Governed requests (governed_methods.h): the method's entry, else null.
  const MethodSpec* spec = nullptr;
  // The request reached the other side (written to its pipe). An answer to
  // a request that has not is a forgery and is dropped.
  bool forwarded = false;
  std::string tool;           // governed: the subject (a tools/call's tool name, …)
  int64_t audit_seq = -1;     // governed: the decision's audit sequence number
  policy::Action action = policy::Action::kAllow;  // governed: the decision's action
  std::string reason;         // governed: the decision's reason
  bool task_augmented = false;  // tools/call with params.task: answered by a CreateTaskResult
  std::string task_id;        // tasks/*: the task asked about
  int64_t first_round_seq = -1;  // a retried input-required request: its first round's entry
  nlohmann::json progress_token;  // params._meta.progressToken, or null
  int64_t active_nanos = 0;   // forwarded, or last progress from the server (steady clock)
  // governed, where a response rule may ask about its answer: the digest a
  // grant code for that answer is bound to (approval::result_digest).
  std::string result_digest;
  // Stands for a request whose answer is held for a person: the id stays in
  // use, nothing is forwarded under it, and an answer to it is a forgery.
  bool held_answer = false;
};

class PendingRequests {
  // std::hash<std::string> itself would make libstdc++ search a table of up
  // to 20 entries linearly, comparing every key; a hasher of our own makes
  // every lookup hash first (a full pipeline window is 16 requests).
  struct KeyHash {
    std::size_t operator()(const std::string& key) const noexcept { return std::hash<std::string_view>()(key); }
  };
  using Entries = std::unordered_map<std::string, PendingRequest, KeyHash>;

 public:
  // An entry taken out of the table (or none), owned by the taker: the
  // table's own node, handed over without copying or moving the request.
  class Taken {
   public:
    Taken() = default;
    explicit Taken(Entries::node_type node) : node_(std::move(node)) {}
    explicit operator bool() const { return !node_.empty(); }
    PendingRequest& operator*() { return node_.mapped(); }
    PendingRequest* operator->() { return &node_.mapped(); }

   private:
    Entries::node_type node_;
  };

  // Records `request`; returns false (and keeps the first) if its id is
  // already in flight.
  bool insert(PendingRequest&& request);
  // Removes and returns the entry for `id`, if any.
  Taken take(const nlohmann::json& id);
  bool contains(const nlohmann::json& id) const;
  // The entry for `id`, or nullptr; valid until the table changes.
  PendingRequest* find(const nlohmann::json& id);
  const PendingRequest* find(const nlohmann::json& id) const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Removes the entries for which pred(const PendingRequest&) holds,
  // calling fn(const PendingRequest&) for each after all are removed.
  template <typename Pred, typename Fn>
  void take_if(Pred&& pred, Fn&& fn) {
    std::vector<PendingRequest> taken;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (pred(it->second)) {
        taken.push_back(std::move(it->second));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    for (const PendingRequest& request : taken) fn(request);
  }
  // Calls fn(PendingRequest&) for every entry.
  template <typename Fn>
  void for_each(Fn&& fn) {
    for (auto& [key, request] : entries_) fn(request);
  }
  // True when pred(const PendingRequest&) holds for some entry.
  template <typename Pred>
  bool any_of(Pred&& pred) const {
    for (const auto& [key, request] : entries_) {
      if (pred(request)) return true;
    }
    return false;
  }

  // Removes every entry, calling fn(const PendingRequest&) for each.
  template <typename Fn>
  void drain(Fn&& fn) {
    auto entries = std::move(entries_);
    entries_.clear();
    for (auto& [key, request] : entries) fn(request);
  }

 private:
  Entries entries_;
};

}  // namespace mcp_warden::proxy
