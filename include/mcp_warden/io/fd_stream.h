// FdReader / FdWriter: asynchronous byte I/O on a file descriptor, on one io_context.
//
// They cover our stdin/stdout and the child's pipes alike. A descriptor epoll
// can watch (pipe, socket, tty) is driven by Asio; one it cannot (a regular
// file, /dev/null) falls back to a helper thread for reading and to blocking
// writes, so `mcp-warden proxy < requests.jsonl` works too.
//
// Back-pressure: a reader can be paused (it stops reading, so the kernel's
// pipe fills and the peer's writes block) and a writer tells how many bytes
// it still holds; the runner pauses the reader that feeds a writer holding
// too much (docs/relay.md, "Memory"). A paused reader delivers at most the
// one chunk whose read was already under way.
//
// Each object owns its descriptor and closes it on destruction. Callbacks run
// on the io_context's thread. Not thread-safe beyond that.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace mcp_warden::io {

class FdReader {
 public:
  // on_data gets each chunk read; on_end is called once, at end of stream or
  // on a read error (its text is empty at a clean EOF).
  using DataHandler = std::function<void(std::string_view)>;
  using EndHandler = std::function<void(const std::string& error)>;

  FdReader(boost::asio::io_context& io, int fd);
  ~FdReader();
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  void start(DataHandler on_data, EndHandler on_end);
  // Stops reading; no callback runs after this returns.
  void stop();
  // While paused no new read starts (a read already under way still
  // delivers its chunk, and the end of the stream is still reported).
  // Both may be called from inside on_data; they do not nest.
  void pause();
  void resume();
  bool paused() const { return paused_; }

 private:
  // The helper thread's hand-off: one chunk in flight at a time, none while
  // paused, so a regular file is read no faster than it is consumed.
  struct ThreadGate {
    std::mutex mutex;
    std::condition_variable wake;
    bool paused = false;
    bool in_flight = false;
    bool stopping = false;
  };
  void read_next();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void run_thread_reader(int fd);
  bool wait_for_turn();

  boost::asio::io_context& io_;
  boost::asio::posix::stream_descriptor stream_;
  int thread_fd_ = -1;  // the descriptor when epoll cannot watch it
  std::thread thread_;
  std::vector<char> buffer_;
  DataHandler on_data_;
  EndHandler on_end_;
  std::shared_ptr<bool> alive_;
  std::shared_ptr<ThreadGate> gate_ = std::make_shared<ThreadGate>();
  bool paused_ = false;
  bool parked_ = false;  // a read is due once resumed
};

class FdWriter {
 public:
  // on_error is called once if a write fails (EPIPE: the reader went away).
  using ErrorHandler = std::function<void(const std::string& error)>;

  FdWriter(boost::asio::io_context& io, int fd);
  ~FdWriter();
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  void set_error_handler(ErrorHandler handler) { on_error_ = std::move(handler); }
  // Called from the io_context after a write that the reactor completed
  // took bytes off the queue (not after writes made inside write_line() or
  // release(), whose caller can look at queued_bytes() itself).
  void set_progress_handler(std::function<void()> handler) { on_progress_ = std::move(handler); }
  // Writes `line` plus '\n' after the lines queued before it: at once
  // (the descriptor is non-blocking; what does not fit waits for the
  // reactor) unless the writer is held, then at release(). A failure is
  // reported to the error handler from the io_context, never from inside
  // write_line() or release().
  void write_line(std::string line);
  // While held (calls nest), the hold's first line is still written at
  // once — it wakes the reader, which starts on it while the rest of the
  // burst is being handled — and later lines are queued; the last release()
  // writes them together, in as few writev()s as possible. The runner holds
  // its writers while it handles what one read delivered, so a burst of
  // pipelined messages costs two writes, not one per message (measured: a
  // single write at the end cost 2–4 % of pipelined throughput).
  void hold();
  void release();
  // Closes the descriptor once every queued line is written (or failed).
  void close_when_drained();
  bool idle() const { return queue_.empty() && !writing_; }
  // Bytes accepted by write_line() and not yet written (newlines included).
  std::size_t queued_bytes() const { return queued_bytes_; }
  bool closed() const { return closed_; }
  bool failed() const { return failed_; }
  // Writes what is still queued with blocking writes, giving up after
  // `timeout_ms` (the reader may have stopped reading). For process exit.
  void flush_blocking(int timeout_ms);

 private:
  void write_queued_now();
  void drop_written(std::size_t count);
  void clear_queue();
  void fail_later(std::string error);
  void write_next();
  void on_written(std::size_t count, const boost::system::error_code& ec);
  void write_blocking_now();
  void close_now();

  boost::asio::io_context& io_;
  boost::asio::posix::stream_descriptor stream_;
  int blocking_fd_ = -1;  // the descriptor when epoll cannot watch it
  bool direct_writes_ = false;  // non-blocking: write_line() may write at once
  int held_ = 0;                // hold() depth
  bool wrote_in_hold_ = false;  // the hold's first line went out at once
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;  // the sizes of queue_'s lines
  std::size_t in_flight_ = 0;  // lines of queue_ handed to the current write
  bool writing_ = false;
  bool close_requested_ = false;
  bool closed_ = false;
  bool failed_ = false;
  ErrorHandler on_error_;
  std::function<void()> on_progress_;
  std::shared_ptr<bool> alive_;
};

}  // namespace mcp_warden::io
