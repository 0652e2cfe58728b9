// RFC 6962 Merkle tree: tree heads, inclusion and consistency proofs checked
// against the published certificate-transparency test vectors
// (tests/fixtures/audit/rfc6962_vectors.json), plus properties on larger trees.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/merkle.h"

namespace mcp_warden::audit {
namespace {

using nlohmann::json;

json load_vectors() {
  std::ifstream in(std::string(MCP_WARDEN_FIXTURES_DIR) + "/audit/rfc6962_vectors.json");
  return json::parse(in);
}

Digest hex_digest(const json& value) {
  auto digest = digest_from_hex(value.get<std::string>());
  EXPECT_TRUE(digest.has_value());
  return digest.value_or(Digest{});
}

std::vector<Digest> hex_digests(const json& values) {
  std::vector<Digest> out;
  for (const json& v : values) out.push_back(hex_digest(v));
  return out;
}

std::vector<Digest> vector_leaf_hashes(const json& vectors) {
  std::vector<Digest> out;
  for (const json& input : vectors["leaf_inputs_hex"]) {
    out.push_back(merkle_leaf_hash(*bytes_from_hex(input.get<std::string>())));
  }
  return out;
}

std::vector<Digest> numbered_leaves(int n) {
  std::vector<Digest> out;
  for (int i = 0; i < n; ++i) out.push_back(merkle_leaf_hash("leaf " + std::to_string(i)));
  return out;
}

TEST(AuditMerkleTest, LeafHashesMatchRfc6962Vectors) {
  json vectors = load_vectors();
  EXPECT_EQ(vector_leaf_hashes(vectors), hex_digests(vectors["leaf_hashes_hex"]));
}

TEST(AuditMerkleTest, RootsOfEveryPrefixMatchRfc6962Vectors) {
  json vectors = load_vectors();
  std::vector<Digest> leaves = vector_leaf_hashes(vectors);
  std::vector<Digest> roots = hex_digests(vectors["roots_by_size_hex"]);
  MerkleFrontier frontier;
  EXPECT_EQ(frontier.root(), roots[0]);
  for (std::size_t size = 1; size <= leaves.size(); ++size) {
    frontier.append_leaf_hash(leaves[size - 1]);
    EXPECT_EQ(frontier.root(), roots[size]) << "size " << size;
    EXPECT_EQ(merkle_root(std::span(leaves).first(size)), roots[size]) << "size " << size;
  }
}

TEST(AuditMerkleTest, InclusionProofsMatchAndVerifyAgainstVectors) {
  json vectors = load_vectors();
  std::vector<Digest> leaves = vector_leaf_hashes(vectors);
  std::vector<Digest> roots = hex_digests(vectors["roots_by_size_hex"]);
  for (const json& tc : vectors["inclusion_proofs"]) {
    uint64_t index = tc["leaf"].get<uint64_t>() - 1;
    uint64_t size = tc["size"].get<uint64_t>();
    std::vector<Digest> expected = hex_digests(tc["path_hex"]);
    auto path = merkle_inclusion_proof(std::span(leaves).first(size), index);
    ASSERT_TRUE(path.is_ok());
    EXPECT_EQ(*path, expected) << "leaf " << index << " size " << size;
    EXPECT_TRUE(merkle_verify_inclusion(leaves[index], index, size, expected, roots[size]).is_ok());
  }
}

TEST(AuditMerkleTest, ConsistencyProofsMatchAndVerifyAgainstVectors) {
  json vectors = load_vectors();
  std::vector<Digest> leaves = vector_leaf_hashes(vectors);
  std::vector<Digest> roots = hex_digests(vectors["roots_by_size_hex"]);
  for (const json& tc : vectors["consistency_proofs"]) {
    uint64_t m = tc["size1"].get<uint64_t>();
    uint64_t n = tc["size2"].get<uint64_t>();
    std::vector<Digest> expected = hex_digests(tc["path_hex"]);
    auto proof = merkle_consistency_proof(std::span(leaves).first(n), m);
    ASSERT_TRUE(proof.is_ok());
    EXPECT_EQ(*proof, expected) << m << " -> " << n;
    EXPECT_TRUE(merkle_verify_consistency(m, n, roots[m], roots[n], expected).is_ok()) << m << " -> " << n;
  }
}

TEST(AuditMerkleTest, TamperedInclusionProofsAreRejected) {
  std::vector<Digest> leaves = numbered_leaves(13);
  Digest root = merkle_root(leaves);
  auto path = merkle_inclusion_proof(leaves, 5);
  ASSERT_TRUE(path.is_ok());
  ASSERT_TRUE(merkle_verify_inclusion(leaves[5], 5, 13, *path, root).is_ok());
  EXPECT_FALSE(merkle_verify_inclusion(leaves[5], 4, 13, *path, root).is_ok());
  EXPECT_FALSE(merkle_verify_inclusion(leaves[5], 5, 26, *path, root).is_ok());
  EXPECT_FALSE(merkle_verify_inclusion(leaves[6], 5, 13, *path, root).is_ok());
  EXPECT_FALSE(merkle_verify_inclusion(leaves[5], 13, 13, *path, root).is_ok());
  std::vector<Digest> shorter(path->begin(), path->end() - 1);
  EXPECT_FALSE(merkle_verify_inclusion(leaves[5], 5, 13, shorter, root).is_ok());
  std::vector<Digest> flipped = *path;
  flipped[1][0] ^= 8;
  EXPECT_FALSE(merkle_verify_inclusion(leaves[5], 5, 13, flipped, root).is_ok());
}

TEST(AuditMerkleTest, EveryInclusionAndConsistencyProofVerifiesUpTo40Leaves) {
  std::vector<Digest> leaves = numbered_leaves(40);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    auto tree = std::span(leaves).first(n);
    Digest root = merkle_root(tree);
    for (uint64_t i = 0; i < n; ++i) {
      auto path = merkle_inclusion_proof(tree, i);
      ASSERT_TRUE(path.is_ok());
      ASSERT_TRUE(merkle_verify_inclusion(leaves[i], i, n, *path, root).is_ok()) << i << "/" << n;
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = merkle_consistency_proof(tree, m);
      ASSERT_TRUE(proof.is_ok());
      Digest old_root = merkle_root(std::span(leaves).first(m));
      ASSERT_TRUE(merkle_verify_consistency(m, n, old_root, root, *proof).is_ok()) << m << "->" << n;
      if (m < n && !proof->empty()) {
        EXPECT_FALSE(merkle_verify_consistency(m, n, root, old_root, *proof).is_ok());
      }
    }
  }
}

TEST(AuditMerkleTest, ConsistencyOfADivergedTreeIsRejected) {
  std::vector<Digest> leaves = numbered_leaves(10);
  Digest old_root = merkle_root(std::span(leaves).first(6));
  std::vector<Digest> forked = leaves;
  forked[3] = merkle_leaf_hash("rewritten");
  auto proof = merkle_consistency_proof(forked, 6);
  ASSERT_TRUE(proof.is_ok());
  EXPECT_FALSE(merkle_verify_consistency(6, 10, old_root, merkle_root(forked), *proof).is_ok());
}

TEST(AuditMerkleTest, ImpossibleProofRequestsAreErrors) {
  std::vector<Digest> leaves = numbered_leaves(4);
  EXPECT_EQ(merkle_inclusion_proof(leaves, 4).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(merkle_consistency_proof(leaves, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(merkle_consistency_proof(leaves, 5).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(merkle_verify_consistency(5, 4, Digest{}, Digest{}, {}).is_ok());
}

TEST(AuditMerkleTest, FrontierRebuiltFromItsPeaksContinuesLikeTheOriginal) {
  std::vector<Digest> leaves = numbered_leaves(70);
  for (std::size_t cut = 0; cut <= 40; ++cut) {
    MerkleFrontier grown;
    for (std::size_t i = 0; i < cut; ++i) grown.append_leaf_hash(leaves[i]);
    auto rebuilt = MerkleFrontier::from_peaks(cut, {grown.peaks().begin(), grown.peaks().end()});
    ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
    for (std::size_t i = cut; i < leaves.size(); ++i) rebuilt->append_leaf_hash(leaves[i]);
    EXPECT_EQ(rebuilt->root(), merkle_root(leaves)) << "resumed at " << cut;
  }
}

TEST(AuditMerkleTest, FrontierWithTheWrongNumberOfPeaksIsRejected) {
  EXPECT_EQ(MerkleFrontier::from_peaks(5, {Digest{}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MerkleFrontier::from_peaks(0, {Digest{}}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MerkleFrontier::from_peaks(4, {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(MerkleFrontier::from_peaks(0, {}).is_ok());
}

}  // namespace
}  // namespace mcp_warden::audit
