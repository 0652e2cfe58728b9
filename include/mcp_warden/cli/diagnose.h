// Better words for a command line CLI11 refused: which subcommand or option
// was probably meant, and that `proxy` wants `--` before the server command.
// main() asks diagnose_command_line() only after CLI11's parse failed, so a
// command line CLI11 accepts is never second-guessed.
//
// Also the manual page, written from the same CLI11 tree that --help prints
// (the hidden `mcp-warden help-man`; the build installs its output as
// mcp-warden.1).
//
// Thread safety: pure functions over a fully built CLI::App.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mcp_warden::cli {

// One sentence for stderr (without the program name) when `argv` (argv[0]
// first, in the user's order) names an unknown subcommand or option, or
// gives `proxy` a server command without `--`; nullopt when nothing of that
// kind is wrong.
std::optional<std::string> diagnose_command_line(CLI::App& app, const std::vector<std::string>& argv);

// The man page (troff, man(7) macros) of `app` and every visible subcommand.
std::string man_page(CLI::App& app, const std::string& version);

}  // namespace mcp_warden::cli
