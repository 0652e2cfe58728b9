// Process lifecycle: start-up failures, the child dying, stdin EOF, the shutdown ladder
// (grace → SIGTERM → SIGKILL), signal forwarding, and never an orphan.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  RawSession, assertCleanStdout, connectSdkClient, everythingServer, filesystemServer, fixtureServer,
  inBothModes, isRunning, proxyOptions, serverChildrenOf, tempDir, waitGone, waitUntil,
  wardenBin, withHangGuard,
} from './lib/harness.mjs';

const SHORT_GRACE = ['--shutdown-grace-ms', '200'];

/** The proxy around the fixture with its server child's pid, after the handshake. */
async function proxiedFixture(t, proxyExtra, ...fixtureArgs) {
  const s = RawSession.proxied(t, fixtureServer(...fixtureArgs), proxyExtra);
  await s.initialize();
  const [child] = await serverChildrenOf(s.pid);
  return { s, child };
}

/** Asserts the proxy has exited and its server child is gone too. */
async function assertNoOrphan(s, child) {
  assert.equal(isRunning(s.pid), false, 'the proxy is still running');
  await waitGone([child]);
}

describe('clean exit after the SDK client closes', () => {
  async function exitStatus(t, mode, server) {
    const session = await connectSdkClient(t, mode, server);
    await session.client.listTools();
    const children = mode === 'proxied' ? await serverChildrenOf(session.pid) : [];
    await session.client.close();
    const status = await withHangGuard(session.exited, `${mode} exit after close`);
    assert.equal(isRunning(session.pid), false);
    await waitGone(children);
    return status;
  }

  test('server-everything: proxy and server gone, same exit status as direct', async (t) => {
    const status = await inBothModes((mode) => exitStatus(t, mode, everythingServer()));
    assert.deepEqual(status.proxied, status.direct);
  });

  test('server-filesystem: proxy and server gone, same exit status as direct', async (t) => {
    const root = tempDir(t);
    const status = await inBothModes((mode) => exitStatus(t, mode, filesystemServer(root)));
    assert.deepEqual(status.proxied, status.direct);
  });

  test('the server\'s stderr passes through the proxy\'s stderr', async (t) => {
    const direct = await connectSdkClient(t, 'direct', everythingServer());
    const line = await waitUntil(() => direct.stderr.text.split('\n').find((l) => l.trim() !== ''), 'direct stderr');
    const proxied = await connectSdkClient(t, 'proxied', everythingServer());
    await waitUntil(() => proxied.stderr.text.includes(line), `"${line}" on the proxy's stderr`);
  });
});

describe('start-up', () => {
  async function initializeError(t, command) {
    const s = RawSession.proxied(t, { command, args: ['--some-arg'] });
    s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {
      protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const reply = await s.response(0);
    s.closeStdin();
    const status = await withHangGuard(s.exited, 'exit after a failed start');
    assertCleanStdout(s);
    return { reply, status };
  }

  test('a command that does not exist: initialize gets an error naming it, exit non-zero', async (t) => {
    const { reply, status } = await initializeError(t, '/nonexistent/cmd');
    assert.ok(reply.error, JSON.stringify(reply));
    assert.match(reply.error.message, /\/nonexistent\/cmd/);
    assert.notEqual(status.code, 0);
  });

  test('a command not on PATH: initialize gets an error naming it, exit non-zero', async (t) => {
    const { reply, status } = await initializeError(t, 'mcp-warden-no-such-server-xyz');
    assert.match(reply.error?.message ?? '', /mcp-warden-no-such-server-xyz/);
    assert.notEqual(status.code, 0);
  });

  test('a file that is not executable: initialize gets an error naming it, exit non-zero', async (t) => {
    const file = path.join(tempDir(t), 'not-executable.sh');
    fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const { reply, status } = await initializeError(t, file);
    assert.ok(reply.error?.message.includes(file), JSON.stringify(reply));
    assert.notEqual(status.code, 0);
  });

  test('the command is found on PATH', async (t) => {
    const server = { ...fixtureServer(), command: 'node' };
    const s = RawSession.proxied(t, server);
    assert.equal((await s.initialize()).serverInfo.name, 'line-server');
    assert.deepEqual(await s.close(), { code: 0, signal: null });
  });

  test('AgentMesh form: --target CMD --target ARG ...', async (t) => {
    const server = fixtureServer();
    const targets = [server.command, ...server.args].flatMap((arg) => ['--target', arg]);
    const s = RawSession.start(t, wardenBin(), [...proxyOptions(tempDir(t)), ...targets]);
    assert.equal((await s.initialize()).serverInfo.name, 'line-server');
    assert.deepEqual(await s.close(), { code: 0, signal: null });
    assertCleanStdout(s);
  });

  test('an unknown proxy option is named in a one-line error, nothing on stdout, exit non-zero', () => {
    const run = spawnSync(wardenBin(), ['proxy', '--bogus-option', '--', 'true'], { encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^mcp-warden: unknown option --bogus-option for `mcp-warden proxy` \(see/, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /-- --bogus-option/);
  });

  test('--log-file takes the logs; stdout stays protocol only', async (t) => {
    const logFile = path.join(tempDir(t), 'warden.log');
    const { s } = await proxiedFixture(t, ['--log-level', 'trace', '--log-file', logFile]);
    await s.request('after-log', 'tools/list');
    await s.close();
    assert.ok(fs.statSync(logFile).size > 0, 'nothing was logged at trace level');
    assertCleanStdout(s);
  });
});

describe('the child ends or is ended', () => {
  test('the child dies mid-call: every pending request gets an error, the proxy exits with its status', async (t) => {
    const { s, child } = await proxiedFixture(t, []);
    s.send({ jsonrpc: '2.0', id: 'never-answered', method: 'tools/call', params: { name: 'hang', arguments: {} } });
    s.send({ jsonrpc: '2.0', id: 'fatal', method: 'tools/call', params: { name: 'die', arguments: { code: 3 } } });
    for (const id of ['never-answered', 'fatal']) {
      const reply = await s.response(id);
      assert.ok(reply.error, `${id}: ${JSON.stringify(reply)}`);
    }
    const status = await withHangGuard(s.exited, 'proxy exit after its child died'); // stdin still open
    assert.deepEqual(status, { code: 3, signal: null });
    await assertNoOrphan(s, child);
    assertCleanStdout(s);
  });

  test('the child dies with half a line written: the request gets an error, nothing partial on stdout', async (t) => {
    const { s, child } = await proxiedFixture(t, []);
    s.send({ jsonrpc: '2.0', id: 'cut', method: 'tools/call', params: { name: 'partial-exit', arguments: { code: 4 } } });
    assert.ok((await s.response('cut')).error);
    assert.deepEqual(await withHangGuard(s.exited, 'proxy exit'), { code: 4, signal: null });
    await withHangGuard(s.stdoutClosed, 'stdout closed');
    await assertNoOrphan(s, child);
    assertCleanStdout(s);
  });

  test('the child exits before the handshake: the proxy exits with its status', async (t) => {
    const s = RawSession.proxied(t, { command: process.execPath, args: ['-e', 'process.exit(9)'] });
    const status = await withHangGuard(s.exited, 'proxy exit after its child exited');
    assert.deepEqual(status, { code: 9, signal: null });
  });

  test('requests written after the child died do not kill the proxy with SIGPIPE', async (t) => {
    const { s, child } = await proxiedFixture(t, []);
    s.send({ jsonrpc: '2.0', id: 'fatal', method: 'tools/call', params: { name: 'die', arguments: { code: 3 } } });
    const line = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, pad: 'p'.repeat(4000) } })}\n`;
    for (let i = 0; i < 2000 && s.proc.exitCode === null; i++) {
      s.proc.stdin.write(line);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await withHangGuard(s.exited, 'proxy exit'), { code: 3, signal: null });
    await assertNoOrphan(s, child);
  });

  test('the client stops reading stdout: the proxy exits and leaves no orphan', async (t) => {
    const { s, child } = await proxiedFixture(t, SHORT_GRACE);
    s.proc.stdout.destroy(); // our read end closes; the proxy's next write fails with EPIPE
    s.send({ jsonrpc: '2.0', id: 'unread', method: 'tools/call', params: { name: 'big', arguments: { bytes: 1 << 20 } } });
    await withHangGuard(s.exited, 'proxy exit after its stdout closed');
    await assertNoOrphan(s, child);
  });

  test('stdin EOF: the proxy exits with the status the server exits with', async (t) => {
    const status = await inBothModes(async (mode) => {
      const s = mode === 'direct' ? RawSession.direct(t, fixtureServer('--eof-exit', '5'))
        : RawSession.proxied(t, fixtureServer('--eof-exit', '5'));
      await s.initialize();
      const children = mode === 'proxied' ? await serverChildrenOf(s.pid) : [];
      const exit = await s.close();
      await waitGone(children);
      return exit;
    });
    assert.deepEqual(status.proxied, status.direct);
  });

  test('a child that ignores stdin EOF gets SIGTERM after the grace period', async (t) => {
    const marker = path.join(tempDir(t), 'signals');
    const { s, child } = await proxiedFixture(t, SHORT_GRACE, '--ignore-eof', '--on-signal', marker, '--signal-exit', '7');
    s.send({ jsonrpc: '2.0', id: 'pending', method: 'tools/call', params: { name: 'hang', arguments: {} } });
    const status = await s.close();
    assert.ok((await s.response('pending')).error, 'the request pending when the child died got no error reply');
    assert.equal(fs.readFileSync(marker, 'utf8'), 'SIGTERM\n');
    assert.deepEqual(status, { code: 7, signal: null });
    await assertNoOrphan(s, child);
  });

  test('a child that ignores stdin EOF and SIGTERM is killed; the proxy still exits', async (t) => {
    const { s, child } = await proxiedFixture(t, SHORT_GRACE, '--ignore-eof', '--ignore-signals');
    const status = await s.close();
    assert.ok(status.code !== 0 || status.signal !== null, `a killed child reported success: ${JSON.stringify(status)}`);
    await assertNoOrphan(s, child);
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    test(`${signal} sent to the proxy is forwarded to the child`, async (t) => {
      const marker = path.join(tempDir(t), 'signals');
      // --ignore-eof: only the signal may end the child, whatever the proxy does with its stdin.
      const { s, child } = await proxiedFixture(t, [], '--ignore-eof', '--on-signal', marker, '--signal-exit', '7');
      s.send({ jsonrpc: '2.0', id: 'pending', method: 'tools/call', params: { name: 'hang', arguments: {} } });
      await s.request('sync', 'ping'); // answered in order: the child has read 'pending'
      process.kill(s.pid, signal);
      const status = await withHangGuard(s.exited, `proxy exit after ${signal}`);
      assert.ok((await s.response('pending')).error, 'the request pending when the child died got no error reply');
      assert.equal(fs.readFileSync(marker, 'utf8'), `${signal}\n`);
      assert.deepEqual(status, { code: 7, signal: null });
      await assertNoOrphan(s, child);
      assertCleanStdout(s);
    });
  }
});
