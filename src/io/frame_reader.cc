#include "mcp_warden/io/frame_reader.h"

#include <algorithm>
#include <cstring>

namespace mcp_warden::io {
namespace {

constexpr std::size_t kShrinkAboveBytes = 1 << 20;

// A copy of `text` with room for one more byte: the writer that relays the
// line appends its '\n' without reallocating and copying it again.
std::string line_with_room(std::string_view text) {
  std::string line;
  line.reserve(text.size() + 1);
  line.assign(text);
  return line;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Returns the offset of the first '\n' in `bytes`, or npos.
std::size_t find_newline(std::string_view bytes) {
  const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
  if (nl == nullptr) return std::string_view::npos;
  return static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
}

}  // namespace

void FrameReader::feed(std::string_view bytes, FrameSink& sink) {
  while (!bytes.empty()) {
    bytes = discarding_ ? feed_discard(bytes, sink) : feed_line(bytes, sink);
  }
}

// Appends to the current line; returns the bytes not yet consumed.
std::string_view FrameReader::feed_line(std::string_view bytes, FrameSink& sink) {
  std::size_t nl = find_newline(bytes);
  std::size_t take = nl == std::string_view::npos ? bytes.size() : nl;
  if (line_.size() + take > max_frame_bytes_) {
    start_discard();
    return bytes;
  }
  if (nl == std::string_view::npos) {
    line_.append(bytes);
    return {};
  }
  if (line_.empty()) {
    emit(line_with_room(bytes.substr(0, nl)), sink);  // fast path: a whole line in one chunk
  } else {
    line_.append(bytes.substr(0, nl));
    emit(std::move(line_), sink);
    line_.clear();
    if (line_.capacity() > kShrinkAboveBytes) std::string().swap(line_);
  }
  return bytes.substr(nl + 1);
}

// Counts and drops the oversized line's bytes; returns what follows it.
std::string_view FrameReader::feed_discard(std::string_view bytes, FrameSink& sink) {
  std::size_t nl = find_newline(bytes);
  std::string_view part = nl == std::string_view::npos ? bytes : bytes.substr(0, nl);
  keep_oversized_bytes(part);
  if (nl == std::string_view::npos) return {};
  if (oversized_.tail.size() > kKeptTailBytes) {
    oversized_.tail.erase(0, oversized_.tail.size() - kKeptTailBytes);
  }
  sink.on_oversized(oversized_);
  oversized_ = OversizedFrame{};
  discarding_ = false;
  return bytes.substr(nl + 1);
}

void FrameReader::start_discard() {
  discarding_ = true;
  oversized_ = OversizedFrame{};
  keep_oversized_bytes(line_);
  std::string().swap(line_);  // release up to max_frame_bytes of memory
}

void FrameReader::keep_oversized_bytes(std::string_view bytes) {
  oversized_.size += bytes.size();
  if (oversized_.head.size() < kKeptHeadBytes) {
    oversized_.head.append(bytes.substr(0, kKeptHeadBytes - oversized_.head.size()));
  }
  std::string_view tail = bytes.substr(bytes.size() - std::min(bytes.size(), kKeptTailBytes));
  oversized_.tail.append(tail);
  if (oversized_.tail.size() > 2 * kKeptTailBytes) {
    oversized_.tail.erase(0, oversized_.tail.size() - kKeptTailBytes);
  }
}

void FrameReader::emit(std::string line, FrameSink& sink) {
  if (is_blank(line)) return;
  sink.on_frame(std::move(line));
}

}  // namespace mcp_warden::io
