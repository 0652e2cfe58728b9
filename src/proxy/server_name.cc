#include "mcp_warden/proxy/server_name.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

namespace mcp_warden::proxy {
namespace {

using Args = std::vector<std::string>;
using Options = std::set<std::string, std::less<>>;

// The words after a launcher's options: its first positional word (npos when
// there is none) and the values of its options, by option name.
struct Scanned {
  std::size_t positional = std::string::npos;
  std::map<std::string, std::string, std::less<>> values;
};

bool is_option(std::string_view word) { return word.size() > 1 && word[0] == '-'; }

// "-eVAR", "-ie VAR", "-it": returns whether the next word is the value of a short option.
bool short_option_takes_next(std::string_view word, const Options& with_value, Scanned& out, const Args& a,
                             std::size_t i) {
  for (std::size_t k = 1; k < word.size(); ++k) {
    std::string name{'-', word[k]};
    if (!with_value.count(name)) continue;
    if (k + 1 < word.size()) {
      out.values[name] = std::string(word.substr(k + 1));
      return false;
    }
    if (i + 1 < a.size()) out.values[name] = a[i + 1];
    return true;
  }
  return false;
}

// Returns whether the next word is the value of the option `word`.
bool option_takes_next(std::string_view word, const Options& with_value, Scanned& out, const Args& a, std::size_t i) {
  if (word.substr(0, 2) != "--") return short_option_takes_next(word, with_value, out, a, i);
  auto eq = word.find('=');
  if (eq != std::string_view::npos) {
    out.values[std::string(word.substr(0, eq))] = std::string(word.substr(eq + 1));
    return false;
  }
  if (!with_value.count(word)) return false;
  if (i + 1 < a.size()) out.values[std::string(word)] = a[i + 1];
  return true;
}

Scanned scan(const Args& a, std::size_t i, const Options& with_value) {
  Scanned out;
  for (; i < a.size(); ++i) {
    if (a[i] == "--") {
      if (i + 1 < a.size()) out.positional = i + 1;
      return out;
    }
    if (!is_option(a[i])) {
      out.positional = i;
      return out;
    }
    if (option_takes_next(a[i], with_value, out, a, i)) ++i;
  }
  return out;
}

std::optional<std::string> value_of(const Scanned& s, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (auto it = s.values.find(name); it != s.values.end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

// A program's name without directory and a Windows ".cmd"/".exe".
std::string program_of(const std::string& word) {
  std::string base = std::filesystem::path(word).filename().string();
  for (std::string_view suffix : {".cmd", ".exe", ".bat"}) {
    if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
      base.erase(base.size() - suffix.size());
    }
  }
  return base;
}

// Names that say nothing about the server, so the directory above is used.
const Options& generic_names() {
  static const Options names = {"index", "main", "server", "dist", "build", "lib", "src", "bin", "cli", "app"};
  return names;
}

std::string name_from_path(const std::string& arg) {
  std::filesystem::path path(arg);
  std::string name = path.stem().string();
  while (generic_names().count(name) && path.has_parent_path() && path.parent_path() != path) {
    path = path.parent_path();
    name = path.filename().string();
  }
  return name;
}

// "pkg@1.2.3" → "pkg"; "@scope/pkg@latest" → "@scope/pkg"; "@scope/pkg" kept.
std::string npm_name(std::string spec) {
  auto at = spec.rfind('@');
  if (at != std::string::npos && at > 0) spec.erase(at);
  return spec;
}

// "mcp-server-git==1.2", "pkg[extra]>=1", "pkg@1.0" → the distribution's name; a URL is kept.
std::string pypi_name(std::string spec) {
  if (spec.find("://") != std::string::npos) return spec;
  spec.erase(std::min(spec.size(), spec.find_first_of("=<>!~[@; (")));
  return spec;
}

// "ghcr.io/a/b:v1" → "ghcr.io/a/b"; "img@sha256:…" → "img"; a registry's port is kept.
std::string image_name(std::string ref) {
  ref.erase(std::min(ref.size(), ref.find('@')));
  auto colon = ref.rfind(':');
  auto slash = ref.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) ref.erase(colon);
  return ref;
}

// A script run by a JavaScript runtime: its package when it lives under node_modules.
std::string script_name(const std::string& path) {
  if (path.rfind("npm:", 0) == 0 || path.rfind("jsr:", 0) == 0) return path.substr(0, 4) + npm_name(path.substr(4));
  static constexpr std::string_view kModules = "node_modules/";
  auto at = path.rfind(kModules);
  if (at == std::string::npos) return name_from_path(path);
  std::string rest = path.substr(at + kModules.size());
  if (rest.empty()) return name_from_path(path);
  auto end = rest.find('/', rest[0] == '@' ? rest.find('/') + 1 : 0);
  return "npm:" + rest.substr(0, end);
}

std::optional<std::string> derive_from(const Args& a, std::size_t i);

std::optional<std::string> from_env(const Args& a, std::size_t i) {
  static const Options with_value = {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"};
  while (i < a.size()) {
    if (is_option(a[i])) {
      Scanned ignored;
      if (option_takes_next(a[i], with_value, ignored, a, i)) ++i;
    } else if (a[i].find('=') == std::string::npos) {
      return derive_from(a, i);
    }
    ++i;
  }
  return std::nullopt;
}

std::optional<std::string> from_npx(const Args& a, std::size_t i) {
  static const Options with_value = {"-p", "--package", "--registry", "--cache", "--userconfig", "-c", "--call",
                                     "-w", "--workspace", "--prefix"};
  Scanned s = scan(a, i, with_value);
  if (auto package = value_of(s, {"--package", "-p"})) return "npm:" + npm_name(*package);
  if (s.positional == std::string::npos) return std::nullopt;
  return "npm:" + npm_name(a[s.positional]);
}

std::optional<std::string> from_js_runtime(const Args& a, std::size_t i) {
  static const Options with_value = {"-r", "--require", "--import", "--loader", "--experimental-loader", "-C",
                                     "--conditions", "--env-file", "--inspect-port", "--title", "--input-type",
                                     "--config", "-c", "--tsconfig", "--cwd", "-e", "--eval", "-p", "--print"};
  Scanned s = scan(a, i, with_value);
  if (value_of(s, {"-e", "--eval", "-p", "--print"})) return std::nullopt;
  if (s.positional == std::string::npos) return std::nullopt;
  if (a[s.positional] == "run") return from_js_runtime(a, s.positional + 1);  // bun run, deno run
  if (a[s.positional] == "x") return from_npx(a, s.positional + 1);           // bun x
  return script_name(a[s.positional]);
}

std::optional<std::string> from_python(const Args& a, std::size_t i) {
  static const Options with_value = {"-X", "-W", "-Q", "-m", "-c"};
  Scanned s = scan(a, i, with_value);
  if (auto module = value_of(s, {"-m"})) return "python:" + *module;
  if (value_of(s, {"-c"}) || s.positional == std::string::npos) return std::nullopt;
  return name_from_path(a[s.positional]);
}

const Options& python_runner_options() {
  static const Options with_value = {"--from", "--with", "--python", "-p", "--index", "--index-url",
                                     "--extra-index-url", "--default-index", "-w", "--with-editable",
                                     "--with-requirements", "--constraints", "--spec", "--pip-args",
                                     "--directory", "--project", "--extra", "--group", "--env-file", "-f",
                                     "--find-links"};
  return with_value;
}

std::optional<std::string> from_python_runner(const Args& a, std::size_t i) {
  Scanned s = scan(a, i, python_runner_options());
  if (auto package = value_of(s, {"--from", "--spec"})) return "pypi:" + pypi_name(*package);
  if (s.positional == std::string::npos) return std::nullopt;
  return "pypi:" + pypi_name(a[s.positional]);
}

// `uv run …`: whatever it runs (a script, `python -m x`, an installed command).
std::optional<std::string> from_uv_run(const Args& a, std::size_t i) {
  Scanned s = scan(a, i, python_runner_options());
  if (s.positional == std::string::npos) return std::nullopt;
  return derive_from(a, s.positional);
}

const Options& container_run_options() {
  static const Options with_value = {
      "-a", "--attach", "--add-host", "--annotation", "--blkio-weight", "--cap-add", "--cap-drop",
      "--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-period", "--cpu-quota", "--cpu-shares", "-c",
      "--cpus", "--cpuset-cpus", "--cpuset-mems", "--device", "--device-cgroup-rule", "--dns", "--dns-option",
      "--dns-search", "--domainname", "--entrypoint", "-e", "--env", "--env-file", "--expose", "--gpus",
      "--group-add", "--health-cmd", "--health-interval", "--health-retries", "--health-start-period",
      "--health-timeout", "-h", "--hostname", "--ip", "--ip6", "--ipc", "--isolation", "--kernel-memory", "-l",
      "--label", "--label-file", "--link", "--log-driver", "--log-opt", "--mac-address", "-m", "--memory",
      "--memory-reservation", "--memory-swap", "--mount", "--name", "--network", "--net", "--network-alias",
      "--oom-score-adj", "--pid", "--pids-limit", "--platform", "-p", "--publish", "--pull", "--restart",
      "--runtime", "--security-opt", "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt",
      "--sysctl", "--tmpfs", "--ulimit", "-u", "--user", "--userns", "--uts", "-v", "--volume",
      "--volume-driver", "--volumes-from", "-w", "--workdir", "--arch", "--os", "--secret", "--pod",
      "--userns-uid-map", "--decryption-key", "--detach-keys", "--cpu-rt-runtime", "--cpu-rt-period",
      "--memory-swappiness", "--log-level", "--context", "-H", "--host", "--config"};
  return with_value;
}

std::optional<std::string> from_container(const Args& a, std::size_t i) {
  Scanned global = scan(a, i, container_run_options());  // `docker --context x run …`
  std::size_t at = global.positional;
  if (at != std::string::npos && a[at] == "container") ++at;
  if (at >= a.size() || a[at] != "run") return std::nullopt;
  Scanned s = scan(a, at + 1, container_run_options());
  if (s.positional == std::string::npos) return std::nullopt;
  return "docker:" + image_name(a[s.positional]);
}

// `sh -c "npx -y pkg"`: the command string, split on spaces.
std::optional<std::string> from_shell(const Args& a, std::size_t i) {
  Scanned s = scan(a, i, {"-c"});
  if (auto script = value_of(s, {"-c"})) {
    Args words;
    std::istringstream in(*script);
    for (std::string word; in >> word;) words.push_back(word);
    return derive_from(words, 0);
  }
  if (s.positional == std::string::npos) return std::nullopt;
  return name_from_path(a[s.positional]);
}

// "python", "python3", "python3.12", "py", "pythonw".
bool is_python(std::string_view program) {
  if (program == "py" || program == "pythonw") return true;
  if (program.rfind("python", 0) != 0) return false;
  return program.find_first_not_of("0123456789.", 6) == std::string_view::npos;
}

// The word after `a[i]` equals `word`.
bool next_is(const Args& a, std::size_t i, std::string_view word) { return i + 1 < a.size() && a[i + 1] == word; }

std::optional<std::string> derive_from(const Args& a, std::size_t i) {
  if (i >= a.size() || a[i].empty()) return std::nullopt;
  std::string program = program_of(a[i]);
  if (program == "env") return from_env(a, i + 1);
  if (program == "npx" || program == "bunx") return from_npx(a, i + 1);
  if ((program == "npm" && next_is(a, i, "exec")) || ((program == "pnpm" || program == "yarn") && next_is(a, i, "dlx"))) {
    return from_npx(a, i + 2);
  }
  if (program == "node" || program == "nodejs" || program == "tsx" || program == "ts-node" || program == "bun" ||
      program == "deno") {
    return from_js_runtime(a, i + 1);
  }
  if (is_python(program)) return from_python(a, i + 1);
  if (program == "uvx") return from_python_runner(a, i + 1);
  if (program == "uv" && next_is(a, i, "tool") && i + 2 < a.size() && a[i + 2] == "run") return from_python_runner(a, i + 3);
  if (program == "uv" && next_is(a, i, "run")) return from_uv_run(a, i + 2);
  if (program == "pipx" && next_is(a, i, "run")) return from_python_runner(a, i + 2);
  if (program == "docker" || program == "podman") return from_container(a, i + 1);
  if (program == "sh" || program == "bash" || program == "zsh" || program == "dash") return from_shell(a, i + 1);
  return name_from_path(a[i]);
}

}  // namespace

std::string derive_server_name(const std::vector<std::string>& command) {
  auto name = derive_from(command, 0);
  if (name && !name->empty() && name->back() != ':') return *name;
  return command.empty() || command[0].empty() ? "mcp-server" : program_of(command[0]);
}

}  // namespace mcp_warden::proxy
