// FrameReader: splits a byte stream into newline-delimited frames with a size cap.
//
// MCP over stdio sends one JSON-RPC message per line. feed() takes bytes as
// they arrive (any chunking) and hands every complete line to a FrameSink,
// without the '\n' but otherwise byte for byte (a trailing '\r' is kept so the
// line can be relayed unchanged; the parser tolerates it). Lines that are
// empty or only whitespace are skipped. A line longer than `max_frame_bytes`
// is never buffered whole: its bytes are counted and dropped, its first and
// last bytes are kept so the caller can still find its id, and the sink gets
// one on_oversized() call when its newline arrives.
//
// Owned by one reader (one per direction); not thread-safe. Holds no OS
// resources. A line cut short by end of stream is not delivered:
// pending_bytes() tells how many bytes were left dangling.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcp_warden::io {

// What is kept of a line that exceeded the cap.
struct OversizedFrame {
  std::size_t size = 0;  // the line's full length in bytes, without '\n'
  std::string head;      // its first bytes (up to FrameReader::kKeptHeadBytes)
  std::string tail;      // its last bytes (up to FrameReader::kKeptTailBytes)
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void on_frame(std::string line) = 0;
  virtual void on_oversized(const OversizedFrame& frame) = 0;
};

class FrameReader {
 public:
  static constexpr std::size_t kKeptHeadBytes = 64 * 1024;
  static constexpr std::size_t kKeptTailBytes = 1024;

  explicit FrameReader(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // Consumes `bytes`; calls `sink` for every line completed by them, in order.
  void feed(std::string_view bytes, FrameSink& sink);

  // Bytes of an unterminated line received so far (0 between lines).
  std::size_t pending_bytes() const { return discarding_ ? oversized_.size : line_.size(); }
  std::size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  std::string_view feed_line(std::string_view bytes, FrameSink& sink);
  std::string_view feed_discard(std::string_view bytes, FrameSink& sink);
  void start_discard();
  void keep_oversized_bytes(std::string_view bytes);
  void emit(std::string line, FrameSink& sink);

  std::size_t max_frame_bytes_;
  std::string line_;  // the unterminated line so far (not discarding)
  bool discarding_ = false;
  OversizedFrame oversized_;  // the line being discarded
};

}  // namespace mcp_warden::io
