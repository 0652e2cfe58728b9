#include "mcp_warden/sandbox/landlock.h"

#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mcp_warden::sandbox {
namespace {

// ABI 3 and later (not in Debian 12's header).
constexpr uint64_t kFsTruncate = 1ULL << 14;
constexpr uint64_t kFsIoctlDev = 1ULL << 15;
constexpr uint64_t kNetBindTcp = 1ULL << 0;
constexpr uint64_t kNetConnectTcp = 1ULL << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
constexpr uint64_t kScopeSignal = 1ULL << 1;

// struct landlock_ruleset_attr as ABI 6 defines it; the kernel reads the
// prefix the size we pass names, so older kernels get only the fields they know.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

size_t attr_size(int abi) {
  if (abi >= 6) return sizeof(RulesetAttr);
  if (abi >= 4) return 2 * sizeof(uint64_t);
  return sizeof(uint64_t);
}

}  // namespace

int landlock_abi(std::string* why) {
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi > 0) return static_cast<int>(abi);
  if (why) {
    *why = errno == ENOSYS     ? "the kernel has no Landlock (before Linux 5.13, or built without it)"
           : errno == EOPNOTSUPP ? "Landlock is disabled at boot (add landlock to the lsm= kernel parameter)"
                                 : std::string("Landlock is unavailable: ") + std::strerror(errno);
  }
  return 0;
}

uint64_t fs_read_access() {
  return LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
}

uint64_t fs_list_access() { return LANDLOCK_ACCESS_FS_READ_DIR; }

uint64_t fs_write_access(int abi) {
  uint64_t access = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                    LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) access |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) access |= kFsTruncate;
  if (abi >= 5) access |= kFsIoctlDev;
  return access;
}

uint64_t fs_device_access(int abi) {
  return fs_write_access(abi) & (LANDLOCK_ACCESS_FS_WRITE_FILE | kFsTruncate | kFsIoctlDev);
}

uint64_t fs_file_only_access() {
  return LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | kFsTruncate |
         kFsIoctlDev;
}

uint64_t fs_handled_access(int abi) { return fs_read_access() | fs_write_access(abi); }
uint64_t net_tcp_access() { return kNetBindTcp | kNetConnectTcp; }
uint64_t scope_signal() { return kScopeSignal; }
uint64_t scope_abstract_unix_socket() { return kScopeAbstractUnixSocket; }

int create_ruleset(int abi, uint64_t fs, uint64_t net, uint64_t scoped) {
  RulesetAttr attr{fs, net, scoped};
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, attr_size(abi), 0U));
}

int add_path_rule(int ruleset_fd, int parent_fd, uint64_t access) {
  struct landlock_path_beneath_attr rule {};
  rule.allowed_access = access;
  rule.parent_fd = parent_fd;
  return static_cast<int>(::syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0U));
}

int restrict_self(int ruleset_fd) noexcept {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (::syscall(SYS_landlock_restrict_self, ruleset_fd, 0U) != 0) return errno;
  return 0;
}

}  // namespace mcp_warden::sandbox
