// The policy's content language: `content:` matches on arguments, the
// retention rules (IATP) and the `responses:` rules.
#include <gtest/gtest.h>

#include <string>

#include "mcp_warden/policy/policy.h"
#include "policy_test_support.h"

namespace mcp_warden::policy {
namespace {

using inspect::Kind;
using inspect::KindSet;
using testing::load_error;
using testing::must_parse;

Decision judge(Policy& policy, const std::string& server, const std::string& tool, KindSet found,
               std::string_view method = kToolsCallMethod) {
  nlohmann::json args = {{"content", "x"}};
  CallContext call{server, tool, &args, nullptr, {}, {}};
  call.method = method;
  call.content_found = found;
  FakeClock clock;
  return policy.evaluate(call, clock);
}

const char* kRetention = R"(version: 1
name: kept
default: allow
servers:
  archive: {retention: permanent}
  scratch: {retention: ephemeral}
  notes: {retention: temporary}
)";

TEST(PolicyContentTest, AContentMatchHoldsOnlyWhenItsKindWasFound) {
  Policy policy = must_parse(R"(version: 1
default: allow
rules:
  - name: no-cards
    match: {content: [payment_card]}
    action: deny
)");
  EXPECT_EQ(judge(policy, "s", "t", {}).action, Action::kAllow);
  EXPECT_EQ(judge(policy, "s", "t", {Kind::kSecret}).action, Action::kAllow);
  Decision d = judge(policy, "s", "t", {Kind::kPaymentCard});
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.rule, "no-cards");
  EXPECT_NE(d.reason.find("payment_card"), std::string::npos) << d.reason;
}

TEST(PolicyContentTest, PersonalDataStandsForItsFourKinds) {
  Policy policy = must_parse("version: 1\ndefault: allow\nrules:\n  - {name: pd, match: {content: personal_data}, action: warn}\n");
  EXPECT_EQ(judge(policy, "s", "t", {Kind::kEmail}).action, Action::kWarn);
  EXPECT_EQ(judge(policy, "s", "t", {Kind::kIban}).action, Action::kWarn);
  EXPECT_EQ(judge(policy, "s", "t", {Kind::kSecret}).action, Action::kAllow);
}

TEST(PolicyContentTest, AContentRuleNeverHidesATool) {
  Policy policy = must_parse("version: 1\ndefault: allow\nrules:\n  - {name: c, match: {content: secret}, action: deny}\n");
  ToolInfo tool;
  tool.name = "write_file";
  EXPECT_FALSE(policy.always_denies("s", tool));
}

TEST(PolicyContentTest, UnknownContentKindsAreLoadErrors) {
  EXPECT_NE(load_error("version: 1\nrules:\n  - {name: c, match: {content: [passwords]}, action: deny}\n")
                .find("unknown content kind \"passwords\""),
            std::string::npos);
  EXPECT_NE(load_error("version: 1\nretention_rules:\n  ssn: [forever]\n").find("unknown retention \"forever\""),
            std::string::npos);
}

TEST(PolicyContentTest, ByDefaultACardMayNotReachAPermanentServer) {
  Policy policy = must_parse(kRetention);
  Decision d = judge(policy, "archive", "write", {Kind::kPaymentCard});
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.rule, "retention:payment_card");
  EXPECT_NE(d.reason.find("declares retention permanent"), std::string::npos) << d.reason;
  EXPECT_EQ(judge(policy, "notes", "write", {Kind::kPaymentCard}).action, Action::kAllow);
  EXPECT_EQ(judge(policy, "scratch", "write", {Kind::kPaymentCard}).action, Action::kAllow);
  EXPECT_EQ(judge(policy, "elsewhere", "write", {Kind::kPaymentCard}).action, Action::kAllow);
}

TEST(PolicyContentTest, ByDefaultAnSsnReachesOnlyAnEphemeralServer) {
  Policy policy = must_parse(kRetention);
  EXPECT_EQ(judge(policy, "scratch", "write", {Kind::kSsn}).action, Action::kAllow);
  EXPECT_EQ(judge(policy, "notes", "write", {Kind::kSsn}).action, Action::kDeny);
  EXPECT_EQ(judge(policy, "archive", "write", {Kind::kSsn}).action, Action::kDeny);
  Decision undeclared = judge(policy, "elsewhere", "write", {Kind::kSsn});
  EXPECT_EQ(undeclared.action, Action::kDeny);
  EXPECT_NE(undeclared.reason.find("declares no retention"), std::string::npos) << undeclared.reason;
}

TEST(PolicyContentTest, RetentionRulesApplyToArgumentsOnlyNotToResourceReads) {
  Policy policy = must_parse(kRetention);
  EXPECT_EQ(judge(policy, "archive", "p", {Kind::kPaymentCard}, "prompts/get").action, Action::kDeny);
  EXPECT_EQ(judge(policy, "archive", "file:///a", {Kind::kPaymentCard}, "resources/read").action, Action::kAllow);
}

TEST(PolicyContentTest, RetentionRulesAreChangedPerKind) {
  Policy policy = must_parse(std::string(kRetention) + "retention_rules:\n  ssn: []\n  email: [permanent]\n");
  EXPECT_EQ(judge(policy, "notes", "write", {Kind::kSsn}).action, Action::kAllow);
  EXPECT_EQ(judge(policy, "archive", "write", {Kind::kEmail}).action, Action::kDeny);
  EXPECT_EQ(judge(policy, "archive", "write", {Kind::kPaymentCard}).action, Action::kDeny) << "the default stays";
}

TEST(PolicyContentTest, PresetsDenySecretsInArgumentsAndPermissiveShadowsIt) {
  for (const char* name : {"strict", "moderate"}) {
    Policy policy = Policy::load_preset(name, testing::test_options()).value();
    Decision d = judge(policy, "s", "write_file", {Kind::kSecret});
    EXPECT_EQ(d.action, Action::kDeny) << name;
    EXPECT_EQ(d.rule, "secret-content") << name;
    EXPECT_TRUE(d.credential_denial) << name;
  }
  Policy permissive = Policy::load_preset("permissive", testing::test_options()).value();
  Decision d = judge(permissive, "s", "write_file", {Kind::kSecret});
  EXPECT_EQ(d.action, Action::kLog);
  ASSERT_TRUE(d.shadow);
  EXPECT_EQ(d.shadow->action, Action::kDeny);
  EXPECT_EQ(d.shadow->rule, "secret-content");
  // strict allows prompts/get, so its shadow shows the retention default.
  Decision ssn = judge(permissive, "s", "some_prompt", {Kind::kSsn}, "prompts/get");
  EXPECT_EQ(ssn.action, Action::kLog) << "permissive denies nothing";
  ASSERT_TRUE(ssn.shadow);
  EXPECT_EQ(ssn.shadow->rule, "retention:ssn");
}

TEST(PolicyContentTest, TheStrongestMatchingResponseRuleWinsAndRedactionsAddUp) {
  Policy policy = must_parse(R"(version: 1
default: allow
responses:
  - {name: log-all, match: {content: [secret, payment_card, email]}, action: log}
  - {name: cards, match: {content: payment_card}, action: redact}
  - {name: keys, match: {content: secret, tool: [read_*]}, action: redact}
  - {name: fs-secrets, match: {content: secret, server: vault}, action: deny}
)");
  const ResponseRules& rules = policy.response_rules();
  ResponseVerdict v = rules.evaluate("tools/call", "fs", "read_file", {Kind::kSecret, Kind::kPaymentCard, Kind::kEmail});
  EXPECT_EQ(v.action, ResponseAction::kRedact);
  EXPECT_EQ(v.rule, "cards");
  EXPECT_EQ(v.redact, (KindSet{Kind::kSecret, Kind::kPaymentCard}));
  EXPECT_EQ(rules.evaluate("tools/call", "fs", "list", {Kind::kSecret}).action, ResponseAction::kLog);
  EXPECT_EQ(rules.evaluate("tools/call", "vault", "list", {Kind::kSecret}).action, ResponseAction::kDeny);
  EXPECT_FALSE(rules.evaluate("tools/call", "fs", "list", {Kind::kPhone}).matched);
  EXPECT_FALSE(rules.evaluate("tools/list", "fs", "", {Kind::kSecret}).matched) << "default methods are the results'";
}

TEST(PolicyContentTest, ResponseRulesAreCheckedWhenLoaded) {
  EXPECT_NE(load_error("version: 1\nresponses:\n  - {name: r, match: {tool: x}, action: redact}\n").find("content:"),
            std::string::npos);
  EXPECT_NE(load_error("version: 1\nresponses:\n  - {name: r, match: {content: secret}, action: allow}\n")
                .find("unknown response action \"allow\""),
            std::string::npos);
  EXPECT_NE(load_error("version: 1\nextends: moderate\nresponses:\n  - {name: redact-secrets, match: {content: secret}, "
                       "action: log}\n")
                .find("already defined"),
            std::string::npos);
}

TEST(PolicyContentTest, AnAskRuleOutranksRedactAndCarriesItsFallbackAndKinds) {
  Policy policy = must_parse(R"(version: 1
default: allow
responses:
  - {name: keys, match: {content: secret}, action: redact}
  - {name: ask-pii, match: {content: [email, phone], tool: [read_*]}, action: ask, fallback: redact}
  - {name: ask-cards, match: {content: payment_card}, action: ask}
  - {name: vault, match: {content: secret, server: vault}, action: deny}
)");
  const ResponseRules& rules = policy.response_rules();
  ResponseVerdict v = rules.evaluate("tools/call", "fs", "read_file", {Kind::kSecret, Kind::kEmail});
  EXPECT_EQ(v.action, ResponseAction::kAsk);
  EXPECT_EQ(v.rule, "ask-pii");
  EXPECT_EQ(v.ask_fallback, ResponseAction::kRedact);
  EXPECT_EQ(v.redact, (KindSet{Kind::kSecret})) << "what a delivered answer is still redacted for";
  EXPECT_EQ(v.asked, (KindSet{Kind::kEmail}));
  ResponseVerdict cards = rules.evaluate("tools/call", "fs", "list", {Kind::kPaymentCard});
  EXPECT_EQ(cards.action, ResponseAction::kAsk);
  EXPECT_FALSE(cards.ask_fallback) << "no fallback: withheld with a grant code";
  EXPECT_EQ(rules.evaluate("tools/call", "vault", "read_file", {Kind::kSecret, Kind::kEmail}).action, ResponseAction::kDeny)
      << "deny outranks ask";
  EXPECT_TRUE(rules.may_ask("tools/call", "fs", "read_file"));
  EXPECT_TRUE(rules.may_ask("resources/read", "fs", "file:///a")) << "ask-cards applies to every result";
  EXPECT_FALSE(must_parse("version: 1\ndefault: allow\n").response_rules().may_ask("tools/call", "fs", "read_file"));
}

TEST(PolicyContentTest, AskResponseRulesAreCheckedWhenLoaded) {
  EXPECT_NE(load_error("version: 1\nresponses:\n  - {name: r, match: {content: secret}, action: redact, fallback: deny}\n")
                .find("fallback applies only to a response rule whose action is ask"),
            std::string::npos);
  EXPECT_NE(load_error("version: 1\nresponses:\n  - {name: r, match: {content: secret}, action: ask, fallback: ask}\n")
                .find("unknown response fallback \"ask\""),
            std::string::npos);
  EXPECT_NE(load_error("version: 1\nresponses:\n  - {name: r, match: {content: secret}, action: ask, fallback: allow}\n")
                .find("unknown response fallback"),
            std::string::npos);
  EXPECT_NE(load_error("version: 1\nresponses:\n  - {name: r, match: {method: [tools/*], content: hidden_instruction}, "
                       "action: ask}\n")
                .find("asks about tools/list"),
            std::string::npos);
  Policy named = must_parse("version: 1\nresponses:\n  - {name: r, match: {content: email}, action: ask, fallback: grant}\n");
  EXPECT_FALSE(named.response_rules().rules()[0].ask_fallback);
}

TEST(PolicyContentTest, PresetsRedactSecretsAndCardsInResultsAndStripHiddenToolInstructions) {
  Policy strict = Policy::load_preset("strict", testing::test_options()).value();
  const ResponseRules& rules = strict.response_rules();
  ResponseVerdict v = rules.evaluate("resources/read", "s", "file:///a", {Kind::kSecret, Kind::kPaymentCard});
  EXPECT_EQ(v.action, ResponseAction::kRedact);
  EXPECT_EQ(v.redact, (KindSet{Kind::kSecret, Kind::kPaymentCard}));
  EXPECT_EQ(rules.evaluate("tools/list", "s", "", {Kind::kHiddenInstruction}).action, ResponseAction::kRedact);
  EXPECT_EQ(rules.evaluate("tools/call", "s", "t", {Kind::kHiddenInstruction}).action, ResponseAction::kWarn);
}

}  // namespace
}  // namespace mcp_warden::policy
