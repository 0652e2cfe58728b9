#include "mcp_warden/audit/digest.h"

#include <new>

#include <openssl/evp.h>

namespace mcp_warden::audit {
namespace {

// The SHA-256 implementation, fetched once per process (thread-safe static).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::bad_alloc();
  return md;
}

void check(int rc) {
  if (rc != 1) throw std::bad_alloc();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

struct Sha256::Impl {
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  if (!impl_->ctx) throw std::bad_alloc();
  check(EVP_DigestInit_ex(impl_->ctx.get(), sha256_md(), nullptr));
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(std::string_view bytes) {
  check(EVP_DigestUpdate(impl_->ctx.get(), bytes.data(), bytes.size()));
  return *this;
}

Sha256& Sha256::update(const Digest& digest) {
  check(EVP_DigestUpdate(impl_->ctx.get(), digest.data(), digest.size()));
  return *this;
}

Sha256& Sha256::update_byte(uint8_t byte) {
  check(EVP_DigestUpdate(impl_->ctx.get(), &byte, 1));
  return *this;
}

Digest Sha256::finish() {
  Digest out{};
  check(EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), nullptr));
  check(EVP_DigestInit_ex(impl_->ctx.get(), sha256_md(), nullptr));
  return out;
}

Digest sha256(std::string_view bytes) {
  thread_local Sha256 hasher;
  return hasher.update(bytes).finish();
}

std::string bytes_to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string to_hex(const Digest& digest) {
  return bytes_to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::optional<std::string> bytes_from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto bytes = bytes_from_hex(hex);
  if (!bytes) return std::nullopt;
  Digest out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>((*bytes)[i]);
  return out;
}

}  // namespace mcp_warden::audit
