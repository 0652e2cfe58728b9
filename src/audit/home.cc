#include "mcp_warden/audit/home.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <system_error>

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

// The value of environment variable `name`, or empty when unset.
std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

Result<fs::path> platform_data_dir() {
#if defined(_WIN32)
  std::string appdata = env("APPDATA");
  if (appdata.empty()) return Status::not_found("APPDATA is not set");
  return fs::path(appdata) / "mcp-warden";
#else
  std::string home = env("HOME");
#if defined(__APPLE__)
  if (home.empty()) return Status::not_found("HOME is not set");
  return fs::path(home) / "Library" / "Application Support" / "mcp-warden";
#else
  std::string xdg = env("XDG_DATA_HOME");
  if (!xdg.empty()) return fs::path(xdg) / "mcp-warden";
  if (home.empty()) return Status::not_found("neither MCP_WARDEN_HOME nor HOME is set");
  return fs::path(home) / ".local" / "share" / "mcp-warden";
#endif
#endif
}

}  // namespace

Result<fs::path> warden_home() {
  std::string explicit_home = env("MCP_WARDEN_HOME");
  if (!explicit_home.empty()) return fs::path(explicit_home);
  return platform_data_dir();
}

Result<fs::path> default_db_path() {
  Result<fs::path> home = warden_home();
  if (!home) return home.status();
  return *home / "warden.db";
}

Status ensure_private_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::ok();
  if (!dir.parent_path().empty() && dir.parent_path() != dir) {
    Status parent = ensure_private_dir(dir.parent_path());
    if (!parent.is_ok()) return parent;
  }
  if (::mkdir(dir.c_str(), 0700) == 0) {
    ::chmod(dir.c_str(), 0700);  // the umask may have taken bits away
  } else if (!fs::is_directory(dir, ec)) {
    return Status::io_error("cannot create directory " + dir.string() + ": " +
                            std::generic_category().message(errno));
  }
  return Status::ok();
}

Status create_private_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::ok();
    return Status::io_error("cannot create " + file.string() + ": " + std::generic_category().message(errno));
  }
  ::fchmod(fd, 0600);  // the umask may have taken bits away
  ::close(fd);
  return Status::ok();
}

}  // namespace mcp_warden::audit
