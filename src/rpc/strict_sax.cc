#include "strict_sax.h"

#include <locale.h>
#include <stdlib.h>

#include <functional>

namespace mcp_warden::rpc::internal {

Status malformed_json_at(std::size_t position, std::string_view detail) {
  return Status::invalid_argument("malformed JSON at byte " + std::to_string(position) + ": " + std::string(detail));
}

std::optional<double> finite_double(std::string_view text) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", nullptr);  // never freed: lives as long as the process
  if (c_locale == nullptr) return std::nullopt;
  const std::string terminated(text);  // strtod wants a C string
  char* end = nullptr;
  const double value = strtod_l(terminated.c_str(), &end, c_locale);
  if (end != terminated.c_str() + terminated.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

Status nested_too_deep(std::size_t max_depth) {
  return Status::limit_exceeded("JSON nested deeper than " + std::to_string(max_depth) + " levels");
}

Status duplicate_key(std::string_view key) {
  return Status::invalid_argument("duplicate object key \"" + std::string(key) + "\"");
}

namespace {
constexpr std::size_t kTypicalKeyBytes = 256;
constexpr std::size_t kTypicalKeys = 32;
constexpr std::size_t kTypicalDepth = 8;
}  // namespace

// Room for the keys of a typical message, so most lines allocate once.
OpenObjectKeys::OpenObjectKeys() {
  bytes_.reserve(kTypicalKeyBytes);
  keys_.reserve(kTypicalKeys);
  frames_.reserve(kTypicalDepth);
}
OpenObjectKeys::~OpenObjectKeys() = default;

namespace {
// Empties `buffer`; one grown past 64 typical messages' worth is given back.
template <typename Buffer>
void clear_to_typical(Buffer& buffer, std::size_t typical) {
  buffer.clear();
  if (buffer.capacity() <= 64 * typical) return;
  Buffer().swap(buffer);
  buffer.reserve(typical);
}
}  // namespace

void OpenObjectKeys::clear() {
  clear_to_typical(frames_, kTypicalDepth);
  clear_to_typical(keys_, kTypicalKeys);
  clear_to_typical(bytes_, kTypicalKeyBytes);
}

void OpenObjectKeys::open() { frames_.push_back(Frame{keys_.size(), bytes_.size(), nullptr}); }

void OpenObjectKeys::close() {
  keys_.resize(frames_.back().first_key);
  bytes_.resize(frames_.back().first_byte);
  frames_.pop_back();
}

bool OpenObjectKeys::insert(std::string_view key) {
  keys_.push_back(KeySpan{bytes_.size(), key.size()});
  bytes_.append(key);
  return last_key_is_new(frames_.back());
}

bool OpenObjectKeys::last_key_is_new(Frame& frame) {
  std::size_t last = keys_.size() - 1;
  if (frame.index) return frame.index->insert(last).second;
  std::string_view key = key_at(last);
  for (std::size_t i = frame.first_key; i < last; ++i) {
    if (key_at(i) == key) return false;
  }
  if (last - frame.first_key + 1 > kLinearKeys) build_index(frame);
  return true;
}

// Called once the object's keys are known to be distinct.
void OpenObjectKeys::build_index(Frame& frame) {
  frame.index = std::make_unique<Index>(4 * kLinearKeys, IndexHash{this}, IndexEqual{this});
  for (std::size_t i = frame.first_key; i < keys_.size(); ++i) frame.index->insert(i);
}

std::size_t OpenObjectKeys::IndexHash::operator()(std::size_t key) const {
  return std::hash<std::string_view>()(owner->key_at(key));
}

bool OpenObjectKeys::IndexEqual::operator()(std::size_t a, std::size_t b) const {
  return owner->key_at(a) == owner->key_at(b);
}

}  // namespace mcp_warden::rpc::internal
