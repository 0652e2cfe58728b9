// GrantStore: the approvals a person gave, kept in the audit database (same
// SQLite file, own table approval_grants, created when missing) so that the
// CLI (`mcp-warden grant`, `mcp-warden approvals`) and every proxy see the
// same grants.
//
// A grant covers calls whose policy decision is `ask` — never a denial:
//   once     a grant code offered for one call (bound to its digest,
//            call_digest.h): `offered` until a person confirms it with the
//            code (`granted`), then `used` by the first identical call;
//            expires a few minutes after it was offered.
//   session  "allow for this session": the same server and tool, asked by
//            the same policy rule, in the same proxy session; `ended` when
//            that session ends. It names the proxy process that holds it
//            (process_identity.h): only that process honours it, and once
//            that process no longer runs (killed by SIGKILL, crashed) the
//            grant is ended by the next list(), so `approvals list` never
//            shows a dead proxy's grant as in force.
//   always   given from the CLI for one server and tool, until it expires.
// Any grant that is offered or granted can be revoked. Every use re-reads
// the table, so a revocation from the CLI takes effect at the next call.
//
// Durability: each change is one SQLite statement (atomic; a code is used
// once even with several proxies racing for it), committed before it
// returns; it survives SIGKILL (WAL). Each call is a blocking round trip
// (well under a millisecond, up to the busy wait of 2 s under contention);
// the proxy makes it only for decisions that ask.
//
// Thread safety: one thread at a time; never in a forked child.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp_warden/approval/process_identity.h"
#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"

struct sqlite3;

namespace mcp_warden::approval {

enum class GrantScope { kOnce, kSession, kAlways };
enum class GrantState { kOffered, kGranted, kUsed, kRevoked, kEnded };

// "once", "session", "always"; "offered", "granted", "used", "revoked", "ended".
std::string_view scope_name(GrantScope scope);
std::string_view state_name(GrantState state);

// The call a grant is about.
struct CallKey {
  std::string server;
  std::string tool;        // the request's subject
  std::string policy;      // the asking policy's name
  std::string rule;        // the asking rule
  std::string session_id;  // the proxy session
  std::string digest;      // call_digest()
};

struct Grant {
  std::string id;  // "g-…"
  GrantScope scope = GrantScope::kOnce;
  GrantState state = GrantState::kOffered;
  std::string server, tool, policy, rule, session_id, call_digest;
  int64_t created_us = 0;
  int64_t expires_us = 0;  // 0: no expiry of its own (a session grant)
  std::string granted_by;  // "elicitation", "cli" ("" while offered)
  std::string note;
  ProcessIdentity owner;   // a session grant's proxy; empty otherwise
};

struct CodeOffer {
  Grant grant;
  std::string code;  // display form; not stored
};

class GrantStore {
 public:
  // Opens (creating when missing) the table in the database at `path`.
  static Result<std::unique_ptr<GrantStore>> open(const std::filesystem::path& path, const Clock& clock);
  ~GrantStore();
  GrantStore(const GrantStore&) = delete;
  GrantStore& operator=(const GrantStore&) = delete;

  // A fresh code for `call`, valid for `ttl_us`.
  Result<CodeOffer> offer_code(const CallKey& call, int64_t ttl_us);
  // The person typed `code`: its offered, unexpired grant becomes granted.
  // kNotFound when the code is unknown, expired, already confirmed or revoked;
  // kInvalidArgument when `code` is not a code at all.
  Result<Grant> confirm_code(std::string_view code);
  // Uses a granted, unexpired once-grant for this exact call, if there is one.
  Result<std::optional<Grant>> redeem_once(std::string_view server, std::string_view digest);
  // "Allow for this session", as the person answered.
  Result<Grant> add_session(const CallKey& call);
  // An always grant from the CLI; `expires_us` must be in the future.
  Result<Grant> add_always(std::string_view server, std::string_view tool, int64_t expires_us, std::string_view note);
  // A granted session grant (this session, tool and rule) or an unexpired
  // always grant (this server and tool) covering `call`, if any.
  Result<std::optional<Grant>> standing_for(const CallKey& call);
  // Grants still in force (offered or granted, unexpired); all of them with
  // `everything`. Session grants of proxies that no longer run are ended first.
  Result<std::vector<Grant>> list(bool everything);
  // kNotFound when no offered or granted grant has this id.
  Result<Grant> revoke(std::string_view id);
  // The session's grants end with it.
  Status end_session(std::string_view session_id);

  struct Token {};
  GrantStore(Token, std::unique_ptr<struct GrantStoreImpl> impl);

 private:
  std::unique_ptr<struct GrantStoreImpl> impl_;
};

}  // namespace mcp_warden::approval
