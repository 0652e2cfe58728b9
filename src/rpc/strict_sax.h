// Strict SAX reading, shared by every reader of a judged line (the DOM
// builder behind parse_json_strict and the header skimmer behind
// skim_message), so that both refuse exactly the same lines in exactly the
// same words: the error texts, the driver that runs the parser without
// letting it throw, and the duplicate-key check for readers that build no
// DOM. Internal to the rpc module.
//
// The parser is Boost.JSON's basic_parser (header-only; Boost is already a
// dependency): it validates UTF-8 and surrogate escapes, refuses comments,
// trailing commas and non-JSON literals, and hands strings over decoded and
// without copying them — about ten times faster than nlohmann's SAX parser
// on relayed lines (bench/rpc_bench). nlohmann::json stays the DOM and the
// writer. The driver gives values nlohmann's types (see run_strict_sax), so
// the DOM is the one nlohmann's own parser would build; a differential test
// (rpc_parser_agreement_test) holds the two parsers to the same verdicts.
//
// Thread safety: the functions are stateless; an OpenObjectKeys belongs to
// one parse.
#pragma once

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "mcp_warden/base/status.h"
#include "mcp_warden/rpc/json_parse.h"

namespace mcp_warden::rpc::internal {

// The errors a strict reader reports, named as parse_json_strict documents.
Status malformed_json_at(std::size_t position, std::string_view detail);
Status nested_too_deep(std::size_t max_depth);
Status duplicate_key(std::string_view key);

// The number a float's text stands for, correctly rounded (strtod in the C
// locale, as nlohmann reads it); nullopt when it is not finite (1e400).
std::optional<double> finite_double(std::string_view text);

// Translates Boost.JSON's parser events into a strict reader's, which are:
//   null(), boolean(bool), number_integer(int64_t), number_unsigned(uint64_t),
//   number_float(double), string(std::string_view), key(std::string_view),
//   start_object(), end_object(), start_array(), end_array()
// each returning false to stop the parse, and error(): the Status the
// handler stopped with (OK when it stopped for another reason). Strings and
// keys arrive decoded and whole; the view is valid only during the call.
// Numbers get nlohmann's types: an integer without a minus sign is unsigned,
// one with it ("-0" too) signed, anything else — fraction, exponent, or an
// integer beyond 64 bits — a double.
template <typename Handler>
class BoostEvents {
 public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();
  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;

  explicit BoostEvents(Handler& handler) : handler_(handler) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return handler_.start_object(); }
  bool on_object_end(std::size_t, error_code&) { return handler_.end_object(); }
  bool on_array_begin(error_code&) { return handler_.start_array(); }
  bool on_array_end(std::size_t, error_code&) { return handler_.end_array(); }
  bool on_key_part(string_view part, std::size_t, error_code&) { return append_part(part); }
  bool on_key(string_view last, std::size_t, error_code&) { return forget_parts(handler_.key(whole_text(last))); }
  bool on_string_part(string_view part, std::size_t, error_code&) { return append_part(part); }
  bool on_string(string_view last, std::size_t, error_code&) {
    return forget_parts(handler_.string(whole_text(last)));
  }
  bool on_number_part(string_view part, error_code&) { return append_part(part); }
  bool on_int64(std::int64_t v, string_view last, error_code&) {
    const bool minus = (parts_.empty() ? last.front() : parts_.front()) == '-';
    parts_.clear();
    return minus ? handler_.number_integer(v) : handler_.number_unsigned(static_cast<std::uint64_t>(v));
  }
  bool on_uint64(std::uint64_t v, string_view, error_code&) {
    parts_.clear();
    return handler_.number_unsigned(v);
  }
  bool on_double(double, string_view last, error_code&) {
    std::optional<double> value = finite_double(whole_text(last));
    parts_.clear();
    if (!value) {
      number_overflow_ = true;
      return false;
    }
    return handler_.number_float(*value);
  }
  bool on_bool(bool v, error_code&) { return handler_.boolean(v); }
  bool on_null(error_code&) { return handler_.null(); }
  bool on_comment_part(string_view, error_code&) { return false; }  // comments are refused before this
  bool on_comment(string_view, error_code&) { return false; }

  bool number_overflow() const { return number_overflow_; }

 private:
  bool append_part(string_view part) {
    parts_.append(part.data(), part.size());
    return true;
  }
  // The text made of the parts so far and `last`, valid until the parts
  // are cleared (forget_parts, or a number handler's clear).
  std::string_view whole_text(string_view last) {
    if (parts_.empty()) return std::string_view(last.data(), last.size());
    parts_.append(last.data(), last.size());
    return parts_;
  }
  // Clears the parts once the value made of them has been handed over.
  bool forget_parts(bool accepted) {
    parts_.clear();
    return accepted;
  }

  Handler& handler_;
  std::string parts_;  // a string, key or number read in pieces (escapes, or a split input)
  bool number_overflow_ = false;
};

// Runs the parser over `text` (exactly one value; whitespace around it
// allowed, anything else after it refused), objects and arrays nested at
// most `max_depth` deep (capped at kMaxSupportedDepth; the handler is
// expected to refuse depth itself first, in its own words). OK when the
// handler accepted every event; otherwise the handler's error(), or why the
// text is not JSON. Never throws.
template <typename Handler>
Status run_strict_sax(std::string_view text, Handler& handler, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth >= kMaxSupportedDepth ? kMaxSupportedDepth : max_depth + 1;
  std::size_t used = 0;
  bool number_overflow = false;
  boost::json::error_code ec;
  try {
    boost::json::basic_parser<BoostEvents<Handler>> parser(options, handler);
    used = parser.write_some(false, text.data(), text.size(), ec);
    number_overflow = parser.handler().number_overflow();
    if (!ec && used != text.size()) return malformed_json_at(used, "extra data after the JSON value");
  } catch (const std::exception& e) {  // allocation failure or a library bug
    return Status::invalid_argument(std::string("malformed JSON: ") + e.what());
  }
  if (!ec) return Status::ok();
  if (!handler.error().is_ok()) return handler.error();
  if (number_overflow) return malformed_json_at(used, "number overflow");
  if (ec == boost::json::error::too_deep) return nested_too_deep(kMaxSupportedDepth);
  return malformed_json_at(used, ec.message());
}

// The keys read so far in each object still open, innermost last, to find a
// duplicate the moment its second occurrence is read. Keys compare as their
// decoded bytes, as nlohmann's objects compare them. An object is searched
// linearly up to kLinearKeys keys, through a hash index beyond, so a line
// with a huge object is still read in linear time. A key that lies in the
// line being read (no escapes: the parser hands over a view of the line) is
// kept as that view; any other is copied, once.
class OpenObjectKeys {
 public:
  OpenObjectKeys();
  ~OpenObjectKeys();
  OpenObjectKeys(const OpenObjectKeys&) = delete;
  OpenObjectKeys& operator=(const OpenObjectKeys&) = delete;

  // Forgets every key and object, ready for the line `text`, which must
  // outlive the reading; memory beyond a typical message's is given back.
  void clear(std::string_view text = {});
  void open();   // an object starts
  void close();  // the innermost object ends; its keys are forgotten
  // Records `key` in the innermost object; false if it is already there.
  bool insert(std::string_view key);

 private:
  static constexpr std::size_t kLinearKeys = 16;
  using Index = std::unordered_set<std::string_view>;
  struct Frame {
    std::size_t first_key = 0;     // into keys_ (unused once indexed)
    std::size_t first_copy = 0;    // into copies_
    std::unique_ptr<Index> index;  // once the object has more than kLinearKeys keys
  };

  // `key`, or a copy of it, valid until clear().
  std::string_view stable(std::string_view key);
  void build_index(Frame& frame);

  std::string_view text_;                // the line being read
  std::deque<std::string> copies_;       // keys of open objects that are not in text_ (stable addresses)
  std::size_t copies_peak_ = 0;          // the most copies_ held since clear()
  std::vector<std::string_view> keys_;   // keys of the open objects not indexed, in the order read
  std::vector<Frame> frames_;            // one per open object
};

}  // namespace mcp_warden::rpc::internal
