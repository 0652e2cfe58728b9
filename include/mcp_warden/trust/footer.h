// Footer: the one-line verification text the proxy appends, as an extra
// text content item, to allowed tool results:
//
//   🔒 mcp-warden · policy strict · trust 812/1000 (trusted) · audit #4711
//
// The proxy decides where it goes (never on error results, never inside
// structuredContent, not at all with --no-footer); this only builds the text.
//
// Thread safety: pure function. Nothing here touches disk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mcp_warden::trust {

// `score` is clamped to 0..1000 and its tier derived from it, so the text
// can never contradict itself. `audit_seq` is the seq of the call's audit entry.
std::string footer_text(std::string_view policy_name, int score, int64_t audit_seq);

}  // namespace mcp_warden::trust
