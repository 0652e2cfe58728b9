// Fuzzes the content detectors and the JSON redaction with arbitrary bytes.
// For any input: findings lie inside the text, sorted, never empty; a text's
// redaction contains no span the detectors found again at the same place; a
// JSON value stays serialisable (with replacement of invalid UTF-8) after
// redact and strip_hidden. Never throws, crashes or hangs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/detectors.h"
#include "mcp_warden/inspect/scan.h"

namespace {

using namespace mcp_warden::inspect;

void check_text(std::string_view text) {
  std::vector<Finding> found = Detectors::builtin().find(text, KindSet::all(), Confidence::kLow);
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i].begin >= found[i].end || found[i].end > text.size()) std::abort();
    if (i > 0 && found[i - 1].begin > found[i].begin) std::abort();
  }
  std::string redacted = redact_text(text, found);
  if (!found.empty() && redacted.find("[REDACTED:") == std::string::npos) std::abort();
}

void check_json(std::string_view data) {
  nlohmann::json value = nlohmann::json::parse(data, nullptr, false);
  if (value.is_discarded()) value = nlohmann::json{{"text", std::string(data)}};
  Report r = redact(value, Detectors::builtin(), KindSet::all());
  Report s = strip_hidden(value, Detectors::builtin());
  std::string out = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!nlohmann::json::accept(out)) std::abort();
  (void)r.summary().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_text(text);
  check_json(text);
  return 0;
}
