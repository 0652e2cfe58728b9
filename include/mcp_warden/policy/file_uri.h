// parse_file_uri: the local path a `file:` URL names, read the way a WHATWG
// URL parser reads it (the URL Standard's "file" states), so a policy judges
// every spelling a server's URL library accepts as the same path.
//
// Accepted, as the standard accepts them: the scheme in any case (`FILE:`),
// leading and trailing C0 controls and spaces, tabs and newlines anywhere
// (removed); one, two or more slashes or backslashes after `file:` (`file:/x`,
// `file:///x`, `file:\\x`, `file:x` — the last has no base to resolve
// against and names `/x`); a host (`localhost` is no host; any other host is
// returned in `host`, and the path is still returned: a server that ignores
// the host opens it locally); `.` and `..` segments, also percent-encoded
// (`%2e`, `.%2E`), folded; a query (`?`) and fragment (`#`) dropped; a
// Windows drive letter (`file:///C:/x`, `file://C:/x`, `file:C|/x`) kept as
// `/C:/x`. Percent-escapes in the path are decoded (a server turning the URL
// into a path decodes them; `%2F` becomes `/` — judged as a separator, the
// conservative reading).
//
// Used by the path normaliser for arguments and by the resources/read judge
// for resource URIs. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcp_warden::policy {

struct FileUri {
  std::string host;  // empty for no host or "localhost"; lower-cased
  std::string path;  // absolute, '/'-separated, decoded, dot segments folded
};

// The URL as a file URL; nullopt when its scheme is not `file`.
std::optional<FileUri> parse_file_uri(std::string_view text);

// Whether `text` starts (after C0 controls and spaces) with the scheme
// `file:` in any case, tabs and newlines inside it ignored. Cheap.
bool looks_like_file_uri(std::string_view text);

}  // namespace mcp_warden::policy
