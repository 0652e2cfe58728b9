#include "mcp_warden/audit/finding_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <openssl/rand.h>

namespace mcp_warden::audit {
namespace {

std::string errno_text() { return std::generic_category().message(errno); }

// Writes a new key; kAlreadyExists when another process won the race.
Result<std::string> create_key(const std::filesystem::path& path) {
  std::string key(kFindingKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return Status::io_error("cannot draw random bytes for the finding key");
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::busy(path.string() + " already exists");
    return Status::io_error("cannot create " + path.string() + ": " + errno_text());
  }
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Status::io_error("cannot write " + path.string() + ": " + errno_text());
  }
  return key;
}

Result<std::string> read_key(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::io_error("cannot open " + path.string() + ": " + errno_text());
  struct stat st {};
  std::string key(kFindingKeyBytes + 1, '\0');
  ssize_t got = ::fstat(fd, &st) == 0 ? ::read(fd, key.data(), key.size()) : -1;
  ::close(fd);
  if (!S_ISREG(st.st_mode)) return Status::failed_precondition(path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0 || st.st_uid != ::geteuid()) {
    return Status::failed_precondition(path.string() + " must be owned by this user and readable by no one else (chmod 600)");
  }
  if (got != static_cast<ssize_t>(kFindingKeyBytes)) return Status::corruption(path.string() + " does not hold a 32-byte key");
  key.resize(kFindingKeyBytes);
  return key;
}

}  // namespace

std::filesystem::path finding_key_path(const std::filesystem::path& db_path) {
  return std::filesystem::path(db_path.string() + ".finding-key");
}

Result<std::string> load_or_create_finding_key(const std::filesystem::path& db_path) {
  std::filesystem::path path = finding_key_path(db_path);
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    Result<std::string> created = create_key(path);
    if (created.is_ok() || created.status().code() != ErrorCode::kBusy) return created;
  }
  return read_key(path);
}

}  // namespace mcp_warden::audit
