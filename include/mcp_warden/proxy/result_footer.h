// ResultFooter: the response step that shows the person what governed a
// tool result — the verification footer (one more `content` text item: the
// policy, the trust score, the audit entry) and, on a warned call, a mark
// under `_meta["mcp-warden"]`. Never on an error result, never inside
// structuredContent; off with --no-footer (the mark stays).
//
// splice_raw() is the fast path for the common case: the footer inserted
// into the raw response at the end of result.content, the rest of the
// bytes untouched. decorate() works on a built body.
//
// Owned by the Session; used only on the relay thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/pending_requests.h"
#include "mcp_warden/proxy/trust_keeper.h"
#include "mcp_warden/rpc/result_layout.h"

namespace mcp_warden::proxy {

class ResultFooter {
 public:
  // `policy` and `trust` are borrowed (trust may be null). With `enabled`
  // false no footer is added; a warned call is still marked.
  ResultFooter(const policy::Policy& policy, const TrustKeeper* trust, bool enabled)
      : policy_(policy), trust_(trust), enabled_(enabled) {}

  // The footer's text for `request`.
  std::string text(const PendingRequest& request) const;
  // Inserts the footer at layout.content_end of `raw`; false (nothing done)
  // when the result is not an object, is flagged as an error, has no
  // content array, or the footer is off.
  bool splice_raw(const PendingRequest& request, const rpc::ResultLayout& layout, std::string& raw);
  // Marks a warned call and appends the footer to `result` (a CallToolResult
  // object); true if it changed anything.
  bool decorate(const PendingRequest& request, nlohmann::json& result) const;

 private:
  std::string text_from(std::string_view policy_name, std::string_view reason, const PendingRequest& request) const;
  std::string json_text(const PendingRequest& request);

  const policy::Policy& policy_;
  const TrustKeeper* trust_;
  bool enabled_;
  // (policy name, its JSON escaping without quotes), kept from call to call.
  std::pair<std::string, std::string> escaped_policy_name_;
};

// A CallToolResult marked as an error: isError present and anything but `false`.
bool flagged_as_error(const nlohmann::json& result);

}  // namespace mcp_warden::proxy
