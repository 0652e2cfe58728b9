// FdReader / FdWriter on real descriptors: pipes and socketpairs (what MCP
// clients and servers use), data larger than one read or than a pipe holds,
// lines that arrive while a handler runs, EOF, a reader that went away, and
// a regular file (the helper-thread fallback).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <gtest/gtest.h>

#include "mcp_warden/io/fd_stream.h"

namespace mcp_warden::io {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// As in mcp-warden's main(): a closed pipe is EPIPE, not a fatal signal.
const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

struct Pair {
  int read_end = -1;
  int write_end = -1;
};

Pair make_pipe() {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  return {fds[0], fds[1]};
}

Pair make_socketpair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {fds[0], fds[1]};
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(n, 0);
    done += static_cast<std::size_t>(n);
  }
}

// A thread that appends everything read from `fd` to `got` until EOF or an
// error; `*eof` (if given) tells which. Join it before looking at `got`.
std::thread read_to_end(int fd, std::string& got, bool* eof = nullptr) {
  return std::thread([fd, &got, eof] {
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) got.append(buffer, static_cast<std::size_t>(n));
    if (eof != nullptr) *eof = n == 0;
  });
}

// Runs `io` until `done` or a 10 s guard (a hang fails the test, not CI).
void run_until(asio::io_context& io, const bool& done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  EXPECT_TRUE(done) << "timed out";
}

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7) % 26);
  return out;
}

class FdReaderKinds : public ::testing::TestWithParam<bool> {
 protected:
  Pair make() { return GetParam() ? make_socketpair() : make_pipe(); }
};

TEST_P(FdReaderKinds, ReadsEverythingWrittenBeforeAndAfterStartThenReportsEof) {
  asio::io_context io;
  Pair p = make();
  write_all(p.write_end, "before start\n");  // waiting before the reader exists
  FdReader reader(io, p.read_end);
  std::string got;
  bool ended = false;
  std::string end_error = "unset";
  reader.start([&](std::string_view data) { got.append(data); },
               [&](const std::string& error) { ended = true; end_error = error; });
  std::thread writer([fd = p.write_end] {
    for (int i = 0; i < 200; ++i) {
      std::string line = "line " + std::to_string(i) + "\n";
      std::size_t done = 0;
      while (done < line.size()) done += static_cast<std::size_t>(::write(fd, line.data() + done, line.size() - done));
      if (i % 10 == 0) std::this_thread::sleep_for(1ms);
    }
    ::close(fd);
  });
  run_until(io, ended);
  writer.join();
  std::string expected = "before start\n";
  for (int i = 0; i < 200; ++i) expected += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(got, expected);
  EXPECT_EQ(end_error, "");
}

TEST_P(FdReaderKinds, DataLargerThanOneReadArrivesWholeAndInOrder) {
  asio::io_context io;
  Pair p = make();
  FdReader reader(io, p.read_end);
  std::string got;
  bool ended = false;
  int chunks = 0;
  reader.start([&](std::string_view data) { got.append(data); ++chunks; }, [&](const std::string&) { ended = true; });
  const std::string big = pattern(3u << 20);  // 3 MiB: many reads of at most 256 KiB
  std::thread writer([&] {
    write_all(p.write_end, big);
    ::close(p.write_end);
  });
  run_until(io, ended);
  writer.join();
  EXPECT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big);
  EXPECT_GE(chunks, 12);
}

TEST_P(FdReaderKinds, DataArrivingWhileTheHandlerRunsIsNotMissed) {
  asio::io_context io;
  Pair p = make();
  FdReader reader(io, p.read_end);
  std::string got;
  bool done = false;
  int round = 0;
  // Each chunk's handler writes the next line itself: it arrives after the
  // read that delivered this chunk, before the reader waits again.
  reader.start(
      [&](std::string_view data) {
        got.append(data);
        if (++round < 50) write_all(p.write_end, "x" + std::to_string(round) + "\n");
        else done = true;
      },
      [&](const std::string&) { done = true; });
  write_all(p.write_end, "x0\n");
  run_until(io, done);
  EXPECT_EQ(round, 50);
  std::string expected;
  for (int i = 0; i < 50; ++i) expected += "x" + std::to_string(i) + "\n";
  EXPECT_EQ(got, expected);
  ::close(p.write_end);
}

INSTANTIATE_TEST_SUITE_P(PipeAndSocket, FdReaderKinds, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) { return param_info.param ? std::string("socketpair") : std::string("pipe"); });

TEST(FdReader, StopMeansNoMoreCallbacks) {
  asio::io_context io;
  Pair p = make_pipe();
  FdReader reader(io, p.read_end);
  int calls = 0;
  bool ended = false;
  reader.start([&](std::string_view) { ++calls; reader.stop(); }, [&](const std::string&) { ended = true; });
  write_all(p.write_end, "one\n");
  for (int i = 0; i < 20 && calls == 0; ++i) io.run_one_for(50ms);
  EXPECT_EQ(::write(p.write_end, "two\n", 4), -1) << "stop() closes the descriptor";
  ::close(p.write_end);
  io.run_for(100ms);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(ended);
}

TEST(FdReader, APausedReaderReadsNothingNewUntilResumed) {
  asio::io_context io;
  Pair p = make_pipe();
  FdReader reader(io, p.read_end);
  std::string got;
  reader.start([&](std::string_view data) {
    got.append(data);
    reader.pause();  // from inside the handler, as the relay does
  }, [](const std::string&) {});
  write_all(p.write_end, "one\n");
  for (int i = 0; i < 20 && got.empty(); ++i) io.run_one_for(50ms);
  ASSERT_EQ(got, "one\n");
  write_all(p.write_end, "two\n");
  io.run_for(200ms);
  EXPECT_EQ(got, "one\n") << "a paused reader started a read";
  EXPECT_TRUE(reader.paused());
  io.restart();  // it ran out of work: nothing was being read
  reader.resume();
  for (int i = 0; i < 20 && got.size() < 8; ++i) io.run_one_for(50ms);
  EXPECT_EQ(got, "one\ntwo\n");
  ::close(p.write_end);
}

TEST(FdReader, APausedHelperThreadReadsNoFurtherChunk) {
  asio::io_context io;
  auto busy = asio::make_work_guard(io);
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("fd_pause_" + std::to_string(::getpid()));
  const std::string content = pattern(2'000'000);  // several chunks
  { std::ofstream(path, std::ios::binary) << content; }
  FdReader reader(io, ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string got;
  bool ended = false;
  reader.start([&](std::string_view data) {
    got.append(data);
    reader.pause();
  }, [&](const std::string&) { ended = true; });
  for (int i = 0; i < 20 && got.empty(); ++i) io.run_one_for(50ms);
  std::size_t first = got.size();
  ASSERT_GT(first, 0u);
  io.run_for(200ms);
  EXPECT_EQ(got.size(), first) << "chunks kept coming while paused";
  while (!ended) {
    std::size_t before = got.size();
    reader.resume();
    for (int i = 0; i < 40 && got.size() == before && !ended; ++i) io.run_one_for(50ms);
    ASSERT_TRUE(got.size() > before || ended) << "resume() delivered nothing";
  }
  EXPECT_TRUE(got == content);
  std::filesystem::remove(path);
}

TEST(FdReader, ARegularFileIsReadByTheHelperThread) {
  asio::io_context io;
  auto busy = asio::make_work_guard(io);  // the helper thread posts from outside
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("fd_stream_" + std::to_string(::getpid()));
  const std::string content = pattern(600000);
  { std::ofstream(path, std::ios::binary) << content; }
  FdReader reader(io, ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string got;
  bool ended = false;
  reader.start([&](std::string_view data) { got.append(data); }, [&](const std::string&) { ended = true; });
  run_until(io, ended);
  EXPECT_TRUE(got == content);
  std::filesystem::remove(path);
}

TEST(FdWriter, LinesLargerThanThePipeAreQueuedNotBlockedAndArriveInOrder) {
  asio::io_context io;
  Pair p = make_pipe();
  FdWriter writer(io, p.write_end);
  const std::string big = pattern(1u << 20);  // 16× a default pipe buffer
  writer.write_line("first");
  writer.write_line(big);  // returns without blocking: nobody reads yet
  writer.write_line("last");
  EXPECT_FALSE(writer.idle());
  std::string got;
  std::thread reader = read_to_end(p.read_end, got);
  bool idle = false;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!(idle = writer.idle()) && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  EXPECT_TRUE(idle);
  writer.close_when_drained();
  EXPECT_TRUE(writer.closed());
  reader.join();
  ::close(p.read_end);
  EXPECT_TRUE(got == "first\n" + big + "\nlast\n");
}

TEST(FdWriter, QueuedBytesCountWhatIsNotWrittenYetAndProgressIsReported) {
  asio::io_context io;
  Pair p = make_pipe();
  FdWriter writer(io, p.write_end);
  int progress = 0;
  writer.set_progress_handler([&] { ++progress; });
  const std::string big = pattern(1u << 20);
  writer.write_line(big);
  writer.write_line("tail");
  std::size_t queued = writer.queued_bytes();
  EXPECT_GT(queued, big.size() / 2) << "a pipe holds far less than 1 MiB";
  EXPECT_LE(queued, big.size() + 6);
  std::string got;
  std::thread reader = read_to_end(p.read_end, got);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!writer.idle() && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  EXPECT_EQ(writer.queued_bytes(), 0u);
  EXPECT_GT(progress, 0);
  writer.close_when_drained();
  reader.join();
  ::close(p.read_end);
  EXPECT_EQ(got.size(), big.size() + 6);
}

TEST(FdWriter, AHoldSendsItsFirstLineAtOnceAndTheRestTogetherAtRelease) {
  asio::io_context io;
  Pair p = make_pipe();
  ASSERT_EQ(::fcntl(p.read_end, F_SETFL, O_NONBLOCK), 0);
  FdWriter writer(io, p.write_end);
  char buffer[256];
  auto read_all = [&] {
    ssize_t n = ::read(p.read_end, buffer, sizeof buffer);
    return n < 0 ? std::string("<nothing>") : std::string(buffer, static_cast<std::size_t>(n));
  };
  writer.hold();
  writer.hold();  // nested
  writer.write_line("one");
  EXPECT_EQ(read_all(), "one\n") << "the hold's first line wakes the reader at once";
  writer.write_line("two");
  writer.release();
  writer.write_line("three");
  EXPECT_EQ(read_all(), "<nothing>") << "later lines wait while held";
  EXPECT_FALSE(writer.idle());
  writer.release();
  EXPECT_EQ(read_all(), "two\nthree\n");
  EXPECT_TRUE(writer.idle());
  writer.write_line("four");  // not held: written at once
  EXPECT_EQ(read_all(), "four\n");
  writer.release();  // an unmatched release changes nothing
  writer.hold();     // a new hold: its first line goes at once again
  writer.write_line("five");
  writer.write_line("six");
  EXPECT_EQ(read_all(), "five\n");
  writer.release();
  EXPECT_EQ(read_all(), "six\n");
  ::close(p.read_end);
}

TEST(FdWriter, AReaderThatWentAwayIsReportedOnceFromTheIoContext) {
  asio::io_context io;
  Pair p = make_pipe();
  ::close(p.read_end);
  FdWriter writer(io, p.write_end);
  int errors = 0;
  std::string error;
  writer.set_error_handler([&](const std::string& e) { ++errors; error = e; });
  writer.write_line("nobody reads this");
  EXPECT_EQ(errors, 0) << "the handler must not run inside write_line()";
  EXPECT_TRUE(writer.failed());
  writer.write_line("nor this");
  io.run_for(50ms);
  EXPECT_EQ(errors, 1);
  EXPECT_NE(error.find("pipe"), std::string::npos) << error;
}

TEST(FdWriter, CloseWhenDrainedClosesAfterTheLastQueuedLine) {
  asio::io_context io;
  Pair p = make_socketpair();
  FdWriter writer(io, p.write_end);
  const std::string big = pattern(2u << 20);
  writer.write_line(big);
  writer.close_when_drained();
  EXPECT_FALSE(writer.closed());
  std::string got;
  bool eof = false;
  std::thread reader = read_to_end(p.read_end, got, &eof);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!writer.closed() && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  EXPECT_TRUE(writer.closed());
  reader.join();
  ::close(p.read_end);
  EXPECT_TRUE(eof);
  EXPECT_TRUE(got == big + "\n");
}

}  // namespace
}  // namespace mcp_warden::io
