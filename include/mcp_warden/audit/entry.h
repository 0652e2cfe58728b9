// Audit entries and their canonical, hashed encoding.
//
// An Entry is one row of the audit chain. entry_hash = SHA-256(prev_hash ||
// canonical_entry_bytes(entry)), where the canonical bytes are every stored
// field, length-prefixed, in a fixed order (docs/audit.md, "Canonical
// encoding"). Text fields are hashed exactly as stored: nothing is
// re-serialised, so anyone can recompute the chain from the database alone.
//
// Thread safety: value types and pure functions. Nothing here touches disk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::audit {

enum class EntryKind {
  kSessionStart,
  kSessionEnd,
  kToolCall,    // the decision on a tools/call, committed before it takes effect
  kToolResult,  // the outcome of a forwarded tools/call
  kCatalog,     // a tools/list result (its hash and tool names)
  kTrustEvent,  // reserved for the trust module
  kRequest,     // the decision on any other governed request (resources, prompts, server requests, …)
  kResponse,    // the outcome of a governed request other than tools/call
  kHandshake,   // the initialize exchange: who the client and the server said they were
  kApprovalRequest,  // mcp-warden asked a person (or offered a grant code) about a call
  kApproval,         // a person's answer, a grant given, used or revoked (approval/receipt.h)
};

// The stored name: "session_start", "session_end", "tool_call",
// "tool_result", "catalog", "trust_event", "request", "response",
// "handshake", "approval_request", "approval".
std::string_view entry_kind_name(EntryKind kind);
// Inverse of entry_kind_name; nullopt for unknown names.
std::optional<EntryKind> parse_entry_kind(std::string_view name);

// What a caller hands to the log. Empty strings mean "not applicable".
struct NewEntry {
  EntryKind kind = EntryKind::kToolCall;
  // Microseconds since the Unix epoch; 0 means "stamp it from the log's Clock
  // when append() is called".
  int64_t time_us = 0;
  std::string session_id;
  std::string server;
  std::string tool;
  // The JSON-RPC id as JSON text (`7` or `"abc"`), so number and string differ.
  std::string request_id;
  // "allow", "deny", "warn", "log" for tool_call; may be empty otherwise.
  std::string decision;
  // A JSON object as text, stored and hashed byte for byte. Callers redact
  // secrets first (redact.h); the log does not parse it.
  std::string payload = "{}";
};

// A stored entry: what the caller gave plus the chain fields.
struct Entry {
  int64_t seq = 0;  // 1, 2, 3, ... contiguous; Merkle leaf index seq - 1
  int64_t time_us = 0;
  std::string session_id;
  std::string kind;  // stored text; normally an entry_kind_name()
  std::string server;
  std::string tool;
  std::string request_id;
  std::string decision;
  std::string payload;
  Digest prev_hash{};
  Digest entry_hash{};
};

// The domain-separation tag that opens every canonical encoding.
inline constexpr std::string_view kEntryEncodingTag = "mcp-warden.audit.entry.v1";

// The canonical bytes of `entry`'s stored fields (all but prev_hash and
// entry_hash), as specified in docs/audit.md.
std::string canonical_entry_bytes(const Entry& entry);
// The same bytes appended to `out` (lets hot paths reuse a buffer).
void append_canonical_entry_bytes(const Entry& entry, std::string& out);

// SHA-256(prev_hash || canonical_entry_bytes(entry)); ignores entry.entry_hash.
Digest compute_entry_hash(const Entry& entry);

// Turns a NewEntry into an Entry at `seq` after `prev_hash` and fills
// entry_hash. The NewEntry's time_us must already be set.
Entry seal_entry(const NewEntry& fresh, int64_t seq, const Digest& prev_hash);
// The same into an existing Entry, reusing its string capacity.
void seal_entry_into(const NewEntry& fresh, int64_t seq, const Digest& prev_hash, Entry& out);

}  // namespace mcp_warden::audit
