// The verifier against real tampering of a real database file (edited field,
// deleted row, swapped rows, cut tail, rewritten chain), every-byte
// truncation, inclusion proofs, exports and the `audit` command functions.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "mcp_warden/audit/audit_log.h"
#include "mcp_warden/audit/commands.h"
#include "mcp_warden/audit/export.h"
#include "mcp_warden/audit/proof.h"
#include "mcp_warden/audit/verifier.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class AuditVerifyTest : public ::testing::Test {
 protected:
  AuditVerifyTest() {
    std::string pattern = (fs::temp_directory_path() / "audit_verify_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  ~AuditVerifyTest() override { fs::remove_all(dir_); }

  fs::path db() const { return dir_ / "warden.db"; }
  fs::path keys() const { return dir_ / "keys"; }

  // Writes `n` entries (checkpoints every `every`, 0 = only at close).
  void write_log(int n, int64_t every = 0) {
    AuditLogOptions o;
    o.db_path = db();
    o.key_dir = keys();
    o.clock = &clock_;
    o.checkpoint_every = every;
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    for (int i = 1; i <= n; ++i) {
      clock_.advance_micros(1000);
      NewEntry e;
      e.kind = i % 2 ? EntryKind::kToolCall : EntryKind::kToolResult;
      e.session_id = i <= n / 2 ? "first" : "second";
      e.server = "files";
      e.tool = i % 3 ? "read_file" : "write_file";
      e.request_id = std::to_string(i);
      e.decision = e.kind == EntryKind::kToolCall ? (i % 3 ? "allow" : "deny") : "";
      e.payload = R"({"i":)" + std::to_string(i) + "}";
      ASSERT_TRUE((*log)->append_sync(e).is_ok());
    }
    ASSERT_TRUE((*log)->close().is_ok());
  }

  void sql(const std::string& statement) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, statement.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(raw);
  }

  VerifyReport verify(const fs::path& path) const {
    VerifyOptions v;
    v.db_path = path;
    v.key_dir = keys();
    auto report = verify_log(v);
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    return report ? *report : VerifyReport{};
  }
  VerifyReport verify() const { return verify(db()); }

  // Runs a command function, capturing its output.
  template <typename Fn>
  int run(Fn fn) {
    out_.str("");
    err_.str("");
    CommandContext ctx{db(), keys(), &out_, &err_, &clock_};
    return fn(ctx);
  }

  fs::path dir_;
  FakeClock clock_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(AuditVerifyTest, CleanLogVerifies) {
  write_log(20, 7);
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_EQ(report.valid_entries, 20);
  EXPECT_EQ(report.first_bad_seq, 0);
  EXPECT_EQ(report.checkpoints_checked, 5) << "7, 14, 20 recorded + the file + the witness";
  EXPECT_TRUE(report.notes.empty());
}

TEST_F(AuditVerifyTest, EditedFieldIsDetectedAtItsSeq) {
  write_log(10);
  sql("UPDATE audit_entries SET tool = 'harmless' WHERE seq = 4");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 4);
  EXPECT_NE(report.problem.find("edited"), std::string::npos) << report.problem;
  EXPECT_EQ(report.valid_entries, 3);
}

TEST_F(AuditVerifyTest, EditedPayloadByteIsDetected) {
  write_log(10);
  sql("UPDATE audit_entries SET payload = '{\"i\":70}' WHERE seq = 7");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 7);
}

TEST_F(AuditVerifyTest, DeletedRowIsDetectedAtItsSeq) {
  write_log(10);
  sql("DELETE FROM audit_entries WHERE seq = 6");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 6);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_F(AuditVerifyTest, SwappedRowsAreDetectedAtTheFirstOfThem) {
  write_log(10);
  sql("UPDATE audit_entries SET seq = -1 WHERE seq = 4;"
      "UPDATE audit_entries SET seq = 4 WHERE seq = 5;"
      "UPDATE audit_entries SET seq = 5 WHERE seq = -1;");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 4);
}

TEST_F(AuditVerifyTest, CutTailAfterACheckpointIsDetected) {
  write_log(20);
  sql("DELETE FROM audit_entries WHERE seq > 15");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 16);
  EXPECT_NE(report.problem.find("removed from the end"), std::string::npos) << report.problem;
}

TEST_F(AuditVerifyTest, CutTailWithCheckpointRowsDeletedIsCaughtByTheFile) {
  write_log(20);
  sql("DELETE FROM audit_entries WHERE seq > 15; DELETE FROM audit_checkpoints;");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 16);
  EXPECT_NE(report.problem.find("checkpoint file"), std::string::npos) << report.problem;
}

TEST_F(AuditVerifyTest, RewrittenChainIsCaughtByTheSignedRoot) {
  write_log(20, 5);
  {
    auto store = AuditStore::open(db());
    ASSERT_TRUE(store.is_ok());
    std::vector<Entry> entries;
    ASSERT_TRUE((*store)->scan(1, [&](const Entry& e) { entries.push_back(e); return true; }).is_ok());
    entries[7].tool = "forged";  // seq 8, then every later hash recomputed
    for (std::size_t i = 7; i < entries.size(); ++i) {
      entries[i].prev_hash = entries[i - 1].entry_hash;
      entries[i].entry_hash = compute_entry_hash(entries[i]);
    }
    store->reset();
    for (std::size_t i = 7; i < entries.size(); ++i) {
      sql("UPDATE audit_entries SET tool = '" + entries[i].tool + "', prev_hash = x'" +
          to_hex(entries[i].prev_hash) + "', entry_hash = x'" + to_hex(entries[i].entry_hash) +
          "' WHERE seq = " + std::to_string(entries[i].seq));
    }
  }
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.first_bad_seq, 6) << "bounded by the good checkpoint at 5: " << report.problem;
}

TEST_F(AuditVerifyTest, ForgedCheckpointFileIsRejected) {
  write_log(5);
  std::string text = read_bytes(checkpoint_file_path(db()));
  text.replace(text.find("tree_size 5"), 11, "tree_size 4");
  write_bytes(checkpoint_file_path(db()), text);
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_NE(report.problem.find("signature"), std::string::npos) << report.problem;
}

// An attacker who can write the database and the directory it lives in, but
// not the key directory: deleting every checkpoint (rows and file) must not
// turn a rewritten log into one that verifies.
TEST_F(AuditVerifyTest, LogWithEveryCheckpointDeletedFailsWhileASigningKeyExists) {
  write_log(10, 4);
  sql("DELETE FROM audit_checkpoints;");
  fs::remove(checkpoint_file_path(db()));
  // Even without the witness in the key directory (a log checkpointed before
  // witnesses were written), the log fails: the key exists, no checkpoint is left.
  fs::remove_all(keys() / "witness");
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact) << "a log whose checkpoints were deleted verified";
  EXPECT_FALSE(report.problem.empty());
}

TEST_F(AuditVerifyTest, EmptiedLogIsCaughtByTheWitnessInTheKeyDirectory) {
  write_log(10);
  sql("DELETE FROM audit_entries; DELETE FROM audit_checkpoints;");
  fs::remove(checkpoint_file_path(db()));
  VerifyReport report = verify();
  EXPECT_FALSE(report.intact) << "an emptied log that was checkpointed verified";
  EXPECT_NE(report.problem.find("key directory"), std::string::npos) << report.problem;
}

TEST_F(AuditVerifyTest, MovedLogWithCheckpointsDeletedStillFails) {
  write_log(10);
  sql("DELETE FROM audit_checkpoints;");
  fs::remove(checkpoint_file_path(db()));
  fs::rename(db(), dir_ / "elsewhere.db");
  VerifyReport report = verify(dir_ / "elsewhere.db");
  EXPECT_FALSE(report.intact);
  EXPECT_NE(report.problem.find("no signed checkpoint"), std::string::npos) << report.problem;
}

TEST_F(AuditVerifyTest, LogWithoutAnyKeyStillVerifiesWithANote) {
  write_log(6);
  sql("DELETE FROM audit_checkpoints;");
  fs::remove(checkpoint_file_path(db()));
  fs::remove_all(keys());
  VerifyReport report = verify();
  EXPECT_TRUE(report.intact) << report.problem;
  EXPECT_FALSE(report.notes.empty());
}

// Mode bits of `path`, or -1 when it does not exist.
int mode_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

TEST_F(AuditVerifyTest, DatabaseWalShmAndKeyAreCreated0600WhateverTheUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    mode_t old = ::umask(mask);
    fs::path dir = dir_ / ("umask" + std::to_string(mask));
    AuditLogOptions o;
    o.db_path = dir / "sub" / "w.db";
    o.key_dir = dir / "keys";
    o.clock = &clock_;
    auto log = AuditLog::open(o);
    ::umask(old);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    NewEntry e;
    e.kind = EntryKind::kToolCall;
    ASSERT_TRUE((*log)->append_sync(e).is_ok());
    ASSERT_TRUE((*log)->checkpoint().is_ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::path file = o.db_path.string() + suffix;
      EXPECT_EQ(mode_of(file), 0600) << file << " under umask " << mask;
    }
    EXPECT_EQ(mode_of(signing_key_path(o.key_dir)), 0600) << "umask " << mask;
    EXPECT_EQ(mode_of(o.db_path.parent_path()), 0700) << "umask " << mask;
    ASSERT_TRUE((*log)->close().is_ok());
  }
}

// A scratch directory on tmpfs when there is one: this test opens the
// database once per byte offset.
fs::path fast_scratch_dir(const fs::path& fallback) {
  std::error_code ec;
  if (!fs::is_directory("/dev/shm", ec)) return fallback;
  std::string pattern = "/dev/shm/audit_cut_XXXXXX";
  const char* made = ::mkdtemp(pattern.data());
  return made ? fs::path(made) : fallback;
}

TEST_F(AuditVerifyTest, TruncationAtEveryByteNeverCrashesOrPassesShort) {
  write_log(6);
  const std::string bytes = read_bytes(db());
  ASSERT_GT(bytes.size(), 4096u);
  const fs::path scratch = fast_scratch_dir(dir_ / "cut");
  fs::create_directories(scratch);
  const fs::path copy = scratch / "cut.db";
  fs::copy_file(checkpoint_file_path(db()), checkpoint_file_path(copy));
  write_bytes(copy, bytes);
  int rejected = 0;
  // The verifier opens read-only and never writes the file, so cutting the
  // same copy shorter and shorter gives every prefix.
  for (std::size_t cut = bytes.size(); cut-- > 0;) {
    fs::resize_file(copy, cut);
    fs::remove(copy.string() + "-shm");
    VerifyOptions v;
    v.db_path = copy;
    v.key_dir = keys();
    auto report = verify_log(v);
    if (!report.is_ok() || !report->intact) {
      ++rejected;
      continue;
    }
    EXPECT_EQ(report->valid_entries, 6) << "a passing log must match the checkpoint, cut " << cut;
  }
  EXPECT_GT(rejected, 0);
  write_bytes(copy, bytes);
  EXPECT_TRUE(verify(copy).intact) << "the untruncated copy verifies";
  fs::remove_all(scratch);
}

TEST_F(AuditVerifyTest, InclusionProofRoundTripsAndDetectsTampering) {
  write_log(13);
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok());
  auto cps = (*store)->checkpoints();
  ASSERT_TRUE(cps.is_ok() && !cps->empty());
  for (int64_t seq = 1; seq <= 13; ++seq) {
    auto proof = make_inclusion_proof(**store, seq, cps->back());
    ASSERT_TRUE(proof.is_ok()) << proof.status().to_string();
    auto parsed = parse_inclusion_proof(format_inclusion_proof(*proof));
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    EXPECT_TRUE(verify_inclusion_proof(*parsed).is_ok()) << "seq " << seq;
  }
  auto proof = make_inclusion_proof(**store, 9, cps->back());
  ASSERT_TRUE(proof.is_ok());
  InclusionProof edited = *proof;
  edited.entry.decision = "allow";
  EXPECT_FALSE(verify_inclusion_proof(edited).is_ok());
  InclusionProof rehashed = edited;
  rehashed.entry.entry_hash = compute_entry_hash(rehashed.entry);
  EXPECT_FALSE(verify_inclusion_proof(rehashed).is_ok()) << "the path no longer leads to the signed root";
  EXPECT_FALSE(verify_inclusion_proof(*proof, std::string(32, 'k')).is_ok()) << "unknown signer";
  EXPECT_FALSE(make_inclusion_proof(**store, 14, cps->back()).is_ok());
}

TEST_F(AuditVerifyTest, ExportsUseTheDocumentedFieldNames) {
  write_log(3);
  auto store = AuditStore::open(db());
  ASSERT_TRUE(store.is_ok());
  auto entry = (*store)->read_entry(1);
  ASSERT_TRUE(entry.is_ok());
  json line = json::parse(format_export_line(*entry, ExportFormat::kJsonl));
  for (const char* field : {"seq", "time", "time_us", "session_id", "kind", "server", "tool",
                            "request_id", "decision", "payload", "prev_hash", "entry_hash"}) {
    EXPECT_TRUE(line.contains(field)) << field;
  }
  EXPECT_EQ(line["payload"]["i"], 1);
  json event = json::parse(format_export_line(*entry, ExportFormat::kCloudEvents));
  EXPECT_EQ(event["specversion"], "1.0");
  EXPECT_EQ(event["type"], "dev.mcp-warden.audit.tool_call");
  EXPECT_EQ(event["id"], to_hex(entry->entry_hash));
  EXPECT_EQ(event["data"], line);
  EXPECT_FALSE(parse_export_format("csv").is_ok());
}

TEST_F(AuditVerifyTest, TimesParseInEveryDocumentedForm) {
  FakeClock clock(10'000'000'000'000);
  EXPECT_EQ(*parse_time("2023-11-14T22:13:20Z", clock), 1'700'000'000'000'000);
  EXPECT_EQ(*parse_time("2023-11-14T23:13:20.5+01:00", clock), 1'700'000'000'500'000);
  EXPECT_EQ(*parse_time("1970-01-02", clock), 86'400'000'000);
  EXPECT_EQ(*parse_time("@1700000000", clock), 1'700'000'000'000'000);
  EXPECT_EQ(*parse_time("2h", clock), 10'000'000'000'000 - 7'200'000'000);
  EXPECT_EQ(format_time_rfc3339(1'700'000'000'000'001), "2023-11-14T22:13:20.000001Z");
  for (const char* bad : {"", "yesterday", "2023-13", "5x", "2023-11-14T22:13"}) {
    EXPECT_FALSE(parse_time(bad, clock).is_ok()) << bad;
  }
}

TEST_F(AuditVerifyTest, VerifyCommandExitCodes) {
  write_log(8);
  EXPECT_EQ(run([](auto& c) { return run_verify(c, std::nullopt); }), 0) << err_.str();
  EXPECT_EQ(out_.str().rfind("ok: 8 entries", 0), 0u) << out_.str();
  sql("UPDATE audit_entries SET decision = 'allow' WHERE seq = 3");
  EXPECT_EQ(run([](auto& c) { return run_verify(c, std::nullopt); }), 1);
  EXPECT_EQ(out_.str().rfind("FAILED at seq 3:", 0), 0u) << out_.str();
  CommandContext missing{dir_ / "nope.db", keys(), &out_, &err_, &clock_};
  EXPECT_EQ(run_verify(missing, std::nullopt), 2);
}

TEST_F(AuditVerifyTest, ProofCommandOutputVerifiesOffline) {
  write_log(9);
  ASSERT_EQ(run([](auto& c) { return run_proof(c, 4); }), 0) << err_.str();
  fs::path file = dir_ / "proof.json";
  write_bytes(file, out_.str());
  EXPECT_EQ(run([&](auto& c) { return run_verify(c, file); }), 0) << out_.str() << err_.str();
  std::string text = read_bytes(file);
  std::size_t at = text.find("\"tool\":\"read_file\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 18, "\"tool\":\"rm_rf_all\"");
  write_bytes(file, text);
  EXPECT_EQ(run([&](auto& c) { return run_verify(c, file); }), 1) << out_.str();
  EXPECT_EQ(run([](auto& c) { return run_proof(c, 99); }), 1);
}

TEST_F(AuditVerifyTest, ShowQueryExportStatsAndCheckpointCommands) {
  write_log(12);
  ASSERT_EQ(run([](auto& c) { return run_show(c, 5); }), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str())["payload_text"], R"({"i":5})");
  EXPECT_EQ(run([](auto& c) { return run_show(c, 50); }), 1);

  QueryArgs denied;
  denied.decision = "deny";
  ASSERT_EQ(run([&](auto& c) { return run_query(c, denied); }), 0);
  std::string lines = out_.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2) << lines;  // seqs 3 and 9
  QueryArgs bad_time;
  bad_time.since = "whenever";
  EXPECT_EQ(run([&](auto& c) { return run_query(c, bad_time); }), 2);

  ASSERT_EQ(run([](auto& c) { return run_export(c, "cloudevents", std::string("@0")); }), 0);
  std::istringstream events(out_.str());
  int count = 0;
  for (std::string line; std::getline(events, line); ++count) EXPECT_EQ(json::parse(line)["specversion"], "1.0");
  EXPECT_EQ(count, 12);

  ASSERT_EQ(run([](auto& c) { return run_tail(c, 3, false, nullptr); }), 0);
  EXPECT_EQ(out_.str().rfind("10 ", 0), 0u) << out_.str();

  ASSERT_EQ(run([](auto& c) { return run_stats(c); }), 0);
  EXPECT_NE(out_.str().find("entries: 12"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("deny=2"), std::string::npos) << out_.str();

  ASSERT_EQ(run([](auto& c) { return run_checkpoint(c); }), 0) << err_.str();
  EXPECT_NE(out_.str().find("tree_size 12"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace mcp_warden::audit
