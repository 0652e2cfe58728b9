// ConfigDocument: a client config file parsed for rewriting, plus what is
// needed to write it back in the style it came in.
//
// parse_config_document() keeps key order (nlohmann::ordered_json), reads
// JSONC (comments and trailing commas, see jsonc.h), refuses what it cannot
// rewrite faithfully (malformed JSON, duplicate keys) with the origin path,
// line and column, and remembers the text's style: the
// indentation unit (2 spaces, 4 spaces, a tab, or a one-line file), CRLF line
// ends, a UTF-8 byte-order mark and the presence of a final newline. It also
// records the byte offset of every object member value a few levels deep, so
// later checks ("servers key is not an object") can name a line and column.
//
// render_config_document() writes the tree back in that style. A JSONC file
// is patched instead (only changed values are rewritten, comments kept; see
// jsonc.h). For plain JSON, formatting
// inside the tree is normalised to nlohmann's layout for that indentation
// (one array element per line, "\u00e9" written as "é"), so a hand-formatted
// file changes shape on its first rewrite; every later rewrite of an unchanged
// tree is byte-identical.
//
// Thread safety: value types and stateless functions. Never throws.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mcp_warden/base/status.h"

namespace mcp_warden::integrations {

// The text style a rewrite keeps.
struct TextStyle {
  bool byte_order_mark = false;
  bool crlf = false;
  bool final_newline = true;
  bool one_line = false;  // no line breaks inside the value: write it compact
  int indent = 2;
  char indent_char = ' ';
};

// 1-based line and column (columns count UTF-8 characters, as editors do).
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

struct ConfigDocument {
  nlohmann::ordered_json root;
  TextStyle style;
  // JSON pointer ("/projects/~1home~1me/mcpServers") → byte offset of the
  // member's value in the original text; members up to 4 levels deep.
  std::map<std::string, std::size_t> value_offsets;
  // Set for a file with comments or trailing commas: the original text, the
  // same text as plain JSON, and the tree as parsed (see jsonc.h).
  bool jsonc = false;
  std::string origin;
  std::string original_text;
  std::string json_text;
  nlohmann::ordered_json parsed_root;
};

// Where byte `offset` of `text` sits (offsets past the end mean the end).
TextPosition position_at(std::string_view text, std::size_t offset);

// "<origin>:<line>:<column>" for byte `offset` of `text`.
std::string describe_position(const std::string& origin, std::string_view text, std::size_t offset);

// Parses `text` (read from `origin`, used in messages). kInvalidArgument
// messages read "<origin>:<line>:<column>: <what>".
Result<ConfigDocument> parse_config_document(std::string_view text, const std::string& origin);

// The document as text in its style. kInvalidArgument when a string in the
// tree is not valid UTF-8 (e.g. a path given on the command line).
Result<std::string> render_config_document(const ConfigDocument& document);

}  // namespace mcp_warden::integrations
