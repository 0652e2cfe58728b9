// ProcessIdentity: which process owns a session grant, in a form that
// survives pid reuse and reboots — the pid, plus a start token made of the
// boot's id (/proc/sys/kernel/random/boot_id) and the process's start time
// in clock ticks since boot (/proc/PID/stat, field 22). A pid that runs
// again later, or after a reboot, gives another token.
//
// A process is alive when /proc/PID/stat exists, is not a zombie (a proxy
// killed by SIGKILL and not yet reaped is over), and gives the same token.
// Linux only; elsewhere (no /proc) no owner is ever alive, so session
// grants end with their proxy's next check (fail closed).
//
// Thread safety: this_process() from one thread at a time; the others are
// pure functions reading /proc. Nothing is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mcp_warden::approval {

struct ProcessIdentity {
  int64_t pid = 0;
  std::string start;  // "<boot id>:<start ticks>"; "" when unknown
};

// The calling process (read once per pid, then remembered).
ProcessIdentity this_process();
// `pid`'s start token; nullopt when it does not run (gone, a zombie, unreadable).
std::optional<std::string> process_start_token(int64_t pid);
// True when the process `who` names still runs.
bool process_alive(const ProcessIdentity& who);

}  // namespace mcp_warden::approval
