// The approval module: call digests, grant codes, the grant store (a real
// SQLite file, a fake clock), the question and how answers are read.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mcp_warden/approval/call_digest.h"
#include "mcp_warden/approval/commands.h"
#include "mcp_warden/approval/grant_code.h"
#include "mcp_warden/approval/grant_store.h"
#include "mcp_warden/approval/process_identity.h"
#include "mcp_warden/approval/question.h"
#include "mcp_warden/audit/store.h"

namespace mcp_warden::approval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kMinute = 60'000'000;

CallKey key_for_upgrade() {
  CallKey k;
  k.server = "fs";
  k.tool = "write_file";
  k.session_id = "s1";
  return k;
}

// ---- digest ---------------------------------------------------------------

TEST(CallDigestTest, KeyOrderOfTheArgumentsDoesNotMatter) {
  json a = json::parse(R"({"path":"/tmp/a","content":"x","opts":{"b":1,"a":2}})");
  json b = json::parse(R"({"opts":{"a":2,"b":1},"content":"x","path":"/tmp/a"})");
  EXPECT_EQ(call_digest("fs", "write_file", &a), call_digest("fs", "write_file", &b));
  EXPECT_EQ(call_digest("fs", "write_file", &a).size(), 64u);
}

TEST(CallDigestTest, ServerToolAndEveryArgumentAreBound) {
  json a = json::parse(R"({"path":"/tmp/a","content":"x"})");
  json other = json::parse(R"({"path":"/tmp/a","content":"y"})");
  const std::string base = call_digest("fs", "write_file", &a);
  EXPECT_NE(base, call_digest("fs", "write_file", &other));
  EXPECT_NE(base, call_digest("fs2", "write_file", &a));
  EXPECT_NE(base, call_digest("fs", "edit_file", &a));
  EXPECT_NE(base, call_digest("fs", "write_file", nullptr));
  json number = json::parse(R"({"n":1})");
  json text = json::parse(R"({"n":"1"})");
  EXPECT_NE(call_digest("fs", "t", &number), call_digest("fs", "t", &text)) << "types are part of the call";
}

TEST(CallDigestTest, AnAnswersDigestIsNeverTheCallsDigest) {
  json a = json::parse(R"({"path":"/tmp/a"})");
  EXPECT_NE(result_digest("fs", "read_file", &a), call_digest("fs", "read_file", &a))
      << "a code for a call's answer must not let the call itself through";
  EXPECT_EQ(result_digest("fs", "read_file", &a), result_digest("fs", "read_file", &a));
  EXPECT_EQ(result_digest("fs", "read_file", &a).size(), 64u);
}

// ---- codes ----------------------------------------------------------------

TEST(GrantCodeTest, CodesAreShortTypableAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto code = new_grant_code();
    ASSERT_TRUE(code.is_ok());
    ASSERT_EQ(code->size(), 11u) << *code;
    EXPECT_EQ((*code)[5], '-');
    EXPECT_EQ(code->find_first_of("ILOU"), std::string::npos) << "no ambiguous letters: " << *code;
    EXPECT_TRUE(parse_grant_code(*code).has_value()) << *code;
    seen.insert(*code);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(GrantCodeTest, ParsingForgivesCaseSpacesDashesAndLookalikes) {
  EXPECT_EQ(parse_grant_code("7QK2M-XW4RD"), "7QK2MXW4RD");
  EXPECT_EQ(parse_grant_code("7qk2m xw4rd"), "7QK2MXW4RD");
  EXPECT_EQ(parse_grant_code("O1ILo-ABCDE"), "0111" "0ABCDE");
}

TEST(GrantCodeTest, ParsingRejectsWhatIsNotACode) {
  EXPECT_FALSE(parse_grant_code(""));
  EXPECT_FALSE(parse_grant_code("7QK2M-XW4R"));      // too short
  EXPECT_FALSE(parse_grant_code("7QK2M-XW4RDD"));    // too long
  EXPECT_FALSE(parse_grant_code("7QK2M-XW4RU"));     // U is not in the alphabet
  EXPECT_FALSE(parse_grant_code("7QK2M;XW4RD"));
  EXPECT_FALSE(parse_grant_code("7QK2M\nXW4RD"));
}

TEST(GrantCodeTest, TheStoreKeepsOnlyAHashOfTheCode) {
  EXPECT_EQ(grant_code_hash("7QK2MXW4RD").size(), 64u);
  EXPECT_EQ(grant_code_hash("7QK2MXW4RD").find("7QK2M"), std::string::npos);
  EXPECT_NE(grant_code_hash("7QK2MXW4RD"), grant_code_hash("7QK2MXW4RE"));
}

// ---- store ----------------------------------------------------------------

class GrantStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mcp-warden-grants-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = std::move(GrantStore::open(dir_ / "warden.db", clock_).value());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  static CallKey key(const std::string& digest = "d1", const std::string& rule = "ask-writes",
                     const std::string& session = "s1") {
    CallKey k;
    k.server = "fs";
    k.tool = "write_file";
    k.policy = "moderate";
    k.rule = rule;
    k.session_id = session;
    k.digest = digest;
    return k;
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<GrantStore> store_;
};

TEST_F(GrantStoreTest, AnOfferedCodeGrantsNothingUntilAPersonConfirmsIt) {
  auto offer = store_->offer_code(key(), 5 * kMinute);
  ASSERT_TRUE(offer.is_ok());
  EXPECT_FALSE(store_->redeem_once("fs", "d1").value().has_value()) << "offered is not granted";
  ASSERT_TRUE(store_->confirm_code(offer->code).is_ok());
  auto used = store_->redeem_once("fs", "d1");
  ASSERT_TRUE(used.is_ok());
  ASSERT_TRUE(used->has_value());
  EXPECT_EQ((*used)->id, offer->grant.id);
}

TEST_F(GrantStoreTest, AConfirmedCodeIsUsedExactlyOnce) {
  auto offer = store_->offer_code(key(), 5 * kMinute);
  ASSERT_TRUE(store_->confirm_code(offer->code).is_ok());
  EXPECT_TRUE(store_->redeem_once("fs", "d1").value().has_value());
  EXPECT_FALSE(store_->redeem_once("fs", "d1").value().has_value());
  EXPECT_EQ(store_->confirm_code(offer->code).status().code(), ErrorCode::kNotFound) << "a code is confirmed once";
}

TEST_F(GrantStoreTest, ACodeCoversOnlyItsOwnCallAndServer) {
  auto offer = store_->offer_code(key("d1"), 5 * kMinute);
  ASSERT_TRUE(store_->confirm_code(offer->code).is_ok());
  EXPECT_FALSE(store_->redeem_once("fs", "d2").value().has_value());
  EXPECT_FALSE(store_->redeem_once("other", "d1").value().has_value());
  EXPECT_TRUE(store_->redeem_once("fs", "d1").value().has_value());
}

TEST_F(GrantStoreTest, AnExpiredCodeCanNeitherBeConfirmedNorUsed) {
  auto offer = store_->offer_code(key(), 5 * kMinute);
  clock_.advance_micros(5 * kMinute + 1);
  EXPECT_EQ(store_->confirm_code(offer->code).status().code(), ErrorCode::kNotFound);
  auto second = store_->offer_code(key(), 5 * kMinute);
  ASSERT_TRUE(store_->confirm_code(second->code).is_ok());
  clock_.advance_micros(5 * kMinute + 1);
  EXPECT_FALSE(store_->redeem_once("fs", "d1").value().has_value());
}

TEST_F(GrantStoreTest, AWrongOrMistypedCodeGrantsNothing) {
  auto offer = store_->offer_code(key(), 5 * kMinute);
  std::string wrong = offer->code;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(store_->confirm_code(wrong).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->confirm_code("not a code").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->redeem_once("fs", "d1").value().has_value());
}

TEST_F(GrantStoreTest, ARevokedCodeCannotBeUsed) {
  auto offer = store_->offer_code(key(), 5 * kMinute);
  ASSERT_TRUE(store_->confirm_code(offer->code).is_ok());
  ASSERT_TRUE(store_->revoke(offer->grant.id).is_ok());
  EXPECT_FALSE(store_->redeem_once("fs", "d1").value().has_value());
  EXPECT_EQ(store_->revoke(offer->grant.id).status().code(), ErrorCode::kNotFound);
}

TEST_F(GrantStoreTest, ASessionGrantCoversTheSameToolAndRuleInItsSessionOnly) {
  ASSERT_TRUE(store_->add_session(key("d1")).is_ok());
  EXPECT_TRUE(store_->standing_for(key("d9")).value().has_value()) << "other arguments, same rule";
  EXPECT_FALSE(store_->standing_for(key("d1", "ask-elsewhere")).value().has_value()) << "another rule asked";
  EXPECT_FALSE(store_->standing_for(key("d1", "ask-writes", "s2")).value().has_value()) << "another session";
  CallKey other_tool = key();
  other_tool.tool = "edit_file";
  EXPECT_FALSE(store_->standing_for(other_tool).value().has_value());
}

TEST_F(GrantStoreTest, RevokingOrEndingTheSessionEndsASessionGrant) {
  auto grant = store_->add_session(key());
  ASSERT_TRUE(store_->revoke(grant->id).is_ok());
  EXPECT_FALSE(store_->standing_for(key()).value().has_value());
  ASSERT_TRUE(store_->add_session(key()).is_ok());
  ASSERT_TRUE(store_->end_session("s1").is_ok());
  EXPECT_FALSE(store_->standing_for(key()).value().has_value());
  EXPECT_TRUE(store_->list(false).value().empty());
  EXPECT_EQ(store_->list(true).value().size(), 2u);
}

TEST_F(GrantStoreTest, AnAlwaysGrantCoversEverySessionUntilItExpires) {
  ASSERT_TRUE(store_->add_always("fs", "write_file", clock_.now_unix_micros() + 60 * kMinute, "ci").is_ok());
  EXPECT_TRUE(store_->standing_for(key("d1", "any-rule", "s7")).value().has_value());
  CallKey other_server = key();
  other_server.server = "git";
  EXPECT_FALSE(store_->standing_for(other_server).value().has_value());
  clock_.advance_micros(60 * kMinute + 1);
  EXPECT_FALSE(store_->standing_for(key()).value().has_value());
  EXPECT_FALSE(store_->add_always("fs", "t", clock_.now_unix_micros() - 1, "").is_ok()) << "expiry in the past";
}

TEST_F(GrantStoreTest, AnotherConnectionSeesEveryChangeAtOnce) {
  auto other = GrantStore::open(dir_ / "warden.db", clock_);
  ASSERT_TRUE(other.is_ok());
  auto offer = store_->offer_code(key(), 5 * kMinute);
  ASSERT_TRUE((*other)->confirm_code(offer->code).is_ok()) << "the CLI confirms what the proxy offered";
  EXPECT_TRUE(store_->redeem_once("fs", "d1").value().has_value());
  auto session = store_->add_session(key());
  ASSERT_TRUE((*other)->revoke(session->id).is_ok());
  EXPECT_FALSE(store_->standing_for(key()).value().has_value()) << "a revocation is honoured at the next call";
}

TEST(ProcessIdentityTest, ThisProcessIsAliveAndAnotherStartTokenIsNot) {
  ProcessIdentity self = this_process();
  EXPECT_EQ(self.pid, static_cast<int64_t>(::getpid()));
  EXPECT_FALSE(self.start.empty());
  EXPECT_TRUE(process_alive(self));
  ProcessIdentity reused = self;
  reused.start += "0";  // the same pid, started at another time: not the owner
  EXPECT_FALSE(process_alive(reused));
  EXPECT_FALSE(process_alive(ProcessIdentity{}));
}

// A proxy killed by SIGKILL never ends its session grants itself: they must
// not be listed as in force, nor honoured by any other process.
TEST_F(GrantStoreTest, ASessionGrantOfAProxyKilledBySigkillIsEndedAndHonouredByNoOne) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the proxy: keeps a session grant, then waits to be killed
    ::close(ready[0]);
    auto store = GrantStore::open(dir_ / "warden.db", clock_);
    const char ok = store.is_ok() && (*store)->add_session(key()).is_ok() ? '1' : '0';
    if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, '1');
  auto in_force = store_->list(false).value();
  ASSERT_EQ(in_force.size(), 1u) << "its proxy runs";
  EXPECT_EQ(in_force[0].owner.pid, child);
  EXPECT_FALSE(store_->standing_for(key()).value().has_value())
      << "another process does not honour it, even under the same session id";
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  for (int i = 0; i < 500 && process_start_token(child); ++i) ::usleep(10'000);  // killed, not yet reaped
  EXPECT_TRUE(store_->list(false).value().empty()) << "a zombie's grant is over";
  auto all = store_->list(true).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].state, GrantState::kEnded);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(store_->standing_for(key()).value().has_value());
}

TEST_F(GrantStoreTest, ThisProcessesOwnSessionGrantStaysInForce) {
  ASSERT_TRUE(store_->add_session(key()).is_ok());
  EXPECT_EQ(store_->list(false).value().size(), 1u);
  EXPECT_TRUE(store_->standing_for(key()).value().has_value());
}

TEST(GrantStoreUpgradeTest, ATableWithoutOwnerColumnsGainsThem) {
  const fs::path dir = fs::temp_directory_path() / ("mcp-warden-grants-upgrade-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "warden.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE approval_grants (id TEXT PRIMARY KEY, scope TEXT NOT NULL, state TEXT NOT NULL, "
                         "server TEXT NOT NULL, tool TEXT NOT NULL, policy TEXT NOT NULL, rule TEXT NOT NULL, session_id "
                         "TEXT NOT NULL, call_digest TEXT NOT NULL, code_hash TEXT NOT NULL, created_us INTEGER NOT NULL, "
                         "expires_us INTEGER NOT NULL, granted_by TEXT NOT NULL, note TEXT NOT NULL) STRICT;"
                         "INSERT INTO approval_grants VALUES ('g-old', 'session', 'granted', 'fs', 'write_file', 'm', "
                         "'r', 's0', '', '', 1, 0, 'elicitation', '');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  FakeClock clock;
  auto store = GrantStore::open(dir / "warden.db", clock);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_TRUE((*store)->list(false).value().empty()) << "a grant that names no proxy is ended";
  EXPECT_TRUE((*store)->add_session(key_for_upgrade()).is_ok());
  fs::remove_all(dir);
}

TEST_F(GrantStoreTest, CommandsGrantListAndRevokeWithReceiptsInTheChain) {
  auto offer = store_->offer_code(key(), 5 * kMinute);
  std::ostringstream out, err;
  CommandContext ctx{dir_ / "warden.db", &out, &err, &clock_};
  EXPECT_EQ(run_grant(ctx, offer->code), 0) << err.str();
  EXPECT_EQ(run_grant(ctx, offer->code), 1) << "the same code twice";
  EXPECT_EQ(run_add(ctx, "fs", "write_file", "24h", "nightly"), 0) << err.str();
  EXPECT_EQ(run_add(ctx, "fs", "write_file", "forever", ""), 2);
  EXPECT_EQ(run_list(ctx, false, true), 0);
  EXPECT_NE(out.str().find("\"always\""), std::string::npos) << out.str();
  EXPECT_EQ(run_revoke(ctx, offer->grant.id), 0) << err.str();
  EXPECT_EQ(run_revoke(ctx, "g-000000000000"), 1);
  auto audit = audit::AuditStore::open(dir_ / "warden.db");
  ASSERT_TRUE(audit.is_ok());
  int receipts = 0;
  audit::EntryFilter filter;
  filter.kind = "approval";
  ASSERT_TRUE((*audit)->query(filter, [&](const audit::Entry&) { return ++receipts > 0; }).is_ok());
  EXPECT_EQ(receipts, 3) << "granted, added, revoked";
}

TEST(DurationTest, ParsesUnitsAndRejectsTheRest) {
  EXPECT_EQ(parse_duration_us("30m"), 30 * kMinute);
  EXPECT_EQ(parse_duration_us("24h"), 24 * 60 * kMinute);
  EXPECT_EQ(parse_duration_us("7d"), 7 * 24 * 60 * kMinute);
  EXPECT_FALSE(parse_duration_us("0h"));
  EXPECT_FALSE(parse_duration_us("h"));
  EXPECT_FALSE(parse_duration_us("-1h"));
  EXPECT_FALSE(parse_duration_us("400d"));
  EXPECT_FALSE(parse_duration_us("99999999999999d"));
}

// ---- the question ---------------------------------------------------------

json answer(const std::string& result) { return json::parse(R"({"jsonrpc":"2.0","id":"x","result":)" + result + "}"); }

TEST(QuestionTest, TheQuestionIsAFormWithThreeChoicesAndRedactsSecrets) {
  json args = json::parse(R"({"path":"/tmp/a","api_key":"sk-live-123456"})");
  QuestionFacts facts{"fs", "tools/call", "write_file", &args, 700, "standard", "rule says so"};
  json params = elicitation_params(facts);
  EXPECT_EQ(params["mode"], "form");
  const std::string message = params["message"];
  EXPECT_NE(message.find("write_file"), std::string::npos);
  EXPECT_NE(message.find("/tmp/a"), std::string::npos);
  EXPECT_NE(message.find("700/1000"), std::string::npos);
  EXPECT_NE(message.find("rule says so"), std::string::npos);
  EXPECT_EQ(message.find("sk-live-123456"), std::string::npos) << "secrets are redacted";
  const json& decision = params["requestedSchema"]["properties"]["decision"];
  ASSERT_EQ(decision["oneOf"].size(), 3u);
  EXPECT_EQ(decision["oneOf"][0]["const"], "once");
  EXPECT_EQ(decision["oneOf"][1]["const"], "session");
  EXPECT_EQ(decision["oneOf"][2]["const"], "deny");
  EXPECT_EQ(params["requestedSchema"]["required"], json::array({"decision"}));
}

TEST(QuestionTest, OnlyAnAcceptWithAnAllowingChoiceApproves) {
  EXPECT_EQ(read_answer(answer(R"({"action":"accept","content":{"decision":"once"}})")), Answer::kAllowOnce);
  EXPECT_EQ(read_answer(answer(R"({"action":"accept","content":{"decision":"session"}})")), Answer::kAllowSession);
  EXPECT_EQ(read_answer(answer(R"({"action":"accept","content":{"decision":"deny"}})")), Answer::kDenied);
  EXPECT_EQ(read_answer(answer(R"({"action":"decline"})")), Answer::kDeclined);
  EXPECT_EQ(read_answer(answer(R"({"action":"cancel"})")), Answer::kCancelled);
  EXPECT_TRUE(approves(Answer::kAllowOnce));
  EXPECT_TRUE(approves(Answer::kAllowSession));
  EXPECT_FALSE(approves(Answer::kDenied));
}

TEST(QuestionTest, AWrongSchemaIsMalformedNeverAnApproval) {
  for (const char* result : {R"({"action":"accept"})", R"({"action":"accept","content":{}})",
                             R"({"action":"accept","content":{"decision":"yes"}})",
                             R"({"action":"accept","content":{"decision":true}})",
                             R"({"action":"accept","content":{"decision":"once","scope":"always"}})",
                             R"({"action":"accept","content":"once"})", R"({"action":"ACCEPT"})", R"({})", R"("once")"}) {
    EXPECT_EQ(read_answer(answer(result)), Answer::kMalformed) << result;
  }
  EXPECT_EQ(read_answer(json::parse(R"({"jsonrpc":"2.0","id":"x","error":{"code":-1,"message":"no"}})")),
            Answer::kClientError);
  EXPECT_EQ(read_answer(json::parse(R"({"jsonrpc":"2.0","id":"x"})")), Answer::kMalformed);
}

}  // namespace
}  // namespace mcp_warden::approval
