#include "mcp_warden/sandbox/plan.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <system_error>

#include "mcp_warden/policy/path_pattern.h"

namespace mcp_warden::sandbox {
namespace {

namespace fs = std::filesystem;

bool has_wildcard(const std::string& glob) { return glob.find_first_of("*?[") != std::string::npos; }

std::string strip_trailing_slash(std::string text) {
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

fs::path resolved(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : out;
}

// `path` is `ancestor` or lies beneath it (both resolved).
bool within(const fs::path& path, const fs::path& ancestor) {
  const std::string& p = path.native();
  const std::string& a = ancestor.native();
  if (a == "/") return true;
  return p == a || (p.size() > a.size() && p.compare(0, a.size(), a) == 0 && p[a.size()] == '/');
}

bool strictly_within(const fs::path& path, const fs::path& ancestor) {
  return path.native() != ancestor.native() && within(path, ancestor);
}

class Planner {
 public:
  Planner(const PlanInputs& inputs, SandboxPlan& plan) : inputs_(inputs), plan_(plan) {
    for (const std::string& glob : inputs.secret_globs) add_secret_glob(glob);
    for (const fs::path& path : inputs.warden_paths) add_secret(path);
  }

  void place_grant(const Grant& grant) {
    std::error_code ec;
    if (!fs::exists(grant.path, ec)) {
      plan_.notes.push_back("not granted (does not exist): " + grant.path.string() + " (" + grant.why + ")");
      return;
    }
    fs::path root = resolved(grant.path);
    if (is_secret(root)) {
      plan_.notes.push_back("not granted (a secret path): " + root.string() + " (" + grant.why + ")");
      return;
    }
    plan_.grants.push_back({root, grant.access, grant.why});
    place(root, grant.access, fs::is_directory(root, ec));
  }

 private:
  void add_secret_glob(const std::string& glob) {
    auto pattern = policy::PathPattern::parse(glob);
    if (pattern.is_ok()) patterns_.add(std::move(pattern).value());
    if (has_wildcard(glob)) return;
    std::string text = strip_trailing_slash(glob);
    if (text.front() == '/') return add_secret(text);
    if (!inputs_.home.empty()) add_secret(inputs_.home / text);
  }

  void add_secret(const fs::path& path) {
    fs::path secret = resolved(path);
    if (std::find(plan_.secrets.begin(), plan_.secrets.end(), secret) == plan_.secrets.end()) {
      plan_.secrets.push_back(secret);
    }
  }

  bool is_secret(const fs::path& path) const {
    for (const fs::path& secret : plan_.secrets) {
      if (within(path, secret)) return true;
    }
    return patterns_.matches(path.native());
  }

  bool secret_below(const fs::path& dir) const {
    return std::any_of(plan_.secrets.begin(), plan_.secrets.end(),
                       [&](const fs::path& secret) { return strictly_within(secret, dir); });
  }

  void place(const fs::path& path, Access access, bool directory) {
    if (!directory || !secret_below(path)) {
      plan_.rules.push_back({path, access, directory});
      return;
    }
    if (std::find(plan_.carved.begin(), plan_.carved.end(), path) == plan_.carved.end()) {
      plan_.carved.push_back(path);
      plan_.rules.push_back({path, Access::kList, true});
    }
    carve(path, access);
  }

  // Grants each entry of `dir` but the secret ones; links get no rule.
  void carve(const fs::path& dir, Access access) {
    std::unique_ptr<DIR, int (*)(DIR*)> stream(::opendir(dir.c_str()), ::closedir);
    if (!stream) {
      plan_.notes.push_back("cannot list " + dir.string() + " to carve it: nothing beneath it is granted");
      return;
    }
    while (const dirent* entry = ::readdir(stream.get())) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      fs::path child = dir / name;
      unsigned char type = entry->d_type == DT_UNKNOWN ? type_of(child) : entry->d_type;
      if (type == DT_LNK || is_secret(child)) continue;
      place(child, access, type == DT_DIR);
    }
  }

  static unsigned char type_of(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return DT_UNKNOWN;
    if (S_ISLNK(st.st_mode)) return DT_LNK;
    return S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
  }

  const PlanInputs& inputs_;
  SandboxPlan& plan_;
  policy::PathPatternSet patterns_;
};

// The command line's arguments that name existing directories.
std::vector<fs::path> argument_dirs(const PlanInputs& inputs) {
  std::vector<fs::path> dirs;
  for (size_t i = 1; i < inputs.command.size(); ++i) {
    const std::string& arg = inputs.command[i];
    if (arg.empty() || arg.front() == '-') continue;
    fs::path path = expand_home(arg, inputs.home);
    if (path.is_relative()) path = inputs.working_dir / path;
    std::error_code ec;
    if (fs::is_directory(path, ec)) dirs.push_back(path);
  }
  return dirs;
}

std::vector<Grant> grants_for(const PlanInputs& inputs) {
  std::vector<Grant> grants = {{"/", Access::kRead, "everything readable except secrets"},
                               {"/dev", Access::kDevice, "devices (/dev/null, terminals)"},
                               {inputs.temp_dir, Access::kReadWrite, "the system temp dir"},
                               {"/dev/shm", Access::kReadWrite, "shared memory"}};
  for (const fs::path& cache : inputs.caches) grants.push_back({cache, Access::kReadWrite, "a package manager's cache"});
  if (inputs.writable_args) {
    for (const fs::path& dir : argument_dirs(inputs)) grants.push_back({dir, Access::kReadWrite, "named on the command line"});
  }
  for (const std::string& text : inputs.extra_writable) {
    grants.push_back({expand_home(text, inputs.home), Access::kReadWrite, "the policy's sandbox.writable"});
  }
  return grants;
}

nlohmann::json path_list(const std::vector<fs::path>& paths) {
  nlohmann::json out = nlohmann::json::array();
  for (const fs::path& path : paths) out.push_back(path.string());
  return out;
}

}  // namespace

const char* access_name(Access access) {
  switch (access) {
    case Access::kRead: return "read";
    case Access::kReadWrite: return "read-write";
    case Access::kDevice: return "device";
    case Access::kList: return "list";
  }
  return "read";
}

fs::path expand_home(const std::string& text, const fs::path& home) {
  if (home.empty() || text.empty() || text[0] != '~') return text;
  if (text == "~") return home;
  if (text[1] == '/') return home / text.substr(2);
  return text;
}

SandboxPlan build_plan(const PlanInputs& inputs) {
  SandboxPlan plan;
  plan.network_deny = inputs.network_deny;
  Planner planner(inputs, plan);
  for (const Grant& grant : grants_for(inputs)) planner.place_grant(grant);
  return plan;
}

nlohmann::json SandboxPlan::summary() const {
  nlohmann::json grant_list = nlohmann::json::array();
  for (const Grant& g : grants) grant_list.push_back({{"path", g.path.string()}, {"access", access_name(g.access)}});
  return {{"grants", grant_list}, {"secrets", path_list(secrets)}, {"carved", path_list(carved)},
          {"rules", rules.size()}, {"network", network_deny ? "deny" : "allow"}, {"notes", notes}};
}

std::string SandboxPlan::explain() const {
  std::string out = "network: " + std::string(network_deny ? "deny (TCP connect and bind refused)" : "allow") + "\n";
  out += "granted:\n";
  for (const Grant& g : grants) out += "  " + std::string(access_name(g.access)) + "\t" + g.path.string() + "\t(" + g.why + ")\n";
  out += "kept out (never readable or writable):\n";
  for (const fs::path& s : secrets) out += "  " + s.string() + "\n";
  out += "carved (listable, each entry granted on its own):\n";
  for (const fs::path& c : carved) out += "  " + c.string() + "\n";
  out += "rules: " + std::to_string(rules.size()) + "\n";
  for (const std::string& note : notes) out += "note: " + note + "\n";
  return out;
}

}  // namespace mcp_warden::sandbox
