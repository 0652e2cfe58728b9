// Inspecting and redacting JSON values: every string of a value (tool
// arguments, a CallToolResult, a ReadResourceResult, a GetPromptResult,
// sampling messages, a tools/list result's descriptions, ...) is run through
// the detectors, and the findings are reported by JSON Pointer — kind,
// detector, confidence, span, optionally a keyed hash — never by value.
//
// What is looked at: the decoded text of every string, at any depth, and
// every object key. nlohmann has already decoded JSON escapes, so a token
// written "\u0041KIA..." on the wire is found as "AKIA...". What is not:
// numbers, booleans, and binary content — a string member named "blob"
// (resource contents) and the "data" of an object whose "type" is "image" or
// "audio" are base64 and are not decoded (Report::binary_skipped counts them).
//
// Redaction replaces each finding's span with "[REDACTED:<kind>]" in place: a
// string stays a string, overlapping findings become one replacement (labelled
// with the first kind in Kind's order: secret before payment_card before ...),
// the rest of the text is kept byte for byte, so the value stays valid JSON
// and keeps its schema (only the redacted strings' contents change). A key
// with a finding is renamed the same way (made unique with "#2", "#3", ... if
// the object already has that name).
//
// Bounds and failure: the walk is iterative (no recursion, whatever the
// nesting); values nested deeper than ScanOptions::max_depth and text beyond
// ScanOptions::max_bytes are not inspected and set Report::incomplete, which a
// caller must treat as "could not judge" (fail closed). Nothing throws: an
// exception inside (std::bad_alloc) also ends in incomplete, with `error`
// saying why; a redaction interrupted that way may have redacted only part of
// the value. Invalid UTF-8 inside a string is scanned as bytes; replacements
// never split a valid UTF-8 sequence.
//
// Cost: one pass over the text (Detectors' contract: a small multiple of a
// memchr pass when nothing is found) plus O(nodes) for the walk; a JSON
// Pointer is built only for a string that has findings. Report::occurrences
// keeps at most ScanOptions::max_occurrences entries (Report::truncated when
// more were found; Report::findings counts them all).
//
// Thread safety: the functions are reentrant; the value must not be touched by
// another thread during the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/detectors.h"
#include "mcp_warden/inspect/finding.h"
#include "mcp_warden/inspect/value_hash.h"

namespace mcp_warden::inspect {

struct ScanOptions {
  KindSet kinds = KindSet::all();                   // what to look for
  Confidence min_confidence = Confidence::kMedium;  // weaker findings are ignored
  std::size_t max_depth = 256;                      // deeper values are not inspected
  std::size_t max_bytes = std::numeric_limits<std::size_t>::max();  // text inspected in total
  std::size_t max_occurrences = 1000;               // occurrences kept in the report
  bool scan_keys = true;                            // object keys are text too
  const ValueHasher* hasher = nullptr;              // when set, each occurrence gets value_hash
};

// One finding, located.
struct Occurrence {
  DetectorId detector;
  Kind kind;
  Confidence confidence;
  std::string where;       // RFC 6901 JSON Pointer of the string (of the member, for a key)
  bool in_key = false;     // found in an object key rather than a string value
  std::size_t begin = 0;   // byte span in the decoded string (before redaction)
  std::size_t end = 0;
  bool redacted = false;
  std::string value_hash;  // ValueHasher::hash of the span, when a hasher was given
};

struct Report {
  std::vector<Occurrence> occurrences;
  std::size_t findings = 0;         // all findings, even past max_occurrences
  std::size_t redactions = 0;       // spans replaced (after merging overlaps)
  std::size_t strings_scanned = 0;  // keys included
  std::size_t bytes_scanned = 0;
  std::size_t binary_skipped = 0;   // base64 blob/data strings not decoded
  bool truncated = false;           // findings > occurrences.size()
  bool incomplete = false;          // some text was not inspected (depth, size, error)
  std::string error;                // why, when incomplete

  bool empty() const { return findings == 0; }
  bool has(Kind kind) const;
  std::size_t count(Kind kind) const;  // among occurrences
  KindSet kinds() const;
  // What may go into `_meta["mcp-warden"]` and the audit log: an array of
  // {"kind", "detector", "where", "count"[, "redacted": true]} grouped by
  // (kind, detector, where, redacted), in order of first appearance, plus
  // {"incomplete": true, "reason"} when incomplete. Never a value.
  nlohmann::json summary() const;
};

// Inspects `value`. O(total text + nodes).
Report scan(const nlohmann::json& value, const Detectors& detectors, const ScanOptions& options = {});

// Inspects `value` for options.kinds and `redact_kinds`, and replaces the
// findings whose kind is in `redact_kinds` (Occurrence::redacted). Others are
// only reported.
Report redact(nlohmann::json& value, const Detectors& detectors, KindSet redact_kinds,
              const ScanOptions& options = {});

// Removes every invisible character the invisible_unicode detector finds, at
// any confidence (tag characters, bidi controls, zero-width characters, byte
// order marks and directional marks; joiners inside emoji and scripts, and
// the tags of subdivision flags, are text and stay). Reports what it removed.
Report strip_hidden(nlohmann::json& value, const Detectors& detectors, const ScanOptions& options = {});

// The text with each finding's span replaced by "[REDACTED:<kind>]"
// (overlaps merged as above). `findings` must be sorted by begin and lie
// inside `text`.
std::string redact_text(std::string_view text, std::span<const Finding> findings);

// The text without the spans of `findings` (overlaps merged).
std::string remove_spans(std::string_view text, std::span<const Finding> findings);

// "[REDACTED:<kind>]".
std::string redaction_marker(Kind kind);

}  // namespace mcp_warden::inspect
