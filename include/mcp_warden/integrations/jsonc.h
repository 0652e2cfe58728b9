// JSONC: JSON with comments and trailing commas, as VS Code and Cursor accept
// in their MCP config files.
//
// strip_jsonc() turns JSONC into JSON of the same length: every comment
// character and every trailing comma becomes a space (line breaks stay), so a
// byte offset means the same place in both texts and positions in messages
// stay right. patch_jsonc() writes a changed tree back into the original
// text by editing only the values that changed (a member's value replaced,
// a member inserted after its neighbour or removed), so comments, blank lines
// and hand formatting everywhere else survive. When an edit would drop a
// comment (one inside a value that is replaced or removed), it refuses and
// names the place, and nothing is written. The edited text is read back
// before it is returned: unless it parses to exactly `after`, it is refused.
//
// Thread safety: pure functions. Never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mcp_warden/base/status.h"

namespace mcp_warden::integrations {

struct TextStyle;

struct StrippedJsonc {
  std::string json;             // same length as the input
  bool had_comments = false;
  bool had_trailing_commas = false;
  bool changed() const { return had_comments || had_trailing_commas; }
};

// kInvalidArgument "<origin>:<line>:<col>: unterminated /* comment" when a
// block comment never ends; everything else is left for the JSON parser.
Result<StrippedJsonc> strip_jsonc(std::string_view text, const std::string& origin);

// `original` with the edits that turn `before` (what `stripped` parses to)
// into `after`. New line breaks follow `style` (CRLF, indentation unit).
Result<std::string> patch_jsonc(std::string_view original, std::string_view stripped,
                                const nlohmann::ordered_json& before, const nlohmann::ordered_json& after,
                                const TextStyle& style, const std::string& origin);

}  // namespace mcp_warden::integrations
