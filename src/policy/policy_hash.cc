// Policy::content_hash in its own translation unit: it is the only part of
// mcp_warden_policy that needs OpenSSL::Crypto, so binaries that never call
// it link without libcrypto.
#include <openssl/evp.h>

#include <memory>

#include "mcp_warden/policy/policy.h"
#include "policy_impl.h"

namespace mcp_warden::policy {
namespace {

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Frames `text` by its length so ("ab","c") and ("a","bc") hash differently.
void update_framed(EVP_MD_CTX* ctx, const std::string& text) {
  const std::string length = std::to_string(text.size()) + ":";
  EVP_DigestUpdate(ctx, length.data(), length.size());
  EVP_DigestUpdate(ctx, text.data(), text.size());
}

std::string to_hex(const unsigned char* bytes, unsigned int size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string Policy::content_hash() const {
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (const auto& source : impl_->model.sources) update_framed(ctx.get(), source.second);
  if (impl_->shadow) update_framed(ctx.get(), "shadow:" + impl_->shadow->content_hash());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  return to_hex(digest, size);
}

}  // namespace mcp_warden::policy
