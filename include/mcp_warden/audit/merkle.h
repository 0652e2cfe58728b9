// RFC 6962 Merkle tree hashing: tree heads, inclusion and consistency proofs.
//
// leaf_hash(d) = SHA-256(0x00 || d), node_hash(l, r) = SHA-256(0x01 || l || r);
// the head of an empty tree is SHA-256(""). The audit log uses each entry's
// 32-byte entry_hash as the leaf data d (see docs/audit.md), so a proof needs
// only stored hashes. Leaf indices are 0-based; audit seq N is leaf N-1.
//
// MerkleFrontier keeps the O(log n) "compact range" of perfect subtree roots,
// so a verifier or writer can extend a tree one leaf at a time and read the
// head at any size. The proof functions take the full list of leaf hashes.
// Verification functions never trust their inputs: wrong sizes, indices or
// path lengths give an error Status (kCorruption for a mismatch,
// kInvalidArgument for impossible parameters), never a crash.
//
// Thread safety: free functions are stateless; a MerkleFrontier belongs to
// one thread. Nothing here touches the disk.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mcp_warden/audit/digest.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

Digest merkle_leaf_hash(std::string_view leaf_data);
Digest merkle_leaf_hash(const Digest& leaf_data);
Digest merkle_node_hash(const Digest& left, const Digest& right);
// The head of the empty tree: SHA-256 of no bytes.
Digest merkle_empty_root();

// The running compact range of a tree grown leaf by leaf.
class MerkleFrontier {
 public:
  // Rebuilds a frontier from what peaks() returned at `size`: exactly one
  // digest per set bit of `size`, else kInvalidArgument. The peaks are
  // trusted; callers that read them from disk compare root() with a signed
  // head before building on them.
  static Result<MerkleFrontier> from_peaks(uint64_t size, std::vector<Digest> peaks);

  void append_leaf_hash(const Digest& leaf_hash);
  uint64_t size() const { return size_; }
  // The tree head MTH(D[0:size]); merkle_empty_root() for size 0.
  Digest root() const;
  // The perfect-subtree roots, largest (leftmost) first; popcount(size()) of them.
  std::span<const Digest> peaks() const { return peaks_; }

  bool operator==(const MerkleFrontier&) const = default;

 private:
  // One perfect-subtree root per set bit of size_, largest (leftmost) first.
  std::vector<Digest> peaks_;
  uint64_t size_ = 0;
};

// MTH over the given leaf hashes.
Digest merkle_root(std::span<const Digest> leaf_hashes);

// PATH(index, D[0:n]) of RFC 6962 section 2.1.1, for n = leaf_hashes.size().
// kInvalidArgument if index >= n.
Result<std::vector<Digest>> merkle_inclusion_proof(std::span<const Digest> leaf_hashes,
                                                   uint64_t index);

// PROOF(m, D[0:n]) of RFC 6962 section 2.1.2, for n = leaf_hashes.size().
// kInvalidArgument unless 0 < m <= n (m == n gives an empty proof).
Result<std::vector<Digest>> merkle_consistency_proof(std::span<const Digest> leaf_hashes,
                                                     uint64_t old_size);

// Recomputes the head from a leaf hash and its audit path (RFC 9162 2.1.3.2)
// and compares it with `root`. OK when it matches.
Status merkle_verify_inclusion(const Digest& leaf_hash, uint64_t index, uint64_t tree_size,
                               std::span<const Digest> path, const Digest& root);

// Checks that the tree of `old_size` with head `old_root` is a prefix of the
// tree of `new_size` with head `new_root` (RFC 9162 2.1.4.2).
Status merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const Digest& old_root,
                                 const Digest& new_root, std::span<const Digest> proof);

}  // namespace mcp_warden::audit
