// Shared helpers for the end-to-end suite.
//
// Two ways to talk to a server:
//  - `connectSdkClient(mode, server)`: the official SDK Client over StdioClientTransport,
//    either straight to the server (mode 'direct') or through `mcp-warden proxy` ('proxied').
//    Tests run the same scenario in both modes and compare the results.
//  - `RawSession`: a child process whose stdin/stdout we drive line by line, for bad input
//    the SDK would never send and for checking stdout byte by byte.
//
// The proxy's command line lives in ONE place: `proxyArgs()`. Later issues make the default
// policy strict and add a result footer; the suite pins a permissive, footer-free proxy so
// relay-equality tests stay meaningful.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(E2E_DIR, '..', '..');
export const FIXTURES_DIR = path.join(E2E_DIR, 'fixtures');
const MODULES = path.join(E2E_DIR, 'node_modules', '@modelcontextprotocol');
export const EVERYTHING_JS = path.join(MODULES, 'server-everything', 'dist', 'index.js');
export const FILESYSTEM_JS = path.join(MODULES, 'server-filesystem', 'dist', 'index.js');
export const MODES = ['direct', 'proxied'];

// Hang guard for a single wait; generous because CI runs the proxy under ASan.
export const HANG_GUARD_MS = 20_000;

export function wardenBin() {
  const bin = process.env.MCP_WARDEN_BIN ?? path.join(REPO_DIR, 'build', 'mcp-warden');
  if (!fs.existsSync(bin)) {
    throw new Error(`mcp-warden binary not found at ${bin} (set MCP_WARDEN_BIN)`);
  }
  return bin;
}

/** The proxy's sub-command and options, without the `--` that precedes the server command. */
export function proxyOptions(tmpDir, extra = []) {
  return ['proxy', '--policy', 'permissive', '--no-footer',
    '--db', path.join(tmpDir, 'audit.db'), ...extra];
}

/** The proxy's arguments up to and including `--`; `extra` goes before the `--`. */
export function proxyArgs(tmpDir, extra = []) {
  return [...proxyOptions(tmpDir, extra), '--'];
}

/** A fresh temp dir removed when the test `t` ends. */
export function tempDir(t, prefix = 'mcp-warden-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Where a test server may write the file `name` while `dir` also holds the audit database or
 * mcp-warden's home: a folder of its own, made before the proxy starts. The default sandbox
 * (`auto`, docs/sandbox.md) carves the database's folder, so nothing new can be created
 * directly beside the database.
 */
export function recordPath(dir, name) {
  const folder = path.join(dir, 'records');
  fs.mkdirSync(folder, { recursive: true });
  return path.join(folder, name);
}

export const everythingServer = () => ({ command: process.execPath, args: [EVERYTHING_JS, 'stdio'] });
export const filesystemServer = (root) => ({ command: process.execPath, args: [FILESYSTEM_JS, root] });
/** The small line-level server in fixtures/line-server.mjs with its `options`. */
export const fixtureServer = (...options) => ({
  command: process.execPath, args: [path.join(FIXTURES_DIR, 'line-server.mjs'), ...options],
});

/** The command that runs `server` in `mode`: itself, or wrapped in the proxy. */
export function launch(mode, server, tmpDir, extraProxyArgs = []) {
  if (mode === 'direct') return server;
  return {
    command: wardenBin(),
    args: [...proxyArgs(tmpDir, extraProxyArgs), server.command, ...server.args],
  };
}

// What ASan, LSan and UBSan print when they find something (CI builds the proxy with them).
const SANITIZER_REPORT = /ERROR: (Address|Leak)Sanitizer|runtime error: |SUMMARY: \w+Sanitizer/;

/**
 * Keeps the tail of a stream so a failing test can show it, and the first sanitizer report
 * seen in it; always drains the pipe.
 */
function drainTail(stream, limit = 16_384) {
  const tail = { text: '', sanitizerReport: null };
  stream?.on('data', (chunk) => {
    tail.text = (tail.text + chunk.toString('utf8')).slice(-limit);
    const at = tail.sanitizerReport === null ? tail.text.search(SANITIZER_REPORT) : -1;
    if (at !== -1) tail.sanitizerReport = tail.text.slice(Math.max(0, at - 200));
  });
  return tail;
}

/** Fails if the process behind `tail` printed a sanitizer report. */
export function assertNoSanitizerReport(tail) {
  assert.equal(tail.sanitizerReport, null, `sanitizer report on stderr:\n${tail.sanitizerReport}`);
}

/**
 * Connects the SDK client to `server` in `mode`. Returns the client, the launched process,
 * the errors the client reported (a garbled stdout line shows up here), and the stderr tail.
 */
export async function connectSdkClient(t, mode, server, options = {}) {
  const tmpDir = options.tmpDir ?? tempDir(t);
  const { command, args } = launch(mode, server, tmpDir, options.proxyArgs);
  const transport = new StdioClientTransport({
    command, args, env: { ...process.env }, stderr: 'pipe', cwd: E2E_DIR,
  });
  const stderr = drainTail(transport.stderr);
  const client = new Client({ name: 'mcp-warden-e2e', version: '1.0.0' },
    { capabilities: options.capabilities ?? {} });
  const errors = [];
  client.onerror = (error) => errors.push(error);
  for (const [schema, handler] of options.requestHandlers ?? []) {
    client.setRequestHandler(schema, handler);
  }
  await client.connect(transport);
  // Every message the client's transport delivered, in order, as the SDK parsed it. The SDK
  // handles responses synchronously but notifications a tick later, so its callbacks can miss a
  // notification that shares a read with the response; this record cannot.
  const received = [];
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    received.push(message);
    deliver(message, extra);
  };
  const child = transport._process; // the spawned process; the SDK exposes only its pid
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const session = { client, transport, pid: transport.pid, errors, received, stderr, exited, mode };
  t.after(async () => {
    const children = childPids(child.pid);
    await client.close().catch(() => {});
    cleanUp(child, children);
    assertNoSanitizerReport(stderr);
  });
  return session;
}

/** Runs `scenario(mode)` for both modes, one after the other, and returns {direct, proxied}. */
export async function inBothModes(scenario) {
  const out = {};
  for (const mode of MODES) out[mode] = await scenario(mode);
  return out;
}

/** Rejects after `ms` with a message naming what we waited for: a hang guard, not a timing test. */
export function withHangGuard(promise, what, ms = HANG_GUARD_MS) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: waited ${ms} ms for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it returns something truthy; throws at the hang guard. */
export async function waitUntil(check, what, ms = HANG_GUARD_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`hang guard: waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------
// Process inspection (Linux /proc).

function readStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid) {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** Pids whose parent is `pid`. */
export function childPids(pid) {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readStat(entry)?.ppid === pid) out.push(Number(entry));
  }
  return out;
}

/** Waits until none of `pids` is running; throws naming the survivors at the hang guard. */
export async function waitGone(pids, ms = HANG_GUARD_MS) {
  try {
    await waitUntil(() => !pids.some(isRunning), `exit of pids ${pids}`, ms);
  } catch {
    throw new Error(`still running: ${pids.filter(isRunning)}`);
  }
}

const childrenSeen = new Map(); // proxy pid → its children, remembered for clean-up

/** The children of `pid` once there is at least one. */
export async function serverChildrenOf(pid) {
  const kids = await waitUntil(() => { const found = childPids(pid); return found.length > 0 && found; },
    `a child of pid ${pid}`);
  childrenSeen.set(pid, kids);
  return kids;
}

/**
 * After a test: SIGKILLs `proc` and any of its children still running (a failing proxy may
 * leave them), and closes our ends of its pipes, which an orphan would otherwise keep open
 * and with them this test process.
 */
function cleanUp(proc, knownChildren = []) {
  const children = new Set([...knownChildren, ...(childrenSeen.get(proc.pid) ?? [])]);
  if (proc.exitCode === null && proc.signalCode === null) {
    for (const pid of childPids(proc.pid)) children.add(pid);
    proc.kill('SIGKILL');
  }
  for (const pid of children) {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  }
  for (const stream of [proc.stdin, proc.stdout, proc.stderr]) stream?.destroy();
}

// ---------------------------------------------------------------------------------------
// Raw line sessions.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A process driven line by line. Every stdout line is decoded as strict UTF-8 and parsed as
 * JSON as it arrives; anything else lands in `badLines`, which `assertCleanStdout` checks.
 */
export class RawSession {
  constructor(command, args, options = {}) {
    this.proc = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: E2E_DIR,
    });
    this.pid = this.proc.pid;
    this.messages = [];
    this.badLines = [];
    this.waiters = [];
    this.pending = []; // chunks of the unterminated line
    this.stderr = drainTail(this.proc.stderr);
    this.proc.stdin.on('error', () => {}); // EPIPE after the proxy exits is expected in some tests
    this.proc.stdout.on('data', (chunk) => this.onData(chunk));
    this.exited = new Promise((resolve, reject) => {
      this.proc.once('error', reject);
      this.proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.stdoutClosed = new Promise((resolve) => this.proc.stdout.once('close', resolve));
  }

  /** The proxy around `server` with `extraProxyArgs` before the `--`. */
  static proxied(t, server, extraProxyArgs = []) {
    const { command, args } = launch('proxied', server, tempDir(t), extraProxyArgs);
    return RawSession.start(t, command, args);
  }

  static direct(t, server) {
    return RawSession.start(t, server.command, server.args);
  }

  /**
   * Starts `command`. When the test ends: closes its stdin and gives it a moment to exit on its
   * own (so LeakSanitizer gets to report), checks stdout stayed clean and stderr holds no
   * sanitizer report, and kills whatever is left.
   */
  static start(t, command, args) {
    const session = new RawSession(command, args);
    t.after(async () => {
      try {
        session.closeStdin();
        await Promise.race([session.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
        assertCleanStdout(session);
        assertNoSanitizerReport(session.stderr);
      } finally {
        session.kill();
      }
    });
    return session;
  }

  onData(chunk) {
    // Only the new chunk is searched, so a 64 MiB line costs one copy, not one per chunk.
    let start = 0;
    let nl;
    while ((nl = chunk.indexOf(0x0a, start)) !== -1) {
      this.pending.push(chunk.subarray(start, nl));
      this.onLine(Buffer.concat(this.pending));
      this.pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  onLine(bytes) {
    let message;
    try {
      message = JSON.parse(strictUtf8.decode(bytes));
    } catch (error) {
      this.badLines.push({ preview: bytes.subarray(0, 200).toString('latin1'), error: String(error) });
      return;
    }
    this.messages.push({ message, bytes: Buffer.from(bytes) });
    this.waiters = this.waiters.filter((w) => !w.test(message, bytes));
  }

  /** Writes one line (object → JSON; string/Buffer as given) and a terminator. */
  send(line, terminator = '\n') {
    const body = typeof line === 'string' || Buffer.isBuffer(line) ? line : JSON.stringify(line);
    this.proc.stdin.write(body);
    this.proc.stdin.write(terminator);
  }

  /** The first message (seen before or after this call) for which `predicate` holds. */
  waitFor(predicate, what, ms = HANG_GUARD_MS) {
    const seen = this.messages.find((m) => predicate(m.message, m.bytes));
    if (seen) return Promise.resolve(seen.message);
    const found = new Promise((resolve) => {
      this.waiters.push({ test: (m, b) => (predicate(m, b) ? (resolve(m), true) : false) });
    });
    const closed = this.stdoutClosed.then(() => {
      throw new Error(`stdout closed before ${what}; stderr tail:\n${this.stderr.text}`);
    });
    return withHangGuard(Promise.race([found, closed]), what, ms);
  }

  /** The response with `id` (a response has no method). */
  response(id, ms) {
    return this.waitFor((m) => m.method === undefined && sameId(m.id, id), `response to id ${JSON.stringify(id)}`, ms);
  }

  /** The raw bytes of the response line with `id`. */
  async responseBytes(id, ms) {
    await this.response(id, ms);
    return this.messages.find((m) => m.message.method === undefined && sameId(m.message.id, id)).bytes;
  }

  /** Error replies with a null id, in arrival order. */
  nullIdErrors() {
    return this.messages.map((m) => m.message).filter((m) => m.id === null && m.error !== undefined);
  }

  /** Waits for the `n`-th (1-based) error reply with a null id. */
  async nthNullIdError(n, ms) {
    await this.waitFor(() => this.nullIdErrors().length >= n, `${n} error replies with id null`, ms);
    return this.nullIdErrors()[n - 1];
  }

  request(id, method, params) {
    const message = { jsonrpc: '2.0', id, method };
    if (params !== undefined) message.params = params;
    this.send(message);
    return this.response(id);
  }

  notify(method, params) {
    const message = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    this.send(message);
  }

  /** The MCP handshake; returns the initialize result. */
  async initialize(id = 'init', capabilities = {}) {
    const reply = await this.request(id, 'initialize', {
      protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'raw-e2e', version: '1.0.0' },
    });
    if (reply.error) throw new Error(`initialize failed: ${JSON.stringify(reply.error)}`);
    this.notify('notifications/initialized');
    return reply.result;
  }

  closeStdin() {
    this.proc.stdin.end();
  }

  /** Closes stdin and waits for exit (hang-guarded). */
  async close(ms) {
    this.closeStdin();
    return withHangGuard(this.exited, `exit of pid ${this.pid} after stdin EOF`, ms);
  }

  kill() {
    cleanUp(this.proc);
  }
}

export function sameId(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Asserts every stdout line so far was strict UTF-8 JSON (and, after exit, none is cut short). */
export function assertCleanStdout(session) {
  assert.deepEqual(session.badLines, [], `stdout carried non-JSON lines; stderr tail:\n${session.stderr.text}`);
  if (session.proc.stdout.readableEnded) {
    assert.equal(session.pending.length, 0, 'stdout ended with an unterminated line');
  }
}
