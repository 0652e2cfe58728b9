// Inclusion proofs: a self-contained JSON document showing that one audit
// entry is part of the log a signed checkpoint commits to.
//
// The document carries the entry's stored fields (so its entry_hash can be
// recomputed), the audit path to the checkpoint's root and the signed
// checkpoint itself. verify_inclusion_proof() needs nothing else: it
// recomputes entry_hash, the leaf hash SHA-256(0x00 || entry_hash), walks the
// path to the root (RFC 6962) and checks the Ed25519 signature. Format and
// field names: docs/audit.md, "Inclusion proofs".
//
// Thread safety: stateless functions; make_inclusion_proof uses the store's
// connection (one thread at a time).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/audit/checkpoint.h"
#include "mcp_warden/audit/entry.h"
#include "mcp_warden/audit/store.h"

namespace mcp_warden::audit {

struct InclusionProof {
  Entry entry;
  std::vector<Digest> path;
  Checkpoint checkpoint;  // the signed head; its tree_size is the proof's tree size
};

// Builds the proof of `seq` against `checkpoint` (which must cover it:
// kInvalidArgument otherwise). Reads the entry hashes 1..tree_size and
// checks that they reproduce the checkpoint's root (kCorruption if not).
Result<InclusionProof> make_inclusion_proof(AuditStore& store, int64_t seq,
                                            const Checkpoint& checkpoint);

std::string format_inclusion_proof(const InclusionProof& proof);
// Strict parse (duplicate keys, bad hex, wrong lengths: kInvalidArgument).
Result<InclusionProof> parse_inclusion_proof(std::string_view json_text);

// OK when the proof holds. `trusted_public_key` (32 raw bytes), when not
// empty, must be the checkpoint's signer. kCorruption says which step fails.
Status verify_inclusion_proof(const InclusionProof& proof,
                              const std::string& trusted_public_key = {});

}  // namespace mcp_warden::audit
