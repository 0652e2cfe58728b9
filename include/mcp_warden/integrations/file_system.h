// FileSystem: the file operations init-integration needs, behind a small
// interface so tests can inject failures (leveldb's Env, ninja's
// DiskInterface).
//
// PosixFileSystem is the real one. Its replace_atomically() is the only way a
// client config file is ever changed: the new bytes go to a fresh temporary
// file in the same directory, are fsync'ed, get the old file's mode (and, when
// allowed, owner), and are renamed over the old name; the directory is then
// fsync'ed. A crash or error at any point leaves either the old file or the
// new one, never a mix; on error the temporary file is removed.
//
// Ownership: callers own the FileSystem; it holds no state of its own.
// Thread safety: PosixFileSystem is stateless and safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mcp_warden/base/status.h"

namespace mcp_warden::integrations {

// What stat() tells about a path (after following symlinks).
struct FileInfo {
  bool exists = false;
  bool is_regular = false;
  bool writable = false;  // this process may write it (access(W_OK))
  uint32_t mode = 0644;   // permission bits (07777) when exists
  uint32_t uid = 0;
  uint32_t gid = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The whole file. kNotFound when it does not exist, kIoError otherwise.
  virtual Result<std::string> read_file(const std::filesystem::path& path) = 0;
  // Never fails for a missing path (exists == false); kIoError for others.
  virtual Result<FileInfo> stat(const std::filesystem::path& path) = 0;
  // The path with every symlink resolved when it exists, else `path` as is,
  // so a config kept as a symlink into a dotfiles repo is edited in place.
  virtual Result<std::filesystem::path> resolve(const std::filesystem::path& path) = 0;
  // mkdir -p. kIoError when a component cannot be created.
  virtual Status create_directories(const std::filesystem::path& dir) = 0;
  // Creates `path` (O_EXCL) with `data` and `mode`, fsync'ed. Never replaces
  // an existing file: kFailedPrecondition when `path` exists.
  virtual Status create_new_file(const std::filesystem::path& path, const std::string& data, uint32_t mode) = 0;
  // Atomically replaces (or creates) `path` with `data`, giving it the mode
  // and owner in `keep` (see the contract above). kIoError on failure, in
  // which case `path` is exactly as it was.
  virtual Status replace_atomically(const std::filesystem::path& path, const std::string& data,
                                    const FileInfo& keep) = 0;
  // The names (not paths) of the entries of `dir`; kIoError when unreadable.
  virtual Result<std::vector<std::string>> list_directory(const std::filesystem::path& dir) = 0;
  // Removes one file; kIoError on failure.
  virtual Status remove_file(const std::filesystem::path& path) = 0;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::string> read_file(const std::filesystem::path& path) override;
  Result<FileInfo> stat(const std::filesystem::path& path) override;
  Result<std::filesystem::path> resolve(const std::filesystem::path& path) override;
  Status create_directories(const std::filesystem::path& dir) override;
  Status create_new_file(const std::filesystem::path& path, const std::string& data, uint32_t mode) override;
  Status replace_atomically(const std::filesystem::path& path, const std::string& data,
                            const FileInfo& keep) override;
  Result<std::vector<std::string>> list_directory(const std::filesystem::path& dir) override;
  Status remove_file(const std::filesystem::path& path) override;
};

}  // namespace mcp_warden::integrations
