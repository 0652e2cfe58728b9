// Issue 14 end to end: every channel a secret could leave by, and every request the server sends
// the client, goes through mcp-warden's one governed path — judged, recorded, and denied where the
// policy says so. The official SDK client talks to fixtures/channels-server.mjs (a careless server
// on the official SDK that really reads any file: URI, prompt path or completion from disk), to
// server-everything and to server-filesystem. Each test has its own temp dir: a fake HOME with
// .ssh/id_rsa holding a recognisable fake key, a served root with notes.txt, the --db file,
// MCP_WARDEN_HOME, and the file where the server records what its own requests got back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CallToolResultSchema, CreateMessageRequestSchema, CreateTaskResultSchema, ElicitRequestSchema, ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  FIXTURES_DIR, everythingServer, filesystemServer, tempDir, waitUntil, withHangGuard,
  recordPath,
} from './lib/harness.mjs';
import {
  assertAllowed, assertAuditVerifies, assertDenied, auditEntries, directClient, governedArgs, governedClient, rawGoverned,
  toolCall, trustOf,
} from './lib/governance.mjs';

const KEY_MARK = 'E2E14-FAKE-PRIVATE-KEY-9c41d7';
const KEY_TEXT = `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_MARK}\n-----END OPENSSH PRIVATE KEY-----\n`;
const NOTES_TEXT = 'channel notes: nothing secret here\n';
const TEMPLATE = 'file:///{path}';
const URL_HOST = 'login.example.com';

/**
 * A fresh temp tree: `userHome` (the HOME of mcp-warden and the server) with .ssh/id_rsa,
 * `root` with notes.txt, `home` (MCP_WARDEN_HOME), `db`, and `record` (the server's log).
 */
function channelsWorkspace(t) {
  const dir = tempDir(t, 'mcp-warden-channels-');
  const userHome = path.join(dir, 'home');
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(userHome, '.ssh'), { recursive: true });
  fs.mkdirSync(root);
  const keyPath = path.join(userHome, '.ssh', 'id_rsa');
  fs.writeFileSync(keyPath, KEY_TEXT, { mode: 0o600 });
  fs.writeFileSync(path.join(root, 'notes.txt'), NOTES_TEXT);
  const home = path.join(dir, 'warden-home');
  fs.mkdirSync(home);
  return {
    dir, userHome, root, keyPath, home, notesPath: path.join(root, 'notes.txt'),
    db: path.join(dir, 'audit.db'), record: recordPath(dir, 'record.jsonl'),
  };
}

const channelsServer = (ws) => ({
  command: process.execPath,
  args: [path.join(FIXTURES_DIR, 'channels-server.mjs'), '--root', ws.root, '--record', ws.record],
});

/** What the server recorded about its own requests (and subscriptions), in order. */
function serverRecord(ws) {
  if (!fs.existsSync(ws.record)) return [];
  return fs.readFileSync(ws.record, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

/** The key's path written every way a file: URI can name it (WHATWG URL parsing). */
function keyUris(ws) {
  const p = ws.keyPath;
  const viaRoot = `${ws.root}/../home/.ssh/id_rsa`;
  return [
    `file://${p}`,
    `file://localhost${p}`,
    `file://LOCALHOST${p}`,
    `file:${p}`,
    `FILE://${p}`,
    `File://${p}`,
    `file://${p.replace('/.ssh/id_rsa', '/%2essh/id%5Frsa')}`,
    `file://${p.replace('/.ssh/', '/.ss%68/')}`,
    `file:///${p.slice(1).replaceAll('/', '\\')}`,
    `file://${viaRoot}`,
    `file://${ws.root}/%2e%2e/home/.ssh/id_rsa`,
    `file://${ws.root}/.%2E/home/./.ssh/id_rsa`,
    `file://${ws.userHome}//.ssh//id_rsa`,
    `file://${ws.userHome}/.s\tsh/id_r\nsa`, // a URL parser drops tabs and newlines
    ` file://${p} `, // and leading and trailing spaces
  ];
}

/** Paths to the key for the prompt's `path` argument. */
const keyPaths = (ws) => [ws.keyPath, `${ws.root}/../home/.ssh/id_rsa`, `${ws.userHome}//.ssh/./id_rsa`];

/** Partial paths whose completion lists the key's file name. */
const keyCompletions = (ws) => [
  { ref: { type: 'ref/prompt', name: 'show_file' }, argument: { name: 'path', value: `${ws.userHome}/.ssh/` } },
  { ref: { type: 'ref/prompt', name: 'show_file' }, argument: { name: 'path', value: `${ws.userHome}/.ssh/id` } },
  { ref: { type: 'ref/resource', uri: TEMPLATE }, argument: { name: 'path', value: `${ws.userHome.slice(1)}/.ssh/` } },
];

/** mcp-warden's JSON-RPC error text, without the SDK's "MCP error <code>: " prefix. */
const errorText = (error) => String(error?.message ?? error).replace(/^MCP error -?\d+: /, '');

/** Asserts `error` is mcp-warden's denial (message starts "mcp-warden blocked") and leaks no key. */
function assertBlocked(error, what) {
  assert.ok(errorText(error).startsWith('mcp-warden blocked'), `${what}: not mcp-warden's denial: ${error?.stack ?? error}`);
  const everything = JSON.stringify({ message: error.message, data: error.data });
  assert.ok(!everything.includes(KEY_MARK), `${what}: the denial carries the key`);
}

/**
 * Runs `attempt()`, which must be refused by mcp-warden; returns {what, method, id} of the
 * request the client sent for it, so the audit entry can be found by its request id.
 */
async function attemptBlocked(s, what, method, attempt) {
  let result;
  try {
    result = await withHangGuard(attempt(), what);
  } catch (error) {
    assertBlocked(error, what);
    const sent = s.sent.filter((m) => m.method === method).at(-1);
    assert.ok(sent, `${what}: the client sent no ${method}`);
    return { what, method, id: sent.id };
  }
  assert.fail(`${what}: expected mcp-warden's denial, got ${JSON.stringify(result).slice(0, 400)}`);
}

/** The last request the client sent with `method`. */
const lastSent = (s, method) => s.sent.filter((m) => m.method === method).at(-1);

/** The audit entry of `kind` for the client request with JSON-RPC id `id`. */
function entryFor(entries, kind, id, what) {
  // Each direction numbers its own ids: a server request may share this id.
  const found = entries.filter((e) => e.kind === kind && e.request_id === JSON.stringify(id) &&
    (e.payload?.direction ?? 'client_to_server') === 'client_to_server');
  assert.equal(found.length, 1, `${what}: expected one ${kind} entry for request id ${id}, found ` +
    `${JSON.stringify(found)}; kinds recorded: ${[...new Set(entries.map((e) => e.kind))]}`);
  return found[0];
}

/** Asserts a denial of a client request was recorded as a `request` entry naming `method`. */
function assertDenialRecorded(entries, { what, method, id }) {
  const entry = entryFor(entries, 'request', id, what);
  assert.equal(entry.decision, 'deny', `${what}: ${JSON.stringify(entry)}`);
  assert.equal(entry.payload?.method, method, `${what}: ${JSON.stringify(entry)}`);
  assert.equal(entry.payload?.direction, 'client_to_server', `${what}: ${JSON.stringify(entry)}`);
  assert.equal(entry.payload?.decision?.action, 'deny', `${what}: ${JSON.stringify(entry)}`);
  return entry;
}

/**
 * Through a strict proxy to the channels server, tries `attempt(s, item)` for each of
 * `items(ws)`: each must be denied, and recorded as a denied `method` request; the log must not
 * hold the key. Returns {ws, attempts, entries}.
 */
async function eachBlocked(t, method, items, attempt) {
  const ws = channelsWorkspace(t);
  const s = await governed(t, ws, channelsServer(ws), 'strict');
  const attempts = [];
  for (const item of items(ws)) {
    attempts.push(await attemptBlocked(s, `${method} ${JSON.stringify(item)}`, method, () => attempt(s, item)));
  }
  await s.close();
  const reached = serverRecord(ws).filter((r) => r.phase === 'received' && r.method === method);
  assert.deepEqual(reached, [], `denied ${method} requests reached the server`);
  const entries = auditEntries(ws);
  for (const a of attempts) assertDenialRecorded(entries, a);
  assertLogHoldsNoKey(entries);
  return { ws, attempts, entries };
}

/** Asserts an allowed client request was recorded before it took effect and its outcome after. */
function assertAllowedRecorded(entries, method, id, what) {
  const entry = entryFor(entries, 'request', id, what);
  assert.notEqual(entry.decision, 'deny', `${what}: ${JSON.stringify(entry)}`);
  assert.equal(entry.payload?.method, method, `${what}: ${JSON.stringify(entry)}`);
  const outcome = entries.find((e) => e.kind === 'response' && e.payload?.request_seq === entry.seq);
  assert.ok(outcome, `${what}: no response entry with request_seq ${entry.seq}`);
  assert.equal(outcome.payload.outcome, 'ok', `${what}: ${JSON.stringify(outcome)}`);
  assert.ok(outcome.seq > entry.seq);
  return entry;
}

/** The whole audit log must not hold the key. */
function assertLogHoldsNoKey(entries) {
  const leaked = entries.filter((e) => JSON.stringify(e).includes(KEY_MARK));
  assert.deepEqual(leaked, [], 'the audit log holds the key');
}

// The client's answers to the server's requests; `seen` lists what reached it.
function clientHandlers(seen) {
  return [
    [CreateMessageRequestSchema, async (request) => {
      seen.push({ method: request.method });
      return { role: 'assistant', content: { type: 'text', text: 'a summary' }, model: 'e2e-model', stopReason: 'endTurn' };
    }],
    [ElicitRequestSchema, async (request) => {
      seen.push({ method: request.method, mode: request.params.mode ?? 'form' });
      return request.params.mode === 'url' ? { action: 'accept' } : { action: 'accept', content: { name: 'Ada' } };
    }],
    [ListRootsRequestSchema, async (request) => {
      seen.push({ method: request.method });
      return { roots: [{ uri: 'file:///srv/project', name: 'project' }] };
    }],
  ];
}
const CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: false } };

/** The SDK client through mcp-warden (`policy`) to `server`, with HOME = ws.userHome. */
async function governed(t, ws, server, policy, seen = []) {
  const s = await governedClient(t, ws, server, policy, [], {
    env: { HOME: ws.userHome }, capabilities: CLIENT_CAPABILITIES, requestHandlers: clientHandlers(seen),
  });
  s.seen = seen;
  return s;
}

describe('under strict, a private key cannot be read through resources, prompts or completions', () => {
  test('without mcp-warden every one of these attempts leaks the key (the server really is careless)', async (t) => {
    const ws = channelsWorkspace(t);
    const direct = await directClient(t, channelsServer(ws));
    for (const uri of keyUris(ws)) {
      const read = await withHangGuard(direct.client.readResource({ uri }), `direct read ${uri}`);
      assert.ok(read.contents[0].text.includes(KEY_MARK), `direct read of ${JSON.stringify(uri)} does not return the key`);
    }
    for (const p of keyPaths(ws)) {
      const got = await direct.client.getPrompt({ name: 'show_file', arguments: { path: p } });
      assert.ok(JSON.stringify(got).includes(KEY_MARK), `direct prompt with ${p} does not return the key`);
    }
    for (const request of keyCompletions(ws)) {
      const got = await direct.client.complete(request);
      assert.ok(got.completion.values.some((v) => v.endsWith('id_rsa')), `direct completion ${JSON.stringify(request)}: ${JSON.stringify(got)}`);
    }
  });

  test('resources/read of the key in every URI form is denied and each attempt recorded', async (t) => {
    const { ws } = await eachBlocked(t, 'resources/read', keyUris, (s, uri) => s.client.readResource({ uri }));
    assertAuditVerifies(ws);
  });

  test('resources/subscribe to the key is denied and recorded; the server never sees it', async (t) => {
    const uris = (ws) => [`file://${ws.keyPath}`, `file://localhost${ws.keyPath}`];
    await eachBlocked(t, 'resources/subscribe', uris, (s, uri) => s.client.subscribeResource({ uri }));
  });

  test('prompts/get with a path to the key is denied and recorded', async (t) => {
    const { attempts, entries } = await eachBlocked(t, 'prompts/get', keyPaths,
      (s, p) => s.client.getPrompt({ name: 'show_file', arguments: { path: p } }));
    for (const attempt of attempts) {
      const entry = entries.find((e) => e.kind === 'request' && e.request_id === JSON.stringify(attempt.id));
      assert.equal(entry.tool, 'show_file', `the subject of a prompts/get is the prompt's name: ${JSON.stringify(entry)}`);
    }
  });

  test('completion/complete of a partial path into ~/.ssh is denied and recorded', async (t) => {
    const { entries } = await eachBlocked(t, 'completion/complete', keyCompletions, (s, request) => s.client.complete(request));
    assert.ok(!entries.some((e) => JSON.stringify(e.payload ?? '').includes('"id_rsa"')), 'a completion value reached the log');
  });

  test('a malformed file: URI is refused and recorded, not forwarded unjudged', async (t) => {
    const malformed = (ws) => [`file://[::1${ws.notesPath}`, `file://host:99999${ws.notesPath}`, 'file://exa mple/notes.txt'];
    await eachBlocked(t, 'resources/read', malformed, (s, uri) => s.client.readResource({ uri }));
  });

  test('non-secret resources, prompts and completions pass unchanged and are recorded', async (t) => {
    const ws = channelsWorkspace(t);
    const direct = await directClient(t, channelsServer(ws));
    const s = await governed(t, ws, channelsServer(ws), 'strict');
    const notesUri = pathToFileURL(ws.notesPath).href;

    const listed = await withHangGuard(s.client.listResources(), 'resources/list');
    assert.deepEqual(listed.resources, (await direct.client.listResources()).resources);
    const templates = await withHangGuard(s.client.listResourceTemplates(), 'resources/templates/list');
    assert.equal(templates.resourceTemplates[0].uriTemplate, TEMPLATE);

    const read = await withHangGuard(s.client.readResource({ uri: notesUri }), 'resources/read notes');
    assert.equal(read.contents[0].text, NOTES_TEXT);
    const readId = lastSent(s, 'resources/read').id;

    await withHangGuard(s.client.subscribeResource({ uri: notesUri }), 'resources/subscribe notes');
    const subscribeId = lastSent(s, 'resources/subscribe').id;

    const prompt = await withHangGuard(s.client.getPrompt({ name: 'show_file', arguments: { path: ws.notesPath } }), 'prompts/get notes');
    assert.equal(prompt.messages[0].content.text, NOTES_TEXT);
    const promptId = lastSent(s, 'prompts/get').id;

    const completion = await withHangGuard(s.client.complete({
      ref: { type: 'ref/prompt', name: 'show_file' }, argument: { name: 'path', value: `${ws.root}/no` },
    }), 'completion/complete notes');
    assert.deepEqual(completion.completion.values, [ws.notesPath]);
    const completeId = lastSent(s, 'completion/complete').id;

    await s.close();
    assert.ok(serverRecord(ws).some((r) => r.phase === 'received' && r.method === 'resources/subscribe' && r.params.uri === notesUri),
      'the allowed subscription never reached the server');
    const entries = auditEntries(ws);
    const readEntry = assertAllowedRecorded(entries, 'resources/read', readId, 'resources/read notes');
    assert.equal(readEntry.tool, notesUri, `the subject of resources/read is its URI: ${JSON.stringify(readEntry)}`);
    assert.equal(readEntry.payload.direction, 'client_to_server');
    assertAllowedRecorded(entries, 'resources/subscribe', subscribeId, 'resources/subscribe notes');
    assertAllowedRecorded(entries, 'prompts/get', promptId, 'prompts/get notes');
    assertAllowedRecorded(entries, 'completion/complete', completeId, 'completion/complete notes');
    assertAuditVerifies(ws);
  });
});

describe('a blocked server reaches nothing', () => {
  test('once every tool of the server changed, its tier is blocked and resources, prompts and completions are denied too', async (t) => {
    const ws = channelsWorkspace(t);
    const first = await governed(t, ws, channelsServer(ws), 'strict');
    await first.list(); // trust on first use
    await first.close();
    const changed = { ...channelsServer(ws) };
    changed.args = [...changed.args, '--describe', ' (changed)'];
    const second = await governed(t, ws, changed, 'strict');
    await second.list(); // four catalog changes: 4 × −250
    await second.close();
    const server = auditEntries(ws).find((e) => e.kind === 'catalog')?.server;
    assert.ok(server, 'no catalog entry names the server');
    assert.equal(trustOf(ws, server).tier, 'blocked', JSON.stringify(trustOf(ws, server)));

    const s = await governed(t, ws, changed, 'strict');
    const notesUri = pathToFileURL(ws.notesPath).href;
    const attempts = [
      await attemptBlocked(s, 'resources/read of notes', 'resources/read', () => s.client.readResource({ uri: notesUri })),
      await attemptBlocked(s, 'prompts/get of notes', 'prompts/get',
        () => s.client.getPrompt({ name: 'show_file', arguments: { path: ws.notesPath } })),
      await attemptBlocked(s, 'completion/complete in root', 'completion/complete', () => s.client.complete({
        ref: { type: 'ref/prompt', name: 'show_file' }, argument: { name: 'path', value: `${ws.root}/no` },
      })),
    ];
    await s.close();
    assert.deepEqual(serverRecord(ws).filter((r) => r.phase === 'received'), [], 'a blocked server received a request');
    const entries = auditEntries(ws);
    for (const attempt of attempts) assertDenialRecorded(entries, attempt);
  });
});

describe('requests the server sends the client are recorded, with and without a call in flight', () => {
  const QUESTIONS = [
    { method: 'sampling/createMessage' },
    { method: 'elicitation/create', mode: 'form' },
    { method: 'elicitation/create', mode: 'url' },
    { method: 'roots/list' },
  ];
  const key = (q) => (q.mode ? `${q.method}:${q.mode}` : q.method);

  /** Runs ask_client (in flight) then later_ask (none in flight); returns the session's facts. */
  async function askBothWays(t, policy) {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, channelsServer(ws), policy);
    const inCall = await withHangGuard(s.client.callTool({ name: 'ask_client', arguments: {} }), 'tools/call ask_client');
    assertAllowed(inCall, 'ask_client');
    const seenInCall = s.seen.splice(0);
    const scheduled = await withHangGuard(s.client.callTool({ name: 'later_ask', arguments: { delay_ms: 300 } }), 'tools/call later_ask');
    assertAllowed(scheduled, 'later_ask');
    // No client request is pending now; the server's next four requests are unsolicited.
    await waitUntil(() => serverRecord(ws).filter((r) => r.phase === 'unsolicited').length === 4,
      'the server to get answers to its four unsolicited requests');
    const seenUnsolicited = s.seen.splice(0);
    await s.close();
    const record = serverRecord(ws);
    const got = (phase) => Object.fromEntries(record.filter((r) => r.phase === phase).map((r) => [key(r), r]));
    return { ws, seenInCall, seenUnsolicited, inCall: got('in_call'), unsolicited: got('unsolicited'), entries: auditEntries(ws) };
  }

  /** The `request` entries of server→client requests, by "method[:mode]" and solicited. */
  function serverRequestEntries(entries) {
    const out = entries.filter((e) => e.kind === 'request' && e.payload?.direction === 'server_to_client');
    const modeOf = (e) => (e.payload.method === 'elicitation/create' ? (e.payload.arguments?.mode ?? 'form') : undefined);
    return out.map((e) => ({ entry: e, key: key({ method: e.payload.method, mode: modeOf(e) }), solicited: e.payload.solicited }));
  }

  function assertEachRecorded(entries, expected) {
    const found = serverRequestEntries(entries);
    for (const [solicited, decisions] of Object.entries(expected)) {
      for (const q of QUESTIONS) {
        const want = decisions[key(q)];
        const matches = found.filter((f) => f.key === key(q) && String(f.solicited) === solicited);
        assert.equal(matches.length, 1, `${key(q)} solicited=${solicited}: expected one request entry, found ` +
          `${JSON.stringify(matches.map((m) => m.entry))}; all server requests: ${JSON.stringify(found.map((f) => [f.key, f.solicited]))}`);
        const { entry } = matches[0];
        assert.equal(entry.tool, q.method, `the subject of a server request is its method: ${JSON.stringify(entry)}`);
        if (want === 'deny') assert.equal(entry.decision, 'deny', `${key(q)} solicited=${solicited}: ${JSON.stringify(entry)}`);
        else assert.notEqual(entry.decision, 'deny', `${key(q)} solicited=${solicited}: ${JSON.stringify(entry)}`);
        if (q.mode === 'url') assert.equal(entry.payload.url_host, URL_HOST, JSON.stringify(entry));
        if (want !== 'deny') {
          const outcome = entries.find((e) => e.kind === 'response' && e.payload?.request_seq === entry.seq);
          assert.ok(outcome, `${key(q)} solicited=${solicited}: the client's answer has no response entry`);
          assert.equal(outcome.payload.outcome, 'ok');
        }
      }
    }
  }

  /** Asserts the server got mcp-warden's denial for `q` (and the client never saw it). */
  function assertServerGotDenial(got, seen, q, phase) {
    const r = got[key(q)];
    assert.ok(r, `${phase} ${key(q)}: the server recorded no outcome`);
    assert.equal(r.ok, false, `${phase} ${key(q)}: expected a denial, the server got ${JSON.stringify(r)}`);
    assert.ok(errorText(r.message).startsWith('mcp-warden blocked this request'), `${phase} ${key(q)}: ${JSON.stringify(r)}`);
    assert.ok(!seen.some((x) => key(x) === key(q)), `${phase} ${key(q)} reached the client`);
  }

  function assertServerGotAnswer(got, seen, q, phase) {
    const r = got[key(q)];
    assert.ok(r?.ok, `${phase} ${key(q)}: expected the client's answer, the server got ${JSON.stringify(r)}`);
    assert.ok(seen.some((x) => key(x) === key(q)), `${phase} ${key(q)} never reached the client`);
  }

  test('strict: solicited sampling, form elicitation and roots pass; URL elicitation and unsolicited sampling and elicitation are denied', async (t) => {
    const run = await askBothWays(t, 'strict');
    const [sampling, form, url, roots] = QUESTIONS;
    assertServerGotAnswer(run.inCall, run.seenInCall, sampling, 'in call');
    assertServerGotAnswer(run.inCall, run.seenInCall, form, 'in call');
    assertServerGotDenial(run.inCall, run.seenInCall, url, 'in call');
    assertServerGotAnswer(run.inCall, run.seenInCall, roots, 'in call');
    assertServerGotDenial(run.unsolicited, run.seenUnsolicited, sampling, 'unsolicited');
    assertServerGotDenial(run.unsolicited, run.seenUnsolicited, form, 'unsolicited');
    assertServerGotDenial(run.unsolicited, run.seenUnsolicited, url, 'unsolicited');
    assertServerGotAnswer(run.unsolicited, run.seenUnsolicited, roots, 'unsolicited');
    assertEachRecorded(run.entries, {
      true: { 'sampling/createMessage': 'allow', 'elicitation/create:form': 'allow', 'elicitation/create:url': 'deny', 'roots/list': 'allow' },
      false: { 'sampling/createMessage': 'deny', 'elicitation/create:form': 'deny', 'elicitation/create:url': 'deny', 'roots/list': 'allow' },
    });
    assertAuditVerifies(run.ws);
  });

  test('moderate: all of them reach the client, and each is still recorded with solicited right', async (t) => {
    const run = await askBothWays(t, 'moderate');
    for (const q of QUESTIONS) {
      assertServerGotAnswer(run.inCall, run.seenInCall, q, 'in call');
      assertServerGotAnswer(run.unsolicited, run.seenUnsolicited, q, 'unsolicited');
    }
    const allow = Object.fromEntries(QUESTIONS.map((q) => [key(q), 'allow']));
    assertEachRecorded(run.entries, { true: allow, false: allow });
  });
});

describe('task-augmented tools/call', () => {
  /** Drains callToolStream into an array of its messages. */
  async function stream(client, params, what) {
    const messages = [];
    const run = (async () => {
      for await (const m of client.experimental.tasks.callToolStream(params, CallToolResultSchema, { task: { ttl: 60_000 } })) messages.push(m);
    })();
    await withHangGuard(run, what);
    return messages;
  }

  /**
   * Asserts the task's last tool_result entry (payload.task_id) came after the `after` request on
   * that task, names the creating tool_call (call_seq) and carries `outcome`.
   */
  function assertTaskOutcome(entries, { what, taskId, call, after, outcome }) {
    const trigger = entries.filter((e) => e.kind === 'request' && e.payload?.method === after && e.tool === taskId).at(-1);
    assert.ok(trigger, `${what}: no ${after} request entry for task ${taskId}`);
    const results = entries.filter((e) => e.kind === 'tool_result' && e.payload?.task_id === taskId);
    const last = results.at(-1);
    assert.ok(last && last.seq > trigger.seq, `${what}: no tool_result with task_id ${taskId} after its ${after} (#${trigger.seq}): ${JSON.stringify(results)}`);
    assert.equal(last.payload.call_seq, call.seq, `${what}: ${JSON.stringify(last)}`);
    assert.equal(last.payload.outcome, outcome, `${what}: ${JSON.stringify(last)}`);
  }

  test('a task\'s outcome is recorded as a tool_result with its real status, bound to its tool_call', async (t) => {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, channelsServer(ws), 'strict');
    await s.list();
    const good = await stream(s.client, { name: 'task_report', arguments: { text: 'all good' } }, 'task that completes');
    const goodCreated = good.find((m) => m.type === 'taskCreated');
    assert.ok(goodCreated, `no taskCreated: ${JSON.stringify(good)}`);
    const goodResult = good.at(-1);
    assert.equal(goodResult.type, 'result', JSON.stringify(good));
    assert.equal(goodResult.result.content[0].text, 'report: all good');
    const goodCallId = s.sent.filter((m) => m.method === 'tools/call').at(-1).id;

    const bad = await stream(s.client, { name: 'task_report', arguments: { text: 'broken', fail: true } }, 'task that fails');
    const badCreated = bad.find((m) => m.type === 'taskCreated');
    assert.ok(badCreated, `no taskCreated: ${JSON.stringify(bad)}`);
    assert.equal(bad.at(-1).type, 'error', JSON.stringify(bad));
    const badCallId = s.sent.filter((m) => m.method === 'tools/call').at(-1).id;
    // The SDK stops at status "failed"; fetch the failed task's result as a client would.
    const badResult = await withHangGuard(s.client.experimental.tasks.getTaskResult(badCreated.task.taskId, CallToolResultSchema), 'tasks/result of the failed task');
    assert.equal(badResult.isError, true);
    await s.close();

    const entries = auditEntries(ws);
    for (const [what, callId, taskId, outcome] of [
      ['completed task', goodCallId, goodCreated.task.taskId, 'ok'],
      ['failed task', badCallId, badCreated.task.taskId, 'is_error'],
    ]) {
      const call = entryFor(entries, 'tool_call', callId, what);
      assert.equal(call.decision, 'allow', JSON.stringify(call));
      assertTaskOutcome(entries, { what, taskId, call, after: 'tasks/result', outcome });
      const polls = entries.filter((e) => e.kind === 'request' && e.payload?.method === 'tasks/get' && e.tool === taskId);
      assert.ok(polls.length >= 1, `${what}: no tasks/get request entry for ${taskId}`);
    }
    assertAuditVerifies(ws);
  });

  test('a denied task-augmented call reaches callToolStream as an error carrying the reason', async (t) => {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, channelsServer(ws), 'strict');
    await s.list();
    const messages = await stream(s.client, { name: 'read_text', arguments: { path: ws.keyPath } }, 'denied task call');
    assert.ok(!messages.some((m) => m.type === 'taskCreated'), `a task was created: ${JSON.stringify(messages)}`);
    const last = messages.at(-1);
    assert.equal(last?.type, 'error', JSON.stringify(messages));
    assertBlocked(last.error, 'denied task call');
    assert.match(errorText(last.error), /private key or credential/, 'the reason is lost');
    assert.equal(last.error.data?.['mcp-warden']?.action, 'deny', `no denial details: ${JSON.stringify(last.error.data)}`);
    const callId = s.sent.filter((m) => m.method === 'tools/call').at(-1).id;
    await s.close();
    const entries = auditEntries(ws);
    const call = entryFor(entries, 'tool_call', callId, 'denied task call');
    assert.equal(call.decision, 'deny');
    assertLogHoldsNoKey(entries);
  });

  test('a cancelled task gets an outcome entry: tasks/cancel recorded, the task\'s tool_result says cancelled', async (t) => {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, channelsServer(ws), 'strict');
    await s.list();
    const created = await withHangGuard(s.client.request({
      method: 'tools/call', params: { name: 'task_report', arguments: { text: 'slow', delay_ms: 60_000 }, task: { ttl: 120_000 } },
    }, CreateTaskResultSchema), 'task-augmented tools/call');
    const taskId = created.task.taskId;
    const callId = lastSent(s, 'tools/call').id;
    const cancelled = await withHangGuard(s.client.experimental.tasks.cancelTask(taskId), 'tasks/cancel');
    assert.equal(cancelled.status, 'cancelled', JSON.stringify(cancelled));
    const cancelId = lastSent(s, 'tasks/cancel').id;
    await s.close();
    const entries = auditEntries(ws);
    const cancel = assertAllowedRecorded(entries, 'tasks/cancel', cancelId, 'tasks/cancel');
    assert.equal(cancel.tool, taskId, `the subject of tasks/cancel is the task id: ${JSON.stringify(cancel)}`);
    const call = entryFor(entries, 'tool_call', callId, 'cancelled task');
    assertTaskOutcome(entries, { what: 'cancelled task', taskId, call, after: 'tasks/cancel', outcome: 'cancelled' });
  });

  test('tasks/get of a task this client never created is refused and recorded', async (t) => {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, channelsServer(ws), 'strict');
    const attempt = await attemptBlocked(s, 'tasks/get of an unknown task', 'tasks/get',
      () => s.client.experimental.tasks.getTask('0123456789abcdef0123456789abcdef'));
    await s.close();
    assertDenialRecorded(auditEntries(ws), attempt);
  });
});

describe('reference servers still work through the governed path', () => {
  test('server-everything: resources, prompts, completions, sampling and roots pass under moderate and are recorded', async (t) => {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, everythingServer(), 'moderate');
    // server-everything asks for the roots on its own 350 ms after the handshake: no call in flight.
    await waitUntil(() => s.seen.some((x) => x.method === 'roots/list'), 'server-everything to ask for the roots');
    const uri = 'demo://resource/dynamic/text/1';
    const read = await withHangGuard(s.client.readResource({ uri }), `resources/read ${uri}`);
    assert.equal(read.contents[0].uri, uri);
    const readId = lastSent(s, 'resources/read').id;
    const prompt = await withHangGuard(s.client.getPrompt({ name: 'simple-prompt' }), 'prompts/get simple-prompt');
    assert.ok(prompt.messages.length > 0);
    const promptId = lastSent(s, 'prompts/get').id;
    const completion = await withHangGuard(s.client.complete({
      ref: { type: 'ref/resource', uri: 'demo://resource/dynamic/text/{resourceId}' }, argument: { name: 'resourceId', value: '1' },
    }), 'completion/complete resourceId');
    assert.ok(Array.isArray(completion.completion.values));
    const completeId = lastSent(s, 'completion/complete').id;
    const tools = (await s.list()).map((tool) => tool.name);
    assert.ok(tools.includes('trigger-sampling-request'), `no sampling tool: ${tools}`);
    const sampled = await s.call('trigger-sampling-request', { prompt: 'hello' });
    assertAllowed(sampled, 'trigger-sampling-request');
    assert.ok(s.seen.some((x) => x.method === 'sampling/createMessage'), 'the sampling request never reached the client');
    const rooted = await s.call('get-roots-list', {});
    assertAllowed(rooted, 'get-roots-list');
    await s.close();
    const entries = auditEntries(ws);
    assertAllowedRecorded(entries, 'resources/read', readId, 'resources/read demo');
    assertAllowedRecorded(entries, 'prompts/get', promptId, 'prompts/get simple-prompt');
    assertAllowedRecorded(entries, 'completion/complete', completeId, 'completion/complete demo');
    const serverRequests = entries.filter((e) => e.kind === 'request' && e.payload?.direction === 'server_to_client');
    const sampling = serverRequests.filter((e) => e.payload.method === 'sampling/createMessage');
    assert.equal(sampling.length, 1, JSON.stringify(serverRequests));
    assert.equal(sampling[0].payload.solicited, true, JSON.stringify(sampling[0]));
    const roots = serverRequests.filter((e) => e.payload.method === 'roots/list');
    assert.equal(roots.length, 1, JSON.stringify(serverRequests));
    assert.equal(roots[0].payload.solicited, false, `server-everything's own roots/list is unsolicited: ${JSON.stringify(roots[0])}`);
    assertAuditVerifies(ws);
  });

  test('server-filesystem under strict: reads pass, the key stays out of reach', async (t) => {
    const ws = channelsWorkspace(t);
    const s = await governed(t, ws, filesystemServer(ws.dir), 'strict');
    const texts = assertAllowed(await s.call('read_text_file', { path: ws.notesPath }), 'read notes');
    assert.equal(texts[0], NOTES_TEXT);
    const denied = await s.call('read_text_file', { path: ws.keyPath });
    assertDenied(denied, 'read the key');
    assert.ok(!JSON.stringify(denied).includes(KEY_MARK));
    await s.close();
    assertLogHoldsNoKey(auditEntries(ws));
  });
});

describe('bad input from the server', () => {
  test('a server request whose id collides with a pending one is refused and recorded; the client sees only the first', async (t) => {
    const ws = channelsWorkspace(t);
    const server = [process.execPath, path.join(FIXTURES_DIR, 'line-server.mjs')];
    const s = rawGoverned(t, ws, [...governedArgs(ws, 'moderate'), ...server]);
    await s.initialize('init', { sampling: {} });
    const sampling = (text) => Buffer.from(JSON.stringify({
      jsonrpc: '2.0', id: 7, method: 'sampling/createMessage',
      params: { messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens: 5 },
    })).toString('base64');
    // The line server writes each `emit` payload as its own line: two requests with id 7.
    s.send(toolCall('c1', 'emit', { b64: sampling('first') }));
    await s.waitFor((m) => m.method === 'sampling/createMessage', 'the first sampling request');
    s.send(toolCall('c2', 'emit', { b64: sampling('second') }));
    // The server answers c3 after writing the colliding line, so mcp-warden has judged it by then.
    await s.request('c3', 'tools/call', { name: 'digest', arguments: { data: 'x' } });
    const asked = s.messages.filter((m) => m.message.method === 'sampling/createMessage');
    assert.equal(asked.length, 1, `the client got ${asked.length} sampling requests`);
    assert.equal(asked[0].message.params.messages[0].content.text, 'first');
    await s.close();
    const requests = auditEntries(ws).filter((e) => e.kind === 'request' && e.payload?.method === 'sampling/createMessage');
    assert.equal(requests.length, 2, `expected both sampling requests recorded: ${JSON.stringify(requests)}`);
    assert.notEqual(requests[0].decision, 'deny', JSON.stringify(requests[0]));
    assert.equal(requests[1].decision, 'deny', `the colliding request is not recorded as refused: ${JSON.stringify(requests[1])}`);
    assert.ok(requests.every((e) => e.payload.direction === 'server_to_client' && e.payload.solicited === true), JSON.stringify(requests));
  });
});
