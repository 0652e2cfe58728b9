// Raw-stream tests: lines the SDK would never send, written straight to the proxy's stdin, and
// its stdout read line by line. Every test ends by checking that each stdout line was strict
// UTF-8 JSON, and most check that the next request is still served.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  RawSession, assertCleanStdout, everythingServer, fixtureServer, inBothModes, sameId, withHangGuard,
} from './lib/harness.mjs';

const MiB = 1024 * 1024;
const DEFAULT_CAP = 64 * MiB; // the documented default of --max-message-bytes
const BIG_GUARD_MS = 60_000; // hang guard for 64 MiB lines under ASan

/** The proxy in front of the line-level fixture server, initialized. */
async function proxiedFixture(t, proxyExtra = [], ...serverArgs) {
  const session = RawSession.proxied(t, fixtureServer(...serverArgs), proxyExtra);
  await session.initialize();
  return session;
}

let probeCount = 0;
/** Asserts a ping is still answered, i.e. the session survived what came before. */
async function assertServed(session) {
  const id = `probe-${probeCount++}`;
  const reply = await session.request(id, 'ping');
  assert.deepEqual(reply, { jsonrpc: '2.0', id, result: {} }, `session not served after bad input`);
}

/** A tools/call line for the fixture, optionally padded to exactly `totalBytes`. */
function toolCallLine(id, name, args, totalBytes) {
  const line = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  if (totalBytes === undefined) return line;
  const pad = totalBytes - Buffer.byteLength(line);
  assert.ok(pad >= 0);
  return `${line.slice(0, -1)}${' '.repeat(pad)}}`; // JSON allows whitespace before the last brace
}

function assertNoResultFor(session, id) {
  const results = session.messages.filter((m) => sameId(m.message.id, id) && 'result' in m.message);
  assert.deepEqual(results, [], `the server answered ${JSON.stringify(id)}: the bad line reached it`);
}

/** Error replies with a null id after the first `skip` of them. */
async function nextNullIdError(session, skip) {
  return session.nthNullIdError(skip + 1);
}

describe('bad input from the client gets a clear error and the session goes on', () => {
  test('an unparsable line gets -32700 with id null', async (t) => {
    const s = await proxiedFixture(t);
    const lines = ['{"jsonrpc":"2.0","id":1,"method":', 'not json at all', '{"jsonrpc":"2.0",,}', '}{'];
    for (const [i, line] of lines.entries()) {
      s.send(line);
      const error = await nextNullIdError(s, i);
      assert.equal(error.jsonrpc, '2.0');
      assert.equal(error.error.code, -32700, JSON.stringify(error));
      assert.equal(typeof error.error.message, 'string');
      await assertServed(s);
    }
    assertCleanStdout(s);
  });

  test('invalid UTF-8 gets -32700 and is not forwarded', async (t) => {
    const s = await proxiedFixture(t);
    const invalid = {
      'lone-continuation': [0x80], 'truncated-sequence': [0xe6, 0xbc], 'bytes-ff-fe': [0xff, 0xfe],
      'overlong-slash': [0xc0, 0xaf], 'encoded-surrogate': [0xed, 0xa0, 0x80], 'above-10ffff': [0xf4, 0x90, 0x80, 0x80],
    };
    for (const [id, bytes] of Object.entries(invalid)) {
      const [head, tail] = toolCallLine(id, 'mirror', { text: '@' }).split('@');
      s.send(Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]));
      const error = await s.waitFor((m) => m.error !== undefined && (m.id === null || m.id === id), `error for ${id}`);
      assert.equal(error.error.code, -32700, `${id}: ${JSON.stringify(error)}`);
      await assertServed(s); // the server answers in order, so a forwarded line would be answered by now
      assertNoResultFor(s, id);
    }
    assertCleanStdout(s);
  });

  test('200 000-deep nesting gets an error, no crash', async (t) => {
    const s = await proxiedFixture(t);
    const depth = 200_000;
    const lines = ['['.repeat(depth) + ']'.repeat(depth), '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)];
    for (const [i, line] of lines.entries()) {
      s.send(line);
      const error = await nextNullIdError(s, i);
      assert.ok([-32700, -32600].includes(error.error.code), JSON.stringify(error));
      await assertServed(s);
    }
    // Nested inside a real request: either a clear error or a faithful relay, never silence.
    s.send(`{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"mirror","arguments":{"x":${
      '['.repeat(depth)}${']'.repeat(depth)}}}}`);
    const reply = await s.waitFor((m) => sameId(m.id, 'deep') || (m.id === null && s.nullIdErrors().length > 2),
      'a reply to the deeply nested request');
    assert.ok(reply.error || reply.result, JSON.stringify(reply).slice(0, 300));
    await assertServed(s);
    assertCleanStdout(s);
  });

  test('ids that are null, objects or arrays get -32600 with id null', async (t) => {
    const s = await proxiedFixture(t);
    const ids = [null, { a: 1 }, [1], {}];
    for (const [i, id] of ids.entries()) {
      s.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'mirror', arguments: {} } });
      const error = await nextNullIdError(s, i);
      assert.equal(error.error.code, -32600, `id ${JSON.stringify(id)}: ${JSON.stringify(error)}`);
      await assertServed(s);
    }
    assert.equal(s.messages.filter((m) => 'result' in m.message && m.message.id === null).length, 0,
      'a request with a bad id reached the server');
    assertCleanStdout(s);
  });

  test('JSON that is not a JSON-RPC object gets -32600 with id null', async (t) => {
    const s = await proxiedFixture(t);
    for (const [i, line] of ['42', '"just a string"', 'true', 'null'].entries()) {
      s.send(line);
      const error = await nextNullIdError(s, i);
      assert.equal(error.error.code, -32600, `${line}: ${JSON.stringify(error)}`);
      await assertServed(s);
    }
    assertCleanStdout(s);
  });
});

describe('faithful relay of what the server must judge', () => {
  /** Sends `line` to server-everything in both modes and returns the replies to `id`. */
  async function everythingReplies(t, id, line) {
    return inBothModes(async (mode) => {
      const s = mode === 'direct' ? RawSession.direct(t, everythingServer())
        : RawSession.proxied(t, everythingServer());
      await s.initialize();
      s.send(line);
      const reply = await s.response(id);
      await assertServed(s);
      assertCleanStdout(s);
      await s.close();
      return reply;
    });
  }

  test('tools/call with arguments: null gets the server\'s own reply', async (t) => {
    const replies = await everythingReplies(t, 'null-args',
      '{"jsonrpc":"2.0","id":"null-args","method":"tools/call","params":{"name":"echo","arguments":null}}');
    assert.deepEqual(replies.proxied, replies.direct);
  });

  test('an unknown method gets the server\'s own error', async (t) => {
    const replies = await everythingReplies(t, 7, '{"jsonrpc":"2.0","id":7,"method":"no/such-method","params":{}}');
    assert.deepEqual(replies.proxied, replies.direct);
    assert.ok(replies.direct.error, 'the server accepted an unknown method');
  });

  test('a line the proxy does not change reaches the server byte for byte', async (t) => {
    const s = await proxiedFixture(t);
    const line = '{ "params" : {"name":"mirror","arguments":{"k":"\\u00e9\\ud83d\\ude80 é \\/","n":1.50e+2,'
      + '"z":[ ],"t":true}},"id":  "mirror-1", "method":"tools/call","jsonrpc":"2.0"  }';
    s.send(line);
    const reply = await s.response('mirror-1');
    assert.equal(Buffer.from(reply.result.content[0].text, 'base64').toString('utf8'), line);
    assertCleanStdout(s);
  });

  test('a line the proxy does not change reaches the client byte for byte', async (t) => {
    const s = await proxiedFixture(t);
    const line = '{"result":{"content":[{"type":"text","text":"\\u00e9 é \\/ 🚀"}],"x":1.0E0 } ,'
      + '"jsonrpc":"2.0","id":"emit-1"}  ';
    s.send(toolCallLine('emit-1', 'emit', { b64: Buffer.from(line).toString('base64') }));
    const bytes = await s.responseBytes('emit-1');
    assert.equal(bytes.toString('utf8'), line);
    assertCleanStdout(s);
  });

  test('CRLF-terminated lines are served', async (t) => {
    const s = RawSession.proxied(t, everythingServer());
    s.send({ jsonrpc: '2.0', id: 'crlf-init', method: 'initialize', params: {
      protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'crlf', version: '1' } } }, '\r\n');
    assert.ok((await s.response('crlf-init')).result);
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' }, '\r\n');
    s.send(toolCallLine('crlf-echo', 'echo', { message: 'carriage ⏎' }), '\r\n');
    const reply = await s.response('crlf-echo');
    assert.ok(reply.result.content[0].text.endsWith('carriage ⏎'), JSON.stringify(reply));
    s.send({ jsonrpc: '2.0', id: 'crlf-ping', method: 'ping' }, '\r\n');
    assert.deepEqual((await s.response('crlf-ping')).result, {});
    assertCleanStdout(s);
  });
});

describe('--max-message-bytes', () => {
  const cap = MiB;
  const capArgs = ['--max-message-bytes', String(cap)];

  test('a client line over the cap gets an error naming the limit, is dropped, the session goes on', async (t) => {
    const s = await proxiedFixture(t, capArgs);
    s.send(toolCallLine('too-big', 'digest', { data: 'x' }, 2 * MiB));
    const error = await s.waitFor((m) => m.error !== undefined && (m.id === null || m.id === 'too-big'),
      'an error for the oversized line');
    assert.ok(JSON.stringify(error.error).includes(String(cap)), `error does not name ${cap}: ${JSON.stringify(error)}`);
    await assertServed(s);
    assertNoResultFor(s, 'too-big');
    assertCleanStdout(s);
  });

  test('a client line just under the cap passes, just over is refused', async (t) => {
    const s = await proxiedFixture(t, capArgs);
    const under = toolCallLine('under', 'digest', { data: 'u' }, cap - 64);
    s.send(under);
    const reply = await s.response('under');
    assert.ok(reply.result, JSON.stringify(reply));
    s.send(toolCallLine('over', 'digest', { data: 'o' }, cap + 64));
    const error = await s.waitFor((m) => m.error !== undefined && (m.id === null || m.id === 'over'), 'error for over');
    assert.ok(JSON.stringify(error.error).includes(String(cap)), JSON.stringify(error));
    await assertServed(s);
    assertNoResultFor(s, 'over');
    assertCleanStdout(s);
  });

  test('a server line over the cap does not leave the request hanging', async (t) => {
    const s = await proxiedFixture(t, capArgs);
    s.send(toolCallLine('big-reply', 'big', { bytes: 2 * cap }));
    const reply = await s.response('big-reply');
    assert.ok(reply.error, 'an oversized result was delivered');
    assert.ok(JSON.stringify(reply.error).includes(String(cap)), JSON.stringify(reply));
    await assertServed(s);
    assertCleanStdout(s);
  });

  test('default cap: a 64 MiB request and a 64 MiB result pass; a larger line is refused', async (t) => {
    const s = await proxiedFixture(t);
    const total = DEFAULT_CAP - 1024;
    const head = toolCallLine('huge-in', 'digest', { data: '' });
    const data = 'ab\u00e9'.repeat(Math.floor((total - Buffer.byteLength(head)) / 4));
    s.send(toolCallLine('huge-in', 'digest', { data }));
    const reply = await s.response('huge-in', BIG_GUARD_MS);
    const sent = Buffer.from(data, 'utf8');
    assert.deepEqual(JSON.parse(reply.result.content[0].text),
      { bytes: sent.length, sha256: createHash('sha256').update(sent).digest('hex') });

    const resultBytes = total - 200;
    s.send(toolCallLine('huge-out', 'big', { bytes: resultBytes }));
    const out = await s.response('huge-out', BIG_GUARD_MS);
    assert.equal(out.result?.content[0].text.length, resultBytes, 'the 64 MiB result was not delivered whole');

    s.send(toolCallLine('huge-over', 'digest', { data: 'z' }, DEFAULT_CAP + 1024));
    const error = await s.waitFor((m) => m.error !== undefined && (m.id === null || m.id === 'huge-over'),
      'an error for the line over 64 MiB', BIG_GUARD_MS);
    assert.ok(JSON.stringify(error.error).includes(String(DEFAULT_CAP)), JSON.stringify(error));
    await assertServed(s);
    assertNoResultFor(s, 'huge-over');
    assertCleanStdout(s);
  });
});

describe('framing, and what the server writes', () => {
  test('a request written one byte at a time is served', async (t) => {
    const s = await proxiedFixture(t);
    const line = Buffer.from(toolCallLine('bytewise', 'digest', { data: 'slow ✓ 漢' }) + '\n');
    for (const byte of line) {
      s.proc.stdin.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    const sent = Buffer.from('slow ✓ 漢');
    assert.equal(JSON.parse((await s.response('bytewise')).result.content[0].text).sha256,
      createHash('sha256').update(sent).digest('hex'));
  });

  test('many lines in one write, good and bad mixed, are each answered', async (t) => {
    const s = await proxiedFixture(t);
    const good = Array.from({ length: 20 }, (_, i) => JSON.stringify({ jsonrpc: '2.0', id: `batch-${i}`, method: 'ping' }));
    const bad = ['{oops', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'), '{"jsonrpc":"2.0","id":null,"method":"ping"}'];
    const lines = good.flatMap((line, i) => (i < bad.length ? [line, bad[i]] : [line]));
    s.proc.stdin.write(Buffer.from(lines.join('\n') + '\n', 'latin1'));
    for (const [i] of good.entries()) assert.deepEqual((await s.response(`batch-${i}`)).result, {});
    await s.nthNullIdError(bad.length);
  });

  test('a server request whose id equals a pending client request id is routed by direction', async (t) => {
    const s = await proxiedFixture(t);
    s.send(toolCallLine(5, 'ping-client', { id: 5 }));
    const ping = await s.waitFor((m) => m.method === 'ping', 'the server\'s ping');
    assert.equal(ping.id, 5);
    s.send({ jsonrpc: '2.0', id: 5, result: { from: 'client' } }); // the client's answer to the ping
    const reply = await s.response(5);
    assert.deepEqual(JSON.parse(reply.result.content[0].text), { jsonrpc: '2.0', id: 5, result: { from: 'client' } });
  });

  test('1000 pipelined requests are answered in order', async (t) => {
    const s = await proxiedFixture(t);
    const ids = Array.from({ length: 1000 }, (_, i) => `pipe-${i}`);
    s.proc.stdin.write(ids.map((id) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' })}\n`).join(''));
    await s.response(ids.at(-1));
    const order = s.messages.map((m) => m.message.id).filter((id) => String(id).startsWith('pipe-'));
    assert.deepEqual(order, ids);
  });

  test('a burst of 10 000 server notifications arrives whole and before the answer', async (t) => {
    const s = await proxiedFixture(t);
    const count = 10_000;
    const reply = await s.request('burst', 'tools/call', { name: 'burst', arguments: { count } });
    assert.ok(reply.result, JSON.stringify(reply));
    const data = s.messages.filter((m) => m.message.method === 'notifications/message').map((m) => m.message.params.data);
    assert.deepEqual(data, Array.from({ length: count }, (_, i) => `burst ${i}`));
  });

  test('a non-JSON line from the server never reaches stdout; the answer after it does', async (t) => {
    const s = await proxiedFixture(t);
    const reply = await s.request('garbage', 'tools/call', { name: 'garbage', arguments: {} });
    assert.equal(reply.result?.content[0].text, 'after garbage', JSON.stringify(reply));
    await assertServed(s);
    assertCleanStdout(s);
  });

  test('invalid UTF-8 from the server never reaches stdout; the session goes on', async (t) => {
    const s = await proxiedFixture(t);
    const [head, tail] = '{"jsonrpc":"2.0","id":"bad-out","result":{"content":[{"type":"text","text":"@"}]}}'.split('@');
    const line = Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(tail)]);
    s.send(toolCallLine('bad-out', 'emit', { b64: line.toString('base64') }));
    await assertServed(s);
    assertCleanStdout(s);
  });

  test('a garbled server response does not leave the client\'s request hanging', async (t) => {
    const s = await proxiedFixture(t);
    const garbled = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"garbled","result":{"text":"'),
      Buffer.from([0xff]), Buffer.from('"}}')]);
    s.send(toolCallLine('garbled', 'emit', { b64: garbled.toString('base64') }));
    await assertServed(s); // the server answers in order, so the proxy has seen the garbled line
    const reply = s.messages.find((m) => sameId(m.message.id, 'garbled'));
    assert.ok(reply?.message.error, 'no error reply for a request whose response the proxy dropped');
  });

  test('a request pending at stdin EOF is still answered, as it is directly', async (t) => {
    const replies = await inBothModes(async (mode) => {
      const s = mode === 'direct' ? RawSession.direct(t, everythingServer()) : RawSession.proxied(t, everythingServer());
      await s.initialize();
      s.send(toolCallLine('at-eof', 'trigger-long-running-operation', { duration: 0.3, steps: 1 }));
      s.closeStdin();
      const reply = await s.response('at-eof');
      await withHangGuard(s.exited, `${mode} exit`);
      return reply;
    });
    assert.deepEqual(replies.proxied, replies.direct);
  });
});
