// The governance steps of the request pipeline (pipeline.h):
//   content inspects every string of the arguments (content_inspection.h)
//           → request.content, which the policy's `content:` matches and
//           retention rules read; a scan that cannot finish is a denial
//   policy  judges the request (policy::Policy::evaluate) → request.decision
//   uri     denies a resource request whose URI is not well formed
//   trust   tightens the decision by the server's trust: a tool whose
//           definition changed and was not approved is denied; the tier
//           denies what it does not permit (trust/enforcement.h) — other
//           channels count as read-only reads (resources, prompts,
//           completions, tasks) or, for the server's own requests, as
//           neither read-only nor destructive
//   record  commits the decision to the audit log before it takes effect
//           (pending until the commit is reported); a failed commit turns
//           the decision into a denial unless --audit-fail-open allowed it.
// Each step only reads what it is given; none does I/O of its own.
//
// Thread safety: the relay thread only.
#pragma once

#include <memory>
#include <string>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/content_inspection.h"
#include "mcp_warden/proxy/pipeline.h"
#include "mcp_warden/proxy/recorder.h"
#include "mcp_warden/proxy/trust_keeper.h"

namespace mcp_warden::proxy {

// The rule name of a denial caused by the audit log, not by the policy.
inline constexpr std::string_view kAuditUnavailableRule = "audit-unavailable";

// What the steps use. Borrowed: everything must outlive the steps.
struct StepServices {
  std::string server_name;
  const Clock* clock = nullptr;
  policy::Policy* policy = nullptr;
  TrustKeeper* trust = nullptr;  // null: no trust scoring
  Recorder* recorder = nullptr;
  bool audit_fail_open = false;
  const policy::PathBases* path_bases = nullptr;  // relative paths' bases besides the working directory
  const ContentInspection* content = nullptr;     // null: no content inspection
};

std::unique_ptr<RequestStep> make_content_step(const StepServices& services);
std::unique_ptr<RequestStep> make_policy_step(const StepServices& services);
std::unique_ptr<RequestStep> make_trust_step(const StepServices& services);
std::unique_ptr<RequestStep> make_record_step(const StepServices& services);
// Denies resources/read|subscribe whose URI is not well formed (RFC 3986
// scheme, percent-escapes, no spaces or controls, a closed bracketed host).
std::unique_ptr<RequestStep> make_uri_step();

}  // namespace mcp_warden::proxy
