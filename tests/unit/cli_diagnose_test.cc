// What a mistyped command line is told: the nearest subcommand or option,
// and that `proxy` wants `--` before the server command.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "mcp_warden/cli/commands.h"
#include "mcp_warden/cli/diagnose.h"

namespace mcp_warden::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DiagnoseTest : public ::testing::Test {
 protected:
  DiagnoseTest() {
    app_.require_subcommand(1);
    register_proxy_command(app_, &status_);
    register_policy_commands(app_, &status_);
    register_audit_commands(app_, &status_);
    register_trust_commands(app_, &status_);
    register_integration_commands(app_, &status_);
    register_doctor_command(app_, &status_);
    register_report_command(app_, &status_);
  }

  std::string diagnose(std::vector<std::string> args) {
    args.insert(args.begin(), "mcp-warden");
    return diagnose_command_line(app_, args).value_or("(nothing)");
  }

  CLI::App app_{"test", "mcp-warden"};
  int status_ = 0;
};

TEST_F(DiagnoseTest, AMistypedSubcommandNamesTheNearestOne) {
  EXPECT_THAT(diagnose({"polcy", "list"}), HasSubstr("unknown command `polcy` for `mcp-warden`; did you mean policy?"));
  EXPECT_THAT(diagnose({"audit", "quer"}), HasSubstr("did you mean query?"));
  EXPECT_THAT(diagnose({"docter"}), HasSubstr("did you mean doctor?"));
  EXPECT_THAT(diagnose({"xyzzy"}), Not(HasSubstr("did you mean")));
}

TEST_F(DiagnoseTest, AMistypedOptionNamesTheNearestOneOfItsCommand) {
  EXPECT_THAT(diagnose({"init-integration", "--cursor", "--dryrun"}),
              HasSubstr("unknown option --dryrun for `mcp-warden init-integration`; did you mean --dry-run?"));
  EXPECT_THAT(diagnose({"audit", "query", "--decison", "deny"}), HasSubstr("did you mean --decision?"));
  EXPECT_THAT(diagnose({"proxy", "--polcy", "strict", "--", "srv"}), HasSubstr("did you mean --policy?"));
}

TEST_F(DiagnoseTest, ProxyWithoutDashesSaysToAddThem) {
  EXPECT_THAT(diagnose({"proxy", "--policy", "strict", "npx", "-y", "server"}),
              HasSubstr("must follow `--`: `mcp-warden proxy [options] -- npx -y server`"));
}

TEST_F(DiagnoseTest, AMissingSubcommandListsTheChoices) {
  EXPECT_THAT(diagnose({}), HasSubstr("`mcp-warden` needs a command: proxy policy audit"));
  EXPECT_THAT(diagnose({"audit"}), HasSubstr("`mcp-warden audit` needs a command: verify"));
}

TEST_F(DiagnoseTest, ValidCommandLinesAreLeftAlone) {
  EXPECT_EQ(diagnose({"proxy", "--policy", "strict", "--server-name", "fs", "--", "npx", "--polcy"}), "(nothing)");
  EXPECT_EQ(diagnose({"audit", "tail", "-n", "5", "--server", "fs", "--json"}), "(nothing)");
  EXPECT_EQ(diagnose({"init-integration", "--all", "--only", "a", "--only", "b", "--dry-run"}), "(nothing)");
  EXPECT_EQ(diagnose({"policy", "check", "my.yaml"}), "(nothing)");
  EXPECT_EQ(diagnose({"report", "--since=7d", "-o", "r.html"}), "(nothing)");
  EXPECT_EQ(diagnose({"init-integration", "--cursor", "--dry-run", "--policy", "strict"}), "(nothing)");
}

TEST_F(DiagnoseTest, TheManPageCoversEveryCommandAndOption) {
  std::string page = man_page(app_, "0.0.0");
  EXPECT_THAT(page, HasSubstr(".TH MCP\\-WARDEN 1"));
  EXPECT_THAT(page, HasSubstr(".SS \"mcp\\-warden init\\-integration\""));
  EXPECT_THAT(page, HasSubstr("\\-\\-dry\\-run"));
  EXPECT_THAT(page, HasSubstr(".SS \"mcp\\-warden audit query\""));
  EXPECT_THAT(page, HasSubstr(".SS \"mcp\\-warden doctor\""));
}

}  // namespace
}  // namespace mcp_warden::cli
