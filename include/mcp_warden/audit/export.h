// Rendering audit entries for people and tools: JSON Lines and CloudEvents
// exports with stable field names (docs/audit.md, "Export formats"), one-line
// summaries for `audit tail`/`audit query`, and time parsing for --since.
//
// Exports include the stored payload parsed as JSON (or, if it is not valid
// JSON, as a string) plus prev_hash/entry_hash in hex; the hashes cover the
// stored payload text, which `audit show` prints byte for byte.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/audit/entry.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"

namespace mcp_warden::audit {

enum class ExportFormat { kJsonl, kCloudEvents };

// "jsonl" or "cloudevents"; kInvalidArgument otherwise.
Result<ExportFormat> parse_export_format(std::string_view name);

// {"seq", "time", "time_us", "session_id", "kind", "server", "tool",
//  "request_id", "decision", "payload", "prev_hash", "entry_hash"}.
nlohmann::json entry_to_json(const Entry& entry);
// A CloudEvents 1.0 structured-mode event whose data is entry_to_json().
nlohmann::json entry_to_cloudevent(const Entry& entry);
// One line in the chosen format, without the trailing newline.
std::string format_export_line(const Entry& entry, ExportFormat format);

// "<seq> <time> <kind> <server> <tool> <decision> id=<request_id> session=<id>".
std::string format_entry_summary(const Entry& entry);

// RFC 3339 UTC with microseconds: "2023-11-14T22:13:20.000000Z".
std::string format_time_rfc3339(int64_t time_us);
// Accepts RFC 3339 ("2024-05-01T12:00:00Z", fraction and ±hh:mm offsets
// allowed), a date ("2024-05-01", midnight UTC), Unix seconds ("@1714564800")
// or an age relative to `clock` ("90s", "15m", "2h", "7d").
// kInvalidArgument for anything else.
Result<int64_t> parse_time(std::string_view text, const Clock& clock);

}  // namespace mcp_warden::audit
