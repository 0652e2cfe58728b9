// run_proxy: `mcp-warden proxy` — spawn the server, relay until both sides are done.
//
// Wires our stdin/stdout, the child's pipes, signals and timers to a Session
// on one io_context thread. Lifecycle promises:
// - stdin EOF (or the client closing our stdout): the child's stdin is closed
//   once everything queued for it is written; after `shutdown_grace_ms` a
//   still-running child gets SIGTERM, and SIGKILL after another grace period.
// - SIGTERM/SIGINT/SIGHUP are forwarded to the child, with the same SIGKILL
//   escalation if it does not exit.
// - The child exiting (or closing its stdout) ends the session: every pending
//   client request gets an error reply, queued output is flushed (bounded),
//   and run_proxy returns the child's status (128+N for a signal).
// - A command that cannot start: each client request, initialize included,
//   is answered with an error naming the command; returns 127/126.
// - Governance: the policy judges every tools/call, the decision is committed
//   to the audit database (by the relay thread, one transaction for all the
//   work one handler queued) before the call is forwarded or denied;
//   session_start/session_end entries frame the session and a signed
//   checkpoint is written at exit. A forwarded call unanswered for
//   call_timeout_ms is answered with a timeout error and cancelled.
// - Sandbox: the server starts under Landlock rules derived from the policy
//   (sandbox::prepare); under enforce, a sandbox that cannot be applied is a
//   command that cannot start (126, the reason in every reply).
// - Memory: the lines queued toward each side are capped (queue_limit_bytes):
//   a side is not read while the queue its messages feed is full, so a peer
//   that stops reading, or floods, blocks in its own writes instead of
//   growing mcp-warden (docs/relay.md, "Memory").
// Never leaves an orphan: the child is reaped before returning, and dies with
// mcp-warden even if mcp-warden is SIGKILLed (PR_SET_PDEATHSIG).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcp_warden/policy/server_settings.h"

namespace mcp_warden::proxy {

// Which safeguards a proxy runs. `mcp-warden proxy` always runs kFull: there
// is no command-line switch for the others. They exist for the benchmark tool
// bench/mcp-warden-bench-layers, which measures what each safeguard costs on
// top of the same runner and Session (docs/performance.md).
enum class Layers {
  kFull,        // policy, audit log and trust
  kPolicyOnly,  // policy judges every tools/call; nothing is recorded, no trust
  kRelayOnly,   // a plain relay: no policy, no audit, no trust
};

struct ProxyOptions {
  std::vector<std::string> command;  // argv of the MCP server
  std::size_t max_message_bytes = 64u << 20;
  // Back-pressure: a side is read only while the lines queued toward the
  // other side stay under this, and those queued back toward itself (its
  // own refusals and replies) under twice this.
  std::size_t queue_limit_bytes = 4u << 20;
  int shutdown_grace_ms = 1000;
  std::string policy = "strict";     // a preset name or a YAML file
  std::string db_path;               // empty: audit::default_db_path()
  std::string server_name;           // empty: derive_server_name(command)
  bool show_denied_tools = false;
  bool audit_sync_full = false;      // synchronous=FULL: survive power loss
  bool audit_fail_open = false;      // forward allowed calls even if unrecorded
  bool footer = true;                // verification footer on allowed results
  // The server's declared level (base score). Unset: the policy's
  // `servers:` entry for the server, else "standard". Set, it wins.
  std::optional<std::string> trust_level;
  int64_t call_timeout_ms = 600000;  // see SessionOptions::call_timeout_ms; 0 = never
  int64_t ask_timeout_ms = 120000;   // --ask-timeout: how long a question to the person stays open
  Layers layers = Layers::kFull;      // see Layers: only bench tools change it
  // The kernel sandbox (docs/sandbox.md): --sandbox. Unset: the policy's
  // `sandbox:` entry, else sandbox::kDefaultMode; set, the stricter of the
  // two applies.
  // Only the full layer sandboxes.
  std::optional<policy::SandboxMode> sandbox;
};

// Runs the proxy on the calling thread; returns the process exit status.
// Throws std::runtime_error for start-up errors (an unknown --trust-level). A
// policy that does not load is answered to the client (every request gets an
// error naming the problem) and the proxy exits 2;
// an audit database that cannot be opened is not one: calls are then denied.
int run_proxy(const ProxyOptions& options);

}  // namespace mcp_warden::proxy
