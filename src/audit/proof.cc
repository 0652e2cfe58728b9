#include "mcp_warden/audit/proof.h"

#include "mcp_warden/audit/merkle.h"
#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::audit {
namespace {

using nlohmann::json;

constexpr const char* kProofFormat = "mcp-warden.audit.inclusion-proof.v1";

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json entry_fields(const Entry& e) {
  return {{"seq", e.seq},         {"time_us", e.time_us},       {"session_id", e.session_id},
          {"kind", e.kind},       {"server", e.server},         {"tool", e.tool},
          {"request_id", e.request_id}, {"decision", e.decision}, {"payload", e.payload},
          {"prev_hash", to_hex(e.prev_hash)}, {"entry_hash", to_hex(e.entry_hash)}};
}

json checkpoint_fields(const Checkpoint& c) {
  return {{"tree_size", c.tree_size},
          {"root", to_hex(c.root)},
          {"time_us", c.time_us},
          {"public_key", bytes_to_hex(c.public_key)},
          {"signature", bytes_to_hex(c.signature)}};
}

// Reads a hex digest field; nlohmann throws on a wrong type (caught by the caller).
Digest digest_field(const json& object, const char* name) {
  auto digest = digest_from_hex(object.at(name).get<std::string>());
  if (!digest) throw std::invalid_argument(std::string(name) + " is not a 64-digit hex digest");
  return *digest;
}

std::string hex_field(const json& object, const char* name) {
  auto bytes = bytes_from_hex(object.at(name).get<std::string>());
  if (!bytes) throw std::invalid_argument(std::string(name) + " is not hex");
  return *bytes;
}

Entry parse_entry(const json& j) {
  Entry e;
  e.seq = j.at("seq").get<int64_t>();
  e.time_us = j.at("time_us").get<int64_t>();
  e.session_id = j.at("session_id").get<std::string>();
  e.kind = j.at("kind").get<std::string>();
  e.server = j.at("server").get<std::string>();
  e.tool = j.at("tool").get<std::string>();
  e.request_id = j.at("request_id").get<std::string>();
  e.decision = j.at("decision").get<std::string>();
  e.payload = j.at("payload").get<std::string>();
  e.prev_hash = digest_field(j, "prev_hash");
  e.entry_hash = digest_field(j, "entry_hash");
  return e;
}

Checkpoint parse_checkpoint_fields(const json& j) {
  return Checkpoint{j.at("tree_size").get<int64_t>(), digest_field(j, "root"),
                    j.at("time_us").get<int64_t>(), hex_field(j, "public_key"),
                    hex_field(j, "signature"), {}};
}

InclusionProof parse_document(const json& doc) {
  if (doc.at("format").get<std::string>() != kProofFormat) {
    throw std::invalid_argument("not an mcp-warden inclusion proof");
  }
  InclusionProof proof;
  proof.entry = parse_entry(doc.at("entry"));
  proof.checkpoint = parse_checkpoint_fields(doc.at("checkpoint"));
  for (const json& node : doc.at("path")) {
    auto digest = digest_from_hex(node.get<std::string>());
    if (!digest) throw std::invalid_argument("path element is not a 64-digit hex digest");
    proof.path.push_back(*digest);
  }
  return proof;
}

// Leaf hashes of entries 1..size, checked against `root`.
Result<std::vector<Digest>> checked_leaves(AuditStore& store, const Checkpoint& checkpoint) {
  std::vector<Digest> leaves;
  leaves.reserve(static_cast<std::size_t>(checkpoint.tree_size));
  Status read = store.scan_hashes(1, checkpoint.tree_size,
                                  [&](const Digest& h) { leaves.push_back(merkle_leaf_hash(h)); });
  if (!read.is_ok()) return read;
  if (merkle_root(leaves) != checkpoint.root) {
    return Status::corruption("the stored entries do not reproduce the checkpoint's root");
  }
  return leaves;
}

}  // namespace

Result<InclusionProof> make_inclusion_proof(AuditStore& store, int64_t seq,
                                            const Checkpoint& checkpoint) {
  if (seq < 1 || seq > checkpoint.tree_size) {
    return Status::invalid_argument("seq " + std::to_string(seq) + " is not covered by a checkpoint of size " +
                                    std::to_string(checkpoint.tree_size));
  }
  Result<std::vector<Digest>> leaves = checked_leaves(store, checkpoint);
  if (!leaves) return leaves.status();
  Result<std::vector<Digest>> path = merkle_inclusion_proof(*leaves, static_cast<uint64_t>(seq - 1));
  if (!path) return path.status();
  Result<Entry> entry = store.read_entry(seq);
  if (!entry) return entry.status();
  return InclusionProof{std::move(*entry), std::move(*path), checkpoint};
}

std::string format_inclusion_proof(const InclusionProof& proof) {
  json path = json::array();
  for (const Digest& node : proof.path) path.push_back(to_hex(node));
  json doc = {{"format", kProofFormat},
              {"leaf_index", proof.entry.seq - 1},
              {"tree_size", proof.checkpoint.tree_size},
              {"entry", entry_fields(proof.entry)},
              {"path", path},
              {"checkpoint", checkpoint_fields(proof.checkpoint)}};
  return dump(doc);
}

Result<InclusionProof> parse_inclusion_proof(std::string_view json_text) {
  Result<json> doc = rpc::parse_json_strict(json_text);
  if (!doc) return doc.status();
  try {
    return parse_document(*doc);
  } catch (const std::exception& e) {
    return Status::invalid_argument(std::string("malformed inclusion proof: ") + e.what());
  }
}

Status verify_inclusion_proof(const InclusionProof& proof, const std::string& trusted_public_key) {
  const Entry& entry = proof.entry;
  if (compute_entry_hash(entry) != entry.entry_hash) {
    return Status::corruption("the entry's fields do not match its entry_hash");
  }
  if (!trusted_public_key.empty() && proof.checkpoint.public_key != trusted_public_key) {
    return Status::corruption("the checkpoint is signed by an unknown key");
  }
  Status signature = verify_checkpoint_signature(proof.checkpoint);
  if (!signature.is_ok()) return signature;
  if (entry.seq < 1) return Status::corruption("seq must be at least 1");
  return merkle_verify_inclusion(merkle_leaf_hash(entry.entry_hash), static_cast<uint64_t>(entry.seq - 1),
                                 static_cast<uint64_t>(std::max<int64_t>(0, proof.checkpoint.tree_size)),
                                 proof.path, proof.checkpoint.root);
}

}  // namespace mcp_warden::audit
