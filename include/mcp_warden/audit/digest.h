// Digest: a SHA-256 value and the hashing behind the audit chain and Merkle tree.
//
// Sha256 wraps one reusable OpenSSL EVP context; digest() is the one-shot
// form. Hashing cannot fail short of memory exhaustion, which OpenSSL reports
// and we treat as fatal (std::bad_alloc), never as a wrong hash.
//
// Thread safety: Digest is a value type. A Sha256 object belongs to one thread;
// sha256() is safe from any thread. Nothing here touches the disk.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcp_warden::audit {

using Digest = std::array<uint8_t, 32>;

// An incremental SHA-256 computation that can be reused after finish().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(std::string_view bytes);
  Sha256& update(const Digest& digest);
  Sha256& update_byte(uint8_t byte);
  // Returns the digest of everything since construction or the last finish().
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SHA-256 of `bytes`.
Digest sha256(std::string_view bytes);

// Lower-case hexadecimal of `digest` (64 characters).
std::string to_hex(const Digest& digest);
// Lower-case hexadecimal of arbitrary bytes.
std::string bytes_to_hex(std::string_view bytes);
// Parses 64 hex digits (either case); nullopt for anything else.
std::optional<Digest> digest_from_hex(std::string_view hex);
// Parses an even number of hex digits; nullopt for anything else.
std::optional<std::string> bytes_from_hex(std::string_view hex);

// The 32 zero bytes: prev_hash of the first entry.
inline constexpr Digest kZeroDigest{};

}  // namespace mcp_warden::audit
