#include "mcp_warden/cli/diagnose.h"

#include <algorithm>
#include <CLI/CLI.hpp>

#include "mcp_warden/report/setup_checks.h"

namespace mcp_warden::cli {
namespace {

bool visible(const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); }

std::vector<CLI::App*> visible_subcommands(CLI::App& app) {
  return app.get_subcommands([](CLI::App* sub) { return visible(sub); });
}

// The app's own options and those of its option groups (nameless subcommands).
std::vector<const CLI::Option*> all_options(CLI::App& app) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* opt : std::as_const(app).get_options()) out.push_back(opt);
  for (CLI::App* group : app.get_subcommands([](CLI::App* sub) { return sub->get_name().empty(); })) {
    for (const CLI::Option* opt : all_options(*group)) out.push_back(opt);
  }
  return out;
}

std::vector<std::string> option_names(const CLI::Option* opt) {
  std::vector<std::string> names;
  for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
  for (const std::string& n : opt->get_snames()) names.push_back("-" + n);
  return names;
}

const CLI::Option* find_option(CLI::App& app, const std::string& name, std::vector<std::string>& known) {
  const CLI::Option* found = nullptr;
  for (const CLI::Option* opt : all_options(app)) {
    for (const std::string& n : option_names(opt)) {
      known.push_back(n);
      if (n == name) found = opt;
    }
  }
  return found;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& names) {
  auto near = report::nearest_name(word, names);
  return near ? "; did you mean " + *near + "?" : "";
}

std::string joined(const std::vector<std::string>& argv, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < argv.size(); ++i) out += (out.empty() ? "" : " ") + argv[i];
  return out;
}

struct Walk {
  CLI::App* current;
  std::string path = "mcp-warden";
};

std::optional<std::string> check_option(Walk& walk, const std::vector<std::string>& argv, std::size_t& i) {
  const std::string& arg = argv[i];
  std::string name = arg.substr(0, arg.find('='));
  if (name.size() > 2 && name[1] != '-') name = name.substr(0, 2);  // -n5, -fn: the first short flag
  std::vector<std::string> known;
  const CLI::Option* opt = find_option(*walk.current, name, known);
  if (opt == nullptr) {
    return "unknown option " + name + " for `" + walk.path + "`" + did_you_mean(name, known) + " (see `" +
           walk.path + " --help`)";
  }
  bool inline_value = arg.find('=') != std::string::npos || (arg.size() > 2 && arg[1] != '-');
  if (opt->get_items_expected_max() > 0 && !inline_value) ++i;
  return std::nullopt;
}

std::optional<std::string> check_word(Walk& walk, const std::vector<std::string>& argv, std::size_t i,
                                      bool& stop) {
  const std::string& arg = argv[i];
  std::vector<std::string> names;
  for (CLI::App* sub : visible_subcommands(*walk.current)) {
    if (sub->get_name() == arg) {
      walk.current = sub;
      walk.path += " " + arg;
      return std::nullopt;
    }
    names.push_back(sub->get_name());
  }
  stop = true;
  if (walk.current->get_name() == "proxy") {
    return "the server command must follow `--`: `mcp-warden proxy [options] -- " + joined(argv, i) + "`";
  }
  if (names.empty()) return std::nullopt;  // a positional argument of the command
  return "unknown command `" + arg + "` for `" + walk.path + "`" + did_you_mean(arg, names) + " (commands: " +
         joined(names, 0) + ")";
}

std::string escape_troff(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string option_label(const CLI::Option* opt) {
  std::string label;
  for (const std::string& n : option_names(opt)) label += (label.empty() ? "" : ", ") + n;
  if (label.empty()) label = opt->get_name();
  if (opt->get_items_expected_max() > 0 && opt->nonpositional()) label += " VALUE";
  return label;
}

void man_section(CLI::App& app, const std::string& path, std::string& out) {
  out += ".SS \"" + escape_troff(path) + "\"\n" + escape_troff(app.get_description()) + "\n";
  for (const CLI::Option* opt : all_options(app)) {
    if (opt->get_group().empty() || opt->get_name() == "--help" || opt->get_lnames() == std::vector<std::string>{"help"}) {
      continue;
    }
    out += ".TP\n.B " + escape_troff(option_label(opt)) + "\n" + escape_troff(opt->get_description()) + "\n";
  }
  for (CLI::App* sub : visible_subcommands(app)) man_section(*sub, path + " " + sub->get_name(), out);
}

}  // namespace

std::optional<std::string> diagnose_command_line(CLI::App& app, const std::vector<std::string>& argv) {
  Walk walk{&app};
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-') {
      if (auto problem = check_option(walk, argv, i)) return problem;
      continue;
    }
    bool stop = false;
    if (auto problem = check_word(walk, argv, i, stop)) return problem;
    if (stop) return std::nullopt;
  }
  std::vector<std::string> names;
  for (CLI::App* sub : visible_subcommands(*walk.current)) names.push_back(sub->get_name());
  if (walk.current->get_require_subcommand_min() == 0 || names.empty()) return std::nullopt;
  return "`" + walk.path + "` needs a command: " + joined(names, 0) + " (see `" + walk.path + " --help`)";
}

std::string man_page(CLI::App& app, const std::string& version) {
  std::string description = app.get_description();
  if (description.rfind("mcp-warden: ", 0) == 0) description = description.substr(12);
  std::string out = ".TH MCP\\-WARDEN 1 \"\" \"" + escape_troff(version) + "\" \"User Commands\"\n";
  out += ".SH NAME\nmcp\\-warden \\- " + escape_troff(description) + "\n";
  out += ".SH SYNOPSIS\n.B mcp\\-warden\n.I command\n[\\fIoptions\\fR]\n.br\n";
  out += ".B mcp\\-warden proxy\n[\\fIoptions\\fR] \\-\\- \\fIserver-command\\fR [\\fIargs\\fR...]\n";
  out += ".SH DESCRIPTION\nAn MCP client starts \\fBmcp\\-warden proxy \\-\\- \\fIserver-command\\fR instead of the "
         "server; mcp\\-warden judges every tool call against a policy, records it in a verifiable audit log, and "
         "scores the server's trust. \\fBmcp\\-warden COMMAND \\-\\-help\\fR prints the same text as below.\n";
  out += ".SH COMMANDS\n";
  for (CLI::App* sub : visible_subcommands(app)) man_section(*sub, "mcp-warden " + sub->get_name(), out);
  out += ".SH FILES\n.TP\n.I $MCP_WARDEN_HOME/warden.db\nthe audit and trust database (default "
         "~/.local/share/mcp\\-warden)\n.TP\n.I <prefix>/share/mcp\\-warden/policies\nthe policy presets and "
         "policy.schema.json\n";
  out += ".SH SEE ALSO\nThe documents under share/doc/mcp\\-warden, or docs/ in the source.\n";
  return out;
}

}  // namespace mcp_warden::cli
