// ResultLayout: where the parts of a tools/call result sit in the raw text of
// a response, so the proxy can record its outcome and splice the
// verification footer into it without building and re-serializing the
// whole message.
//
// Precondition: `raw` was accepted by rpc::skim_message() or parse_message()
// (strict JSON: valid UTF-8, no duplicate keys, no trailing bytes). The
// scanner relies on that and does not validate again; it only has to find
// boundaries of strings, objects and arrays.
//
// locate_result() returns nullopt whenever the layout cannot be read simply —
// no top-level "result", or a key of the message or of its result spelled
// with an escape sequence (whose decoded name the scanner does not compute) —
// and the caller then builds the body and works on the DOM instead.
//
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp_warden::rpc {

struct ResultLayout {
  bool result_is_object = false;
  // result.isError is present and is anything but the literal `false`.
  bool is_error_flagged = false;
  bool has_meta = false;                   // result._meta is present
  std::optional<std::size_t> content_end;  // offset of the ']' closing result.content, if it is an array
  bool content_empty = false;              // result.content is `[]` (whitespace aside)
  // result.tools, when it is an array (a tools/list result): the offsets just
  // after its '[' and of its ']', and each element's [begin, end) span.
  std::optional<std::pair<std::size_t, std::size_t>> tools_array;
  std::vector<std::pair<std::size_t, std::size_t>> tool_items;
};

// `raw` (a tools/list response located by locate_result) with only the
// result.tools elements whose index `keep` marks, every kept element's bytes
// and the rest of the message as they were.
std::string keep_tool_items(std::string_view raw, const ResultLayout& layout, const std::vector<bool>& keep);

std::optional<ResultLayout> locate_result(std::string_view raw);

}  // namespace mcp_warden::rpc
