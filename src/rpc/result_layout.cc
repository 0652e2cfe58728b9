#include "mcp_warden/rpc/result_layout.h"

namespace mcp_warden::rpc {
namespace {

// A cursor over text already known to be strict JSON.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t pos() const { return pos_; }
  bool at(char c) {
    skip_ws();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool take(char c) {
    if (!at(c)) return false;
    ++pos_;
    return true;
  }
  // A string at the cursor, without its quotes; nullopt if it contains an
  // escape (its decoded value would differ from the raw text).
  std::optional<std::string_view> plain_string() {
    if (!take('"')) return std::nullopt;
    std::size_t start = pos_;
    bool escaped = false;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') {
        escaped = true;
        pos_ += 2;
      } else {
        ++pos_;
      }
    }
    std::string_view raw = text_.substr(start, pos_ - start);
    ++pos_;  // the closing quote
    if (escaped) return std::nullopt;
    return raw;
  }
  // Moves past the value at the cursor (any type).
  void skip_value() {
    skip_ws();
    if (pos_ >= text_.size()) return;
    char c = text_[pos_];
    if (c == '"') {
      skip_string();
    } else if (c == '{' || c == '[') {
      skip_container();
    } else {
      while (pos_ < text_.size() && !is_delimiter(text_[pos_])) ++pos_;  // number, true, false, null
    }
  }
  std::string_view literal_at_cursor() {
    skip_ws();
    std::size_t start = pos_;
    std::size_t end = start;
    while (end < text_.size() && !is_delimiter(text_[end])) ++end;
    return text_.substr(start, end - start);
  }

 private:
  static bool is_delimiter(char c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
  void skip_ws() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  void skip_string() {
    ++pos_;  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    ++pos_;
  }
  void skip_container() {
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        skip_string();
        continue;
      }
      ++pos_;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// Reads the members of the result object at the cursor into `layout`.
bool read_result_object(Scanner& s, ResultLayout& layout) {
  layout.result_is_object = true;
  s.take('{');
  while (!s.take('}')) {
    s.take(',');
    auto key = s.plain_string();
    if (!key) return false;
    s.take(':');
    if (*key == "isError") {
      layout.is_error_flagged = s.literal_at_cursor() != "false";
    } else if (*key == "_meta") {
      layout.has_meta = true;
    } else if (*key == "content" && s.at('[')) {
      s.take('[');
      layout.content_empty = s.at(']');
      while (!s.at(']')) {
        s.take(',');
        s.skip_value();
      }
      layout.content_end = s.pos();
      s.take(']');
      continue;
    } else if (*key == "tools" && s.at('[')) {
      s.take('[');
      std::size_t open = s.pos();
      while (!s.at(']')) {
        s.take(',');
        s.at('"');  // skips whitespace to the element
        std::size_t begin = s.pos();
        s.skip_value();
        layout.tool_items.emplace_back(begin, s.pos());
      }
      layout.tools_array.emplace(open, s.pos());
      s.take(']');
      continue;
    }
    s.skip_value();
  }
  return true;
}

}  // namespace

std::string keep_tool_items(std::string_view raw, const ResultLayout& layout, const std::vector<bool>& keep) {
  std::string out(raw.substr(0, layout.tools_array->first));
  bool first = true;
  for (std::size_t i = 0; i < layout.tool_items.size(); ++i) {
    if (i >= keep.size() || !keep[i]) continue;
    if (!first) out += ',';
    first = false;
    auto [begin, end] = layout.tool_items[i];
    out.append(raw.substr(begin, end - begin));
  }
  out.append(raw.substr(layout.tools_array->second));
  return out;
}

std::optional<ResultLayout> locate_result(std::string_view raw) {
  Scanner s(raw);
  if (!s.take('{')) return std::nullopt;
  std::optional<ResultLayout> found;
  while (!s.take('}')) {
    s.take(',');
    auto key = s.plain_string();
    if (!key) return std::nullopt;
    s.take(':');
    if (*key == "result") {
      ResultLayout layout;
      if (s.at('{')) {
        if (!read_result_object(s, layout)) return std::nullopt;
      } else {
        s.skip_value();
      }
      found = layout;
      continue;
    }
    s.skip_value();
  }
  return found;
}

}  // namespace mcp_warden::rpc
