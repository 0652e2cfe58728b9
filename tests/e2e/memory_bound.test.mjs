// Issue 15, class 6: mcp-warden's memory stays bounded whatever its peers do. A real mcp-warden
// between a raw client and the line fixture server: a client that stops reading while the
// server floods, a client that floods a server that stopped reading, and tools/call requests held
// for a tools/list answer that never comes. The RSS ceiling checked here is the one docs/relay.md
// documents ("Memory"); growth is measured from a baseline taken after start-up, and the floods
// push 256 MiB, far past it, so unbounded buffering cannot pass.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  RawSession, assertNoSanitizerReport, fixtureServer, isRunning, launch, serverChildrenOf, tempDir, withHangGuard,
} from './lib/harness.mjs';
import { assertAuditVerifies, auditEntries, governedClient, trustHistory, workspace } from './lib/governance.mjs';

const MiB = 1024 * 1024;
const FLOOD_BYTES = 256 * MiB;
const MESSAGE_BYTES = 64 * 1024;
const MAX_MESSAGE = 1 * MiB; // --max-message-bytes for these runs
// docs/relay.md: 16 MiB plus four times --max-message-bytes, over the RSS after start-up.
const CEILING = 16 * MiB + 4 * MAX_MESSAGE;
// ASan keeps freed blocks in a quarantine (256 MiB by default) before reusing them, which would
// show as growth a release build never has; a small quarantine keeps its checks and its RSS honest.
const ASAN_OPTIONS = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4', 'thread_local_quarantine_size_kb=256']
  .filter(Boolean).join(':');
const STALL_MS = 2000; // no progress for this long: the writer is blocked
const LONG_WAIT_MS = 180_000; // relaying 256 MiB through an ASan build

/** VmRSS and VmHWM of `pid`, in bytes. */
function memoryOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;

/** Waits until `progress()` stops changing for STALL_MS or returns `done`; returns the last value. */
async function untilStalledOrDone(progress, done, what) {
  const deadline = Date.now() + LONG_WAIT_MS;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const now = progress();
    if (now >= done) return now;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= STALL_MS) {
      return now;
    }
    if (Date.now() > deadline) throw new Error(`hang guard: ${what} still moving after ${LONG_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw session whose stdout lines go to `handler` as Buffers, without being kept. */
class StreamingSession extends RawSession {
  constructor(command, args, options, handler) {
    super(command, args, options);
    this.handler = handler;
  }

  onLine(bytes) {
    this.handler(bytes);
  }
}

/** mcp-warden (permissive, no footer) around the line server with `serverOptions`, driven by hand. */
function startProxy(t, serverOptions, onLine) {
  const { command, args } = launch('proxied', fixtureServer(...serverOptions), tempDir(t, 'mcp-warden-memory-'),
    ['--max-message-bytes', String(MAX_MESSAGE)]);
  const session = new StreamingSession(command, args, { env: { ASAN_OPTIONS } }, onLine);
  t.after(async () => {
    session.closeStdin();
    session.proc.stdout.resume();
    await Promise.race([session.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    session.kill();
    assertNoSanitizerReport(session.stderr);
  });
  const send = (message) => session.proc.stdin.write(`${JSON.stringify(message)}\n`);
  return { proc: session.proc, pid: session.pid, send, stderr: session.stderr };
}

/** Responses by id, as the client's line handler saw them. */
function responseWaiter() {
  const waiting = new Map();
  const seen = new Map();
  return {
    onResponse(id, message) {
      seen.set(id, message);
      waiting.get(id)?.(message);
    },
    response(id, what, ms = LONG_WAIT_MS) {
      if (seen.has(id)) return Promise.resolve(seen.get(id));
      return withHangGuard(new Promise((resolve) => waiting.set(id, resolve)), what, ms);
    },
  };
}

const initialize = {
  jsonrpc: '2.0', id: 'init', method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'memory-e2e', version: '1.0.0' } },
};

describe('memory stays bounded', () => {
  test('a client that stops reading while the server floods: bounded RSS, nothing lost once it reads', async (t) => {
    const progressFile = path.join(tempDir(t), 'progress');
    const responses = responseWaiter();
    const seqs = { next: 0, outOfOrder: 0, count: 0 };
    const proxy = startProxy(t, ['--progress', progressFile], (line) => {
      const head = line.subarray(0, 200).toString('latin1');
      const seq = /"seq":(\d+)/.exec(head);
      if (seq && head.includes('notifications/message')) {
        if (Number(seq[1]) !== seqs.next) seqs.outOfOrder += 1;
        seqs.next = Number(seq[1]) + 1;
        seqs.count += 1;
        return;
      }
      const message = JSON.parse(line.toString('utf8'));
      responses.onResponse(message.id, message);
    });
    proxy.send(initialize);
    await responses.response('init', 'initialize', 20_000);
    proxy.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const baseline = memoryOf(proxy.pid).rss;

    proxy.proc.stdout.pause(); // the client stops reading
    proxy.send({ jsonrpc: '2.0', id: 'flood', method: 'tools/call',
      params: { name: 'flood', arguments: { bytes: FLOOD_BYTES, size: MESSAGE_BYTES } } });
    const written = () => (fs.existsSync(progressFile) ? Number(fs.readFileSync(progressFile, 'utf8') || 0) : 0);
    const stalledAt = await untilStalledOrDone(written, FLOOD_BYTES, 'the flood');
    const whileStalled = memoryOf(proxy.pid);
    t.diagnostic(`baseline RSS ${mib(baseline)}; server blocked after ${mib(stalledAt)}; ` +
      `RSS ${mib(whileStalled.rss)}, peak ${mib(whileStalled.hwm)} (growth ${mib(whileStalled.hwm - baseline)})`);
    assert.ok(whileStalled.hwm - baseline < CEILING,
      `RSS grew ${mib(whileStalled.hwm - baseline)} while the client did not read (ceiling ${mib(CEILING)})`);
    assert.ok(stalledAt < FLOOD_BYTES, `the server wrote all ${mib(FLOOD_BYTES)}: nothing pushed back`);

    proxy.proc.stdout.resume(); // the client reads again: the flood resumes and completes
    const answer = await responses.response('flood', 'the flood to complete');
    const sent = Number(answer.result.content[0].text);
    assert.equal(seqs.count, sent, 'every notification arrived');
    assert.equal(seqs.outOfOrder, 0, 'in order, none missing');
    const end = memoryOf(proxy.pid);
    t.diagnostic(`after ${sent} notifications (${mib(FLOOD_BYTES)}): peak RSS ${mib(end.hwm)} (growth ${mib(end.hwm - baseline)})`);
    assert.ok(end.hwm - baseline < CEILING, `RSS grew ${mib(end.hwm - baseline)} over the flood (ceiling ${mib(CEILING)})`);
  });

  test('a client that floods a server that stopped reading: bounded RSS, every request answered once it reads', async (t) => {
    const responses = responseWaiter();
    let answered = 0;
    const proxy = startProxy(t, ['--deaf'], (line) => {
      const message = JSON.parse(line.toString('utf8'));
      if (typeof message.id === 'number') answered += 1;
      else responses.onResponse(message.id, message);
    });
    proxy.send(initialize);
    await responses.response('init', 'initialize', 20_000);
    proxy.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const [server] = await serverChildrenOf(proxy.pid);
    const baseline = memoryOf(proxy.pid).rss;

    const pad = 'p'.repeat(MESSAGE_BYTES - 100);
    const total = Math.ceil(FLOOD_BYTES / MESSAGE_BYTES);
    let sent = 0;
    let pushed = 0;
    let drained = true;
    proxy.proc.stdin.on('drain', () => { drained = true; });
    // Writes while the pipe takes them; returns once all are written or the writes stall.
    const pump = async () => {
      while (sent < total) {
        if (!drained) {
          const before = pushed;
          await untilStalledOrDone(() => (drained ? pushed + 1 : pushed), before + 1, 'the client\'s writes');
          if (!drained) return;
        }
        const line = `${JSON.stringify({ jsonrpc: '2.0', id: sent, method: 'ping', params: { pad } })}\n`;
        drained = proxy.proc.stdin.write(line);
        sent += 1;
        pushed += line.length;
      }
    };
    await pump();
    assert.ok(isRunning(proxy.pid), `mcp-warden exited during the flood:\n${proxy.stderr.text}`);
    const whileStalled = memoryOf(proxy.pid);
    t.diagnostic(`baseline RSS ${mib(baseline)}; client blocked after ${mib(pushed)}; ` +
      `RSS ${mib(whileStalled.rss)}, peak ${mib(whileStalled.hwm)} (growth ${mib(whileStalled.hwm - baseline)})`);
    assert.ok(whileStalled.hwm - baseline < CEILING,
      `RSS grew ${mib(whileStalled.hwm - baseline)} while the server did not read (ceiling ${mib(CEILING)})`);
    assert.ok(sent < total, `all ${mib(FLOOD_BYTES)} of requests were taken: nothing pushed back`);

    process.kill(server, 'SIGUSR1'); // the server reads again
    await pump();
    assert.equal(sent, total);
    await withHangGuard((async () => {
      while (answered < total) await new Promise((r) => setTimeout(r, 20));
    })(), `answers to all ${total} requests (${answered} so far)`, LONG_WAIT_MS);
    const end = memoryOf(proxy.pid);
    t.diagnostic(`after ${total} requests (${mib(FLOOD_BYTES)}): peak RSS ${mib(end.hwm)} (growth ${mib(end.hwm - baseline)})`);
    assert.ok(end.hwm - baseline < CEILING, `RSS grew ${mib(end.hwm - baseline)} over the flood (ceiling ${mib(CEILING)})`);
  });

  test('calls held for a tools/list that never comes time out with -32001, are recorded, and free what waits behind them', async (t) => {
    const ws = workspace(t, 'mcp-warden-held-');
    const session = await governedClient(t, ws, fixtureServer('--mute-list'), 'permissive', ['--server-name', 'mute', '--call-timeout-ms', '300']);
    const started = Date.now();
    const [held, behind] = await Promise.allSettled([
      session.call('digest', { data: 'held' }),
      withHangGuard(session.client.ping(), 'a ping sent behind the held call'),
    ]);
    assert.equal(held.status, 'rejected', JSON.stringify(held.value));
    assert.equal(held.reason.code, -32001, String(held.reason));
    assert.match(held.reason.message, /did not list its tools within 300 ms/);
    assert.ok(Date.now() - started >= 250, `answered ${Date.now() - started} ms after the call: before the timeout`);
    assert.equal(behind.status, 'fulfilled', `the ping behind the held call: ${behind.reason}`);
    await session.close();

    const entry = auditEntries(ws).find((e) => e.kind === 'tool_call' && e.tool === 'digest');
    assert.ok(entry, 'a tool_call entry for the held call');
    assert.equal(entry.payload.decision.action, 'deny', JSON.stringify(entry));
    assert.equal(entry.payload.decision.rule, 'catalog-timeout', JSON.stringify(entry));
    assert.ok(trustHistory(ws, 'mute').some((e) => e.event === 'call_timed_out'), 'a call_timed_out trust event');
    assertAuditVerifies(ws);
  });
});
