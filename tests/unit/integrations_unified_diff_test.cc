// unified_diff(): the in-process `diff -u` a dry run prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mcp_warden/integrations/unified_diff.h"

namespace mcp_warden::integrations {
namespace {

using ::testing::HasSubstr;

std::string numbered_lines(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

std::string replace_line(std::string text, int number, const std::string& with) {
  std::string old = "line " + std::to_string(number) + "\n";
  return text.replace(text.find(old), old.size(), with);
}

TEST(UnifiedDiffTest, IdenticalTextsGiveNothing) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
  EXPECT_EQ(unified_diff("", "", "x", "y"), "");
}

TEST(UnifiedDiffTest, OneChangedLineShowsThreeLinesOfContext) {
  std::string before = numbered_lines(10);
  std::string after = replace_line(before, 5, "five\n");
  EXPECT_EQ(
      unified_diff(before, after, "a/f", "b/f"),
      "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+five\n line 6\n line 7\n line 8\n");
}

TEST(UnifiedDiffTest, DistantChangesMakeSeparateHunks) {
  std::string before = numbered_lines(30);
  std::string after = replace_line(replace_line(before, 3, "three\n"), 25, "twenty-five\n");
  std::string diff = unified_diff(before, after, "a", "b");
  EXPECT_THAT(diff, HasSubstr("@@ -1,6 +1,6 @@\n"));
  EXPECT_THAT(diff, HasSubstr("@@ -22,7 +22,7 @@\n"));
}

TEST(UnifiedDiffTest, ChangesSixLinesApartShareAHunk) {
  std::string before = numbered_lines(20);
  std::string after = replace_line(replace_line(before, 5, "x\n"), 12, "y\n");
  std::string diff = unified_diff(before, after, "a", "b");
  EXPECT_THAT(diff, HasSubstr("@@ -2,14 +2,14 @@\n"));
}

TEST(UnifiedDiffTest, InsertionsAndDeletionsCountTheirSides) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nx\ny\nb\n", "1", "2"), "--- 1\n+++ 2\n@@ -1,2 +1,4 @@\n a\n+x\n+y\n b\n");
  EXPECT_EQ(unified_diff("a\nb\nc\n", "a\nc\n", "1", "2"), "--- 1\n+++ 2\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
}

TEST(UnifiedDiffTest, CreatingAFileStartsFromLineZero) {
  EXPECT_EQ(unified_diff("", "{}\n", "/dev/null", "f"), "--- /dev/null\n+++ f\n@@ -0,0 +1 @@\n+{}\n");
}

TEST(UnifiedDiffTest, MissingFinalNewlineIsMarked) {
  std::string diff = unified_diff("a\nb", "a\nc", "1", "2");
  EXPECT_EQ(
      diff,
      "--- 1\n+++ 2\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n");
}

TEST(UnifiedDiffTest, AddingAFinalNewlineIsAChange) {
  EXPECT_THAT(unified_diff("a", "a\n", "1", "2"), HasSubstr("-a\n\\ No newline at end of file\n+a\n"));
}

TEST(UnifiedDiffTest, ApplyingTheDiffReproducesTheNewText) {
  // Rebuilds `after` from `before` and the hunks, as patch(1) would.
  std::string before = numbered_lines(40);
  std::string after = replace_line(replace_line(before, 10, "ten\nten and a half\n"), 33, "");
  std::string diff = unified_diff(before, after, "a", "b");
  std::string rebuilt;
  std::size_t taken = 0;  // lines of `before` consumed
  std::size_t pos = diff.find("@@");
  auto before_lines = [&before](std::size_t from, std::size_t to) {
    std::string out;
    std::size_t at = 0;
    for (std::size_t i = 0; i < to; ++i) {
      std::size_t end = before.find('\n', at) + 1;
      if (i >= from) out += before.substr(at, end - at);
      at = end;
    }
    return out;
  };
  while (pos != std::string::npos) {
    std::size_t start = std::stoul(diff.substr(pos + 4)) - 1;
    rebuilt += before_lines(taken, start);
    taken = start;
    std::size_t line = diff.find('\n', pos) + 1;
    while (line < diff.size() && diff.compare(line, 2, "@@") != 0) {
      std::size_t end = diff.find('\n', line) + 1;
      char kind = diff[line];
      if (kind != '-') rebuilt += diff.substr(line + 1, end - line - 1);
      if (kind != '+') ++taken;
      line = end;
    }
    pos = line < diff.size() ? line : std::string::npos;
  }
  rebuilt += before_lines(taken, 40);
  EXPECT_EQ(rebuilt, after);
}

}  // namespace
}  // namespace mcp_warden::integrations
