#include "mcp_warden/audit/entry.h"

#include <array>

namespace mcp_warden::audit {
namespace {

constexpr std::array<std::string_view, 11> kKindNames = {
    "session_start", "session_end", "tool_call", "tool_result",      "catalog", "trust_event",
    "request",       "response",    "handshake", "approval_request", "approval"};

// Appends `value` as 8 bytes, big-endian (two's complement for negatives).
void put_u64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// A field: its byte length as put_u64, then the bytes.
void put_field(std::string& out, std::string_view bytes) {
  put_u64(out, bytes.size());
  out.append(bytes);
}

void put_int_field(std::string& out, int64_t value) {
  put_u64(out, 8);
  put_u64(out, static_cast<uint64_t>(value));
}

}  // namespace

std::string_view entry_kind_name(EntryKind kind) {
  return kKindNames.at(static_cast<std::size_t>(kind));
}

std::optional<EntryKind> parse_entry_kind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<EntryKind>(i);
  }
  return std::nullopt;
}

std::string canonical_entry_bytes(const Entry& entry) {
  std::string out;
  append_canonical_entry_bytes(entry, out);
  return out;
}

void append_canonical_entry_bytes(const Entry& entry, std::string& out) {
  put_field(out, kEntryEncodingTag);
  put_int_field(out, entry.seq);
  put_int_field(out, entry.time_us);
  put_field(out, entry.session_id);
  put_field(out, entry.kind);
  put_field(out, entry.server);
  put_field(out, entry.tool);
  put_field(out, entry.request_id);
  put_field(out, entry.decision);
  put_field(out, entry.payload);
}

Digest compute_entry_hash(const Entry& entry) {
  thread_local Sha256 hasher;
  thread_local std::string buffer;  // reused: no allocation per entry once warm
  buffer.clear();
  append_canonical_entry_bytes(entry, buffer);
  return hasher.update(entry.prev_hash).update(buffer).finish();
}

Entry seal_entry(const NewEntry& fresh, int64_t seq, const Digest& prev_hash) {
  Entry entry;
  seal_entry_into(fresh, seq, prev_hash, entry);
  return entry;
}

void seal_entry_into(const NewEntry& fresh, int64_t seq, const Digest& prev_hash, Entry& out) {
  out.seq = seq;
  out.time_us = fresh.time_us;
  out.session_id.assign(fresh.session_id);
  out.kind.assign(entry_kind_name(fresh.kind));
  out.server.assign(fresh.server);
  out.tool.assign(fresh.tool);
  out.request_id.assign(fresh.request_id);
  out.decision.assign(fresh.decision);
  out.payload.assign(fresh.payload);
  out.prev_hash = prev_hash;
  out.entry_hash = compute_entry_hash(out);
}

}  // namespace mcp_warden::audit
