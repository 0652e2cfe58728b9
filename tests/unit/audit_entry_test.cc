// Entry encoding, secret redaction, signed checkpoints and MCP_WARDEN_HOME:
// the pure pieces of the audit module.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/audit/checkpoint.h"
#include "mcp_warden/audit/entry.h"
#include "mcp_warden/audit/home.h"
#include "mcp_warden/audit/redact.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "audit_entry_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Entry sample_entry() {
  NewEntry fresh;
  fresh.kind = EntryKind::kToolCall;
  fresh.time_us = 1'700'000'000'123'456;
  fresh.session_id = "s-1";
  fresh.server = "files";
  fresh.tool = "write_file";
  fresh.request_id = "7";
  fresh.decision = "deny";
  fresh.payload = R"({"rule":"no-writes"})";
  return seal_entry(fresh, 3, sha256("previous"));
}

TEST(AuditEntryTest, KindNamesRoundTrip) {
  for (EntryKind kind : {EntryKind::kSessionStart, EntryKind::kSessionEnd, EntryKind::kToolCall,
                         EntryKind::kToolResult, EntryKind::kCatalog, EntryKind::kTrustEvent, EntryKind::kRequest,
                         EntryKind::kResponse, EntryKind::kHandshake}) {
    EXPECT_EQ(parse_entry_kind(entry_kind_name(kind)), kind);
  }
  EXPECT_FALSE(parse_entry_kind("tool_calls").has_value());
}

TEST(AuditEntryTest, SealedHashCoversPrevHashAndCanonicalBytes) {
  Entry entry = sample_entry();
  Sha256 independent;
  independent.update(entry.prev_hash).update(canonical_entry_bytes(entry));
  EXPECT_EQ(entry.entry_hash, independent.finish());
  EXPECT_EQ(entry.kind, "tool_call");
  EXPECT_EQ(entry.seq, 3);
}

TEST(AuditEntryTest, EveryStoredFieldChangesTheHash) {
  const Entry base = sample_entry();
  auto rehash = [&](auto mutate) {
    Entry e = base;
    mutate(e);
    return compute_entry_hash(e);
  };
  EXPECT_NE(rehash([](Entry& e) { e.seq += 1; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.time_us += 1; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.session_id += "x"; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.kind = "tool_result"; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.server += "x"; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.tool += "x"; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.request_id = "\"7\""; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.decision = "allow"; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.payload += " "; }), base.entry_hash);
  EXPECT_NE(rehash([](Entry& e) { e.prev_hash[0] ^= 1; }), base.entry_hash);
  EXPECT_EQ(rehash([](Entry&) {}), base.entry_hash);
}

TEST(AuditEntryTest, FieldBoundariesAreUnambiguous) {
  Entry a = sample_entry();
  Entry b = a;
  a.server = "ab";
  a.tool = "c";
  b.server = "a";
  b.tool = "bc";
  EXPECT_NE(canonical_entry_bytes(a), canonical_entry_bytes(b));
  EXPECT_NE(compute_entry_hash(a), compute_entry_hash(b));
}

TEST(AuditEntryTest, CanonicalBytesStartWithTheLengthPrefixedTag) {
  std::string bytes = canonical_entry_bytes(sample_entry());
  ASSERT_GT(bytes.size(), 8 + kEntryEncodingTag.size());
  EXPECT_EQ(bytes.substr(0, 7), std::string(7, '\0'));
  EXPECT_EQ(static_cast<std::size_t>(bytes[7]), kEntryEncodingTag.size());
  EXPECT_EQ(bytes.substr(8, kEntryEncodingTag.size()), kEntryEncodingTag);
}

TEST(AuditRedactTest, SecretLookingKeysAreRedactedAtAnyDepth) {
  json args = json::parse(R"({
    "path": "/tmp/x", "apiKey": "k1", "X-Api-Key": "k2", "nested": {"client_secret": "s",
    "list": [{"PASSWORD": "p"}, {"Authorization": {"scheme": "Bearer"}}]},
    "access_token": "t", "credentials": ["a"], "max_tokens": 5, "keyboard": "qwerty",
    "monkey": "banana"})");
  auto redacted = redact_secrets(args);
  ASSERT_TRUE(redacted.is_ok());
  const json& r = *redacted;
  for (const char* ptr : {"/apiKey", "/X-Api-Key", "/nested/client_secret", "/nested/list/0/PASSWORD",
                          "/nested/list/1/Authorization", "/access_token", "/credentials"}) {
    EXPECT_EQ(r.at(json::json_pointer(ptr)), kRedactedValue) << ptr;
  }
  EXPECT_EQ(r["path"], "/tmp/x");
  EXPECT_EQ(r["max_tokens"], 5);
  EXPECT_EQ(r["keyboard"], "qwerty");
  EXPECT_EQ(r["monkey"], "banana");
  EXPECT_EQ(args["apiKey"], "k1") << "the input must not change";
}

TEST(AuditRedactTest, KnownCleanContentStillRedactsSecretKeysButRunsNoDetectors) {
  // The caller vouches that no detector finds anything; key names are still judged.
  json args = json::parse(R"({"apiKey": "k1", "note": "password=hunter2"})");
  auto scanned = redact_secrets(args);
  auto vouched = redact_secrets(args, {}, ContentScan::kKnownClean);
  ASSERT_TRUE(scanned.is_ok());
  ASSERT_TRUE(vouched.is_ok());
  EXPECT_EQ((*scanned)["apiKey"], kRedactedValue);
  EXPECT_EQ((*vouched)["apiKey"], kRedactedValue);
  EXPECT_NE((*scanned)["note"], "password=hunter2") << "the detectors run by default";
  EXPECT_EQ((*vouched)["note"], "password=hunter2") << "kKnownClean runs no detector";
}

TEST(AuditRedactTest, ExplicitPointersAreRedactedWhateverTheKey) {
  json args = json::parse(R"({"query": "select", "opts": {"dsn": "pg://u:pw@h"}, "a": [1, 2]})");
  auto redacted = redact_secrets(args, {"/opts/dsn", "/a/1", "/does/not/exist"});
  ASSERT_TRUE(redacted.is_ok());
  EXPECT_EQ((*redacted)["opts"]["dsn"], kRedactedValue);
  EXPECT_EQ((*redacted)["a"][0], 1);
  EXPECT_EQ((*redacted)["a"][1], kRedactedValue);
  EXPECT_EQ((*redacted)["query"], "select");
}

TEST(AuditRedactTest, SecretsAreRedactedByContentWhateverTheKey) {
  std::string key_block = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + std::string(70, 'b') +
                          "\n-----END OPENSSH PRIVATE KEY-----\n";
  json args = {{"path", "/tmp/id"},
               {"content", "password=hunter2"},
               {"file", key_block},
               {"list", json::array({"card 4111 1111 1111 1111", "mail bob@example.com"})},
               {"AKIAIOSFODNN7EXAMPLE", true}};
  auto redacted = redact_secrets(args);
  ASSERT_TRUE(redacted.is_ok());
  const json& r = *redacted;
  EXPECT_EQ(r["content"], "password=[REDACTED:secret]");
  EXPECT_EQ(r["file"], "[REDACTED:secret]\n");
  EXPECT_EQ(r["list"][0], "card [REDACTED:payment_card]");
  EXPECT_EQ(r["list"][1], "mail bob@example.com");
  EXPECT_EQ(r["path"], "/tmp/id");
  EXPECT_TRUE(r.contains("[REDACTED:secret]"));
  std::string dumped = r.dump();
  for (const char* value : {"hunter2", "bbbbbbbbbb", "4111", "AKIAIOSFODNN7EXAMPLE"}) {
    EXPECT_EQ(dumped.find(value), std::string::npos) << value;
  }
}

TEST(AuditRedactTest, ContentRedactionReachesDeepNesting) {
  json args = "token: ghp_" + std::string(36, 'x');
  for (int i = 0; i < 2000; ++i) args = json::array({std::move(args)});
  auto redacted = redact_secrets(args);
  ASSERT_TRUE(redacted.is_ok());
  EXPECT_EQ(redacted->dump().find("ghp_"), std::string::npos);
}

TEST(AuditRedactTest, MalformedPointerIsAnError) {
  auto redacted = redact_secrets(json::object(), {"no-leading-slash"});
  EXPECT_EQ(redacted.status().code(), ErrorCode::kInvalidArgument);
}

TEST(AuditCheckpointTest, KeyIsCreatedOnceWithPrivateMode) {
  ScratchDir dir;
  fs::path keys = dir.path() / "home";
  auto first = SigningKey::load_or_create(keys);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  struct stat st {};
  ASSERT_EQ(::stat(signing_key_path(keys).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = SigningKey::load_or_create(keys);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ((*first)->public_key(), (*second)->public_key());
  EXPECT_EQ((*first)->public_key().size(), 32u);
}

TEST(AuditCheckpointTest, SignedCheckpointVerifiesAndTamperingIsDetected) {
  ScratchDir dir;
  auto key = SigningKey::load_or_create(dir.path());
  ASSERT_TRUE(key.is_ok());
  Checkpoint cp{42, sha256("root"), 1'700'000'000'000'000, {}, {}, {}};
  ASSERT_TRUE((*key)->sign(cp).is_ok());
  EXPECT_TRUE(verify_checkpoint_signature(cp).is_ok());
  Checkpoint bigger = cp;
  bigger.tree_size = 43;
  EXPECT_EQ(verify_checkpoint_signature(bigger).code(), ErrorCode::kCorruption);
  Checkpoint other_root = cp;
  other_root.root[31] ^= 1;
  EXPECT_FALSE(verify_checkpoint_signature(other_root).is_ok());
}

TEST(AuditCheckpointTest, FileRoundTripsAndRejectsDamage) {
  ScratchDir dir;
  auto key = SigningKey::load_or_create(dir.path());
  ASSERT_TRUE(key.is_ok());
  Checkpoint cp{7, sha256("r"), 99, {}, {}, {}};
  ASSERT_TRUE((*key)->sign(cp).is_ok());
  fs::path file = checkpoint_file_path(dir.path() / "warden.db");
  EXPECT_EQ(file.filename(), "warden.db.checkpoint");
  ASSERT_TRUE(write_checkpoint_file(file, cp).is_ok());
  auto back = read_checkpoint_file(file);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->tree_size, 7);
  EXPECT_EQ(back->root, cp.root);
  EXPECT_TRUE(verify_checkpoint_signature(*back).is_ok());
  std::string text = format_checkpoint(cp);
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    EXPECT_FALSE(parse_checkpoint(text.substr(0, cut)).is_ok()) << "cut at " << cut;
  }
  EXPECT_EQ(read_checkpoint_file(dir.path() / "missing").status().code(), ErrorCode::kNotFound);
}

TEST(AuditHomeTest, McpWardenHomeWinsOverThePlatformDirectory) {
  const char* old = std::getenv("MCP_WARDEN_HOME");
  std::string saved = old ? old : "";
  ::setenv("MCP_WARDEN_HOME", "/srv/warden", 1);
  auto db = default_db_path();
  ::unsetenv("MCP_WARDEN_HOME");
  auto home = warden_home();
  if (old) ::setenv("MCP_WARDEN_HOME", saved.c_str(), 1);
  ASSERT_TRUE(db.is_ok());
  EXPECT_EQ(*db, fs::path("/srv/warden/warden.db"));
  ASSERT_TRUE(home.is_ok());
  EXPECT_EQ(home->filename(), "mcp-warden");
}

}  // namespace
}  // namespace mcp_warden::audit
