// The policy language: loading, match keys, precedence, extends, error
// messages (file:line:col) and always_denies().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"
#include "policy_test_support.h"

namespace mcp_warden::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kFixtures = std::string(MCP_WARDEN_FIXTURES_DIR) + "/policy/";

using policy::testing::load_error;
using policy::testing::must_parse;
using policy::testing::test_options;

class Judge {
 public:
  explicit Judge(Policy& policy) : policy_(policy) {}
  Decision call(const std::string& tool, const nlohmann::json& args, const ToolInfo* info = nullptr,
                const std::string& server = "filesystem") {
    CallContext ctx{server, tool, &args, info, trust_, tier_};
    return policy_.evaluate(ctx, clock_);
  }
  std::optional<int> trust_;
  std::optional<std::string> tier_;

 private:
  Policy& policy_;
  FakeClock clock_;
};

ToolInfo tool_named(const std::string& name, std::optional<bool> read_only) {
  ToolInfo info;
  info.name = name;
  info.annotations.read_only_hint = read_only;
  return info;
}

TEST(PolicyLanguageTest, DenyBeatsWarnBeatsAllowWhateverTheOrder) {
  Policy p = must_parse(R"(version: 1
rules:
  - {name: a, action: allow}
  - {name: w, action: warn}
  - {name: d, match: {tool: rm*}, action: deny}
  - {name: w2, action: warn}
)");
  Judge j(p);
  EXPECT_EQ(j.call("rmdir", {}).rule, "d");
  Decision d = j.call("ls", {});
  EXPECT_EQ(d.action, Action::kWarn);
  EXPECT_EQ(d.rule, "w") << "ties go to the first rule in order";
}

TEST(PolicyLanguageTest, AskRanksBetweenWarnAndDenyAndCarriesItsFallback) {
  Policy p = must_parse(R"(version: 1
rules:
  - {name: w, action: warn}
  - {name: q, match: {tool: "write*"}, action: ask, fallback: warn, reason: a person decides}
  - {name: g, match: {tool: "edit*"}, action: ask}
  - {name: d, match: {tool: write_secret}, action: deny}
)");
  Judge j(p);
  Decision asked = j.call("write_file", {});
  EXPECT_EQ(asked.action, Action::kAsk);
  EXPECT_EQ(asked.rule, "q");
  EXPECT_EQ(asked.ask_fallback, Action::kWarn);
  EXPECT_FALSE(asked.forwards()) << "an ask is not forwarded until a person allows it";
  EXPECT_THAT(asked.reason, HasSubstr("a person decides"));
  EXPECT_EQ(to_json(asked)["ask_fallback"], "warn");
  EXPECT_FALSE(j.call("edit_file", {}).ask_fallback.has_value()) << "no fallback: a grant code";
  EXPECT_EQ(j.call("write_secret", {}).action, Action::kDeny) << "deny outranks ask";
  EXPECT_EQ(j.call("ls", {}).action, Action::kWarn);
}

TEST(PolicyLanguageTest, FallbackBelongsToAskRulesAndIsNeverAsk) {
  EXPECT_THAT(load_error("version: 1\nrules:\n  - {name: a, action: warn, fallback: deny}\n"),
              HasSubstr("fallback applies only to a rule whose action is ask"));
  EXPECT_THAT(load_error("version: 1\nrules:\n  - {name: a, action: ask, fallback: ask}\n"),
              HasSubstr("unknown fallback"));
  EXPECT_THAT(load_error("version: 1\nrules:\n  - {name: a, action: ask, fallback: maybe}\n"),
              HasSubstr("unknown fallback"));
  Policy p = must_parse("version: 1\nrules:\n  - {name: a, action: ask, fallback: grant}\n");
  EXPECT_FALSE(Judge(p).call("x", {}).ask_fallback.has_value());
}

TEST(PolicyLanguageTest, NoMatchingRuleGetsTheDefaultAndItsReason) {
  Policy p = must_parse("version: 1\ndefault: deny\ndefault_reason: ask an admin\n");
  Decision d = Judge(p).call("anything", {});
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_EQ(d.rule, "default");
  EXPECT_THAT(d.reason, HasSubstr("ask an admin"));
  EXPECT_THAT(d.reason, HasSubstr("\"anything\""));
}

TEST(PolicyLanguageTest, DefaultIsDenyWhenUnstated) {
  Policy p = must_parse("version: 1\n");
  EXPECT_EQ(Judge(p).call("x", {}).action, Action::kDeny);
}

TEST(PolicyLanguageTest, ServerAndToolGlobsAndLists) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: r, match: {server: "filesystem*", tool: [write_*, "*_delete"]}, action: deny}
)");
  Judge j(p);
  EXPECT_EQ(j.call("write_file", {}, nullptr, "filesystem-home").action, Action::kDeny);
  EXPECT_EQ(j.call("item_delete", {}).action, Action::kDeny);
  EXPECT_EQ(j.call("write_file", {}, nullptr, "github").action, Action::kAllow);
  EXPECT_EQ(j.call("read_file", {}).action, Action::kAllow);
}

TEST(PolicyLanguageTest, UnknownToolIsJudgedWithDefaultAnnotations) {
  Policy p = must_parse(R"(version: 1
default: deny
rules:
  - {name: ro, match: {annotations: {readOnlyHint: true}}, action: allow}
  - {name: destructive, match: {annotations: {readOnlyHint: false, destructiveHint: true}}, action: warn}
)");
  Judge j(p);
  ToolInfo ro = tool_named("peek", true);
  EXPECT_EQ(j.call("peek", {}, &ro).rule, "ro");
  Decision unknown = j.call("peek", {});
  EXPECT_EQ(unknown.rule, "destructive") << "absent hints default to destructive, not read-only";
}

TEST(PolicyLanguageTest, ToolWordsMatchWholeWordsOnly) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: verbs, match: {tool_words: [set, write]}, action: deny}
)");
  Judge j(p);
  EXPECT_EQ(j.call("get_settings", {}).action, Action::kAllow);
  EXPECT_EQ(j.call("setValue", {}).action, Action::kDeny);
  EXPECT_EQ(j.call("fs.write", {}).action, Action::kDeny);
  EXPECT_EQ(j.call("rewrite-history", {}).action, Action::kAllow);
}

// One rule per operator, each on its own argument.
const char* const kOperatorPolicy = R"(version: 1
default: allow
rules:
  - {name: eq, match: {args: [{path: /mode, equals: force}]}, action: deny}
  - {name: in, match: {args: [{path: /n, in: [1, 2]}]}, action: deny}
  - {name: glob, match: {args: [{path: /url, glob: "http://*"}]}, action: deny}
  - {name: re, match: {args: [{path: /q, regex: "(?i)drop\\s+table"}]}, action: deny}
  - {name: prefix, match: {args: [{path: /cmd, prefix: "sudo "}]}, action: deny}
  - {name: long, match: {args: [{path: /text, max_length: 5}]}, action: deny}
  - {name: big, match: {args: [{path: /count, gt: 100}]}, action: deny}
  - {name: neg, match: {args: [{path: /count, lt: 0}]}, action: deny}
)";

TEST(PolicyLanguageTest, ArgumentOperators) {
  Policy p = must_parse(kOperatorPolicy);
  Judge j(p);
  EXPECT_EQ(j.call("t", {{"mode", "force"}}).rule, "eq");
  EXPECT_EQ(j.call("t", {{"n", 2}}).rule, "in");
  EXPECT_EQ(j.call("t", {{"url", "http://x"}}).rule, "glob");
  EXPECT_EQ(j.call("t", {{"q", "please DROP  table users"}}).rule, "re");
  EXPECT_EQ(j.call("t", {{"cmd", "sudo rm"}}).rule, "prefix");
  EXPECT_EQ(j.call("t", {{"text", "123456"}}).rule, "long");
  EXPECT_EQ(j.call("t", {{"count", 101}}).rule, "big");
  EXPECT_EQ(j.call("t", {{"count", -1}}).rule, "neg");
  Decision ok = j.call("t", {{"mode", "soft"}, {"n", 3}, {"url", "https://x"}, {"q", "select"},
                             {"cmd", "ls"}, {"text", "12345"}, {"count", 50}});
  EXPECT_EQ(ok.action, Action::kAllow) << ok.reason;
}

// The evaluator passes over rules whose condition on a plain scalar fails;
// objects, arrays and every other JSON type must still be judged as before.
TEST(PolicyLanguageTest, ArgumentOperatorsOnArraysObjectsAndOtherTypes) {
  Policy p = must_parse(kOperatorPolicy);
  Judge j(p);
  auto rule = [&](const char* json) { return j.call("t", nlohmann::json::parse(json)).rule; };
  EXPECT_EQ(rule(R"({"cmd": ["ls", "sudo rm"]})"), "prefix") << "any leaf of an array";
  EXPECT_EQ(rule(R"({"count": {"a": {"b": 200}}})"), "big") << "a number deep in an object";
  EXPECT_EQ(rule(R"({"q": [{"x": "drop table"}]})"), "re");
  EXPECT_EQ(rule(R"({"url": {"http://key": 1}})"), "glob") << "object keys are leaves too";
  EXPECT_EQ(rule(R"({"text": ["1234567"]})"), "long");
  EXPECT_EQ(rule(R"({"count": [-3]})"), "neg");
  EXPECT_EQ(rule(R"({"mode": ["force"]})"), "default") << "equals compares the selected value itself";
  EXPECT_EQ(rule(R"({"n": [1]})"), "default") << "in compares the selected value itself";
  EXPECT_EQ(rule(R"({"n": "2"})"), "default") << "the string \"2\" is not the number 2";
  EXPECT_EQ(rule(R"({"n": 2.0})"), "in");
  EXPECT_EQ(rule(R"({"mode": {"force": 1}})"), "default");
  EXPECT_EQ(rule(R"({"text": 1234567, "url": true, "q": null, "cmd": 7})"), "default");
  EXPECT_EQ(rule(R"({"count": "101"})"), "default") << "a numeric string is not a number";
  EXPECT_EQ(rule(R"({"count": 100.5})"), "big");
}

// Differential check of the evaluator's shortcuts (rules grouped by operator
// and argument, looked up by value, regexes in one RE2::Set pass): a policy
// of many rules must decide exactly as judging each rule on its own (a policy
// of one rule, which takes no shortcut across rules) and then applying the
// precedence (deny > ask > warn > log > allow, the first rule of the highest rank).
class RuleSoup {
 public:
  RuleSoup() {
    const char* const actions[] = {"allow", "log", "warn", "ask", "deny"};
    for (int i = 0; i < 96; ++i) {
      nlohmann::json rule = {{"name", "r" + std::to_string(i)}, {"action", actions[pick(5)]}};
      nlohmann::json args = nlohmann::json::array({condition(i)});
      if (pick(6) == 0) args.push_back(condition(i + 1));
      rule["match"] = {{"args", args}};
      if (pick(8) == 0) rule["match"]["tool"] = "other";
      rules_.push_back(rule);
    }
  }
  const nlohmann::json& rules() const { return rules_; }
  static std::string policy_yaml(const nlohmann::json& rules) {
    return "version: 1\ndefault: allow\nrules: " + rules.dump() + "\n";  // JSON is YAML
  }
  nlohmann::json arguments() {
    nlohmann::json args = nlohmann::json::object();
    for (const char* key : {"a", "b", "c", "n"}) {
      if (pick(5) != 0) args[key] = value(0);
    }
    return args;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }
  const std::string& word() { return kWords[pick(std::size(kWords))]; }
  std::string rule_word() {  // at least two bytes
    std::string w = word();
    return w.size() >= 2 ? w : w + "zz";
  }

  nlohmann::json condition(int i) {
    const char* const paths[] = {"/a", "/b", "/c", "/c/0", "/n", "*"};
    nlohmann::json c = {{"path", paths[pick(std::size(paths))]}};
    switch (pick(9)) {
      case 0: c["equals"] = word(); break;
      case 1: c["in"] = pick(2) == 0 ? nlohmann::json::array({word()}) : nlohmann::json::array({word(), 7}); break;
      case 2: c["prefix"] = rule_word().substr(0, 1 + pick(2)); break;
      case 3: c["glob"] = glob(); break;
      case 4: c["regex"] = pick(2) == 0 ? "^" + rule_word().substr(0, 2) + "[a-z]*$" : rule_word().substr(1, 1); break;
      case 5: c["max_length"] = pick(12); break;
      case 6: c["gt"] = static_cast<int>(pick(20)) - 5; break;
      case 7: c["lt"] = static_cast<int>(pick(20)) - 5; break;
      default: c["equals"] = static_cast<int>(pick(10)); break;
    }
    if (i % 11 == 0) c["not"] = true;
    return c;
  }
  std::string glob() {
    const std::string w = rule_word();
    switch (pick(4)) {
      case 0: return w;
      case 1: return w.substr(0, 2) + "*";
      case 2: return "*" + w.substr(w.size() - 2);
      default: return w.substr(0, 1) + "?*";
    }
  }
  nlohmann::json value(int depth) {
    switch (pick(depth < 2 ? 9 : 7)) {
      case 0: return word();
      case 1: return word() + word();
      case 2: return word().substr(0, 1 + pick(4));
      case 3: return static_cast<int>(pick(20)) - 5;
      case 4: return pick(2) == 0;
      case 5: return nullptr;
      case 6: return word() + std::string(1, '\0') + word();  // globs stop at NUL, equals does not
      case 7: return nlohmann::json::array({value(depth + 1), value(depth + 1)});
      default: return {{word(), value(depth + 1)}};
    }
  }

  static inline const std::string kWords[] = {"alpha", "beta", "gamma", "delta", "alp", "be", "a", "",
                                              "gammaray", "x.pem", "sudo rm", "7"};
  std::mt19937 random_{20250131};
  nlohmann::json rules_ = nlohmann::json::array();
};

TEST(PolicyEquivalenceTest, ManyRulesDecideAsEachRuleJudgedAlone) {
  RuleSoup soup;
  Policy all = must_parse(RuleSoup::policy_yaml(soup.rules()));
  std::vector<Policy> alone;
  for (const nlohmann::json& rule : soup.rules()) {
    alone.push_back(must_parse(RuleSoup::policy_yaml(nlohmann::json::array({rule}))));
  }
  FakeClock clock;
  for (int round = 0; round < 400; ++round) {
    const nlohmann::json args = soup.arguments();
    const std::string tool = round % 7 == 0 ? "other" : "t";
    std::string expected = "default";
    std::string expected_reason;  // the deciding rule's, evidence included
    int best_rank = -1;
    for (size_t k = 0; k < alone.size(); ++k) {
      Decision d = alone[k].evaluate(CallContext{"s", tool, &args, nullptr, {}, {}}, clock);
      if (d.rule == "default" || action_rank(d.action) <= best_rank) continue;
      best_rank = action_rank(d.action);
      expected = d.rule;
      expected_reason = d.reason;
    }
    Decision d = all.evaluate(CallContext{"s", tool, &args, nullptr, {}, {}}, clock);
    ASSERT_EQ(d.rule, expected) << args.dump() << " tool " << tool;
    if (expected != "default") {
      ASSERT_EQ(d.reason, expected_reason) << args.dump() << " tool " << tool;
    }
  }
}

TEST(PolicyLanguageTest, ARuleIsRejudgedWhenTheToolsAnnotationsChange) {
  Policy p = must_parse(R"(version: 1
default: deny
rules:
  - {name: ro, match: {server: "fs*", annotations: {readOnlyHint: true}}, action: allow}
)");
  Judge j(p);
  ToolInfo read_only = tool_named("peek", true);
  ToolInfo writable = tool_named("peek", false);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(j.call("peek", {}, &read_only, "fs1").rule, "ro");
    EXPECT_EQ(j.call("peek", {}, &writable, "fs1").rule, "default");
    EXPECT_EQ(j.call("peek", {}, nullptr, "fs1").rule, "default");
    EXPECT_EQ(j.call("peek", {}, &read_only, "other").rule, "default");
  }
}

TEST(PolicyLanguageTest, ManyDistinctToolNamesAreAllJudgedAlike) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: odd, match: {tool: "*[13579]"}, action: deny}
)");
  Judge j(p);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3000; ++i) {
      const std::string tool = "tool_" + std::to_string(i);
      ASSERT_EQ(j.call(tool, {}).rule, i % 2 == 1 ? "odd" : "default") << tool;
    }
  }
}

TEST(PolicyLanguageTest, AnyStringPathSearchesNestedObjectsArraysAndKeys) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: bad, match: {args: [{path: "*", equals: evil}]}, action: deny}
  - {name: badkey, match: {args: [{path: "*", glob: "evil-*"}]}, action: deny}
)");
  Judge j(p);
  Decision nested = j.call("t", nlohmann::json::parse(R"({"a": {"b": [1, {"c": "evil"}]}})"));
  EXPECT_EQ(nested.rule, "bad");
  EXPECT_THAT(nested.reason, HasSubstr("/a/b/1/c"));
  EXPECT_EQ(j.call("t", nlohmann::json::parse(R"({"m": {"evil-key": 1}})")).rule, "badkey");
  EXPECT_EQ(j.call("t", nlohmann::json::parse(R"({"a": ["good"]})")).action, Action::kAllow);
}

TEST(PolicyLanguageTest, TheReasonSpellsOutTheEscapedPointerOfTheMatchingLeaf) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: anywhere, match: {args: [{path: "*", equals: evil}]}, action: deny}
  - {name: below, match: {args: [{path: /list, glob: "x*"}]}, action: warn}
  - {name: key, match: {args: [{path: "*", glob: "bad-*"}]}, action: warn}
)");
  Judge j(p);
  const auto reason_of = [&](const char* args) { return j.call("t", nlohmann::json::parse(args)).reason; };
  EXPECT_THAT(reason_of(R"({"a/b": {"c~d": [0, "evil"]}})"), HasSubstr("argument /a~1b/c~0d/1 is \"evil\""));
  EXPECT_THAT(reason_of(R"({"": ["evil"]})"), HasSubstr("argument //0 is \"evil\""));
  EXPECT_THAT(reason_of(R"("evil")"), HasSubstr("argument / is \"evil\""));
  EXPECT_THAT(reason_of(R"({"list": ["y", {"k/": "x1"}]})"), HasSubstr("argument /list/1/k~1 is \"x1\""));
  EXPECT_THAT(reason_of(R"({"list": "x2"})"), HasSubstr("argument /list is \"x2\""));
  EXPECT_THAT(reason_of(R"({"m": {"bad-1": 1}})"), HasSubstr("argument /m/bad-1 is \"bad-1\"")) << "a key";
}

TEST(PolicyLanguageTest, TheReasonShowsTheDecidingRulesEvidence) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: log-a, match: {args: [{path: /a, glob: "*"}]}, action: log}
  - {name: warn-b, match: {args: [{path: /b, glob: "*"}]}, action: warn}
  - {name: warn-c, match: {args: [{path: /c, glob: "*"}]}, action: warn}
  - {name: allow-d, match: {args: [{path: /d, glob: "*"}]}, action: allow}
)");
  Judge j(p);
  Decision d = j.call("t", {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  EXPECT_EQ(d.rule, "warn-b");
  EXPECT_THAT(d.reason, HasSubstr("argument /b is \"2\")"));
  d = j.call("t", {{"a", "1"}, {"c", "3"}, {"d", "4"}});
  EXPECT_EQ(d.rule, "warn-c");
  EXPECT_THAT(d.reason, HasSubstr("argument /c is \"3\")"));
  d = j.call("t", {{"a", "1"}, {"d", "4"}});
  EXPECT_EQ(d.rule, "log-a");
  EXPECT_THAT(d.reason, HasSubstr("argument /a is \"1\")"));
}

TEST(PolicyLanguageTest, TheDefaultReasonNamesEachCallsTool) {
  Policy p = must_parse("version: 1\ndefault: deny\ndefault_reason: nothing else is allowed\n");
  Judge j(p);
  for (int round = 0; round < 3; ++round) {
    for (const char* tool : {"read", "write", "read"}) {
      Decision d = j.call(tool, {});
      EXPECT_EQ(d.reason, std::string("mcp-warden policy \"test\" (rule \"default\") denied the call to tool \"") +
                              tool + "\": nothing else is allowed.");
    }
  }
}

TEST(PolicyLanguageTest, MissingOrNullArgumentsNeverSatisfyAConditionButNotInvertsIt) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: has-path, match: {args: [{path: /path, glob: "*"}]}, action: warn}
  - {name: outside, match: {args: [{path: /path, under: /srv, not: true}]}, action: deny}
)");
  Judge j(p);
  Decision absent = j.call("t", nullptr);
  EXPECT_EQ(absent.rule, "outside") << "no path is not under /srv";
  EXPECT_EQ(j.call("t", {{"path", "/srv/a"}}).rule, "has-path");
  EXPECT_EQ(j.call("t", {{"path", "/srv/../etc"}}).rule, "outside");
}

TEST(PolicyLanguageTest, TrustAndTierConditionsNeedAKnownScore) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: low, match: {trust: {below: 300}}, action: deny}
  - {name: probation, match: {tier: [probation]}, action: warn}
)");
  Judge j(p);
  EXPECT_EQ(j.call("t", {}).action, Action::kAllow);
  j.trust_ = 299;
  EXPECT_EQ(j.call("t", {}).rule, "low");
  j.trust_ = 300;
  j.tier_ = "probation";
  EXPECT_EQ(j.call("t", {}).rule, "probation");
}

TEST(PolicyLanguageTest, SecretRuleMarksCredentialDenials) {
  Policy p = must_parse(R"(version: 1
default: allow
rules:
  - {name: keys, match: {args: [{path: "*", path_glob: "*.pem"}]}, action: deny, secret: true}
  - {name: other, match: {tool: nuke}, action: deny}
)");
  Judge j(p);
  EXPECT_TRUE(j.call("t", {{"f", "/tmp/cert.pem"}}).credential_denial);
  EXPECT_FALSE(j.call("nuke", {}).credential_denial);
}

TEST(PolicyLanguageTest, ExtendingStrictAddsADenyRule) {
  Result<Policy> p = Policy::load_file(kFixtures + "team_policy.yaml", test_options());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  Judge j(*p);
  ToolInfo list = tool_named("list_directory", true);
  ToolInfo read = tool_named("read_text_file", true);
  EXPECT_EQ(j.call("list_directory", {{"path", "/tmp"}}, &list).rule, "no-directory-listing");
  EXPECT_EQ(j.call("read_text_file", {{"path", "/tmp/a"}}, &read).action, Action::kAllow);
  EXPECT_EQ(j.call("read_text_file", {{"path", "~/.ssh/id_rsa"}}, &read).rule, "secret-paths");
  EXPECT_EQ(p->name(), "team-policy");
}

TEST(PolicyLanguageTest, ChildAllowRuleCannotOverrideAParentDeny) {
  Policy p = must_parse(R"(version: 1
extends: strict
rules:
  - {name: let-me-read-keys, match: {tool: read_text_file}, action: allow}
)");
  ToolInfo read = tool_named("read_text_file", true);
  EXPECT_EQ(Judge(p).call("read_text_file", {{"path", "/home/bob/.ssh/id_rsa"}}, &read).rule,
            "secret-paths");
}

TEST(PolicyLanguageTest, ChildAllowRuleCanAdmitWhatTheParentDeniedOnlyByDefault) {
  Policy p = must_parse(R"(version: 1
extends: strict
rules:
  - {name: allow-git-status, match: {tool: git_status}, action: allow}
)");
  EXPECT_EQ(Judge(p).call("git_status", {}).action, Action::kAllow);
}

TEST(PolicyLanguageTest, ChildCannotLoosenTheParentDefault) {
  Result<Policy> p = Policy::load_file(kFixtures + "loosening_child.yaml", test_options());
  ASSERT_FALSE(p.is_ok());
  EXPECT_THAT(p.status().message(), StartsWith(kFixtures + "loosening_child.yaml:4:10: "));
  EXPECT_THAT(p.status().message(), HasSubstr("would loosen the parent's default \"deny\""));
}

TEST(PolicyLanguageTest, ChildCannotRedefineAParentRule) {
  std::string e = load_error("version: 1\nextends: strict\nrules:\n  - {name: secret-paths, action: allow}\n");
  EXPECT_THAT(e, StartsWith("test.yaml:4:"));
  EXPECT_THAT(e, HasSubstr("\"secret-paths\" is already defined"));
}

TEST(PolicyLanguageTest, ExtendsCycleIsAnError) {
  Result<Policy> p = Policy::load_file(kFixtures + "cycle_a.yaml", test_options());
  ASSERT_FALSE(p.is_ok());
  EXPECT_THAT(p.status().message(), StartsWith(kFixtures + "cycle_a.yaml:3:10: "));
  EXPECT_THAT(p.status().message(), HasSubstr("extends cycle"));
}

TEST(PolicyLanguageTest, MissingParentIsAnError) {
  Result<Policy> p = Policy::load_file(kFixtures + "missing_parent.yaml", test_options());
  ASSERT_FALSE(p.is_ok());
  EXPECT_THAT(p.status().message(), StartsWith(kFixtures + "missing_parent.yaml:3:10: "));
  EXPECT_THAT(p.status().message(), HasSubstr("does_not_exist.yaml"));
}

struct BadPolicy {
  const char* yaml;
  const char* location;
  const char* problem;
};

class PolicyLoadErrorTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PolicyLoadErrorTest, NamesFileLineColumnAndProblem) {
  std::string e = load_error(GetParam().yaml);
  EXPECT_THAT(e, StartsWith(std::string("test.yaml:") + GetParam().location + ": ")) << e;
  EXPECT_THAT(e, HasSubstr(GetParam().problem)) << e;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PolicyLoadErrorTest,
    ::testing::Values(
        BadPolicy{"version: 1\nrules: [\n", "3:1", "bad YAML"},
        BadPolicy{"version: 1\nrulez: []\n", "2:1", "unknown key \"rulez\" in policy"},
        BadPolicy{"version: 1\nrules:\n  - name: r\n    acton: deny\n", "4:5", "unknown key \"acton\" in rule"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: block}\n", "3:23", "unknown action \"block\""},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, match: {args: [{path: /q, regex: \"(a\"}]}}\n",
                  "3:62", "invalid RE2 regex \"(a\""},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: allow, rate_limit: 5/fortnight}\n", "3:42",
                  "bad rate_limit \"5/fortnight\""},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: allow, rate_limit: 0/minute}\n", "3:42", "bad rate_limit"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, rate_limit: 1/minute}\n", "3:41",
                  "rate_limit on a deny rule"},
        BadPolicy{"version: 2\n", "1:10", "unsupported version"},
        BadPolicy{"name: x\n", "1:1", "missing \"version: 1\""},
        BadPolicy{"version: 1\ndefault: maybe\n", "2:10", "unknown default action"},
        BadPolicy{"version: 1\nrules:\n  - {action: deny}\n", "3:5", "rule has no name"},
        BadPolicy{"version: 1\nrules:\n  - {name: r}\n", "3:5", "has no action"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny}\n  - {name: r, action: deny}\n", "4:12",
                  "already defined at test.yaml:3:5"},
        BadPolicy{"version: 1\nversion: 1\n", "2:1", "duplicate key \"version\""},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, match: {args: [{path: q, equals: 1}]}}\n",
                  "3:51", "not \"*\" or a JSON Pointer"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, match: {args: [{path: /q, equals: 1, in: [1]}]}}\n",
                  "3:44", "two operators"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, match: {args: [{path: /q, under: rel/dir}]}}\n",
                  "3:62", "must be an absolute path"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, match: {annotations: {readOnly: true}}}\n",
                  "3:51", "unknown key \"readOnly\" in annotations"},
        BadPolicy{"version: 1\nrules:\n  - {name: r, action: deny, match: {trust: {below: 5000}}}\n", "3:52",
                  "between 0 and 1000"},
        BadPolicy{"version: 1\nextends: no-such-preset\n", "2:10", "no preset \"no-such-preset\""},
        BadPolicy{"- just\n- a list\n", "1:1", "must be a YAML mapping"}));

TEST(PolicyAlwaysDeniesTest, OnlyWhenNoArgumentRateOrTrustCouldChangeIt) {
  Policy p = must_parse(R"(version: 1
default: deny
rules:
  - {name: ro, match: {annotations: {readOnlyHint: true}}, action: allow}
  - {name: no-rm, match: {tool: rm}, action: deny}
  - {name: maybe, match: {tool: curl, args: [{path: /url, prefix: "https://"}]}, action: allow}
  - {name: trusted, match: {tool: deploy, trust: {at_least: 900}}, action: allow}
  - {name: limited, match: {tool: ping}, action: allow, rate_limit: 1/minute}
)");
  ToolInfo rm = tool_named("rm", true);
  EXPECT_TRUE(p.always_denies("s", rm)) << "an unconditional deny outranks the read-only allow";
  EXPECT_TRUE(p.always_denies("s", tool_named("write", false))) << "only the default could apply";
  EXPECT_FALSE(p.always_denies("s", tool_named("read", true)));
  EXPECT_FALSE(p.always_denies("s", tool_named("curl", false))) << "arguments may allow it";
  EXPECT_FALSE(p.always_denies("s", tool_named("deploy", false))) << "trust may allow it";
  EXPECT_FALSE(p.always_denies("s", tool_named("ping", false)));
}

TEST(PolicyAlwaysDeniesTest, SecretsRuleNeverHidesATool) {
  Result<Policy> p = Policy::load_preset("moderate", test_options());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_FALSE(p->always_denies("filesystem", tool_named("read_text_file", true)));
}

}  // namespace
}  // namespace mcp_warden::policy
