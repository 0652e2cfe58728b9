// The finding key: the secret under which the audit log's content findings
// are hashed (inspect::ValueHasher), one per audit database, so the same
// secret or card seen twice can be linked in the log without the log holding
// it — and without the key, a hash cannot be tested against guesses.
//
// It lives beside the database as "<database>.finding-key": 32 random bytes
// (OpenSSL RAND_bytes), created on first use with mode 0600 (O_EXCL, no
// symlink followed) and never written into the database. A key file that
// others may read or write, is not a regular file or does not hold 32 bytes
// is refused (kFailedPrecondition / kCorruption), never repaired: the caller
// then records findings without hashes. Losing the file only loses the
// ability to link new findings to old ones.
//
// Thread safety: touches the file system; call from one thread at start-up.
#pragma once

#include <filesystem>
#include <string>

#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

inline constexpr std::size_t kFindingKeyBytes = 32;

// "<db_path>.finding-key".
std::filesystem::path finding_key_path(const std::filesystem::path& db_path);

// The key of the database at `db_path`, created if it does not exist yet.
Result<std::string> load_or_create_finding_key(const std::filesystem::path& db_path);

}  // namespace mcp_warden::audit
