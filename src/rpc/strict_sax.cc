#include "strict_sax.h"

#include <locale.h>
#include <stdlib.h>

#include <algorithm>
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
constexpr std::size_t kTypicalKeys = 32;
constexpr std::size_t kTypicalDepth = 8;

// Empties `buffer`; one grown past 64 typical messages' worth is given back.
template <typename Buffer>
void clear_to_typical(Buffer& buffer, std::size_t typical) {
  buffer.clear();
  if (buffer.capacity() <= 64 * typical) return;
  Buffer().swap(buffer);
  buffer.reserve(typical);
}

// True when `part` lies inside `whole` (std::less: a total order on pointers).
bool lies_in(std::string_view part, std::string_view whole) {
  const std::less<const char*> before;
  return !whole.empty() && !before(part.data(), whole.data()) &&
         !before(whole.data() + whole.size(), part.data() + part.size());
}
}  // namespace

// Room for the keys of a typical message, so most lines allocate once.
OpenObjectKeys::OpenObjectKeys() {
  keys_.reserve(kTypicalKeys);
  frames_.reserve(kTypicalDepth);
}
OpenObjectKeys::~OpenObjectKeys() = default;

void OpenObjectKeys::clear(std::string_view text) {
  text_ = text;
  if (copies_peak_ > 64 * kTypicalKeys) {
    std::deque<std::string>().swap(copies_);  // give back a grown map too
  } else {
    copies_.clear();  // keeps one block: most lines copy no key
  }
  copies_peak_ = 0;
  clear_to_typical(frames_, kTypicalDepth);
  clear_to_typical(keys_, kTypicalKeys);
}

void OpenObjectKeys::open() { frames_.push_back(Frame{keys_.size(), copies_.size(), nullptr}); }

// Shrinking a deque from the back leaves the other elements where they are,
// so the outer objects' views of their copies stay valid.
void OpenObjectKeys::close() {
  const Frame& frame = frames_.back();
  if (!frame.index) keys_.resize(frame.first_key);
  if (copies_.size() > frame.first_copy) copies_.resize(frame.first_copy);
  frames_.pop_back();
}

bool OpenObjectKeys::insert(std::string_view key) {
  Frame& frame = frames_.back();
  if (frame.index) return frame.index->insert(stable(key)).second;
  for (std::size_t i = frame.first_key; i < keys_.size(); ++i) {
    if (keys_[i] == key) return false;
  }
  keys_.push_back(stable(key));
  if (keys_.size() - frame.first_key > kLinearKeys) build_index(frame);
  return true;
}

std::string_view OpenObjectKeys::stable(std::string_view key) {
  if (lies_in(key, text_)) return key;
  std::string_view copy = copies_.emplace_back(key);
  copies_peak_ = std::max(copies_peak_, copies_.size());
  return copy;
}

// Called once the object's keys are known to be distinct; they move from
// keys_ into the index.
void OpenObjectKeys::build_index(Frame& frame) {
  frame.index = std::make_unique<Index>(keys_.begin() + static_cast<std::ptrdiff_t>(frame.first_key), keys_.end(),
                                        4 * kLinearKeys);
  keys_.resize(frame.first_key);
}

}  // namespace mcp_warden::rpc::internal
