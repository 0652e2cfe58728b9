#include "mcp_warden/io/fd_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace mcp_warden::io {
namespace {

namespace asio = boost::asio;
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr std::size_t kMaxLinesPerWrite = 64;

// True when epoll can watch `fd`. Asio accepts a regular file or /dev/null
// (epoll says EPERM) and only fails at the first operation, so ask first.
bool epoll_can_watch(int fd) {
  int probe = ::epoll_create1(EPOLL_CLOEXEC);
  if (probe < 0) return false;
  epoll_event event{};
  event.events = EPOLLIN;
  bool ok = ::epoll_ctl(probe, EPOLL_CTL_ADD, fd, &event) == 0;
  ::close(probe);
  return ok;
}

// Assigns `fd` to `stream`; false (fd left alone) when epoll cannot watch it.
bool try_assign(asio::posix::stream_descriptor& stream, int fd) {
  if (!epoll_can_watch(fd)) return false;
  boost::system::error_code ec;
  stream.assign(fd, ec);
  return !ec;
}

}  // namespace

// ---- FdReader ---------------------------------------------------------------

FdReader::FdReader(asio::io_context& io, int fd)
    : io_(io), stream_(io), buffer_(kReadChunk), alive_(std::make_shared<bool>(true)) {
  if (!try_assign(stream_, fd)) thread_fd_ = fd;
}

FdReader::~FdReader() {
  stop();
  // The thread reads a regular file or /dev/null: it reaches EOF promptly.
  if (thread_.joinable()) thread_.join();
}

void FdReader::start(DataHandler on_data, EndHandler on_end) {
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  if (thread_fd_ < 0) return read_next();
  thread_ = std::thread([this, fd = thread_fd_] { run_thread_reader(fd); });
}

void FdReader::stop() {
  *alive_ = false;
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->stopping = true;
  }
  gate_->wake.notify_all();
  boost::system::error_code ec;
  if (stream_.is_open()) stream_.close(ec);
}

void FdReader::pause() {
  paused_ = true;
  std::lock_guard<std::mutex> lock(gate_->mutex);
  gate_->paused = true;
}

void FdReader::resume() {
  if (!paused_) return;
  paused_ = false;
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->paused = false;
  }
  gate_->wake.notify_all();
  if (parked_ && *alive_) {
    parked_ = false;
    read_next();
  }
}

// Asio reads speculatively before waiting, so after a chunk one read says
// EAGAIN. Waiting first instead (async_wait) would cost an epoll_ctl per
// wait in this Asio version (it re-arms the edge-triggered registration),
// which is no cheaper; measured, see docs/performance.md.
void FdReader::read_next() {
  stream_.async_read_some(asio::buffer(buffer_), [this, alive = alive_](const boost::system::error_code& ec,
                                                                        std::size_t n) {
    if (*alive) on_read(ec, n);
  });
}

void FdReader::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (n > 0) on_data_(std::string_view(buffer_.data(), n));
  if (!*alive_) return;
  if (ec) {
    *alive_ = false;
    return on_end_(ec == asio::error::eof ? std::string() : ec.message());
  }
  if (paused_) {
    parked_ = true;
    return;
  }
  read_next();
}

// Blocks the helper thread until its last chunk was consumed and the
// reader is not paused; false when the reader is stopping.
bool FdReader::wait_for_turn() {
  std::unique_lock<std::mutex> lock(gate_->mutex);
  gate_->wake.wait(lock, [&] { return gate_->stopping || (!gate_->paused && !gate_->in_flight); });
  gate_->in_flight = true;
  return !gate_->stopping;
}

// Blocking reads on a helper thread; each chunk is handed to the io_context,
// one at a time (see ThreadGate).
void FdReader::run_thread_reader(int fd) {
  std::vector<char> chunk(kReadChunk);
  while (wait_for_turn()) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    while (n < 0 && errno == EINTR) n = ::read(fd, chunk.data(), chunk.size());
    std::string data = n > 0 ? std::string(chunk.data(), static_cast<std::size_t>(n)) : std::string();
    std::string error = n < 0 ? std::strerror(errno) : std::string();
    bool end = n <= 0;
    asio::post(io_, [this, alive = alive_, gate = gate_, data = std::move(data), error, end] {
      if (*alive && !data.empty()) on_data_(data);
      if (end && *alive) {
        *alive_ = false;
        on_end_(error);
      }
      {
        std::lock_guard<std::mutex> lock(gate->mutex);
        gate->in_flight = false;
      }
      gate->wake.notify_all();
    });
    if (end) break;
  }
  ::close(fd);
}

// ---- FdWriter ---------------------------------------------------------------

FdWriter::FdWriter(asio::io_context& io, int fd)
    : io_(io), stream_(io), alive_(std::make_shared<bool>(true)) {
  if (!try_assign(stream_, fd)) {
    blocking_fd_ = fd;
    return;
  }
  boost::system::error_code ec;
  stream_.native_non_blocking(true, ec);  // what Asio's own writes would set
  direct_writes_ = !ec;
}

FdWriter::~FdWriter() {
  *alive_ = false;
  close_now();
}

void FdWriter::write_line(std::string line) {
  if (closed_ || failed_) return;
  line.push_back('\n');
  queued_bytes_ += line.size();
  queue_.push_back(std::move(line));
  if (blocking_fd_ >= 0) return write_blocking_now();
  if (writing_) return;
  if (held_ == 0) return write_queued_now();
  if (!wrote_in_hold_) {  // the hold's first line (see hold())
    wrote_in_hold_ = true;
    write_queued_now();
  }
}

void FdWriter::hold() {
  if (held_++ == 0) wrote_in_hold_ = false;
}

void FdWriter::release() {
  if (held_ > 0 && --held_ == 0 && !writing_ && !closed_ && !failed_ && blocking_fd_ < 0) write_queued_now();
}

// Writes what is queued at once, in writev()s of up to kMaxLinesPerWrite
// lines (the descriptor is non-blocking): no completion handler, no extra
// reactor turn. What the descriptor does not take now goes to an Asio write
// that completes when it can. A failure is reported from the io_context, so
// the error handler never runs inside write_line() or release().
void FdWriter::write_queued_now() {
  if (!direct_writes_) return write_next();
  const int fd = stream_.native_handle();
  while (!queue_.empty()) {
    iovec parts[kMaxLinesPerWrite];
    std::size_t count = std::min(queue_.size(), kMaxLinesPerWrite);
    std::size_t total = 0;
    for (std::size_t i = 0; i < count; ++i) {
      parts[i] = iovec{queue_[i].data(), queue_[i].size()};
      total += queue_[i].size();
    }
    ssize_t n = ::writev(fd, parts, static_cast<int>(count));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return fail_later(std::strerror(errno));
    drop_written(static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < total) break;  // full for now
  }
  write_next();
}

// Removes the first `count` bytes of the queue (whole lines, then a prefix).
void FdWriter::drop_written(std::size_t count) {
  while (count > 0 && !queue_.empty()) {
    std::string& front = queue_.front();
    if (count < front.size()) {
      front.erase(0, count);
      queued_bytes_ -= count;
      return;
    }
    count -= front.size();
    queued_bytes_ -= front.size();
    queue_.pop_front();
  }
}

void FdWriter::clear_queue() {
  queue_.clear();
  queued_bytes_ = 0;
}

void FdWriter::fail_later(std::string error) {
  failed_ = true;
  clear_queue();
  close_now();
  asio::post(io_, [this, alive = alive_, error = std::move(error)] {
    if (*alive && on_error_) on_error_(error);
  });
}

void FdWriter::write_next() {
  if (queue_.empty()) {
    if (close_requested_) close_now();
    return;
  }
  std::vector<asio::const_buffer> buffers;
  in_flight_ = std::min(queue_.size(), kMaxLinesPerWrite);
  for (std::size_t i = 0; i < in_flight_; ++i) buffers.push_back(asio::buffer(queue_[i]));
  writing_ = true;
  asio::async_write(stream_, buffers, [this, alive = alive_](const boost::system::error_code& ec, std::size_t n) {
    if (*alive) on_written(n, ec);
  });
}

void FdWriter::on_written(std::size_t, const boost::system::error_code& ec) {
  writing_ = false;
  if (ec) {
    failed_ = true;
    clear_queue();
    close_now();
    if (on_error_) on_error_(ec.message());
    return;
  }
  for (std::size_t i = 0; i < in_flight_; ++i) queued_bytes_ -= queue_[i].size();
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
  in_flight_ = 0;
  write_next();
  if (on_progress_) on_progress_();
}

void FdWriter::write_blocking_now() {
  while (!queue_.empty()) {
    std::string& line = queue_.front();
    std::size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::write(blocking_fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        failed_ = true;
        clear_queue();
        if (on_error_) on_error_(std::strerror(errno));
        return;
      }
      done += static_cast<std::size_t>(n);
    }
    queued_bytes_ -= line.size();
    queue_.pop_front();
  }
}

void FdWriter::close_when_drained() {
  close_requested_ = true;
  if (idle()) close_now();
}

void FdWriter::close_now() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  if (stream_.is_open()) stream_.close(ec);
  if (blocking_fd_ >= 0) ::close(blocking_fd_);
  blocking_fd_ = -1;
}

void FdWriter::flush_blocking(int timeout_ms) {
  if (closed_ || failed_ || queue_.empty() || !stream_.is_open()) return;
  int fd = stream_.native_handle();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  // Lines already handed to async_write may be partly written; asio tracks
  // that, so only lines past the in-flight batch are written here after
  // letting the pending operation finish through the io_context.
  while (writing_ && std::chrono::steady_clock::now() < deadline) io_.run_one_for(std::chrono::milliseconds(10));
  while (!queue_.empty() && std::chrono::steady_clock::now() < deadline) {
    std::string& line = queue_.front();
    ssize_t n = ::write(fd, line.data(), line.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
      continue;
    }
    if (n < 0) return;
    line.erase(0, static_cast<std::size_t>(n));
    queued_bytes_ -= static_cast<std::size_t>(n);
    if (line.empty()) queue_.pop_front();
  }
}

}  // namespace mcp_warden::io
