// approve_accepted_changes() and TrustStore::approve_definition() on a real
// SQLite file: an accepted change is approved with the acceptor's reason and
// unblocked, a rejected one stays blocked, the penalty stands, a stale
// fingerprint approves nothing, and the catalog_changed event names the
// fingerprint a policy pins.
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/server_settings.h"
#include "mcp_warden/trust/change_acceptance.h"
#include "mcp_warden/trust/trust_level.h"
#include "mcp_warden/trust/trust_store.h"

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

ToolDefinition def(const std::string& name, const std::string& description) {
  ToolDefinition t;
  t.name = name;
  t.description = description;
  t.input_schema = json{{"type", "object"}};
  return t;
}

class ChangeAcceptanceTest : public ::testing::Test {
 protected:
  ChangeAcceptanceTest() {
    std::string pattern = (fs::temp_directory_path() / "trust_accept_XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    store_ = open_store();
  }
  ~ChangeAcceptanceTest() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<TrustStore> open_store() {
    TrustStoreOptions options;
    options.clock = &clock_;
    Result<std::unique_ptr<TrustStore>> store = TrustStore::open(dir_ / "warden.db", options);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
  }

  // Lists `before`, then `after`; returns the second report.
  CatalogReport change(const std::vector<ToolDefinition>& before, const std::vector<ToolDefinition>& after) {
    EXPECT_TRUE(store_->observe_catalog("files", before).is_ok());
    Result<CatalogReport> report = store_->observe_catalog("files", after);
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    return report.is_ok() ? *report : CatalogReport{};
  }

  bool blocked(const std::string& tool) {
    Result<std::optional<std::string>> why = store_->is_tool_blocked("files", tool);
    EXPECT_TRUE(why.is_ok()) << why.status().to_string();
    return why.is_ok() && why->has_value();
  }

  fs::path dir_;
  FakeClock clock_;
  std::unique_ptr<TrustStore> store_;
};

// Accepts exactly the definition `pinned` of `tool`, as a policy item with
// a sha256 would.
ToolChangeAcceptor accept_only(const std::string& tool, const std::string& pinned) {
  return [=](const std::string& name, const std::string& hash) -> std::optional<std::string> {
    if (name != tool || hash != pinned) return std::nullopt;
    return "accepted by the policy at team.yaml:7:9";
  };
}

TEST_F(ChangeAcceptanceTest, AnAcceptedChangeIsApprovedWithTheReasonAndUnblocked) {
  std::vector<ToolDefinition> after = {def("read_file", "v2")};
  CatalogReport report = change({def("read_file", "v1")}, after);
  ASSERT_THAT(report.unapproved, ElementsAre("read_file"));
  ASSERT_TRUE(blocked("read_file"));

  AcceptedChanges accepted = approve_accepted_changes(*store_, "files", after, report,
                                                      accept_only("read_file", definition_hash(after[0])));
  EXPECT_TRUE(accepted.status.is_ok()) << accepted.status.to_string();
  EXPECT_TRUE(accepted.still_unapproved.empty());
  ASSERT_EQ(accepted.events.size(), 1u);
  EXPECT_EQ(accepted.events[0].kind, EventKind::kToolApproved);
  EXPECT_EQ(accepted.events[0].tool, "read_file");
  EXPECT_EQ(accepted.events[0].reason, "accepted by the policy at team.yaml:7:9");
  EXPECT_FALSE(blocked("read_file"));

  Result<std::vector<TrustEvent>> history = store_->history("files", 1);
  ASSERT_TRUE(history.is_ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].reason, "accepted by the policy at team.yaml:7:9") << "the approval is stored";
}

TEST_F(ChangeAcceptanceTest, AcceptingLiftsTheBlockButTheChangePenaltyStands) {
  std::vector<ToolDefinition> after = {def("read_file", "v2")};
  CatalogReport report = change({def("read_file", "v1")}, after);
  AcceptedChanges accepted = approve_accepted_changes(*store_, "files", after, report,
                                                      accept_only("read_file", definition_hash(after[0])));
  ASSERT_EQ(accepted.events.size(), 1u);
  EXPECT_EQ(accepted.events[0].delta_milli, 0);
  int base = base_score(kDefaultTrustLevel);
  int penalty = static_cast<int>(store_->weights().catalog_changed);
  EXPECT_EQ(store_->get("files")->score(), base + penalty);
}

TEST_F(ChangeAcceptanceTest, ARejectedChangeStaysBlockedAndNothingIsRecorded) {
  std::vector<ToolDefinition> after = {def("read_file", "v2"), def("write_file", "w2")};
  CatalogReport report = change({def("read_file", "v1"), def("write_file", "w1")}, after);
  ASSERT_THAT(report.unapproved, ElementsAre("read_file", "write_file"));
  Result<std::vector<TrustEvent>> before = store_->history("files");

  AcceptedChanges accepted = approve_accepted_changes(*store_, "files", after, report,
                                                      accept_only("read_file", std::string(64, '0')));
  EXPECT_TRUE(accepted.status.is_ok());
  EXPECT_TRUE(accepted.events.empty());
  EXPECT_THAT(accepted.still_unapproved, ElementsAre("read_file", "write_file"));
  EXPECT_TRUE(blocked("read_file"));
  EXPECT_TRUE(blocked("write_file"));
  EXPECT_EQ(store_->history("files")->size(), before->size());
}

TEST_F(ChangeAcceptanceTest, OnlyTheAcceptedToolsOfAChangeAreApproved) {
  std::vector<ToolDefinition> after = {def("read_file", "v2"), def("write_file", "w2")};
  CatalogReport report = change({def("read_file", "v1"), def("write_file", "w1")}, after);
  AcceptedChanges accepted = approve_accepted_changes(*store_, "files", after, report,
                                                      accept_only("write_file", definition_hash(after[1])));
  ASSERT_EQ(accepted.events.size(), 1u);
  EXPECT_EQ(accepted.events[0].tool, "write_file");
  EXPECT_THAT(accepted.still_unapproved, ElementsAre("read_file"));
  EXPECT_TRUE(blocked("read_file"));
  EXPECT_FALSE(blocked("write_file"));
}

TEST_F(ChangeAcceptanceTest, AnEarlierUnapprovedChangeIsAcceptedWhenListedAgain) {
  std::vector<ToolDefinition> after = {def("read_file", "v2")};
  change({def("read_file", "v1")}, after);
  Result<CatalogReport> again = store_->observe_catalog("files", after);  // e.g. the next session
  ASSERT_TRUE(again.is_ok());
  ASSERT_TRUE(again->changed.empty());
  ASSERT_THAT(again->unapproved, ElementsAre("read_file"));
  AcceptedChanges accepted = approve_accepted_changes(*store_, "files", after, *again,
                                                      accept_only("read_file", definition_hash(after[0])));
  EXPECT_EQ(accepted.events.size(), 1u);
  EXPECT_FALSE(blocked("read_file"));
}

TEST_F(ChangeAcceptanceTest, AStaleFingerprintApprovesNothing) {
  std::vector<ToolDefinition> v2 = {def("read_file", "v2")};
  CatalogReport report = change({def("read_file", "v1")}, v2);
  auto other = open_store();  // another mcp-warden sees yet another definition meanwhile
  ASSERT_TRUE(other->observe_catalog("files", {def("read_file", "v3")}).is_ok());

  Result<std::optional<TrustEvent>> direct =
      store_->approve_definition("files", "read_file", definition_hash(v2[0]), "policy");
  ASSERT_FALSE(direct.is_ok());
  EXPECT_EQ(direct.status().code(), ErrorCode::kFailedPrecondition);

  AcceptedChanges accepted = approve_accepted_changes(*store_, "files", v2, report,
                                                      accept_only("read_file", definition_hash(v2[0])));
  EXPECT_EQ(accepted.status.code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(accepted.events.empty());
  EXPECT_THAT(accepted.still_unapproved, ElementsAre("read_file"));
  EXPECT_TRUE(blocked("read_file"));
}

TEST_F(ChangeAcceptanceTest, ApproveDefinitionOfAnApprovedToolRecordsNothing) {
  std::vector<ToolDefinition> v1 = {def("read_file", "v1")};
  ASSERT_TRUE(store_->observe_catalog("files", v1).is_ok());
  Result<std::optional<TrustEvent>> event =
      store_->approve_definition("files", "read_file", definition_hash(v1[0]), "policy");
  ASSERT_TRUE(event.is_ok()) << event.status().to_string();
  EXPECT_FALSE(event->has_value());
  EXPECT_EQ(store_->approve_definition("files", "never", definition_hash(v1[0]), "policy").status().code(),
            ErrorCode::kNotFound);
}

TEST_F(ChangeAcceptanceTest, TheChangeEventNamesTheFingerprintAPolicyPins) {
  std::vector<ToolDefinition> after = {def("read_file", "v2")};
  CatalogReport report = change({def("read_file", "v1")}, after);
  ASSERT_EQ(report.events.size(), 1u);
  EXPECT_THAT(report.events[0].reason, HasSubstr("new definition sha256 " + definition_hash(after[0])));
  Result<std::optional<std::string>> why = store_->is_tool_blocked("files", "read_file");
  ASSERT_TRUE(why.is_ok() && why->has_value());
  EXPECT_THAT(**why, HasSubstr("accept_tool_changes")) << "the denial names both ways out";
}

TEST(TrustLevelNamesTest, ThePolicyLanguagesLevelsAreTheTrustModulesInDescendingBase) {
  int previous = 1001;
  for (std::string_view name : policy::kTrustLevelNames) {
    std::optional<TrustLevel> level = parse_trust_level(name);
    ASSERT_TRUE(level) << name;
    EXPECT_LT(base_score(*level), previous) << name;
    previous = base_score(*level);
  }
}

}  // namespace
}  // namespace mcp_warden::trust
