#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "mcp_warden/integrations/file_system.h"

namespace mcp_warden::integrations {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int error) { return std::strerror(error); }

Status io_failure(const std::string& what, const fs::path& path, int error) {
  return Status::io_error("cannot " + what + " " + path.string() + ": " + errno_text(error));
}

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd& operator=(UniqueFd&&) = delete;
  ~UniqueFd() { close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now; returns errno of a failed close (data may be lost), else 0.
  int close() {
    if (fd_ < 0) return 0;
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Writes all of `data`; returns 0 or the errno that stopped it.
int write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

// Writes, fsyncs and closes; returns 0 or the first errno.
int write_sync_close(UniqueFd& fd, const std::string& data) {
  if (int error = write_all(fd.get(), data)) return error;
  if (::fsync(fd.get()) != 0) return errno;
  return fd.close();
}

// Makes the directory entry of a rename durable. Best effort: some file
// systems refuse fsync on a directory, and the rename has happened anyway.
void sync_directory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) (void)::fsync(fd.get());
}

fs::path parent_or_dot(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// Creates a uniquely named temporary file beside `path`.
Result<std::pair<UniqueFd, fs::path>> create_temp_beside(const fs::path& path) {
  std::string name = (parent_or_dot(path) / ("." + path.filename().string() + ".mcp-warden-XXXXXX")).string();
  int fd = ::mkstemp(name.data());
  if (fd < 0) return io_failure("create a temporary file beside", path, errno);
  return std::pair<UniqueFd, fs::path>(UniqueFd(fd), fs::path(name));
}

// Mode, then owner (best effort: only root may give a file away).
int apply_metadata(int fd, const FileInfo& keep) {
  if (::fchmod(fd, static_cast<mode_t>(keep.mode & 07777)) != 0) return errno;
  if (keep.exists) (void)::fchown(fd, keep.uid, keep.gid);
  return 0;
}

}  // namespace

Result<std::string> PosixFileSystem::read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) return Status::not_found(path.string() + " does not exist");
  if (!fd.valid()) return io_failure("read", path, errno);
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure("read", path, errno);
    if (n == 0) return data;
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

Result<FileInfo> PosixFileSystem::stat(const fs::path& path) {
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileInfo{};
    return io_failure("stat", path, errno);
  }
  bool writable = ::access(path.c_str(), W_OK) == 0;
  return FileInfo{
      true, S_ISREG(st.st_mode) != 0, writable, static_cast<uint32_t>(st.st_mode & 07777), st.st_uid, st.st_gid};
}

Result<fs::path> PosixFileSystem::resolve(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) return path;
  fs::path real = fs::canonical(path, error);
  if (error) return Status::io_error("cannot resolve " + path.string() + ": " + error.message());
  return real;
}

Status PosixFileSystem::create_directories(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::io_error("cannot create directory " + dir.string() + ": " + error.message());
  return Status::ok();
}

Result<std::vector<std::string>> PosixFileSystem::list_directory(const fs::path& dir) {
  std::error_code error;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  if (error) return Status::io_error("cannot list " + dir.string() + ": " + error.message());
  return names;
}

Status PosixFileSystem::remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) == 0) return Status::ok();
  return io_failure("remove", path, errno);
}

Status PosixFileSystem::create_new_file(const fs::path& path, const std::string& data, uint32_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode & 07777)));
  if (!fd.valid() && errno == EEXIST) return Status::failed_precondition(path.string() + " already exists");
  if (!fd.valid()) return io_failure("create", path, errno);
  int error = ::fchmod(fd.get(), static_cast<mode_t>(mode & 07777)) == 0 ? 0 : errno;  // umask-proof
  if (error == 0) error = write_sync_close(fd, data);
  if (error == 0) return Status::ok();
  ::unlink(path.c_str());
  return io_failure("write", path, error);
}

Status PosixFileSystem::replace_atomically(const fs::path& path, const std::string& data, const FileInfo& keep) {
  auto temp = create_temp_beside(path);
  if (!temp) return temp.status();
  auto& [fd, temp_path] = temp.value();
  int error = apply_metadata(fd.get(), keep);
  if (error == 0) error = write_sync_close(fd, data);
  if (error == 0 && ::rename(temp_path.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp_path.c_str());
    return Status::io_error("cannot write " + path.string() + ": " + errno_text(error) +
                            " (the file was left unchanged)");
  }
  sync_directory(parent_or_dot(path));
  return Status::ok();
}

}  // namespace mcp_warden::integrations
