// Receipts: the audit entries of a person's decisions, so the hash chain
// (and `audit verify`) covers them like every call.
//
//   approval_request  mcp-warden asked about a call: by elicitation (the
//                     question is open) or by offering a one-time grant code
//                     (the call was denied with the code's instructions).
//   approval          what settled it: the person's answer to the question,
//                     a standing grant or a redeemed code that covered the
//                     call, the rule's fallback where the client could not
//                     ask, and from the CLI a code confirmed, an always grant
//                     given, a grant revoked.
// One serializer (to_entry) writes both: a compact JSON payload with sorted
// keys (docs/audit.md lists the fields). The entry's `tool` is the call's
// subject, `request_id` the call's JSON-RPC id, `decision` what the receipt
// decided ("ask" while asking, "allow" or "deny" once settled, "" for the
// CLI's records).
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mcp_warden/audit/entry.h"

namespace mcp_warden::approval {

struct Receipt {
  audit::EntryKind kind = audit::EntryKind::kApproval;  // kApprovalRequest or kApproval
  std::string tool;
  std::string request_id;
  std::string method;
  std::string about;        // "result" for a held answer (a response rule); "" for a call
  std::string decision;     // "ask", "allow", "deny" or ""
  std::string how;          // "elicitation", "grant_code", "standing_grant", "fallback", "cli"
  std::string answer;       // "asked", "code_offered", an answer_name(), "granted", "redeemed", "revoked", …
  std::string scope;        // "once", "session", "always" or ""
  std::string call_digest;  // call_digest.h
  std::string policy;       // the asking policy and its revision (content hash)
  std::string policy_sha256;
  std::string rule;
  std::string grant_id;
  std::string reason;       // the sentence the requester was given
  int64_t expires_us = 0;   // a grant's or question's expiry; 0 when none
  int64_t question_seq = -1;  // an answer: its question's entry
  int64_t waited_ms = -1;     // an answer: how long the question was open

  audit::NewEntry to_entry() const;
};

}  // namespace mcp_warden::approval
