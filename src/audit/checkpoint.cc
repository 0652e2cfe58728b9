#include "mcp_warden/audit/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mcp_warden/audit/home.h"

namespace mcp_warden::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeader = "mcp-warden audit checkpoint v1";
constexpr const char* kKeyFileName = "audit_ed25519.pem";
constexpr const char* kWitnessDirName = "witness";

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string errno_text() { return std::generic_category().message(errno); }

Status io_error(const std::string& what, const fs::path& path) {
  return Status::io_error(what + " " + path.string() + ": " + errno_text());
}

// Writes all of `bytes` to `fd`, retrying short writes.
Status write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", path);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::ok();
}

// Creates `path` exclusively with `mode`, writes `bytes`, fsyncs and closes.
Status write_new_file(const fs::path& path, std::string_view bytes, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return io_error("cannot create", path);
  Status written = ::fchmod(fd, mode) == 0 ? write_all(fd, bytes, path) : io_error("cannot chmod", path);
  if (written.is_ok() && ::fsync(fd) != 0) written = io_error("cannot fsync", path);
  ::close(fd);
  if (!written.is_ok()) ::unlink(path.c_str());
  return written;
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// A unique sibling of `path` for a temporary file.
fs::path temp_sibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return fs::path(path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                  std::to_string(counter++));
}

Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::not_found("no file " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::string> raw_public_key(EVP_PKEY* key) {
  std::string out(32, '\0');
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != 32) {
    return Status::corruption("not an Ed25519 key");
  }
  return out;
}

Result<PkeyPtr> generate_key() {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return Status::internal("Ed25519 key generation failed");
  }
  return PkeyPtr(raw);
}

Result<std::string> key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::internal("cannot encode the signing key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<PkeyPtr> key_from_pem(const std::string& pem, const fs::path& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::corruption(path.string() + " is not an Ed25519 private key");
  }
  return key;
}

// Writes a fresh key to a temporary file and links it into place; if another
// process won the race, its key stays and ours is discarded.
Status create_key_file(const fs::path& path) {
  Result<PkeyPtr> key = generate_key();
  if (!key) return key.status();
  Result<std::string> pem = key_to_pem(key->get());
  if (!pem) return pem.status();
  fs::path temp = temp_sibling(path);
  Status written = write_new_file(temp, *pem, 0600);
  if (!written.is_ok()) return written;
  int linked = ::link(temp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    errno = link_errno;
    return io_error("cannot publish key", path);
  }
  fsync_dir(path.parent_path());
  return Status::ok();
}

Status verify_raw(const std::string& public_key, const std::string& message,
                  const std::string& signature) {
  PkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return Status::corruption("checkpoint public key is not a valid Ed25519 key");
  }
  int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (ok != 1) return Status::corruption("checkpoint signature does not verify");
  return Status::ok();
}

// Parses "<name> <value>" into value; false if the line has another name.
bool take_field(std::string_view line, std::string_view name, std::string_view& value) {
  if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
      line[name.size()] != ' ') {
    return false;
  }
  value = line.substr(name.size() + 1);
  return true;
}

bool parse_int(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) nl = text.size() - 1;  // reject below: no final newline
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(std::min(nl + 1, text.size()));
  }
  return lines;
}

Status parse_fields(const std::vector<std::string_view>& lines, Checkpoint& out) {
  std::string_view size, root, time, key, sig;
  if (lines.size() != 6 || lines[0] != kHeader || !take_field(lines[1], "tree_size", size) ||
      !take_field(lines[2], "root", root) || !take_field(lines[3], "time_us", time) ||
      !take_field(lines[4], "public_key", key) || !take_field(lines[5], "signature", sig)) {
    return Status::corruption("checkpoint is not in the v1 text format");
  }
  auto root_digest = digest_from_hex(root);
  auto key_bytes = bytes_from_hex(key);
  auto sig_bytes = bytes_from_hex(sig);
  if (!parse_int(size, out.tree_size) || !parse_int(time, out.time_us) || !root_digest ||
      !key_bytes || key_bytes->size() != 32 || !sig_bytes || sig_bytes->size() != 64) {
    return Status::corruption("checkpoint has a malformed field");
  }
  out.root = *root_digest;
  out.public_key = std::move(*key_bytes);
  out.signature = std::move(*sig_bytes);
  return Status::ok();
}

}  // namespace

struct SigningKey::Impl {
  PkeyPtr key;
  fs::path dir;
};

SigningKey::SigningKey(Token, std::unique_ptr<Impl> impl, std::string public_key)
    : impl_(std::move(impl)), public_key_(std::move(public_key)) {}
SigningKey::~SigningKey() = default;

fs::path signing_key_path(const fs::path& key_dir) { return key_dir / kKeyFileName; }

Result<std::shared_ptr<const SigningKey>> SigningKey::load(const fs::path& key_dir) {
  fs::path path = signing_key_path(key_dir);
  Result<std::string> pem = read_file(path);
  if (!pem) return pem.status();
  Result<PkeyPtr> key = key_from_pem(*pem, path);
  if (!key) return key.status();
  Result<std::string> public_key = raw_public_key(key->get());
  if (!public_key) return public_key.status();
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(*key);
  impl->dir = key_dir;
  return std::shared_ptr<const SigningKey>(
      std::make_shared<SigningKey>(Token{}, std::move(impl), std::move(*public_key)));
}

Result<std::shared_ptr<const SigningKey>> SigningKey::load_or_create(const fs::path& key_dir) {
  Result<std::shared_ptr<const SigningKey>> existing = load(key_dir);
  if (existing || existing.status().code() != ErrorCode::kNotFound) return existing;
  Status dir = ensure_private_dir(key_dir);
  if (!dir.is_ok()) return dir;
  Status created = create_key_file(signing_key_path(key_dir));
  if (!created.is_ok()) return created;
  return load(key_dir);
}

Status SigningKey::sign(Checkpoint& checkpoint) const {
  checkpoint.public_key = public_key_;
  std::string message = checkpoint_signed_text(checkpoint);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t len = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != 64) {
    return Status::internal("Ed25519 signing failed");
  }
  checkpoint.signature = std::move(signature);
  return Status::ok();
}

std::string checkpoint_signed_text(const Checkpoint& checkpoint) {
  return std::string(kHeader) + "\ntree_size " + std::to_string(checkpoint.tree_size) + "\nroot " +
         to_hex(checkpoint.root) + "\ntime_us " + std::to_string(checkpoint.time_us) + "\n";
}

Status verify_checkpoint_signature(const Checkpoint& checkpoint) {
  if (checkpoint.public_key.size() != 32 || checkpoint.signature.size() != 64) {
    return Status::corruption("checkpoint key or signature has the wrong length");
  }
  return verify_raw(checkpoint.public_key, checkpoint_signed_text(checkpoint),
                    checkpoint.signature);
}

const fs::path& SigningKey::dir() const { return impl_->dir; }

fs::path witness_file_path(const fs::path& key_dir, const fs::path& db_path) {
  std::error_code ec;
  fs::path absolute = fs::weakly_canonical(fs::absolute(db_path, ec), ec);
  if (ec) absolute = db_path;
  return key_dir / kWitnessDirName / (to_hex(sha256(absolute.string())) + ".checkpoint");
}

fs::path checkpoint_file_path(const fs::path& db_path) {
  return fs::path(db_path.string() + ".checkpoint");
}

std::string format_checkpoint(const Checkpoint& checkpoint) {
  return checkpoint_signed_text(checkpoint) + "public_key " + bytes_to_hex(checkpoint.public_key) +
         "\nsignature " + bytes_to_hex(checkpoint.signature) + "\n";
}

Result<Checkpoint> parse_checkpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') return Status::corruption("checkpoint is truncated");
  Checkpoint out;
  Status parsed = parse_fields(split_lines(text), out);
  if (!parsed.is_ok()) return parsed;
  return out;
}

Status write_checkpoint_file(const fs::path& path, const Checkpoint& checkpoint) {
  fs::path temp = temp_sibling(path);
  Status written = write_new_file(temp, format_checkpoint(checkpoint), 0644);
  if (!written.is_ok()) return written;
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status failed = io_error("cannot replace", path);
    ::unlink(temp.c_str());
    return failed;
  }
  fsync_dir(path.parent_path());
  return Status::ok();
}

Result<Checkpoint> read_checkpoint_file(const fs::path& path) {
  Result<std::string> text = read_file(path);
  if (!text) return text.status();
  Result<Checkpoint> parsed = parse_checkpoint(*text);
  if (!parsed) return Status::corruption(path.string() + ": " + parsed.status().message());
  return parsed;
}

}  // namespace mcp_warden::audit
