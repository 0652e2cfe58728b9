#include "mcp_warden/integrations/unified_diff.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace mcp_warden::integrations {
namespace {

// A line with its "\n" (the last one may lack it), so that "x\n" and a final
// "x" without a newline differ, as they do for diff -u.
using Lines = std::vector<std::string_view>;

enum class OpKind { kEqual, kDelete, kInsert };

// One step of the edit script, with both sides' positions before it.
struct Op {
  OpKind kind;
  std::size_t a;
  std::size_t b;
};

Lines split_lines(std::string_view text) {
  Lines lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

// Myers' greedy forward pass over a[a0, a1) and b[b0, b1); returns, for
// each edit distance d, the furthest x reached on diagonals -d..d.
class Myers {
 public:
  Myers(const Lines& a, const Lines& b, std::size_t a0, std::size_t a1, std::size_t b0, std::size_t b1)
      : a_(a), b_(b), a0_(a0), b0_(b0), n_(static_cast<long>(a1 - a0)), m_(static_cast<long>(b1 - b0)) {}

  // Appends the edit script of the range to `ops`.
  void run(std::vector<Op>& ops) {
    forward();
    backtrack(ops);
  }

 private:
  bool same(long x, long y) const {
    return a_[a0_ + static_cast<std::size_t>(x)] == b_[b0_ + static_cast<std::size_t>(y)];
  }

  long at(long d, long k) const { return trace_[static_cast<std::size_t>(d)][static_cast<std::size_t>(k + d)]; }

  // True when the path to diagonal k at distance d came down from k+1.
  bool came_down(const std::vector<long>& v, long offset, long d, long k) const {
    return k == -d ||
           (k != d && v[static_cast<std::size_t>(offset + k - 1)] < v[static_cast<std::size_t>(offset + k + 1)]);
  }

  void forward() {
    long offset = n_ + m_ + 1;
    std::vector<long> v(static_cast<std::size_t>(2 * offset + 1), 0);
    for (long d = 0; d <= n_ + m_; ++d) {
      for (long k = -d; k <= d; k += 2) {
        long x = came_down(v, offset, d, k) ? v[static_cast<std::size_t>(offset + k + 1)]
                                            : v[static_cast<std::size_t>(offset + k - 1)] + 1;
        long y = x - k;
        while (x < n_ && y < m_ && same(x, y)) ++x, ++y;
        v[static_cast<std::size_t>(offset + k)] = x;
      }
      trace_.emplace_back(v.begin() + offset - d, v.begin() + offset + d + 1);
      if (reached_end(d)) return;
    }
  }

  bool reached_end(long d) const {
    long k = n_ - m_;
    return k >= -d && k <= d && (k + d) % 2 == 0 && at(d, k) >= n_;
  }

  void push(std::vector<Op>& ops, OpKind kind, long x, long y) const {
    ops.push_back(Op{kind, a0_ + static_cast<std::size_t>(x), b0_ + static_cast<std::size_t>(y)});
  }

  void backtrack(std::vector<Op>& out) {
    std::vector<Op> ops;
    long x = n_, y = m_;
    for (long d = static_cast<long>(trace_.size()) - 1; d > 0; --d) {
      long k = x - y;
      bool down = k == -d || (k != d && at(d - 1, k - 1) < at(d - 1, k + 1));
      long prev_x = at(d - 1, down ? k + 1 : k - 1);
      long prev_y = prev_x - (down ? k + 1 : k - 1);
      for (; x > prev_x && y > prev_y; --x, --y) push(ops, OpKind::kEqual, x - 1, y - 1);
      if (down) push(ops, OpKind::kInsert, x, --y);
      if (!down) push(ops, OpKind::kDelete, --x, y);
    }
    for (; x > 0 && y > 0; --x, --y) push(ops, OpKind::kEqual, x - 1, y - 1);
    out.insert(out.end(), ops.rbegin(), ops.rend());
  }

  const Lines& a_;
  const Lines& b_;
  std::size_t a0_, b0_;
  long n_, m_;
  std::vector<std::vector<long>> trace_;
};

std::vector<Op> edit_script(const Lines& a, const Lines& b) {
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  std::vector<Op> ops;
  for (std::size_t i = 0; i < head; ++i) ops.push_back(Op{OpKind::kEqual, i, i});
  Myers(a, b, head, a.size() - tail, head, b.size() - tail).run(ops);
  for (std::size_t i = tail; i > 0; --i) ops.push_back(Op{OpKind::kEqual, a.size() - i, b.size() - i});
  return ops;
}

// "start,len" as diff -u prints a range (1-based; an empty range names the
// line before it; ",1" is left out).
std::string range_text(std::size_t start, std::size_t length) {
  std::string text = std::to_string(length == 0 ? start : start + 1);
  return length == 1 ? text : text + "," + std::to_string(length);
}

void append_line(std::string& out, char prefix, std::string_view line) {
  out += prefix;
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

void append_hunk(std::string& out, const std::vector<Op>& ops, std::size_t begin, std::size_t end, const Lines& a,
                 const Lines& b) {
  std::size_t a_length = 0, b_length = 0;
  for (std::size_t i = begin; i < end; ++i) {
    a_length += ops[i].kind != OpKind::kInsert;
    b_length += ops[i].kind != OpKind::kDelete;
  }
  out += "@@ -" + range_text(ops[begin].a, a_length) + " +" + range_text(ops[begin].b, b_length) + " @@\n";
  for (std::size_t i = begin; i < end; ++i) {
    if (ops[i].kind == OpKind::kEqual) append_line(out, ' ', a[ops[i].a]);
    if (ops[i].kind == OpKind::kDelete) append_line(out, '-', a[ops[i].a]);
    if (ops[i].kind == OpKind::kInsert) append_line(out, '+', b[ops[i].b]);
  }
}

// The next change at or after `from`, or ops.size().
std::size_t next_change(const std::vector<Op>& ops, std::size_t from) {
  while (from < ops.size() && ops[from].kind == OpKind::kEqual) ++from;
  return from;
}

// The end of the hunk whose first change is at `change`: changes closer than
// two contexts apart share a hunk.
std::size_t hunk_end(const std::vector<Op>& ops, std::size_t change) {
  std::size_t last = change;
  for (std::size_t i = next_change(ops, change + 1); i < ops.size(); i = next_change(ops, i + 1)) {
    if (i - last - 1 > 2 * static_cast<std::size_t>(kDiffContextLines)) break;
    last = i;
  }
  return std::min(ops.size(), last + 1 + kDiffContextLines);
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after, const std::string& before_label,
                         const std::string& after_label) {
  Lines a = split_lines(before), b = split_lines(after);
  std::vector<Op> ops = edit_script(a, b);
  std::string out;
  for (std::size_t change = next_change(ops, 0); change < ops.size();) {
    std::size_t begin = change > static_cast<std::size_t>(kDiffContextLines) ? change - kDiffContextLines : 0;
    std::size_t end = hunk_end(ops, change);
    append_hunk(out, ops, begin, end, a, b);
    change = next_change(ops, end);
  }
  if (out.empty()) return out;
  return "--- " + before_label + "\n+++ " + after_label + "\n" + out;
}

}  // namespace mcp_warden::integrations
