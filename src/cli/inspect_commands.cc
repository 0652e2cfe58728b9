// `mcp-warden inspect [FILE|-] [--json] [--all] [--kinds LIST]`: argument
// parsing only; the command lives in mcp_warden_inspect (inspect/command.h).
// Exit status: 0 nothing found; 1 findings; 2 usage or I/O error.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "mcp_warden/cli/commands.h"
#include "mcp_warden/inspect/command.h"

namespace mcp_warden::cli {

void register_inspect_command(CLI::App& app, int* exit_status) {
  auto args = std::make_shared<inspect::InspectCommand>();
  CLI::App* sub = app.add_subcommand(
      "inspect", "run the content detectors (secrets, cards, personal data, hidden instructions) on a file");
  sub->add_option("file", args->path, "a file, or - for stdin (default)");
  sub->add_flag("--json", args->json, "a JSON document of findings instead of lines");
  sub->add_flag("--all", args->all, "include low-confidence findings");
  sub->add_option("--kinds", args->kinds, "only these kinds, comma-separated (e.g. secret,payment_card)");
  sub->callback([args, exit_status] {
    *exit_status = inspect::run_inspect_command(*args, std::cin, std::cout, std::cerr);
  });
}

}  // namespace mcp_warden::cli
