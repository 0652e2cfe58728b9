#include "mcp_warden/approval/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string_view>

namespace mcp_warden::approval {
namespace {

constexpr int kStateField = 3;       // /proc/PID/stat: the state letter
constexpr int kStartTimeField = 22;  // start time, clock ticks since boot

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// The fields after "(comm)" (which may itself hold spaces and parentheses).
std::optional<std::string> stat_field(std::string_view stat, int field) {
  std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::istringstream rest{std::string(stat.substr(close + 1))};
  std::string value;
  for (int i = kStateField; i <= field; ++i) {
    if (!(rest >> value)) return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> process_start_token(int64_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  std::optional<std::string> state = stat_field(stat, kStateField);
  if (!state || *state == "Z" || *state == "X") return std::nullopt;  // over, only not yet reaped
  std::optional<std::string> start = stat_field(stat, kStartTimeField);
  std::string boot = boot_id();
  if (!start || boot.empty()) return std::nullopt;
  return boot + ":" + *start;
}

ProcessIdentity this_process() {
  static ProcessIdentity self;  // remembered per pid: a forked child reads its own
  const auto pid = static_cast<int64_t>(::getpid());
  if (self.pid != pid) {
    self.pid = pid;
    self.start = process_start_token(pid).value_or("");
  }
  return self;
}

bool process_alive(const ProcessIdentity& who) {
  if (who.start.empty()) return false;
  std::optional<std::string> token = process_start_token(who.pid);
  return token && *token == who.start;
}

}  // namespace mcp_warden::approval
