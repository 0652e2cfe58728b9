// The policy's `sandbox:` entry and --sandbox combine into the mode and plan
// inputs the proxy uses: the stricter mode wins, a child only tightens, the
// secrets base always applies, strict leaves the command line read-only.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/sandbox/sandbox.h"

namespace mcp_warden::sandbox {
namespace {

using policy::SandboxMode;

policy::Policy parse(const std::string& yaml) {
  auto loaded = policy::Policy::parse(yaml, "test.yaml");
  EXPECT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  return std::move(loaded).value();
}

Resolved resolve_for(const policy::Policy& p, std::optional<SandboxMode> cli) {
  LaunchRequest request;
  request.command = {"server"};
  request.mode = cli;
  request.policy = &p;
  request.server_name = "fs";
  return resolve(request);
}

const char* kEnforcing = "version: 1\nname: t\ndefault: allow\nservers:\n  fs:\n"
                         "    sandbox: {mode: enforce, network: deny, writable: [\"~/out\"]}\n";

TEST(SandboxSettingsTest, TheStricterOfCommandLineAndPolicyApplies) {
  policy::Policy p = parse(kEnforcing);
  EXPECT_EQ(resolve_for(p, SandboxMode::kOff).mode, SandboxMode::kEnforce) << "--sandbox=off cannot lift enforce";
  EXPECT_EQ(resolve_for(p, std::nullopt).mode, SandboxMode::kEnforce);
  policy::Policy plain = parse("version: 1\nname: t\ndefault: allow\n");
  EXPECT_EQ(resolve_for(plain, SandboxMode::kAuto).mode, SandboxMode::kAuto);
  EXPECT_EQ(resolve_for(plain, std::nullopt).mode, kDefaultMode);
}

TEST(SandboxSettingsTest, EntryFieldsReachThePlanInputs) {
  policy::Policy p = parse(kEnforcing);
  Resolved r = resolve_for(p, std::nullopt);
  EXPECT_TRUE(r.inputs.network_deny);
  EXPECT_EQ(r.inputs.extra_writable, std::vector<std::string>{"~/out"});
  EXPECT_TRUE(r.inputs.writable_args);
}

TEST(SandboxSettingsTest, SecretsBaseAppliesEvenToAPolicyWithoutSecretRules) {
  policy::Policy p = parse("version: 1\nname: t\ndefault: allow\n");
  const auto& globs = resolve_for(p, std::nullopt).inputs.secret_globs;
  if (globs.empty()) GTEST_SKIP() << "presets directory not found from the test's working directory";
  EXPECT_NE(std::find(globs.begin(), globs.end(), ".ssh/"), globs.end());
}

TEST(SandboxSettingsTest, StrictLeavesTheCommandLineReadOnly) {
  policy::Policy p = parse("version: 1\nname: strict\ndefault: deny\n");
  EXPECT_FALSE(resolve_for(p, std::nullopt).inputs.writable_args);
}

TEST(SandboxSettingsTest, BadEntriesAreLoadErrorsWithTheirLine) {
  auto bad_mode = policy::Policy::parse("version: 1\nservers:\n  fs:\n    sandbox: {mode: maybe}\n", "t.yaml");
  ASSERT_FALSE(bad_mode.is_ok());
  EXPECT_NE(bad_mode.status().message().find("t.yaml:4"), std::string::npos) << bad_mode.status().message();
  auto bad_key = policy::Policy::parse("version: 1\nservers:\n  fs:\n    sandbox: {readable: [/]}\n", "t.yaml");
  EXPECT_FALSE(bad_key.is_ok());
  auto bad_net = policy::Policy::parse("version: 1\nservers:\n  fs:\n    sandbox: {network: maybe}\n", "t.yaml");
  EXPECT_FALSE(bad_net.is_ok());
}

TEST(SandboxSettingsTest, AChildCannotLoosenItsParentsSandbox) {
  policy::ServerEntry child{"fs", "c:1", "child.yaml", std::nullopt, "", {}, policy::SandboxSetting{}};
  child.sandbox->mode = SandboxMode::kAuto;
  child.sandbox->network_deny = false;
  policy::ServerEntry parent{"fs", "p:1", "parent.yaml", std::nullopt, "", {}, policy::SandboxSetting{}};
  parent.sandbox->mode = SandboxMode::kEnforce;
  parent.sandbox->network_deny = true;
  auto merged = policy::ServerSettings::for_server("fs", {child, parent}).sandbox();
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->mode, SandboxMode::kEnforce);
  EXPECT_EQ(merged->network_deny, true);
}

}  // namespace
}  // namespace mcp_warden::sandbox
