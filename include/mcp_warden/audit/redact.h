// Secret redaction for tool-call arguments before they reach the audit log.
//
// redact_secrets() returns a copy of a JSON value in which
//  - the value of every object member whose key names a secret is replaced by
//    kRedactedValue, at any depth (inside arrays too). A key names a secret
//    when one of its words — split at '_', '-', '.', spaces and camelCase
//    boundaries, compared case-insensitively — is one of token, password,
//    passwd, pwd, secret, key, authorization, credential, credentials, apikey,
//    cookie, privatekey, accesstoken, or when the key with separators removed
//    is "api_key"-like (apikey, accesskey, secretkey, privatekey, authtoken).
//    So `apiKey`, `X-Api-Key`, `client_secret`, `AUTHORIZATION` are redacted;
//    `max_tokens`, `keyboard`, `monkey` are not;
//  - the value at every JSON Pointer (RFC 6901) in `pointers` is replaced,
//    whatever its key. Pointers that do not resolve are ignored (nothing to
//    redact); a malformed pointer is kInvalidArgument and nothing is returned;
//  - in every other string (and object key), each span the content detectors
//    (inspect/detectors.h) find of a kind in kContentRedactedKinds — secrets,
//    payment cards, SSNs, IBANs — at medium confidence or more is replaced by
//    "[REDACTED:<kind>]", the rest of the text kept: so `content:
//    "password=hunter2"` is stored as "password=[REDACTED:secret]" and a
//    private key written as a file's content never reaches the log. E-mail
//    addresses and phone numbers are kept.
// The input is never modified. Key-name redaction replaces whole values
// (objects and arrays included); nothing is hashed, so low-entropy secrets
// cannot be guessed from the log. Should the content inspection fail to
// finish (inspect::Report::incomplete: an allocation failure), every string
// is replaced: the log errs toward losing text.
//
// Thread safety: stateless; call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"
#include "mcp_warden/inspect/finding.h"

namespace mcp_warden::audit {

inline constexpr std::string_view kRedactedValue = "[REDACTED]";

// The kinds whose values never reach the audit log (see above).
inline constexpr inspect::KindSet kContentRedactedKinds = {inspect::Kind::kSecret, inspect::Kind::kPaymentCard,
                                                           inspect::Kind::kSsn, inspect::Kind::kIban};

// True when an object key names a secret (rules above).
bool is_secret_key(std::string_view key);

// How redact_secrets treats the content of strings: kScan runs the
// detectors; kKnownClean skips them, for a caller that has established that
// they find nothing in any string or key of the value at any confidence
// (proxy/content_inspection.h, raw_is_clean). Key names are judged either way.
enum class ContentScan : uint8_t { kScan, kKnownClean };

Result<nlohmann::json> redact_secrets(const nlohmann::json& value,
                                      const std::vector<std::string>& pointers = {},
                                      ContentScan content = ContentScan::kScan);

}  // namespace mcp_warden::audit
