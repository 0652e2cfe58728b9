// Strict SAX reading, shared by every reader of a judged line, so that all
// refuse exactly the same lines in exactly the same words: the error texts
// and the driver that runs nlohmann's SAX parser without letting it throw.
// Internal to the rpc module.
//
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"

namespace mcp_warden::rpc::internal {

// The errors a strict reader reports, named as parse_json_strict documents.
Status malformed_json_at(std::size_t position, const nlohmann::detail::exception& e);
Status nested_too_deep(std::size_t max_depth);
Status duplicate_key(const std::string& key);
Status binary_value();

// Runs nlohmann's SAX parser over `text` (exactly one value; whitespace
// around it allowed, anything else after it refused). OK when the handler
// accepted every event; otherwise the handler's error(), or "malformed JSON"
// when it stopped without one. Never throws.
template <typename Handler>
Status run_strict_sax(std::string_view text, Handler& handler) {
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &handler, nlohmann::json::input_format_t::json,
                                   true, false);
  } catch (const std::exception& e) {  // allocation failure or a library bug
    return Status::invalid_argument(std::string("malformed JSON: ") + e.what());
  }
  if (ok) return Status::ok();
  if (!handler.error().is_ok()) return handler.error();
  return Status::invalid_argument("malformed JSON");
}

}  // namespace mcp_warden::rpc::internal
