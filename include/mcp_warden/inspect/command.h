// `mcp-warden inspect [FILE|-] [--json] [--all] [--kinds k1,k2]`: runs the
// detectors on a file or stdin, for people writing policies. Input that is a
// JSON object or array is walked like a message (locations are JSON Pointers,
// strings decoded); anything else is text (locations are line:column, 1-based,
// column in bytes). Never prints a value: each finding shows a masked preview
// (its first four and last two characters at most, and its length).
//
// Exit status: 0 nothing found; 1 findings; 2 usage or I/O error (grep's
// convention, so a script can test for findings).
//
// Thread safety: none needed; one call per process.
#pragma once

#include <iosfwd>
#include <string>

#include "mcp_warden/inspect/finding.h"

namespace mcp_warden::inspect {

struct InspectCommand {
  std::string path = "-";  // "-" reads stdin
  bool json = false;       // a JSON document instead of lines of text
  bool all = false;        // include low-confidence findings
  std::string kinds;       // comma-separated kind names; empty = every kind
};

int run_inspect_command(const InspectCommand& command, std::istream& in, std::ostream& out, std::ostream& err);

// The first four and last two characters of `value` around at most 14 '*'
// (only '*' when it is shorter than 12), then its length:
// "AKIA**************LE (20)". Unprintable bytes show as '*'.
std::string masked_preview(std::string_view value);

}  // namespace mcp_warden::inspect
