// Strict JSON parsing: the one parser every judged message goes through.
//
// parse_json_strict() reads exactly one JSON value and refuses anything two
// readers could disagree about: duplicate object keys (a server might read the
// first, we the last), invalid UTF-8, lone surrogate escapes, nesting deeper
// than a limit, and trailing bytes. Strings come out decoded, so a judge sees
// "write\u005ffile" as "write_file", exactly as the server will.
//
// Thread safety: stateless; call from any thread. Never throws.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"

namespace mcp_warden::rpc {

// The reader recurses once per level: nesting deeper than this is refused
// whatever JsonParseOptions::max_depth says.
inline constexpr std::size_t kMaxSupportedDepth = 2000;

struct JsonParseOptions {
  // Objects and arrays nested deeper than this (or than kMaxSupportedDepth)
  // are refused (kLimitExceeded).
  std::size_t max_depth = 1000;
};

// Parses `text` (one JSON value, surrounding whitespace allowed). Errors:
// kInvalidArgument for malformed JSON, invalid UTF-8 or duplicate keys (the
// message names the byte offset and the key); kLimitExceeded for depth.
Result<nlohmann::json> parse_json_strict(std::string_view text,
                                         const JsonParseOptions& options = {});

}  // namespace mcp_warden::rpc
