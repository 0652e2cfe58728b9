// Helpers for the governance e2e tests (policy, audit, trust): a proxy started with an explicit
// policy, database and MCP_WARDEN_HOME (harness.mjs pins permissive and --no-footer, which these
// tests must not), the CLI sub-commands that read the database, and a temp tree for the
// filesystem server with a private key and an .env file in it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  E2E_DIR, FIXTURES_DIR, RawSession, childPids, isRunning,
  tempDir, wardenBin, withHangGuard,
} from './harness.mjs';

export const WRITE_TOOLS = ['write_file', 'edit_file', 'create_directory', 'move_file'];
export const KEY_TEXT = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n';
export const ENV_TEXT = 'API_TOKEN=do-not-leak\n';
export const NOTES_TEXT = 'meeting notes: nothing secret here\n';

/** The footer line mcp-warden appends to allowed results; groups: policy, score, tier, seq. */
export const FOOTER = /^🔒 mcp-warden · policy (\S+) · trust (\d+)\/1000 \((\w+)\) · audit #(\d+)/;

/**
 * A fresh workspace removed when `t` ends: `root` (served by the filesystem server) holds
 * notes.txt, .env, .ssh/id_rsa and sub/; `db` and `home` (MCP_WARDEN_HOME) are beside it.
 */
export function workspace(t, prefix = 'mcp-warden-gov-') {
  const dir = tempDir(t, prefix);
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, '.ssh'), { recursive: true });
  fs.mkdirSync(path.join(root, 'sub'));
  fs.writeFileSync(path.join(root, 'notes.txt'), NOTES_TEXT);
  fs.writeFileSync(path.join(root, '.env'), ENV_TEXT);
  fs.writeFileSync(path.join(root, '.ssh', 'id_rsa'), KEY_TEXT, { mode: 0o600 });
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  return { dir, root, home, db: path.join(dir, 'audit.db') };
}

/** Every file and directory under `dir` with its content (directories as null). */
export function snapshot(dir) {
  const out = {};
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        out[name] = null;
        walk(name);
      } else {
        out[name] = fs.readFileSync(path.join(dir, name), 'utf8');
      }
    }
  };
  walk('');
  return out;
}

export const wardenEnv = (home, extra = {}) => ({ ...process.env, MCP_WARDEN_HOME: home, ...extra });

/** `mcp-warden proxy` options for `ws` ({db, home}); `extra` goes before the `--`. */
export function governedArgs(ws, policy, extra = []) {
  return ['proxy', '--policy', policy, '--db', ws.db, ...extra, '--'];
}

/** Runs `mcp-warden ...args` with MCP_WARDEN_HOME = `home`; returns {status, stdout, stderr}. */
export function warden(home, ...args) {
  const run = spawnSync(wardenBin(), args, {
    encoding: 'utf8', timeout: 60_000, env: wardenEnv(home), maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.error, undefined, `mcp-warden ${args.join(' ')}: ${run.error}`);
  if (run.stderr) {
    assert.doesNotMatch(run.stderr, /ERROR: (Address|Leak)Sanitizer|runtime error: /, run.stderr);
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `audit export --format jsonl` parsed, one object per entry. */
export function auditEntries(ws) {
  const run = warden(ws.home, 'audit', 'export', '--format', 'jsonl', '--db', ws.db);
  assert.equal(run.status, 0, `audit export failed: ${run.stdout}${run.stderr}`);
  return run.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
}

/** Asserts `audit verify` exits 0 and returns its output. */
export function assertAuditVerifies(ws) {
  const run = warden(ws.home, 'audit', 'verify', '--db', ws.db);
  assert.equal(run.status, 0, `audit verify failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

/** `trust show SERVER --json` → the one object for `server`. */
export function trustOf(ws, server) {
  const run = warden(ws.home, 'trust', 'show', server, '--json', '--db', ws.db);
  assert.equal(run.status, 0, `trust show failed: ${run.stdout}${run.stderr}`);
  const all = JSON.parse(run.stdout);
  const found = all.find((s) => s.server === server);
  assert.ok(found, `no trust record for ${server}: ${run.stdout}`);
  return found;
}

/** `trust history SERVER --json -n N` (newest first). */
export function trustHistory(ws, server, n = 1000) {
  const run = warden(ws.home, 'trust', 'history', server, '--json', '-n', String(n), '--db', ws.db);
  assert.equal(run.status, 0, `trust history failed: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout);
}

// What ASan, LSan and UBSan print when they find something.
const SANITIZER_REPORT = /ERROR: (Address|Leak)Sanitizer|runtime error: |SUMMARY: \w+Sanitizer/;

/**
 * The SDK client connected to `server` ({command, args}) through `mcp-warden proxy` with
 * `policy`, ws.db and MCP_WARDEN_HOME = ws.home; `options.env` adds variables, `options.cwd` is
 * the working directory of mcp-warden and so of the server (default: the e2e folder);
 * `options.capabilities` are the client's, `options.requestHandlers` [schema, handler] pairs answer
 * the server's requests. `sent` holds every request the client sent, in order (ids included).
 * `close()` ends the session gracefully (stdin EOF) and waits for mcp-warden to exit, so what
 * it recorded is committed.
 */
export async function governedClient(t, ws, server, policy, extra = [],
  { env = {}, cwd = E2E_DIR, capabilities = {}, requestHandlers = [] } = {}) {
  const transport = new StdioClientTransport({
    command: wardenBin(),
    args: [...governedArgs(ws, policy, extra), server.command, ...server.args],
    env: wardenEnv(ws.home, env),
    stderr: 'pipe',
    cwd,
  });
  const stderr = { text: '' }; // the last 64 KiB
  transport.stderr.on('data', (chunk) => { stderr.text = (stderr.text + chunk).slice(-65_536); });
  const client = new Client({ name: 'mcp-warden-governance-e2e', version: '1.0.0' }, { capabilities });
  for (const [schema, handler] of requestHandlers) client.setRequestHandler(schema, handler);
  const sent = [];
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (message.method !== undefined && message.id !== undefined) sent.push(message);
    return send(message, options);
  };
  await withHangGuard(client.connect(transport), `connecting through mcp-warden (${policy})`);
  const child = transport._process;
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let closed = false;
  const session = {
    client,
    sent,
    stderr,
    exited,
    call: (name, args) => withHangGuard(client.callTool({ name, arguments: args }), `tools/call ${name}`),
    list: async () => (await withHangGuard(client.listTools(), 'tools/list')).tools,
    async close() {
      if (closed) return exited;
      closed = true;
      await client.close().catch(() => {});
      const status = await withHangGuard(exited, 'mcp-warden to exit after stdin EOF');
      assert.doesNotMatch(stderr.text, SANITIZER_REPORT, `sanitizer report on stderr:\n${stderr.text}`);
      return status;
    },
  };
  t.after(async () => {
    const kids = childPids(child.pid);
    if (!closed) await session.close().catch(() => {});
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of kids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  });
  return session;
}

/** The SDK client straight to `server` (no proxy), for comparisons. */
export async function directClient(t, server) {
  const transport = new StdioClientTransport({ command: server.command, args: server.args, stderr: 'pipe', cwd: E2E_DIR });
  transport.stderr?.resume();
  const client = new Client({ name: 'mcp-warden-governance-e2e', version: '1.0.0' }, { capabilities: {} });
  await withHangGuard(client.connect(transport), 'connecting to the server directly');
  t.after(() => client.close().catch(() => {}));
  return {
    client,
    call: (name, args) => withHangGuard(client.callTool({ name, arguments: args }), `direct tools/call ${name}`),
    list: async () => (await withHangGuard(client.listTools(), 'direct tools/list')).tools,
  };
}

/**
 * A raw line session (harness RawSession, with its clean-up checks) running `mcp-warden ...args`
 * with MCP_WARDEN_HOME = ws.home; env(1) execs in place, so the pid is mcp-warden's.
 */
export function rawGoverned(t, ws, args) {
  return RawSession.start(t, '/usr/bin/env', [`MCP_WARDEN_HOME=${ws.home}`, wardenBin(), ...args]);
}

/** A tools/call request object. */
export const toolCall = (id, name, args) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** The recording fixture server writing what it receives to `recordFile`. */
export const recordingServer = (recordFile) => ({
  command: process.execPath, args: [path.join(FIXTURES_DIR, 'recording-server.mjs'), '--record', recordFile],
});

/** The mutable fixture server (its echo description comes from MUTABLE_DESCRIPTION). */
export const mutableServer = () => ({ command: process.execPath, args: [path.join(FIXTURES_DIR, 'mutable-server.mjs')] });

/** The calls the recording server received, in order. */
export function recordedCalls(recordFile) {
  if (!fs.existsSync(recordFile)) return [];
  return fs.readFileSync(recordFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

/** mcp-warden's denial details of a CallToolResult, asserting it is a denial. */
export function assertDenied(result, what) {
  assert.equal(result.isError, true, `${what}: expected a denial, got ${JSON.stringify(result)}`);
  const meta = result._meta?.['mcp-warden'];
  assert.ok(meta, `${what}: no _meta["mcp-warden"] in ${JSON.stringify(result)}`);
  assert.equal(meta.action, 'deny', `${what}: ${JSON.stringify(meta)}`);
  assert.match(result.content[0].text, /mcp-warden/);
  assert.ok(!result.content.some((c) => FOOTER.test(c.text ?? '')), `${what}: a denial carries the footer`);
  return meta;
}

/** Asserts a CallToolResult was not an error and returns its text items. */
export function assertAllowed(result, what) {
  assert.notEqual(result.isError, true, `${what}: expected success, got ${JSON.stringify(result)}`);
  assert.notEqual(result._meta?.['mcp-warden']?.action, 'deny', `${what}: marked as denied: ${JSON.stringify(result)}`);
  return result.content.filter((c) => c.type === 'text').map((c) => c.text);
}

/** Spawns `mcp-warden ...args` detached from the test's stdio; resolves {code, signal, stderr}. */
export function runWarden(ws, args, { input } = {}) {
  const proc = spawn(wardenBin(), args, { env: wardenEnv(ws.home), cwd: E2E_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdin.on('error', () => {});
  if (input !== undefined) proc.stdin.end(input);
  return {
    proc,
    done: new Promise((resolve, reject) => {
      proc.once('error', reject);
      proc.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
  };
}
