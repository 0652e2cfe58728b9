#include "mcp_warden/audit/verifier.h"

#include <algorithm>

#include "mcp_warden/audit/entry.h"
#include "mcp_warden/audit/merkle.h"
#include "mcp_warden/audit/store.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDatabaseOrigin = "database checkpoint";

// A signed head the chain must reproduce, and where it came from.
struct Expectation {
  Checkpoint checkpoint;
  std::string origin;  // "database checkpoint" or "checkpoint file"
};

std::string describe(const Expectation& e) {
  return e.origin + " (tree size " + std::to_string(e.checkpoint.tree_size) + ")";
}

// Walks the chain once, checking entries and expectations in seq order.
class ChainVerifier {
 public:
  ChainVerifier(std::vector<Expectation> expectations, std::string trusted_key, VerifyReport& report)
      : expectations_(std::move(expectations)), trusted_key_(std::move(trusted_key)), report_(report) {
    std::stable_sort(expectations_.begin(), expectations_.end(), [](const auto& a, const auto& b) {
      return a.checkpoint.tree_size < b.checkpoint.tree_size;
    });
  }

  // Checks every expectation of size 0 (the empty tree) before any entry.
  bool start() { return check_due(); }

  // False (and the report filled) at the first problem.
  bool visit(const Entry& entry) {
    int64_t expected = static_cast<int64_t>(frontier_.size()) + 1;
    if (entry.seq != expected) {
      return fail(expected, "seq " + std::to_string(expected) + " is missing (the next stored row is seq " +
                                std::to_string(entry.seq) + ")");
    }
    if (entry.prev_hash != prev_) {
      return fail(entry.seq, "prev_hash does not equal the entry_hash of seq " +
                                 std::to_string(entry.seq - 1) + " (rows deleted, inserted or reordered)");
    }
    if (compute_entry_hash(entry) != entry.entry_hash) {
      return fail(entry.seq, "entry_hash does not match the stored fields (the entry was edited)");
    }
    prev_ = entry.entry_hash;
    frontier_.append_leaf_hash(merkle_leaf_hash(entry.entry_hash));
    return check_due();
  }

  // After the last entry: anything still expected means a cut tail.
  bool finish() {
    if (next_ >= expectations_.size()) return true;
    const Expectation& e = expectations_[next_];
    int64_t size = static_cast<int64_t>(frontier_.size());
    if (!check_signature(e)) return false;
    return fail(size + 1, "the " + describe(e) + " covers " + std::to_string(e.checkpoint.tree_size) +
                              " entries but the database ends at seq " + std::to_string(size) +
                              ": entries were removed from the end");
  }

  bool fail(int64_t seq, std::string problem) {
    report_.first_bad_seq = seq;
    report_.problem = std::move(problem);
    return false;
  }

  int64_t size() const { return static_cast<int64_t>(frontier_.size()); }
  int64_t rows_without_frontier() const { return rows_without_frontier_; }
  Digest root() const { return frontier_.root(); }

 private:
  bool check_due() {
    while (next_ < expectations_.size() && expectations_[next_].checkpoint.tree_size == size()) {
      if (!check_expectation(expectations_[next_])) return false;
      last_good_size_ = size();
      ++next_;
      ++report_.checkpoints_checked;
    }
    return true;
  }

  bool check_signature(const Expectation& e) {
    if (!trusted_key_.empty() && e.checkpoint.public_key != trusted_key_) {
      return fail(0, "the " + describe(e) + " is signed by an unknown key");
    }
    Status sig = verify_checkpoint_signature(e.checkpoint);
    if (!sig.is_ok()) return fail(0, "the " + describe(e) + ": " + sig.message());
    return true;
  }

  bool check_expectation(const Expectation& e) {
    if (!check_signature(e)) return false;
    if (frontier_.root() != e.checkpoint.root) {
      return fail(last_good_size_ + 1,
                  "the Merkle root of entries 1.." + std::to_string(size()) + " does not match the " +
                      describe(e) + ": entries " + std::to_string(last_good_size_ + 1) + ".." +
                      std::to_string(size()) + " were rewritten");
    }
    return check_stored_frontier(e);
  }

  // A recorded frontier (what writers resume from) must be the recomputed
  // one. The file, and rows from writers that did not record one, have none.
  bool check_stored_frontier(const Expectation& e) {
    const std::vector<Digest>& stored = e.checkpoint.frontier;
    if (stored.empty()) {
      if (e.checkpoint.tree_size > 0 && e.origin == kDatabaseOrigin) ++rows_without_frontier_;
      return true;
    }
    if (std::equal(stored.begin(), stored.end(), frontier_.peaks().begin(), frontier_.peaks().end())) {
      return true;
    }
    return fail(0, "the Merkle frontier stored with the " + describe(e) +
                       " does not match the recomputed tree (the checkpoint row was altered)");
  }

  std::vector<Expectation> expectations_;
  std::string trusted_key_;
  VerifyReport& report_;
  std::size_t next_ = 0;
  int64_t last_good_size_ = 0;
  int64_t rows_without_frontier_ = 0;
  MerkleFrontier frontier_;
  Digest prev_ = kZeroDigest;
};

// Resolves the key checkpoints must carry; empty means "their own".
std::string trusted_key(const VerifyOptions& options, VerifyReport& report) {
  if (!options.trusted_public_key.empty()) return options.trusted_public_key;
  if (!options.key_dir.empty()) {
    Result<std::shared_ptr<const SigningKey>> key = SigningKey::load(options.key_dir);
    if (key) return (*key)->public_key();
  }
  report.notes.push_back(
      "no trusted key: checkpoints were checked against the key they carry (integrity, not authorship)");
  return std::string();
}

// Adds the checkpoint file, if any, to `out`. False when it is unusable.
bool load_file_expectation(const VerifyOptions& options, VerifyReport& report,
                           std::vector<Expectation>& out) {
  fs::path path = options.checkpoint_path.value_or(checkpoint_file_path(options.db_path));
  Result<Checkpoint> file = read_checkpoint_file(path);
  if (file) {
    report.file_checkpoint = *file;
    out.push_back({*file, "checkpoint file"});
    return true;
  }
  if (file.status().code() == ErrorCode::kNotFound && !options.require_checkpoint_file) {
    report.notes.push_back("no checkpoint file at " + path.string() +
                           ": a cut tail cannot be detected beyond the database's own checkpoints");
    return true;
  }
  report.problem = "checkpoint file: " + file.status().message();
  return false;
}

// Adds the key directory's witness for the database, if there is one.
bool load_witness_expectation(const VerifyOptions& options, VerifyReport& report,
                              std::vector<Expectation>& out) {
  if (options.key_dir.empty()) return true;
  fs::path path = witness_file_path(options.key_dir, options.db_path);
  Result<Checkpoint> witness = read_checkpoint_file(path);
  if (witness) {
    out.push_back({*witness, "checkpoint witness in the key directory (" + path.string() + ")"});
    return true;
  }
  if (witness.status().code() == ErrorCode::kNotFound) return true;
  report.problem = "checkpoint witness in the key directory: " + witness.status().message();
  return false;
}

// With a signing key, a log with entries must carry at least one checkpoint:
// a writer records one when it closes, so none at all means they were
// deleted (or the only writer so far was killed before closing).
void require_a_checkpoint(const std::string& key, const ChainVerifier& chain, VerifyReport& report) {
  if (!report.intact || key.empty() || chain.size() == 0 || report.checkpoints_checked > 0) return;
  report.intact = false;
  report.problem = "the log has " + std::to_string(chain.size()) +
                   " entries but no signed checkpoint, although a signing key exists: its checkpoints "
                   "were deleted (if a writer was killed before it could close the log, "
                   "`mcp-warden audit checkpoint` records one)";
}

bool load_db_expectations(AuditStore& store, VerifyReport& report, std::vector<Expectation>& out) {
  Result<std::vector<Checkpoint>> recorded = store.checkpoints();
  if (!recorded) {
    report.first_bad_seq = 1;
    report.problem = "cannot read the recorded checkpoints: " + recorded.status().message();
    return false;
  }
  for (Checkpoint& c : *recorded) out.push_back({std::move(c), kDatabaseOrigin});
  return true;
}

// Runs the chain walk; the report says what went wrong.
void walk_chain(AuditStore& store, ChainVerifier& chain, VerifyReport& report) {
  if (!chain.start()) return;
  bool stopped = false;
  int64_t bad_seq = 0;
  Status scanned = store.scan(1, [&](const Entry& e) { return !(stopped = !chain.visit(e)); }, &bad_seq);
  if (stopped) return;
  if (!scanned.is_ok()) {
    chain.fail(bad_seq != 0 ? bad_seq : chain.size() + 1, "the database is damaged: " + scanned.message());
    return;
  }
  if (chain.finish()) report.intact = true;
}

Result<std::unique_ptr<AuditStore>> open_read_only(const fs::path& path) {
  StoreOptions options;
  options.read_only = true;
  return AuditStore::open(path, options);
}

}  // namespace

Result<VerifyReport> verify_log(const VerifyOptions& options) {
  VerifyReport report;
  std::vector<Expectation> expectations;
  if (!load_file_expectation(options, report, expectations)) return report;
  if (!load_witness_expectation(options, report, expectations)) return report;
  Result<std::unique_ptr<AuditStore>> store = open_read_only(options.db_path);
  if (!store) {
    if (store.status().code() != ErrorCode::kCorruption) return store.status();
    report.first_bad_seq = 1;
    report.problem = "the database is damaged: " + store.status().message();
    return report;
  }
  if (!load_db_expectations(**store, report, expectations)) return report;
  std::string key = trusted_key(options, report);
  ChainVerifier chain(std::move(expectations), key, report);
  walk_chain(**store, chain, report);
  require_a_checkpoint(key, chain, report);
  if (chain.rows_without_frontier() > 0) {
    report.notes.push_back(std::to_string(chain.rows_without_frontier()) +
                           " database checkpoints predate stored Merkle frontiers: checked by root only");
  }
  report.valid_entries = report.intact ? chain.size() : std::max<int64_t>(0, report.first_bad_seq - 1);
  report.root = chain.root();
  return report;
}

}  // namespace mcp_warden::audit
