#include "mcp_warden/integrations/config_document.h"

#include "mcp_warden/integrations/jsonc.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace mcp_warden::integrations {
namespace {

using nlohmann::ordered_json;
using JsonPointer = ordered_json::json_pointer;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr std::size_t kIndexedDepth = 4;

// A char iterator that counts how far nlohmann's lexer has read, so the SAX
// handler below knows the byte offset of the token it is told about.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, std::size_t* consumed) : at_(at), consumed_(consumed) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    ++at_;
    ++*consumed_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  std::size_t* consumed_;
};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The offset of the value that follows a key ending just before `offset`.
std::size_t value_start_after_key(std::string_view text, std::size_t offset) {
  while (offset < text.size() && (is_json_space(text[offset]) || text[offset] == ':')) ++offset;
  return offset;
}

// nlohmann's "... parse error at line 1, column 2: <detail>" → "<detail>".
std::string parse_error_detail(const std::string& what) {
  auto column = what.find("column ");
  auto colon = what.find(": ", column == std::string::npos ? 0 : column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Validates the text (no duplicate keys) and records member value offsets.
class OffsetIndexer {
 public:
  OffsetIndexer(std::string_view text, const std::size_t* consumed, std::string origin)
      : text_(text), consumed_(consumed), origin_(std::move(origin)) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(ordered_json::number_integer_t) { return value(); }
  bool number_unsigned(ordered_json::number_unsigned_t) { return value(); }
  bool number_float(ordered_json::number_float_t, const std::string&) { return value(); }
  bool string(std::string&) { return value(); }
  bool binary(ordered_json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(true); }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& name) {
    Frame& frame = frames_.back();
    pending_offset_ = value_start_after_key(text_, *consumed_);
    if (!frame.keys.insert(name).second) {
      error_ = Status::invalid_argument(describe_position(origin_, text_, pending_offset_) + ": duplicate key \"" +
                                        name + "\"; remove one of them");
      return false;
    }
    frame.pointer_of_member = frame.pointer / name;
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    std::size_t offset = position == 0 ? 0 : position - 1;
    error_ = Status::invalid_argument(describe_position(origin_, text_, offset) +
                                      ": not valid JSON: " + parse_error_detail(e.what()));
    return false;
  }

  const Status& error() const { return error_; }
  std::map<std::string, std::size_t>& offsets() { return offsets_; }

 private:
  struct Frame {
    bool is_object;
    JsonPointer pointer;
    JsonPointer pointer_of_member;
    std::set<std::string> keys;
  };

  // Records the offset of a value that is an object member.
  bool value() {
    if (!frames_.empty() && frames_.back().is_object && frames_.size() <= kIndexedDepth) {
      offsets_[frames_.back().pointer_of_member.to_string()] = pending_offset_;
    }
    return true;
  }

  bool open(bool is_object) {
    value();
    JsonPointer pointer;
    if (!frames_.empty() && frames_.back().is_object) pointer = frames_.back().pointer_of_member;
    frames_.push_back(Frame{is_object, pointer, pointer, {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string_view text_;
  const std::size_t* consumed_;
  std::string origin_;
  std::vector<Frame> frames_;
  std::size_t pending_offset_ = 0;
  std::map<std::string, std::size_t> offsets_;
  Status error_;
};

// The indentation of the first indented line, or one_line when none.
void detect_indentation(std::string_view text, TextStyle& style) {
  std::size_t newline = text.find('\n');
  while (newline != std::string_view::npos && newline + 1 < text.size()) {
    std::size_t start = newline + 1;
    std::size_t end = text.find_first_not_of(" \t", start);
    if (end != std::string_view::npos && end > start && text[end] != '\n' && text[end] != '\r') {
      style.indent_char = text[start];
      style.indent = style.indent_char == '\t' ? 1 : static_cast<int>(end - start);
      return;
    }
    newline = text.find('\n', start);
  }
  style.one_line = true;
}

TextStyle detect_style(std::string_view text) {
  TextStyle style;
  style.byte_order_mark = text.substr(0, kByteOrderMark.size()) == kByteOrderMark;
  std::size_t newline = text.find('\n');
  style.crlf = newline != std::string_view::npos && newline > 0 && text[newline - 1] == '\r';
  style.final_newline = !text.empty() && text.back() == '\n';
  std::string_view body = text;
  while (!body.empty() && is_json_space(body.back())) body.remove_suffix(1);
  detect_indentation(body, style);
  return style;
}

// Runs the indexer over `text`; on a syntax error, says so when the text
// would parse with comments allowed (VS Code's JSONC).
Result<std::map<std::string, std::size_t>> index_offsets(std::string_view text, const std::string& origin) {
  std::size_t consumed = 0;
  OffsetIndexer indexer(text, &consumed, origin);
  CountingIterator first(text.data(), &consumed);
  CountingIterator last(text.data() + text.size(), &consumed);
  bool ok = ordered_json::sax_parse(first, last, &indexer, ordered_json::input_format_t::json, true, false);
  if (ok) return std::move(indexer.offsets());
  if (indexer.error().is_ok()) return Status::invalid_argument(origin + ": not valid JSON");
  return indexer.error();
}

std::string with_line_ends(std::string text, const TextStyle& style) {
  if (style.final_newline) text += '\n';
  if (!style.crlf) return text;
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

TextPosition position_at(std::string_view text, std::size_t offset) {
  TextPosition position;
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++position.column;
    }
  }
  return position;
}

std::string describe_position(const std::string& origin, std::string_view text, std::size_t offset) {
  TextPosition position = position_at(text, offset);
  return origin + ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
}

Result<ConfigDocument> parse_config_document(std::string_view text, const std::string& origin) {
  try {
    auto stripped = strip_jsonc(text, origin);
    if (!stripped) return stripped.status();
    auto offsets = index_offsets(stripped->json, origin);
    if (!offsets) return offsets.status();
    ConfigDocument document;
    document.root = ordered_json::parse(stripped->json);
    document.style = detect_style(text);
    document.value_offsets = std::move(offsets).value();
    if (stripped->changed()) {
      document.jsonc = true;
      document.origin = origin;
      document.original_text = std::string(text);
      document.json_text = std::move(stripped->json);
      document.parsed_root = document.root;
    }
    return document;
  } catch (const std::exception& e) {  // allocation failure, or nlohmann disagreeing with itself
    return Status::invalid_argument(origin + ": cannot parse: " + e.what());
  }
}

Result<std::string> render_config_document(const ConfigDocument& document) {
  const TextStyle& style = document.style;
  if (document.jsonc) {
    return patch_jsonc(document.original_text, document.json_text, document.parsed_root, document.root, style,
                       document.origin);
  }
  try {
    std::string body = document.root.dump(style.one_line ? -1 : style.indent, style.indent_char, false);
    std::string bom = style.byte_order_mark ? std::string(kByteOrderMark) : std::string();
    return bom + with_line_ends(std::move(body), style);
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid_argument(std::string("cannot write the config: ") + e.what());
  }
}

}  // namespace mcp_warden::integrations
