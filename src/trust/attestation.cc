#include "mcp_warden/trust/attestation.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/digest.h"

namespace mcp_warden::trust {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- files ------------------------------------------------------------------

std::string stat_key(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec);
}

std::string sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  audit::Sha256 hash;
  std::string buffer(1 << 20, '\0');
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  return audit::to_hex(hash.finish());
}

// The file's hash, reusing `known_hash` when its stat is still `known_stat`.
void hash_into(const fs::path& path, const std::string& known_stat, const std::string& known_hash,
               std::string& stat_out, std::string& hash_out) {
  stat_out = stat_key(path);
  hash_out = !stat_out.empty() && stat_out == known_stat && !known_hash.empty() ? known_hash : sha256_file(path);
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

fs::path canonical_or(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::canonical(path, ec);
  return ec ? path : out;
}

std::optional<json> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  json out = json::parse(in, nullptr, false);
  if (out.is_discarded()) return std::nullopt;
  return out;
}

int64_t mtime_of(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
}

// Like execvp: as given with a '/', else the first executable on PATH.
fs::path resolve_executable(const std::string& command, const AttestationRequest& request) {
  if (command.empty()) return {};
  if (command.find('/') != std::string::npos) return canonical_or(request.cwd / command);
  std::string_view path = request.path_env;
  while (!path.empty()) {
    std::size_t colon = path.find(':');
    std::string dir(path.substr(0, colon));
    path = colon == std::string_view::npos ? std::string_view() : path.substr(colon + 1);
    fs::path candidate = (dir.empty() ? request.cwd : fs::path(dir)) / command;
    if (is_file(candidate) && ::access(candidate.c_str(), X_OK) == 0) return canonical_or(candidate);
  }
  return {};
}

std::string base_name(const std::string& arg) { return fs::path(arg).filename().string(); }

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// ---- package specs ------------------------------------------------------------

struct Spec {
  std::string name;
  std::string version;  // exact version the command names, or ""
};

// "name", "name@1.2.3", "@scope/name@1.2.3", "name@latest" (a tag: no version).
Spec npm_spec(const std::string& spec) {
  std::size_t at = spec.find('@', spec.starts_with("@") ? 1 : 0);
  if (at == std::string::npos) return {spec, {}};
  std::string version = spec.substr(at + 1);
  bool exact = !version.empty() && std::isdigit(static_cast<unsigned char>(version[0])) &&
               version.find_first_of("^~<>=* |") == std::string::npos;
  return {spec.substr(0, at), exact ? version : std::string()};
}

// "name", "name==1.2", "name@1.2", "name[extra]==1.2".
Spec python_spec(const std::string& spec) {
  std::size_t cut = spec.find_first_of("=@[<>~!");
  Spec out{spec.substr(0, cut), {}};
  std::size_t eq = spec.find("==");
  std::size_t at = spec.find('@');
  if (eq != std::string::npos) out.version = spec.substr(eq + 2);
  else if (at != std::string::npos) out.version = spec.substr(at + 1);
  return out;
}

// The first argument from `from` on that is not an option; "" when none.
// `with_value` lists options that take the next argument as their value.
std::string first_operand(const std::vector<std::string>& argv, std::size_t from,
                          const std::set<std::string>& with_value, std::size_t* index = nullptr) {
  for (std::size_t i = from; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") return i + 1 < argv.size() ? (index ? (*index = i + 1, argv[i + 1]) : argv[i + 1]) : "";
    if (!arg.starts_with("-") || arg == "-") {
      if (index) *index = i;
      return arg;
    }
    if (arg.find('=') == std::string::npos && with_value.contains(arg)) ++i;
  }
  return {};
}

// The value of `--name VALUE` / `--name=VALUE` / `short VALUE`, or "".
std::string option_value(const std::vector<std::string>& argv, std::size_t from, const std::string& name,
                         const std::string& short_name = {}) {
  for (std::size_t i = from; i + 0 < argv.size(); ++i) {
    if (argv[i] == "--") break;
    if (argv[i].starts_with(name + "=")) return argv[i].substr(name.size() + 1);
    if ((argv[i] == name || (!short_name.empty() && argv[i] == short_name)) && i + 1 < argv.size()) return argv[i + 1];
  }
  return {};
}

// ---- npm ----------------------------------------------------------------------

// The integrity of the package installed at `dir` from the hidden lockfile
// of an enclosing node_modules (npm writes node_modules/.package-lock.json).
std::string npm_integrity(const fs::path& dir) {
  for (fs::path p = dir; p.has_parent_path() && p != p.parent_path(); p = p.parent_path()) {
    if (p.filename() != "node_modules") continue;
    auto lock = read_json(p / ".package-lock.json");
    if (!lock) continue;
    std::string key = fs::relative(dir, p.parent_path()).generic_string();
    const json& entry = (*lock)["packages"][key];
    if (entry.is_object() && entry.contains("integrity") && entry["integrity"].is_string()) {
      return entry["integrity"].get<std::string>();
    }
  }
  return {};
}

bool fill_npm(Attestation& out, const fs::path& dir, const std::string& how) {
  auto manifest = read_json(dir / "package.json");
  if (!manifest || !manifest->is_object() || !(*manifest)["name"].is_string()) return false;
  out.kind = SubjectKind::kNpmPackage;
  out.package = (*manifest)["name"].get<std::string>();
  out.version = (*manifest).value("version", json("")).is_string() ? (*manifest).value("version", "") : "";
  out.integrity = npm_integrity(dir);
  out.source = (dir / "package.json").string() + " (" + how + ")";
  if (out.integrity.empty()) out.note = "no integrity recorded for it in an enclosing node_modules/.package-lock.json";
  return true;
}

// node_modules/NAME in the working directory or an ancestor, as npx looks first.
std::optional<fs::path> local_npm_package(const std::string& name, const fs::path& cwd) {
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    fs::path candidate = dir / "node_modules" / name;
    if (is_file(candidate / "package.json")) return candidate;
    if (dir == dir.parent_path() || dir.empty()) return std::nullopt;
  }
}

std::string package_version(const fs::path& dir) {
  auto manifest = read_json(dir / "package.json");
  return manifest && manifest->is_object() && (*manifest)["version"].is_string() ? (*manifest)["version"].get<std::string>()
                                                                               : "";
}

// The npx cache's installs of NAME: the exact version asked for, else the newest.
std::optional<fs::path> cached_npm_package(const Spec& spec, const fs::path& npx_cache) {
  std::error_code ec;
  std::optional<fs::path> best;
  int64_t best_time = -1;
  for (const auto& entry : fs::directory_iterator(npx_cache, ec)) {
    fs::path candidate = entry.path() / "node_modules" / spec.name;
    if (!is_file(candidate / "package.json")) continue;
    if (!spec.version.empty() && package_version(candidate) == spec.version) return candidate;
    int64_t when = mtime_of(candidate / "package.json");
    if (spec.version.empty() && when > best_time) {
      best = candidate;
      best_time = when;
    }
  }
  return best;
}

void attest_npx(Attestation& out, const std::vector<std::string>& argv, std::size_t from,
                const AttestationRequest& request) {
  std::string spec_text = option_value(argv, from, "--package", "-p");
  if (spec_text.empty()) spec_text = first_operand(argv, from, {"--package", "-p", "--call", "-c"});
  if (spec_text.empty()) return void(out.note = "no package named on the command line");
  Spec spec = npm_spec(spec_text);
  fs::path cache = !request.npm_cache.empty() ? request.npm_cache : request.home / ".npm";
  if (auto local = local_npm_package(spec.name, request.cwd)) {
    if (spec.version.empty() || package_version(*local) == spec.version) {
      fill_npm(out, *local, "installed under the working directory");
      return;
    }
  }
  if (auto cached = cached_npm_package(spec, cache / "_npx")) {
    fill_npm(out, *cached, "npx cache");
    return;
  }
  out.kind = SubjectKind::kNpmPackage;
  out.package = spec.name;
  out.version = spec.version;
  out.source = "command line";
  out.note = "not installed yet (npx will fetch it): version and integrity are unknown until the next spawn";
}

// A script inside an npm package: its nearest package.json with a name.
void attest_node_script(Attestation& out, const fs::path& script) {
  for (fs::path dir = script.parent_path(); !dir.empty() && dir != dir.parent_path(); dir = dir.parent_path()) {
    auto manifest = read_json(dir / "package.json");
    if (manifest && manifest->is_object() && (*manifest)["name"].is_string() && (*manifest)["version"].is_string()) {
      fill_npm(out, dir, "the package of the script");
      return;
    }
  }
}

// ---- python -------------------------------------------------------------------

std::string normalize_python_name(std::string name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == '-' || l == '.') l = '_';
    if (l == '_' && !out.empty() && out.back() == '_') continue;
    out += l;
  }
  return out;
}

// METADATA's "Name:" and "Version:" header lines.
std::pair<std::string, std::string> read_metadata(const fs::path& dist_info) {
  std::ifstream in(dist_info / "METADATA");
  std::string line, name, version;
  while (std::getline(in, line) && !line.empty()) {
    if (line.starts_with("Name: ")) name = line.substr(6);
    if (line.starts_with("Version: ")) version = line.substr(9);
  }
  return {name, version};
}

bool top_level_has(const fs::path& dist_info, const std::string& module) {
  std::ifstream in(dist_info / "top_level.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line == module) return true;
  }
  return false;
}

// site-packages directories under `root` matching root/lib/python*/site-packages.
void add_site_packages(const fs::path& root, std::vector<fs::path>& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root / "lib", ec)) {
    if (starts_with(entry.path().filename().string(), "python")) out.push_back(entry.path() / "site-packages");
  }
}

std::vector<fs::path> python_roots(const std::string& tool, const std::string& name, const fs::path& interpreter,
                                   const AttestationRequest& request) {
  std::vector<fs::path> roots;
  std::error_code ec;
  if (tool == "uv") {
    const char* uv_cache = std::getenv("UV_CACHE_DIR");
    fs::path cache = uv_cache != nullptr ? fs::path(uv_cache) : request.home / ".cache" / "uv";
    for (const auto& entry : fs::directory_iterator(cache / "archive-v0", ec)) add_site_packages(entry.path(), roots);
    add_site_packages(request.home / ".local" / "share" / "uv" / "tools" / name, roots);
  } else if (tool == "pipx") {
    add_site_packages(request.home / ".local" / "pipx" / "venvs" / name, roots);
    for (const auto& entry : fs::directory_iterator(request.home / ".local" / "pipx" / ".cache", ec)) {
      add_site_packages(entry.path(), roots);
    }
  } else {
    add_site_packages(interpreter.parent_path().parent_path(), roots);  // a venv's bin/python
    add_site_packages(request.home / ".local", roots);
    add_site_packages("/usr/local", roots);
    roots.emplace_back("/usr/lib/python3/dist-packages");
  }
  return roots;
}

// The dist-info for `spec` (by distribution name, or by `module` in
// top_level.txt): the exact version asked for, else the newest.
std::optional<fs::path> find_dist_info(const std::vector<fs::path>& roots, const Spec& spec, const std::string& module) {
  std::optional<fs::path> best;
  int64_t best_time = -1;
  std::string wanted = normalize_python_name(spec.name);
  for (const fs::path& root : roots) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      std::string file = entry.path().filename().string();
      if (!file.ends_with(".dist-info")) continue;
      auto [name, version] = read_metadata(entry.path());
      bool match = normalize_python_name(name) == wanted || (!module.empty() && top_level_has(entry.path(), module));
      if (!match) continue;
      if (!spec.version.empty() && version == spec.version) return entry.path();
      int64_t when = mtime_of(entry.path() / "METADATA");
      if (when > best_time) {
        best = entry.path();
        best_time = when;
      }
    }
  }
  return best;
}

void attest_python(Attestation& out, const std::string& tool, const Spec& spec, const std::string& module,
                   const fs::path& interpreter, const AttestationRequest& request) {
  out.kind = SubjectKind::kPythonDistribution;
  out.package = spec.name;
  out.version = spec.version;
  out.source = "command line";
  auto dist = find_dist_info(python_roots(tool, spec.name, interpreter, request), spec, module);
  if (!dist) {
    out.note = "no *.dist-info found for it in the " + (tool.empty() ? std::string("interpreter's") : tool) +
               " site-packages";
    return;
  }
  auto [name, version] = read_metadata(*dist);
  out.package = name.empty() ? spec.name : name;
  out.version = version;
  out.integrity = sha256_file(*dist / "RECORD");
  if (!out.integrity.empty()) out.integrity = "sha256-record:" + out.integrity;
  out.source = (*dist / "METADATA").string();
}

// ---- docker -------------------------------------------------------------------

const std::set<std::string>& docker_value_options() {
  static const std::set<std::string> kOptions{
      "-e", "--env", "-v", "--volume", "-p", "--publish", "-w", "--workdir", "-u", "--user", "-h", "--hostname",
      "-l", "--label", "-m", "--memory", "--name", "--network", "--net", "--mount", "--entrypoint", "--env-file",
      "--platform", "--pull", "--cpus", "--add-host", "--device", "--cap-add", "--cap-drop", "--security-opt",
      "--tmpfs", "--ulimit", "--runtime", "--log-driver", "--log-opt", "--gpus", "--ipc", "--pid", "--restart",
      "--stop-signal", "--label-file", "--cidfile", "--dns", "--expose", "--group-add", "--shm-size", "--userns",
      "--uts", "--volumes-from", "--link", "--health-cmd", "--memory-swap", "--cpuset-cpus", "-c", "--cpu-shares"};
  return kOptions;
}

void attest_docker(Attestation& out, const std::vector<std::string>& argv) {
  auto run = std::find(argv.begin() + 1, argv.end(), "run");
  if (run == argv.end()) return;
  std::string image = first_operand(argv, static_cast<std::size_t>(run - argv.begin()) + 1, docker_value_options());
  if (image.empty()) return;
  out.kind = SubjectKind::kDockerImage;
  out.package = image;
  out.source = "command line";
  std::size_t at = image.find("@sha256:");
  if (at != std::string::npos) {
    out.package = image.substr(0, at);
    out.version = image.substr(at + 1);
    return;
  }
  out.note = "image digest not established: mcp-warden runs no `docker image inspect`; pin the image by digest "
             "(IMAGE@sha256:…) to have it attested";
}

// ---- dispatch -----------------------------------------------------------------

const std::set<std::string>& node_value_options() {
  static const std::set<std::string> kOptions{"-r", "--require", "--import", "--loader", "--experimental-loader",
                                              "--env-file", "--conditions", "-C", "--title"};
  return kOptions;
}

void attest_script(Attestation& out, const fs::path& script, const Attestation* previous) {
  out.script = canonical_or(script).string();
  hash_into(out.script, previous ? previous->script_stat : "", previous ? previous->script_sha256 : "",
            out.script_stat, out.script_sha256);
}

void attest_subject(Attestation& out, const AttestationRequest& request, const fs::path& exe, const Attestation* previous) {
  const std::vector<std::string>& argv = request.argv;
  std::string tool = base_name(argv[0]);
  auto at = [&](std::size_t i) { return i < argv.size() ? argv[i] : std::string(); };
  if (tool == "npx") return attest_npx(out, argv, 1, request);
  if (tool == "npm" && (at(1) == "exec" || at(1) == "x")) return attest_npx(out, argv, 2, request);
  if (tool == "uvx" || (tool == "uv" && at(1) == "tool" && at(2) == "run")) {
    std::size_t from = tool == "uvx" ? 1 : 3;
    std::string spec = option_value(argv, from, "--from");
    if (spec.empty()) spec = first_operand(argv, from, {"--from", "--with", "--python", "-p"});
    return attest_python(out, "uv", python_spec(spec), "", exe, request);
  }
  if (tool == "pipx" && at(1) == "run") {
    std::string spec = option_value(argv, 2, "--spec");
    if (spec.empty()) spec = first_operand(argv, 2, {"--spec", "--python", "--pip-args"});
    return attest_python(out, "pipx", python_spec(spec), "", exe, request);
  }
  if (tool == "docker" || tool == "podman") return attest_docker(out, argv);
  static const std::set<std::string> kShells{"sh", "bash", "zsh", "dash", "ruby", "perl", "php", "bun"};
  if (kShells.contains(tool)) {
    std::string script = first_operand(argv, 1, {"-c", "-e", "-o", "-O"});
    if (!script.empty() && is_file(request.cwd / script)) attest_script(out, request.cwd / script, previous);
    return;
  }
  if (starts_with(tool, "node") || starts_with(tool, "python")) {
    bool python = starts_with(tool, "python");
    std::string module = python ? option_value(argv, 1, "-m") : "";
    if (!module.empty()) return attest_python(out, "", {module, {}}, module, exe, request);
    std::string script = first_operand(argv, 1, python ? std::set<std::string>{"-W", "-X", "-c"} : node_value_options());
    if (script.empty()) return;
    attest_script(out, request.cwd / script, previous);
    if (!python) attest_node_script(out, out.script);
  }
}

std::string short_hex(const std::string& hex) { return hex.size() > 12 ? hex.substr(0, 12) + "…" : hex; }

}  // namespace

AttestationRequest request_from_environment(std::vector<std::string> argv) {
  AttestationRequest request;
  request.argv = std::move(argv);
  const char* path = std::getenv("PATH");
  request.path_env = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::error_code ec;
  request.cwd = fs::current_path(ec);
  const char* home = std::getenv("HOME");
  if (home != nullptr) request.home = home;
  const char* cache = std::getenv("npm_config_cache");
  if (cache != nullptr && *cache != '\0') request.npm_cache = cache;
  return request;
}

Attestation attest(const AttestationRequest& request, const Attestation* previous) {
  Attestation out;
  if (request.argv.empty()) return out.note = "empty command", out;
  fs::path exe = resolve_executable(request.argv[0], request);
  if (exe.empty()) return out.note = "`" + request.argv[0] + "` not found on PATH", out;
  out.executable = exe.string();
  hash_into(exe, previous ? previous->executable_stat : "", previous ? previous->executable_sha256 : "",
            out.executable_stat, out.executable_sha256);
  attest_subject(out, request, exe, previous);
  return out;
}

AttestationChange compare_attestations(const Attestation& pinned, const Attestation& now) {
  bool runtime_differs = pinned.executable != now.executable || pinned.executable_sha256 != now.executable_sha256;
  if (pinned.kind != now.kind) return AttestationChange::kVersion;
  if (now.kind == SubjectKind::kExecutable) {
    bool script_differs = pinned.script != now.script || pinned.script_sha256 != now.script_sha256;
    if (script_differs || (now.script.empty() && runtime_differs)) return AttestationChange::kVersion;
    return runtime_differs ? AttestationChange::kRuntime : AttestationChange::kNone;
  }
  // A package npx had not installed yet when it was pinned: the pin is completed, not changed.
  if (pinned.package == now.package && pinned.version.empty()) return AttestationChange::kRuntime;
  if (pinned.package != now.package || pinned.version != now.version) return AttestationChange::kVersion;
  if (!pinned.integrity.empty() && !now.integrity.empty() && pinned.integrity != now.integrity) {
    return AttestationChange::kContent;
  }
  // Same package and version, but the script it runs was edited in place.
  if (pinned.script_sha256 != now.script_sha256 && !pinned.script_sha256.empty()) return AttestationChange::kContent;
  return runtime_differs || pinned.integrity != now.integrity ? AttestationChange::kRuntime : AttestationChange::kNone;
}

std::string describe(const Attestation& a) {
  std::string text;
  switch (a.kind) {
    case SubjectKind::kNpmPackage:
    case SubjectKind::kPythonDistribution:
      text = std::string(subject_kind_name(a.kind)) + " " + a.package + " " + (a.version.empty() ? "(version unknown)" : a.version);
      if (!a.integrity.empty()) text += " (" + short_hex(a.integrity.substr(a.integrity.find_last_of("-:") + 1)) + ")";
      return text;
    case SubjectKind::kDockerImage:
      return "docker image " + a.package + (a.version.empty() ? " (digest not pinned)" : " " + short_hex(a.version));
    case SubjectKind::kExecutable:
      text = "executable " + (a.executable.empty() ? std::string("(not found)") : a.executable) + " (sha256 " +
             short_hex(a.executable_sha256) + ")";
      if (!a.script.empty()) text += " running " + a.script + " (sha256 " + short_hex(a.script_sha256) + ")";
      return text;
  }
  return text;
}

std::string_view subject_kind_name(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kExecutable: return "executable";
    case SubjectKind::kNpmPackage: return "npm";
    case SubjectKind::kPythonDistribution: return "python";
    case SubjectKind::kDockerImage: return "docker";
  }
  return "executable";
}

std::string attestation_json(const Attestation& a) {
  json out = {{"kind", subject_kind_name(a.kind)}, {"executable", a.executable},
              {"executable_sha256", a.executable_sha256}, {"executable_stat", a.executable_stat},
              {"script", a.script}, {"script_sha256", a.script_sha256}, {"script_stat", a.script_stat},
              {"package", a.package}, {"version", a.version}, {"integrity", a.integrity},
              {"source", a.source}, {"note", a.note}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Attestation> parse_attestation(std::string_view text) {
  json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return Status::invalid_argument("a stored attestation is not a JSON object");
  Attestation a;
  std::string kind = in.value("kind", "");
  for (SubjectKind k : {SubjectKind::kExecutable, SubjectKind::kNpmPackage, SubjectKind::kPythonDistribution,
                        SubjectKind::kDockerImage}) {
    if (subject_kind_name(k) == kind) a.kind = k;
  }
  std::string* fields[] = {&a.executable, &a.executable_sha256, &a.executable_stat, &a.script, &a.script_sha256,
                           &a.script_stat, &a.package, &a.version, &a.integrity, &a.source, &a.note};
  const char* names[] = {"executable", "executable_sha256", "executable_stat", "script", "script_sha256",
                         "script_stat", "package", "version", "integrity", "source", "note"};
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    auto it = in.find(names[i]);
    if (it != in.end() && it->is_string()) *fields[i] = it->get<std::string>();
  }
  return a;
}

std::optional<PinMode> parse_pin_mode(std::string_view name) {
  if (name == "record") return PinMode::kRecord;
  if (name == "strict") return PinMode::kStrict;
  return std::nullopt;
}

std::string_view pin_mode_name(PinMode mode) { return mode == PinMode::kStrict ? "strict" : "record"; }

}  // namespace mcp_warden::trust
