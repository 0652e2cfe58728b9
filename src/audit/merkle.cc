#include "mcp_warden/audit/merkle.h"

#include <bit>

namespace mcp_warden::audit {
namespace {

using Leaves = std::span<const Digest>;

// The largest power of two strictly smaller than n (n >= 2).
uint64_t split_point(uint64_t n) { return std::bit_floor(n - 1); }

void append_path(Leaves leaves, uint64_t index, std::vector<Digest>& out) {
  if (leaves.size() <= 1) return;
  uint64_t k = split_point(leaves.size());
  if (index < k) {
    append_path(leaves.first(k), index, out);
    out.push_back(merkle_root(leaves.subspan(k)));
  } else {
    append_path(leaves.subspan(k), index - k, out);
    out.push_back(merkle_root(leaves.first(k)));
  }
}

// SUBPROOF(m, D[n], b) of RFC 6962 section 2.1.2.
void append_subproof(Leaves leaves, uint64_t m, bool complete, std::vector<Digest>& out) {
  uint64_t n = leaves.size();
  if (m == n) {
    if (!complete) out.push_back(merkle_root(leaves));
    return;
  }
  uint64_t k = split_point(n);
  if (m <= k) {
    append_subproof(leaves.first(k), m, complete, out);
    out.push_back(merkle_root(leaves.subspan(k)));
  } else {
    append_subproof(leaves.subspan(k), m - k, false, out);
    out.push_back(merkle_root(leaves.first(k)));
  }
}

// Shifts fn and sn right until fn's low bit is set or fn is 0.
void skip_right_edge(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

Status mismatch(const char* what) { return Status::corruption(what); }

// The proof walk shared by RFC 9162 2.1.3.2 (inclusion) and 2.1.4.2
// (consistency): folds `path` into `acc`; `left_acc`, when given, folds only
// the left siblings (the old tree's head in a consistency proof).
Status walk_path(uint64_t fn, uint64_t sn, std::span<const Digest> path, Digest& acc,
                 Digest* left_acc) {
  for (const Digest& c : path) {
    if (sn == 0) return mismatch("proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      acc = merkle_node_hash(c, acc);
      if (left_acc != nullptr) *left_acc = merkle_node_hash(c, *left_acc);
      skip_right_edge(fn, sn);
    } else {
      acc = merkle_node_hash(acc, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return mismatch("proof is too short");
  return Status::ok();
}

}  // namespace

Digest merkle_leaf_hash(std::string_view leaf_data) {
  thread_local Sha256 hasher;
  return hasher.update_byte(0x00).update(leaf_data).finish();
}

Digest merkle_leaf_hash(const Digest& leaf_data) {
  thread_local Sha256 hasher;
  return hasher.update_byte(0x00).update(leaf_data).finish();
}

Digest merkle_node_hash(const Digest& left, const Digest& right) {
  thread_local Sha256 hasher;
  return hasher.update_byte(0x01).update(left).update(right).finish();
}

Digest merkle_empty_root() { return sha256(""); }

Result<MerkleFrontier> MerkleFrontier::from_peaks(uint64_t size, std::vector<Digest> peaks) {
  if (peaks.size() != static_cast<std::size_t>(std::popcount(size))) {
    return Status::invalid_argument("a Merkle frontier of size " + std::to_string(size) + " has " +
                                    std::to_string(std::popcount(size)) + " peaks, not " +
                                    std::to_string(peaks.size()));
  }
  MerkleFrontier frontier;
  frontier.peaks_ = std::move(peaks);
  frontier.size_ = size;
  return frontier;
}

void MerkleFrontier::append_leaf_hash(const Digest& leaf_hash) {
  Digest carry = leaf_hash;
  for (uint64_t s = size_; (s & 1) == 1; s >>= 1) {
    carry = merkle_node_hash(peaks_.back(), carry);
    peaks_.pop_back();
  }
  peaks_.push_back(carry);
  ++size_;
}

Digest MerkleFrontier::root() const {
  if (peaks_.empty()) return merkle_empty_root();
  Digest acc = peaks_.back();
  for (auto it = peaks_.rbegin() + 1; it != peaks_.rend(); ++it) acc = merkle_node_hash(*it, acc);
  return acc;
}

Digest merkle_root(std::span<const Digest> leaf_hashes) {
  MerkleFrontier frontier;
  for (const Digest& leaf : leaf_hashes) frontier.append_leaf_hash(leaf);
  return frontier.root();
}

Result<std::vector<Digest>> merkle_inclusion_proof(std::span<const Digest> leaf_hashes,
                                                   uint64_t index) {
  if (index >= leaf_hashes.size()) {
    return Status::invalid_argument("leaf index " + std::to_string(index) +
                                    " is outside a tree of size " +
                                    std::to_string(leaf_hashes.size()));
  }
  std::vector<Digest> path;
  append_path(leaf_hashes, index, path);
  return path;
}

Result<std::vector<Digest>> merkle_consistency_proof(std::span<const Digest> leaf_hashes,
                                                     uint64_t old_size) {
  if (old_size == 0 || old_size > leaf_hashes.size()) {
    return Status::invalid_argument("no consistency proof from size " + std::to_string(old_size) +
                                    " to " + std::to_string(leaf_hashes.size()));
  }
  std::vector<Digest> proof;
  append_subproof(leaf_hashes, old_size, true, proof);
  return proof;
}

Status merkle_verify_inclusion(const Digest& leaf_hash, uint64_t index, uint64_t tree_size,
                               std::span<const Digest> path, const Digest& root) {
  if (index >= tree_size) return Status::invalid_argument("leaf index is outside the tree");
  Digest r = leaf_hash;
  Status walked = walk_path(index, tree_size - 1, path, r, nullptr);
  if (!walked.is_ok()) return walked;
  if (r != root) return mismatch("inclusion proof does not lead to the tree head");
  return Status::ok();
}

Status merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const Digest& old_root,
                                 const Digest& new_root, std::span<const Digest> proof) {
  if (old_size > new_size) return Status::invalid_argument("old tree is larger than the new one");
  if (old_size == new_size) {
    if (!proof.empty()) return mismatch("equal sizes need an empty consistency proof");
    return old_root == new_root ? Status::ok() : mismatch("equal-size trees have different heads");
  }
  if (old_size == 0) {
    return proof.empty() ? Status::ok() : mismatch("an empty tree needs an empty proof");
  }
  if (proof.empty()) return mismatch("consistency proof is empty");
  std::vector<Digest> nodes;
  if (std::has_single_bit(old_size)) nodes.push_back(old_root);
  nodes.insert(nodes.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = nodes[0];
  Digest sr = nodes[0];
  Status folded = walk_path(fn, sn, std::span(nodes).subspan(1), sr, &fr);
  if (!folded.is_ok()) return folded;
  if (fr != old_root) return mismatch("consistency proof does not lead to the old head");
  if (sr != new_root) return mismatch("consistency proof does not lead to the new head");
  return Status::ok();
}

}  // namespace mcp_warden::audit
