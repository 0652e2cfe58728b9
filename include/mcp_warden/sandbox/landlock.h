// Landlock: the kernel's unprivileged file-system and network sandbox, as
// raw system calls (glibc has no wrappers, and Debian 12's <linux/landlock.h>
// stops at ABI 2, so the later access bits and attributes are spelt here).
//
// An ABI version decides which rights a ruleset can handle: 1 the file
// system, 2 REFER (renames across directories), 3 TRUNCATE, 4 TCP bind and
// connect, 5 IOCTL_DEV, 6 scoping (abstract UNIX sockets, signals), 7 audit
// logging flags. A right the ruleset does not handle stays allowed, so the
// masks below are cut to the running kernel's ABI.
//
// Thread safety: pure functions and plain system calls. restrict_self() is
// async-signal-safe (two system calls) and is what a child runs before exec.
#pragma once

#include <cstdint>
#include <string>

namespace mcp_warden::sandbox {

// The kernel's Landlock ABI version, or 0 when Landlock is missing or
// disabled; `why` (optional) gets the reason for 0.
int landlock_abi(std::string* why = nullptr);

// Rights on a path, by ABI (bits of LANDLOCK_ACCESS_FS_*).
uint64_t fs_read_access();                    // execute, read files, list directories
uint64_t fs_list_access();                    // list directories
uint64_t fs_write_access(int abi);            // every other right the ABI knows
uint64_t fs_device_access(int abi);           // write, truncate and ioctl on device files
uint64_t fs_file_only_access();               // the rights a rule on a non-directory may carry
uint64_t fs_handled_access(int abi);          // read | write
uint64_t net_tcp_access();                    // bind and connect (ABI >= 4)
uint64_t scope_signal();                      // ABI >= 6
uint64_t scope_abstract_unix_socket();        // ABI >= 6

// A new ruleset fd (O_CLOEXEC) handling `fs` rights, `net` rights (ABI >= 4,
// else must be 0) and `scoped` domains (ABI >= 6, else 0); -1 with errno.
int create_ruleset(int abi, uint64_t fs, uint64_t net, uint64_t scoped);
// Allows `access` beneath the file or directory `parent_fd` (O_PATH is
// enough); 0, or -1 with errno.
int add_path_rule(int ruleset_fd, int parent_fd, uint64_t access);
// PR_SET_NO_NEW_PRIVS, then enforces the ruleset on the calling thread (and
// what it execs); 0, or an errno value. Async-signal-safe.
int restrict_self(int ruleset_fd) noexcept;

}  // namespace mcp_warden::sandbox
