#include "mcp_warden/io/frame_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcp_warden::io {
namespace {

struct RecordingSink : FrameSink {
  std::vector<std::string> frames;
  std::vector<OversizedFrame> oversized;
  void on_frame(std::string line) override { frames.push_back(std::move(line)); }
  void on_oversized(const OversizedFrame& f) override { oversized.push_back(f); }
};

TEST(FrameReaderTest, SplitsLinesInOneChunk) {
  FrameReader reader(1024);
  RecordingSink sink;
  reader.feed("{\"a\":1}\n{\"b\":2}\n", sink);
  ASSERT_EQ(sink.frames.size(), 2u);
  EXPECT_EQ(sink.frames[0], "{\"a\":1}");
  EXPECT_EQ(sink.frames[1], "{\"b\":2}");
  EXPECT_EQ(reader.pending_bytes(), 0u);
}

TEST(FrameReaderTest, ReassemblesPartialReadsAtEveryByte) {
  const std::string stream = "{\"jsonrpc\":\"2.0\",\"id\":1}\n{\"x\":\"\xc3\xa9\"}\r\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameReader reader(1024);
    RecordingSink sink;
    reader.feed(std::string_view(stream).substr(0, cut), sink);
    reader.feed(std::string_view(stream).substr(cut), sink);
    ASSERT_EQ(sink.frames.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(sink.frames[0], "{\"jsonrpc\":\"2.0\",\"id\":1}");
    EXPECT_EQ(sink.frames[1], "{\"x\":\"\xc3\xa9\"}\r") << "CR is kept for byte-exact relay";
  }
}

TEST(FrameReaderTest, ByteByByteFeedingGivesTheSameFrames) {
  const std::string stream = "{\"a\":1}\n\n  \n{\"b\":[1,2,3]}\n";
  FrameReader reader(1024);
  RecordingSink sink;
  for (char c : stream) reader.feed(std::string_view(&c, 1), sink);
  ASSERT_EQ(sink.frames.size(), 2u);
  EXPECT_EQ(sink.frames[1], "{\"b\":[1,2,3]}");
}

TEST(FrameReaderTest, TruncationAtEveryByteNeverDeliversAPartialLine) {
  const std::string stream = "{\"a\":1}\n{\"b\":2}\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameReader reader(1024);
    RecordingSink sink;
    reader.feed(std::string_view(stream).substr(0, cut), sink);
    std::size_t complete = cut >= 8 ? (cut >= 16 ? 2 : 1) : 0;
    EXPECT_EQ(sink.frames.size(), complete) << "cut at " << cut;
    std::size_t consumed = complete == 0 ? 0 : (complete == 1 ? 8 : 16);
    EXPECT_EQ(reader.pending_bytes(), cut - consumed) << "cut at " << cut;
  }
}

TEST(FrameReaderTest, BlankLinesAreSkipped) {
  FrameReader reader(1024);
  RecordingSink sink;
  reader.feed("\n\r\n   \n{}\n", sink);
  ASSERT_EQ(sink.frames.size(), 1u);
  EXPECT_EQ(sink.frames[0], "{}");
}

TEST(FrameReaderTest, LineAtTheCapPassesAndOneByteMoreIsOversized) {
  FrameReader reader(10);
  RecordingSink sink;
  reader.feed(std::string(10, 'a') + "\n" + std::string(11, 'b') + "\n{}\n", sink);
  ASSERT_EQ(sink.frames.size(), 2u);
  EXPECT_EQ(sink.frames[0], std::string(10, 'a'));
  EXPECT_EQ(sink.frames[1], "{}");
  ASSERT_EQ(sink.oversized.size(), 1u);
  EXPECT_EQ(sink.oversized[0].size, 11u);
}

TEST(FrameReaderTest, OversizedLineKeepsHeadAndTailAndTheSessionGoesOn) {
  FrameReader reader(1000);
  RecordingSink sink;
  std::string big = "{\"method\":\"tools/call\",\"params\":{\"x\":\"" + std::string(200000, 'z') + "\"},\"id\":42}";
  // Feed in uneven chunks, as a pipe would.
  for (std::size_t pos = 0; pos < big.size(); pos += 7777) reader.feed(std::string_view(big).substr(pos, 7777), sink);
  reader.feed("\n{\"ok\":true}\n", sink);
  ASSERT_EQ(sink.oversized.size(), 1u);
  EXPECT_EQ(sink.oversized[0].size, big.size());
  EXPECT_EQ(sink.oversized[0].head, big.substr(0, FrameReader::kKeptHeadBytes));
  EXPECT_EQ(sink.oversized[0].tail, big.substr(big.size() - FrameReader::kKeptTailBytes));
  ASSERT_EQ(sink.frames.size(), 1u);
  EXPECT_EQ(sink.frames[0], "{\"ok\":true}");
}

TEST(FrameReaderTest, UnterminatedOversizedLineIsNotReportedUntilItsNewline) {
  FrameReader reader(4);
  RecordingSink sink;
  reader.feed("abcdefgh", sink);
  EXPECT_TRUE(sink.oversized.empty());
  EXPECT_EQ(reader.pending_bytes(), 8u);
  reader.feed("ij\n", sink);
  ASSERT_EQ(sink.oversized.size(), 1u);
  EXPECT_EQ(sink.oversized[0].size, 10u);
}

}  // namespace
}  // namespace mcp_warden::io
