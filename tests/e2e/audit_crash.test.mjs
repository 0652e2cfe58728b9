// Issue 4 end to end: the audit log's write-before-forward guarantee under SIGKILL, and fail-closed
// behaviour when the database cannot be written. The server is fixtures/recording-server.mjs,
// which fsyncs every tools/call it receives to a file before answering, so "reached the server"
// is a fact on disk that survives mcp-warden being killed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { E2E_DIR, childPids, isRunning, tempDir, waitGone, wardenBin, withHangGuard, recordPath } from './lib/harness.mjs';
import {
  assertAllowed, assertAuditVerifies, assertDenied, auditEntries, governedArgs, governedClient, rawGoverned,
  recordedCalls, recordingServer, toolCall, wardenEnv,
} from './lib/governance.mjs';

const IN_FLIGHT = 16;

function auditWorkspace(t) {
  const dir = tempDir(t, 'mcp-warden-audit-');
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  return { dir, home, db: path.join(dir, 'audit.db'), record: recordPath(dir, 'received.jsonl') };
}

const sqlite3 = (() => {
  const probe = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  return probe.status === 0 ? 'sqlite3' : null;
})();

/** A small seeded PRNG (mulberry32), so a failing schedule can be replayed from the printed seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One crash round: a fresh proxy (strict, the shared db) in front of the recording server; after
 * the handshake IN_FLIGHT echo calls are pipelined and each answer sends the next one; after
 * `killAfter` answers (plus `delay`: none, a macrotask, or a few ms) mcp-warden gets SIGKILL.
 * Resolves once mcp-warden and its server are gone, with the ids it sent and the ids answered.
 */
async function crashRound(t, ws, round, killAfter, delay) {
  const server = recordingServer(ws.record);
  const proc = spawn(wardenBin(), [...governedArgs(ws, 'strict'), server.command, ...server.args], {
    env: wardenEnv(ws.home), cwd: E2E_DIR, stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-16_384); });
  proc.stdin.on('error', () => {});
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const sent = [];
  const answered = [];
  const failures = []; // answers that were not a plain echo result
  let next = 0;
  let killed = false;
  let onInit;
  const initialized = new Promise((resolve) => { onInit = resolve; });
  const kill = () => {
    if (killed) return;
    killed = true;
    const kids = childPids(proc.pid);
    proc.kill('SIGKILL');
    done(kids);
  };
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const sendCall = () => {
    const id = `r${round}-${next}`;
    sent.push(id);
    proc.stdin.write(`${JSON.stringify(toolCall(id, 'echo', { round, n: next, text: `call ${next} of round ${round}` }))}\n`);
    next += 1;
  };
  const killLater = () => {
    if (delay.kind === 'now') kill();
    else if (delay.kind === 'immediate') setImmediate(kill);
    else setTimeout(kill, delay.ms);
  };
  let pending = '';
  proc.stdout.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const message = JSON.parse(line);
      if (message.id === 'init') { onInit(); continue; }
      if (typeof message.id !== 'string' || killed) continue;
      if (message.result?.isError !== undefined || message.error !== undefined) failures.push(line);
      answered.push(message.id);
      if (answered.length >= killAfter) killLater();
      else sendCall();
    }
  });
  proc.stdin.write(`${JSON.stringify({
    jsonrpc: '2.0', id: 'init', method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'crash-e2e', version: '1' } },
  })}\n`);
  await withHangGuard(Promise.race([initialized, exited.then(() => { throw new Error(stderr); })]),
    `round ${round}: initialize`);
  proc.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  for (let i = 0; i < IN_FLIGHT; i++) sendCall();
  if (killAfter === 0) killLater();
  const kids = await withHangGuard(finished, `round ${round}: ${killAfter} answers`);
  const status = await withHangGuard(exited, `round ${round}: exit after SIGKILL`);
  assert.equal(status.signal, 'SIGKILL');
  await waitGone(kids); // the server exits on EOF after reading what was already in its pipe
  assert.doesNotMatch(stderr, /ERROR: (Address|Leak)Sanitizer|runtime error: /, stderr);
  assert.deepEqual(failures, [], `round ${round}: echo calls failed`);
  return { sent, answered };
}

describe('SIGKILL during pipelined calls', () => {
  test('every call the server received has its allow entry; the log verifies and the database is intact', async (t) => {
    const ws = auditWorkspace(t);
    const seed = Number(process.env.MCP_WARDEN_CRASH_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`crash schedule seed ${seed} (MCP_WARDEN_CRASH_SEED to replay)`);
    const random = prng(seed);
    const answeredIds = new Set();
    const bases = [0, 0, 3, 10, 17, 30, 45, 60];
    for (const [round, base] of bases.entries()) {
      const killAfter = base + Math.floor(random() * 8);
      const r = random();
      const delay = r < 0.3 ? { kind: 'now' } : r < 0.6 ? { kind: 'immediate' } : { kind: 'timer', ms: Math.floor(random() * 8) };
      const { answered } = await crashRound(t, ws, round, killAfter, delay);
      for (const id of answered) answeredIds.add(id);
    }

    // After the crashes the database still takes a clean session, which continues the chain.
    const server = recordingServer(ws.record);
    const s = rawGoverned(t, ws, [...governedArgs(ws, 'strict'), server.command, ...server.args]);
    await s.initialize();
    for (const id of ['after-1', 'after-2']) {
      const reply = await s.request(id, 'tools/call', { name: 'echo', arguments: { after: id } });
      assert.equal(reply.result?.isError, undefined, JSON.stringify(reply));
      answeredIds.add(id);
    }
    assert.equal((await s.close()).code, 0);

    assertAuditVerifies(ws);
    if (sqlite3) {
      const check = spawnSync(sqlite3, [ws.db, 'PRAGMA integrity_check;'], { encoding: 'utf8' });
      assert.equal(check.stdout.trim(), 'ok', `integrity_check: ${check.stdout}${check.stderr}`);
    } else {
      t.diagnostic('sqlite3 CLI not installed: PRAGMA integrity_check skipped (audit verify still ran)');
    }

    const entries = auditEntries(ws);
    assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'seq is not contiguous');
    assert.equal(entries.filter((e) => e.kind === 'session_start').length, bases.length + 1);
    const decisions = new Map();
    for (const e of entries.filter((x) => x.kind === 'tool_call')) {
      assert.ok(!decisions.has(e.request_id), `two tool_call entries for ${e.request_id}`);
      decisions.set(e.request_id, e);
    }
    const received = recordedCalls(ws.record);
    const receivedIds = received.map((c) => c.id);
    assert.equal(new Set(receivedIds).size, receivedIds.length, 'the server received a call twice');
    for (const id of answeredIds) assert.ok(receivedIds.includes(id), `${id} was answered but not received`);
    assert.ok(received.length >= 2 + bases.length, `too few calls got through to prove anything: ${received.length}`);
    for (const call of received) {
      const entry = decisions.get(JSON.stringify(call.id));
      assert.ok(entry, `call ${call.id} reached the server without a decision entry in the audit log`);
      assert.equal(entry.decision, 'allow', `call ${call.id}: ${JSON.stringify(entry)}`);
      assert.equal(entry.tool, 'echo');
      assert.deepEqual(entry.payload.arguments, call.arguments, `call ${call.id}: the entry records other arguments`);
    }
    t.diagnostic(`${received.length} calls reached the server, ${decisions.size} decisions recorded, ${entries.length} entries`);
  });
});

describe('a database that cannot be written', () => {
  test('calls are denied naming the audit log and never reach the server; --audit-fail-open forwards them', async (t) => {
    const ws = auditWorkspace(t);
    const notADir = path.join(ws.dir, 'plain-file');
    fs.writeFileSync(notADir, 'a regular file where a directory should be\n');
    const broken = { ...ws, db: path.join(notADir, 'audit.db') }; // open() fails with ENOTDIR
    const closed = await governedClient(t, broken, recordingServer(ws.record), 'strict');
    for (const [i, name] of ['echo', 'echo', 'store'].entries()) {
      const result = await closed.call(name, { attempt: i });
      const meta = assertDenied(result, `${name} #${i} with no audit log`);
      assert.match(result.content[0].text, /audit/i, `the reason does not mention the audit log: ${result.content[0].text}`);
      assert.equal(meta.credential_denial, false);
    }
    await closed.close();
    assert.deepEqual(recordedCalls(ws.record), [], 'a call that could not be recorded reached the server');
    assert.match(closed.stderr.text, /audit/i, 'the audit failure is not logged on stderr');
    assert.equal(fs.readFileSync(notADir, 'utf8'), 'a regular file where a directory should be\n');

    const open = await governedClient(t, broken, recordingServer(ws.record), 'strict', ['--audit-fail-open']);
    const result = await open.call('echo', { attempt: 'fail-open' });
    assert.equal(assertAllowed(result, 'echo with --audit-fail-open')[0], JSON.stringify({ attempt: 'fail-open' }));
    // fail-open forwards only what the policy allows: strict still denies `store`.
    assertDenied(await open.call('store', { attempt: 'fail-open' }), 'store with --audit-fail-open');
    await open.close();
    assert.deepEqual(recordedCalls(ws.record).map((c) => c.arguments), [{ attempt: 'fail-open' }]);
  });

  test('a file that is not a SQLite database denies calls and is left as it was', async (t) => {
    const ws = auditWorkspace(t);
    const garbage = Buffer.from('this is not a SQLite database. '.repeat(200));
    fs.writeFileSync(ws.db, garbage);
    const s = await governedClient(t, ws, recordingServer(ws.record), 'strict');
    const result = await s.call('echo', { n: 1 });
    assertDenied(result, 'echo with a garbage database');
    assert.match(result.content[0].text, /audit/i);
    await s.close();
    assert.deepEqual(recordedCalls(ws.record), []);
    assert.ok(fs.readFileSync(ws.db).equals(garbage), 'mcp-warden rewrote a file that was not its database');
  });

  test('a database locked past the retry budget denies the call; once released calls go through again', async (t) => {
    if (!sqlite3) {
      t.skip('sqlite3 CLI not installed: cannot hold the write lock from outside');
      return;
    }
    const ws = auditWorkspace(t);
    const s = await governedClient(t, ws, recordingServer(ws.record), 'strict');
    assertAllowed(await s.call('echo', { n: 'before' }), 'echo before the lock');
    // Another process takes the write lock and keeps it (its stdin stays open).
    const locker = spawn(sqlite3, [ws.db], { stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => { if (locker.exitCode === null) locker.kill('SIGKILL'); });
    let out = '';
    locker.stdout.on('data', (d) => { out += d; });
    locker.stdin.write(".timeout 20000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
    await withHangGuard(new Promise((resolve) => {
      const poll = setInterval(() => { if (out.includes('locked')) { clearInterval(poll); resolve(); } }, 10);
    }), 'sqlite3 to take the write lock');
    const during = await withHangGuard(s.client.callTool({ name: 'echo', arguments: { n: 'locked' } }), 'echo under lock',
      60_000);
    assertDenied(during, 'echo while the database is locked');
    assert.match(during.content[0].text, /audit/i);
    locker.stdin.end('ROLLBACK;\n.quit\n');
    await withHangGuard(new Promise((resolve) => locker.once('exit', resolve)), 'sqlite3 to exit');
    assertAllowed(await s.call('echo', { n: 'after' }), 'echo after the lock');
    await s.close();
    assert.deepEqual(recordedCalls(ws.record).map((c) => c.arguments.n), ['before', 'after']);
    assertAuditVerifies(ws);
  });
});
