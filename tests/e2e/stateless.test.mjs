// MCP 2026-07-28 (stateless) through mcp-warden: no initialize, per-request `_meta` carrying the
// protocol version and capabilities, `server/discover`, and multi round-trip requests — a tools/call
// answered with an input-required result and retried under a new id with `inputResponses` and
// the echoed `requestState`. No SDK on the registry speaks 2026-07-28 yet, so the client side is
// raw JSON lines written from the spec (repo modelcontextprotocol/modelcontextprotocol:
// docs/specification/2026-07-28/server/discover.mdx, basic/patterns/mrtr.mdx,
// schema/2026-07-28/schema.ts) and the server is fixtures/stateless-server.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FIXTURES_DIR, RawSession, tempDir, wardenBin, recordPath } from './lib/harness.mjs';
import { assertAllowed, assertAuditVerifies, assertDenied, auditEntries, governedArgs } from './lib/governance.mjs';

const KEY_MARK = 'E2E14-STATELESS-FAKE-KEY-51be';
const KEY_TEXT = `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_MARK}\n-----END OPENSSH PRIVATE KEY-----\n`;
const NOTES_TEXT = 'stateless notes: nothing secret\n';
// The requestState exactly as fixtures/stateless-server.mjs writes it on the wire (JSON escapes
// included): mcp-warden must relay it, and the client's echo of it, byte for byte.
const STATE_WIRE = '"st\\u0061te\\/v1:\\u00e9t\\u00e9+AEAD=="';
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
  'io.modelcontextprotocol/clientInfo': { name: 'raw-2026-e2e', version: '1.0.0' },
};

function statelessWorkspace(t) {
  const dir = tempDir(t, 'mcp-warden-stateless-');
  const userHome = path.join(dir, 'home');
  fs.mkdirSync(path.join(userHome, '.ssh'), { recursive: true });
  const keyPath = path.join(userHome, '.ssh', 'id_rsa');
  fs.writeFileSync(keyPath, KEY_TEXT, { mode: 0o600 });
  const notesPath = path.join(dir, 'notes.txt');
  fs.writeFileSync(notesPath, NOTES_TEXT);
  const home = path.join(dir, 'warden-home');
  fs.mkdirSync(home);
  return { dir, userHome, keyPath, notesPath, home, db: path.join(dir, 'audit.db'), record: recordPath(dir, 'received.jsonl') };
}

/** mcp-warden (strict, HOME = ws.userHome) in front of the stateless server, driven line by line. */
function proxied(t, ws) {
  const server = [process.execPath, path.join(FIXTURES_DIR, 'stateless-server.mjs'), '--record', ws.record];
  return RawSession.start(t, '/usr/bin/env', [
    `MCP_WARDEN_HOME=${ws.home}`, `HOME=${ws.userHome}`, wardenBin(), ...governedArgs(ws, 'strict'), ...server,
  ]);
}

/** The raw lines the server received. */
function received(ws) {
  if (!fs.existsSync(ws.record)) return [];
  return fs.readFileSync(ws.record, 'utf8').split('\n').filter((l) => l !== '');
}
const receivedIds = (ws) => received(ws).map((l) => JSON.parse(l).id);

/**
 * A `method` request line ({name, arguments} params) written by hand; `requestStateWire` is
 * spliced in as raw JSON text.
 */
function namedLine(method, id, name, args, { inputResponses, requestStateWire } = {}) {
  let line = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"${method}","params":{"_meta":${JSON.stringify(META)},` +
    `"name":${JSON.stringify(name)},"arguments":${JSON.stringify(args)}`;
  if (inputResponses !== undefined) line += `,"inputResponses":${JSON.stringify(inputResponses)}`;
  if (requestStateWire !== undefined) line += `,"requestState":${requestStateWire}`;
  return `${line}}}`;
}
const callLine = (...args) => namedLine('tools/call', ...args);
const promptLine = (...args) => namedLine('prompts/get', ...args);

/** The raw JSON text of the requestState in `bytes`, or undefined. */
function requestStateWireIn(bytes) {
  return /"requestState":("(?:[^"\\]|\\.)*")/.exec(bytes.toString('utf8'))?.[1];
}

const ACCEPT = { confirm: { action: 'accept', content: { ok: true } } };

describe('MCP 2026-07-28 through mcp-warden (strict)', () => {
  test('server/discover and a two-round tools/call pass; each round is judged and linked; requestState is untouched', async (t) => {
    const ws = statelessWorkspace(t);
    const s = proxied(t, ws);

    const discover = await s.request('discover-1', 'server/discover', { _meta: META });
    assert.equal(discover.error, undefined, JSON.stringify(discover));
    assert.equal(discover.result.resultType, 'complete');
    assert.deepEqual(discover.result.supportedVersions, ['2026-07-28']);

    const list = await s.request('list-1', 'tools/list', { _meta: META });
    assert.equal(list.error, undefined, JSON.stringify(list));
    assert.ok(list.result.tools.some((tool) => tool.name === 'confirm_read'), JSON.stringify(list));

    // Round 1: the server needs the user's confirmation.
    s.send(callLine('call-1', 'confirm_read', { path: ws.notesPath }));
    const first = await s.response('call-1');
    assert.equal(first.error, undefined, JSON.stringify(first));
    assert.equal(first.result.resultType, 'input_required', JSON.stringify(first));
    assert.equal(first.result.inputRequests?.confirm?.method, 'elicitation/create', JSON.stringify(first));
    assert.equal(first.result.content, undefined, `an input-required result got content (a footer?): ${JSON.stringify(first)}`);
    assert.equal(requestStateWireIn(await s.responseBytes('call-1')), STATE_WIRE, 'the requestState the client got is not the bytes the server wrote');

    // Round 2: the retry, new id, inputResponses and the state echoed as it came.
    s.send(callLine('call-2', 'confirm_read', { path: ws.notesPath }, { inputResponses: ACCEPT, requestStateWire: STATE_WIRE }));
    const second = await s.response('call-2');
    assert.equal(second.error, undefined, JSON.stringify(second));
    const texts = assertAllowed(second.result, 'the retry');
    assert.equal(texts[0], NOTES_TEXT);
    const retryLine = received(ws).find((l) => JSON.parse(l).id === 'call-2');
    assert.ok(retryLine, 'the retry never reached the server');
    assert.equal(requestStateWireIn(Buffer.from(retryLine)), STATE_WIRE, 'the requestState the server got is not the bytes the client sent');
    assert.deepEqual(JSON.parse(retryLine).params.inputResponses, ACCEPT);

    await s.close();
    assert.ok(!received(ws).some((l) => JSON.parse(l).method === 'initialize'), 'mcp-warden sent the 2026-07-28 server an initialize');
    const entries = auditEntries(ws);
    const calls = entries.filter((e) => e.kind === 'tool_call');
    const round1 = calls.find((e) => e.request_id === '"call-1"');
    const round2 = calls.find((e) => e.request_id === '"call-2"');
    assert.ok(round1 && round2, `expected a tool_call entry per round: ${JSON.stringify(calls)}`);
    assert.equal(round1.decision, 'allow');
    assert.equal(round2.decision, 'allow');
    assert.equal(round1.tool, 'confirm_read');
    assert.equal(round2.tool, 'confirm_read');
    assert.equal(round2.payload.first_round_seq, round1.seq, `the retry is not linked to its first round: ${JSON.stringify(round2)}`);
    assert.equal(round1.payload.first_round_seq, undefined, `the first round names a first round: ${JSON.stringify(round1)}`);
    assertAuditVerifies(ws);
  });

  test('a retry that asks for the key is judged again and denied; the server never sees it', async (t) => {
    const ws = statelessWorkspace(t);
    const s = proxied(t, ws);
    const list = await s.request('list-1', 'tools/list', { _meta: META });
    assert.equal(list.error, undefined, JSON.stringify(list));
    s.send(callLine('call-1', 'confirm_read', { path: ws.notesPath }));
    const first = await s.response('call-1');
    assert.equal(first.result?.resultType, 'input_required', JSON.stringify(first));

    // The first round was harmless; the retry swaps the path for the key.
    s.send(callLine('call-2', 'confirm_read', { path: ws.keyPath }, { inputResponses: ACCEPT, requestStateWire: STATE_WIRE }));
    const retry = await s.response('call-2');
    assert.equal(retry.error, undefined, `expected a denied CallToolResult: ${JSON.stringify(retry)}`);
    assertDenied(retry.result, 'the retry for the key');
    assert.ok(!s.messages.some((m) => m.bytes.includes(KEY_MARK)), 'the key reached the client');

    await s.close();
    assert.ok(!receivedIds(ws).includes('call-2'), 'the denied retry reached the server');
    const entries = auditEntries(ws);
    const round1 = entries.find((e) => e.kind === 'tool_call' && e.request_id === '"call-1"');
    const round2 = entries.find((e) => e.kind === 'tool_call' && e.request_id === '"call-2"');
    assert.ok(round1 && round2, `expected a tool_call entry per round: ${JSON.stringify(entries.filter((e) => e.kind === 'tool_call'))}`);
    assert.equal(round1.decision, 'allow');
    assert.equal(round2.decision, 'deny');
    assert.equal(round2.payload.first_round_seq, round1.seq, `the denied retry is not linked to its first round: ${JSON.stringify(round2)}`);
    assert.ok(!entries.some((e) => JSON.stringify(e).includes(KEY_MARK)), 'the audit log holds the key');
  });

  test('resources/read without any initialize: the key is denied and recorded, a plain file passes', async (t) => {
    const ws = statelessWorkspace(t);
    const s = proxied(t, ws);
    const denied = await s.request('res-1', 'resources/read', { _meta: META, uri: pathToFileURL(ws.keyPath).href });
    assert.ok(denied.error, `expected a JSON-RPC error: ${JSON.stringify(denied)}`);
    assert.ok(denied.error.message.startsWith('mcp-warden blocked'), JSON.stringify(denied));
    assert.ok(!JSON.stringify(denied).includes(KEY_MARK));
    const allowed = await s.request('res-2', 'resources/read', { _meta: META, uri: pathToFileURL(ws.notesPath).href });
    assert.equal(allowed.error, undefined, JSON.stringify(allowed));
    assert.equal(allowed.result.contents[0].text, NOTES_TEXT);
    await s.close();
    assert.ok(!receivedIds(ws).includes('res-1'), 'the denied read reached the server');
    const entries = auditEntries(ws);
    const entry = entries.find((e) => e.kind === 'request' && e.request_id === '"res-1"');
    assert.ok(entry, `no request entry for the denied read: ${JSON.stringify(entries.map((e) => [e.kind, e.request_id]))}`);
    assert.equal(entry.decision, 'deny');
    assert.equal(entry.payload.method, 'resources/read');
  });

  test('a retried prompts/get is judged per round: linked to its first round, and a retry for the key is denied', async (t) => {
    const ws = statelessWorkspace(t);
    const s = proxied(t, ws);
    s.send(promptLine('p-1', 'confirm_show', { path: ws.notesPath }));
    const first = await s.response('p-1');
    assert.equal(first.result?.resultType, 'input_required', JSON.stringify(first));
    assert.equal(requestStateWireIn(await s.responseBytes('p-1')), STATE_WIRE);
    s.send(promptLine('p-2', 'confirm_show', { path: ws.notesPath }, { inputResponses: ACCEPT, requestStateWire: STATE_WIRE }));
    const second = await s.response('p-2');
    assert.equal(second.error, undefined, JSON.stringify(second));
    assert.equal(second.result.messages[0].content.text, NOTES_TEXT);
    s.send(promptLine('p-3', 'confirm_show', { path: ws.keyPath }, { inputResponses: ACCEPT, requestStateWire: STATE_WIRE }));
    const third = await s.response('p-3');
    assert.ok(third.error?.message?.startsWith('mcp-warden blocked'), `expected mcp-warden's denial: ${JSON.stringify(third)}`);
    assert.ok(!JSON.stringify(third).includes(KEY_MARK));
    await s.close();
    assert.ok(!receivedIds(ws).includes('p-3'), 'the denied retry reached the server');
    const retryLine = received(ws).find((l) => JSON.parse(l).id === 'p-2');
    assert.equal(requestStateWireIn(Buffer.from(retryLine ?? '')), STATE_WIRE, 'the requestState the server got is not the bytes the client sent');
    const entries = auditEntries(ws).filter((e) => e.kind === 'request' && e.payload?.method === 'prompts/get');
    const round = (id) => entries.find((e) => e.request_id === JSON.stringify(id));
    assert.ok(round('p-1') && round('p-2') && round('p-3'), `expected a request entry per round: ${JSON.stringify(entries)}`);
    assert.deepEqual(['p-1', 'p-2', 'p-3'].map((id) => round(id).decision === 'deny'), [false, false, true]);
    assert.equal(round('p-2').payload.first_round_seq, round('p-1').seq, JSON.stringify(round('p-2')));
    assert.equal(round('p-3').payload.first_round_seq, round('p-1').seq, JSON.stringify(round('p-3')));
  });
});
