// Rate limits per rule, server and tool, driven by a FakeClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"

namespace mcp_warden::policy {
namespace {

using ::testing::HasSubstr;

class RateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadOptions options;
    options.presets_dir = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";
    options.file_system = std::make_shared<FakeFileSystem>("/home/u", "/home/u");
    Result<Policy> p = Policy::parse(R"(version: 1
default: allow
rules:
  - {name: search-budget, match: {tool: search}, action: allow, rate_limit: 3/minute}
  - {name: no-secret, match: {args: [{path: /q, equals: secret}]}, action: deny}
)", "rate.yaml", options);
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    policy_ = std::make_unique<Policy>(std::move(p).value());
  }
  Decision call(const std::string& tool, const std::string& server = "web", const char* q = "x") {
    nlohmann::json args = {{"q", q}};
    CallContext ctx{server, tool, &args, nullptr, {}, {}};
    return policy_->evaluate(ctx, clock_);
  }
  std::unique_ptr<Policy> policy_;
  FakeClock clock_{1'700'000'000'000'000};
};

TEST_F(RateLimitTest, CallsOverTheLimitAreDeniedWithTheResetTime) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("search").action, Action::kAllow) << i;
  clock_.advance_micros(10'000'000);
  Decision d = call("search");
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.rule, "search-budget");
  ASSERT_TRUE(d.rate_limit_reset_unix_micros.has_value());
  EXPECT_EQ(*d.rate_limit_reset_unix_micros, 1'700'000'000'000'000 + 60'000'000);
  EXPECT_THAT(d.reason, HasSubstr("3/minute"));
  EXPECT_THAT(d.reason, HasSubstr("2023-11-14T22:14:20Z"));
  EXPECT_THAT(d.reason, HasSubstr("in 50 s"));
}

TEST_F(RateLimitTest, TheWindowResetsAfterItsPeriod) {
  for (int i = 0; i < 3; ++i) (void)call("search");
  clock_.advance_micros(60'000'000);
  EXPECT_EQ(call("search").action, Action::kAllow);
}

TEST_F(RateLimitTest, LimitsAreCountedPerServerAndTool) {
  for (int i = 0; i < 3; ++i) (void)call("search", "web");
  EXPECT_EQ(call("search", "web").action, Action::kDeny);
  EXPECT_EQ(call("search", "intranet").action, Action::kAllow);
  EXPECT_EQ(call("other", "web").action, Action::kAllow) << "the rule does not match other tools";
}

TEST_F(RateLimitTest, DeniedCallsDoNotUseUpTheBudget) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("search", "web", "secret").rule, "no-secret");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("search").action, Action::kAllow) << i;
}

}  // namespace
}  // namespace mcp_warden::policy
