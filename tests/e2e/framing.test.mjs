// Framing that another reader splits differently: a line must mean the same message to every
// reader of the server's stdin, or be refused. The server here reads like the official Python
// SDK (universal newlines: "\r" ends a line too) and records every line it reads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES_DIR, RawSession, assertCleanStdout, tempDir } from './lib/harness.mjs';

function universalNewlineServer(recordFile) {
  return {
    command: process.execPath,
    args: [path.join(FIXTURES_DIR, 'universal-newline-server.mjs'), '--record', recordFile],
  };
}

/** The lines the server read so far. */
function linesRead(recordFile) {
  if (!fs.existsSync(recordFile)) return [];
  return fs.readFileSync(recordFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function proxiedRecorder(t, extra = []) {
  const recordFile = path.join(tempDir(t), 'lines.jsonl');
  const s = RawSession.proxied(t, universalNewlineServer(recordFile), extra);
  await s.initialize();
  return { s, recordFile };
}

const call = (id, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: args } });

describe('a line is refused when the server\'s reader may split it', () => {
  test('a raw carriage return inside a line is answered with an error and never reaches the server', async (t) => {
    const { s, recordFile } = await proxiedRecorder(t);
    const text = JSON.stringify(call('cr-1', { note: 'x' }));
    s.send(text.replace('"id":"cr-1",', '"id":"cr-1",\r')); // \r is JSON whitespace: valid JSON
    const reply = await s.response('cr-1');
    assert.equal(reply.error?.code, -32600, JSON.stringify(reply));
    assert.match(reply.error.message, /carriage return/);
    const done = await s.request('after', 'ping');
    assert.deepEqual(done.result, {});
    const seen = linesRead(recordFile);
    assert.deepEqual(seen.filter((l) => l.includes('cr-1')), [], `the split line reached the server: ${JSON.stringify(seen)}`);
    assertCleanStdout(s);
  });

  test('one trailing carriage return before the newline is still relayed', async (t) => {
    const { s, recordFile } = await proxiedRecorder(t);
    s.send(JSON.stringify(call('crlf-1', { note: 'y' })), '\r\n');
    const reply = await s.response('crlf-1');
    assert.equal(reply.result?.content?.[0]?.text, '{"note":"y"}', JSON.stringify(reply));
    assert.equal(linesRead(recordFile).filter((l) => l.includes('crlf-1')).length, 1);
  });

  test('a nested batch is refused like a flat one and never reaches the server', async (t) => {
    const { s, recordFile } = await proxiedRecorder(t);
    s.send(JSON.stringify([[call('nested-1')]]));
    const reply = await s.waitFor((m) => !Array.isArray(m) && m.error !== undefined && m.id === null, 'the refusal');
    assert.equal(reply.error.code, -32600, JSON.stringify(reply));
    const done = await s.request('after', 'ping');
    assert.deepEqual(done.result, {});
    assert.deepEqual(linesRead(recordFile).filter((l) => l.includes('nested-1')), []);
  });
});
