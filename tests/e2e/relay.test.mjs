// The transparent relay, seen by the official SDK client: every scenario runs once straight
// against the reference server and once through `mcp-warden proxy`, and the two runs must
// give equal results. Expected values come from the direct run, never from this file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema,
  LoggingMessageNotificationSchema, ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  connectSdkClient, everythingServer, filesystemServer, fixtureServer, inBothModes, tempDir,
  waitUntil, withHangGuard,
} from './lib/harness.mjs';

/** Connects in `mode`, runs `body(session)`, checks the client saw no garbled message. */
async function withSession(t, mode, server, body, options) {
  const session = await connectSdkClient(t, mode, server, options);
  let result;
  try {
    result = await body(session);
  } catch (error) {
    error.message = `${mode}: ${error.message}\n--- stderr tail ---\n${session.stderr.text}`;
    throw error;
  }
  const unexpected = session.errors.filter((e) => !(options?.toleratedErrors ?? /^$/).test(String(e)));
  assert.deepEqual(unexpected.map(String), [], `${mode}: client errors; stderr tail:\n${session.stderr.text}`);
  await session.client.close();
  return result;
}

/** Runs `body` against server-everything in both modes and asserts equal results. */
async function assertRelayEqual(t, body, options) {
  const results = await inBothModes((mode) => withSession(t, mode, everythingServer(), body, options));
  assert.deepEqual(results.proxied, results.direct);
  return results.direct;
}

const echo = (client, message) => client.callTool({ name: 'echo', arguments: { message } });

describe('relay of server-everything matches a direct connection', () => {
  const allCapabilities = { sampling: {}, roots: { listChanged: true }, elicitation: {} };

  test('initialize result (server info, capabilities, instructions)', async (t) => {
    await assertRelayEqual(t, async ({ client }) => ({
      version: client.getServerVersion(),
      capabilities: client.getServerCapabilities(),
      instructions: client.getInstructions(),
    }));
  });

  test('tools/list, including tools registered for client capabilities', async (t) => {
    const listed = await assertRelayEqual(t, ({ client }) => client.listTools(),
      { capabilities: allCapabilities, requestHandlers: [[ListRootsRequestSchema, () => ({ roots: [] })]] });
    const names = listed.tools.map((tool) => tool.name);
    assert.ok(names.includes('trigger-sampling-request'), `conditional tools missing: ${names}`);
  });

  test('tools/list_changed notifications sent after initialization arrive', async (t) => {
    const counts = await assertRelayEqual(t, async ({ client }) => {
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed += 1; });
      // The server sends them while handling notifications/initialized, so they precede this reply.
      await client.listTools();
      return changed;
    }, { capabilities: allCapabilities, requestHandlers: [[ListRootsRequestSchema, () => ({ roots: [] })]] });
    assert.ok(counts > 0, 'server-everything announced no list change at all');
  });

  test('echo of non-ASCII text: emoji, CJK, RTL, combining marks, separators, escapes', async (t) => {
    const samples = [
      '👩‍👩‍👧‍👦 🚀 🏳️‍🌈 \u{1F9D1}\u{1F3FD}\u200D\u{1F4BB}',
      '漢字 かな カナ 한국어 中文測試',
      'שלום עולם — مرحبا بالعالم \u202Eoverride\u202C',
      'e\u0301 a\u0308 Z\u0324\u0354\u0367\u0311 n\u0303',
      'line\u2028separator\u2029paragraph \u0000 nul \t tab \n newline "quote" \\ backslash',
      '\uFEFF BOM, \uFFFD replacement, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    ];
    const results = await assertRelayEqual(t, async ({ client }) => {
      const out = [];
      for (const message of samples) out.push(await echo(client, message));
      return out;
    });
    results.forEach((result, i) => assert.ok(result.content[0].text.endsWith(samples[i])));
  });

  test('a 3 MiB argument is echoed whole', async (t) => {
    const chunk = 'mcp-warden 3MiB payload ✓ ünïcödé 漢字 🚀 ';
    const message = chunk.repeat(Math.ceil((3 * 1024 * 1024) / Buffer.byteLength(chunk)));
    assert.ok(Buffer.byteLength(message) >= 3 * 1024 * 1024);
    const result = await assertRelayEqual(t, ({ client }) => echo(client, message));
    assert.ok(result.content[0].text.endsWith(message), 'the echo lost part of the payload');
  });

  test('get-sum with integers at the edge of double precision and fractions', async (t) => {
    await assertRelayEqual(t, async ({ client }) => Promise.all([
      client.callTool({ name: 'get-sum', arguments: { a: 9007199254740991, b: 2 } }),
      client.callTool({ name: 'get-sum', arguments: { a: 0.1, b: 0.2 } }),
      client.callTool({ name: 'get-sum', arguments: { a: -1e308, b: 5e-324 } }),
    ]));
  });

  test('get-sum with a wrong argument type returns the server\'s own error', async (t) => {
    const result = await assertRelayEqual(t, ({ client }) =>
      client.callTool({ name: 'get-sum', arguments: { a: 'one', b: 2 } }));
    assert.equal(result.isError, true);
  });

  test('structuredContent of get-structured-content', async (t) => {
    const results = await assertRelayEqual(t, async ({ client }) => Promise.all(
      ['New York', 'Chicago', 'Los Angeles'].map((location) =>
        client.callTool({ name: 'get-structured-content', arguments: { location } }))));
    for (const result of results) assert.equal(typeof result.structuredContent, 'object');
  });

  test('progress notifications of trigger-long-running-operation arrive in order', async (t) => {
    const steps = 5;
    const run = await assertRelayEqual(t, async ({ client, received }) => {
      const result = await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 0.5, steps } },
        undefined, { onprogress: () => {} });
      const progress = received.filter((m) => m.method === 'notifications/progress').map((m) => m.params);
      return { progress, result };
    }, { toleratedErrors: /progress notification for an unknown token/ });
    assert.deepEqual(run.progress.map((p) => p.progress), Array.from({ length: steps }, (_, i) => i + 1));
  });

  test('sampling/createMessage from the server is answered by the client', async (t) => {
    const run = await assertRelayEqual(t, async ({ client }) => {
      const requests = [];
      client.setRequestHandler(CreateMessageRequestSchema, (request) => {
        requests.push(request.params);
        const asked = request.params.messages[0].content.text;
        return { model: 'e2e-model', role: 'assistant', stopReason: 'endTurn',
          content: { type: 'text', text: `answer to «${asked}» 🤖` } };
      });
      const result = await client.callTool({ name: 'trigger-sampling-request',
        arguments: { prompt: 'Say hi in Hebrew: שלום', maxTokens: 17 } });
      return { requests, result };
    }, { capabilities: { sampling: {} } });
    assert.equal(run.requests.length, 1);
    assert.ok(run.result.content[0].text.includes('e2e-model'));
  });

  test('elicitation/create from the server is answered by the client', async (t) => {
    const run = await assertRelayEqual(t, async ({ client }) => {
      const requests = [];
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        requests.push(request.params);
        return { action: 'accept', content: { name: 'Zoë Ōkami 🙂', check: true, integer: 7 } };
      });
      const result = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      return { requests, result };
    }, { capabilities: { elicitation: {} } });
    assert.equal(run.requests.length, 1);
    assert.ok(JSON.stringify(run.result).includes('Zoë Ōkami'));
  });

  test('roots/list from the server, roots list_changed from the client, logging back', async (t) => {
    const run = await assertRelayEqual(t, async ({ client }) => {
      const versions = [[{ uri: 'file:///srv/first', name: 'first' }],
        [{ uri: 'file:///srv/second', name: 'zweite Wurzel ü' }, { uri: 'file:///srv/third' }]];
      let version = 0;
      const logs = [];
      const served = []; // which version each roots/list got, and how many logs had arrived then
      client.setRequestHandler(ListRootsRequestSchema, () => {
        served.push({ version, logsSoFar: logs.length });
        return { roots: versions[version] };
      });
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
      const before = await client.callTool({ name: 'get-roots-list', arguments: {} });
      version = 1;
      await client.sendRootsListChanged();
      // The server re-lists the roots, stores them, then logs: after that log it knows version 1.
      await waitUntil(() => served.some((s) => s.version === 1 && logs.length > s.logsSoFar),
        'roots/list and a log message after roots list_changed');
      const after = await client.callTool({ name: 'get-roots-list', arguments: {} });
      return { before, after, lastLog: logs.at(-1) };
    }, { capabilities: { roots: { listChanged: true } } });
    assert.ok(run.after.content[0].text.includes('zweite Wurzel ü'));
  });

  test('logging: setLevel and simulated log messages reach the client', async (t) => {
    const levels = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
    const run = await inBothModes((mode) => withSession(t, mode, everythingServer(), async ({ client }) => {
      const logs = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
      const setLevel = await client.setLoggingLevel('debug');
      const started = await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      await waitUntil(() => logs.length > 0, 'a simulated log message');
      const stopped = await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      return { setLevel, started, stopped, first: logs[0] };
    }));
    assert.deepEqual(
      { ...run.proxied, first: undefined }, { ...run.direct, first: undefined });
    for (const mode of ['direct', 'proxied']) {
      assert.ok(levels.includes(run[mode].first.level), `${mode}: ${JSON.stringify(run[mode].first)}`);
      assert.match(run[mode].first.data, /message/i);
    }
  });

  test('50 concurrent calls are each answered with their own result', async (t) => {
    const results = await assertRelayEqual(t, async ({ client }) => Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0
        ? echo(client, `concurrent #${i} ${'ж'.repeat(i * 37)}`)
        : client.callTool({ name: 'get-sum', arguments: { a: i, b: i * 1000 } })))));
    results.forEach((result, i) => {
      assert.ok(result.content[0].text.includes(i % 2 === 0 ? `#${i} ` : `${i * 1000}`), `call ${i} got another's reply`);
    });
  });

  test('server→client sampling requests interleaved with client→server calls', async (t) => {
    const run = await assertRelayEqual(t, async ({ client }) => {
      let sampled = 0;
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        sampled += 1;
        await new Promise((r) => setImmediate(r)); // answer after more client calls went out
        return { model: 'm', role: 'assistant', content: { type: 'text', text: request.params.messages[0].content.text } };
      });
      const calls = Array.from({ length: 30 }, (_, i) => (i % 3 === 0
        ? client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: `prompt ${i}` } })
        : echo(client, `interleaved ${i}`)));
      return { results: await Promise.all(calls), sampled };
    }, { capabilities: { sampling: {} } });
    assert.equal(run.sampled, 10);
    run.results.forEach((result, i) => assert.ok(result.content[0].text.includes(i % 3 === 0 ? `prompt ${i}` : `interleaved ${i}`)));
  });

  test('cancelling a long-running call rejects it and the session keeps working', async (t) => {
    const unknownResponse = /unknown message ID/;
    const run = await assertRelayEqual(t, async ({ client, errors }) => {
      const controller = new AbortController();
      let firstProgress;
      const started = new Promise((resolve) => { firstProgress = resolve; });
      const cancelled = client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 1.5, steps: 5 } },
        undefined, { signal: controller.signal, onprogress: () => firstProgress() });
      await withHangGuard(started, 'first progress notification'); // the server is working on it
      controller.abort('user gave up');
      const outcome = await cancelled.then(() => 'resolved', (e) => `rejected: ${e.message ?? e}`);
      // Same duration, started later: had the server not seen notifications/cancelled, the
      // cancelled call's response would arrive before this one's.
      const next = await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 1.5, steps: 1 } });
      const sum = await client.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } });
      return { outcome, next, sum, lateResponses: errors.filter((e) => unknownResponse.test(String(e))).length };
    }, { toleratedErrors: /unknown token/ });
    assert.match(run.outcome, /^rejected/);
    assert.equal(run.lateResponses, 0);
  });

  test('the server sees the environment the client gave it (get-env)', async (t) => {
    process.env.MCP_WARDEN_E2E_MARKER = 'ünïcödé = value; with spaces';
    t.after(() => delete process.env.MCP_WARDEN_E2E_MARKER);
    const env = await assertRelayEqual(t, async ({ client }) =>
      JSON.parse((await client.callTool({ name: 'get-env', arguments: {} })).content[0].text));
    assert.equal(env.MCP_WARDEN_E2E_MARKER, process.env.MCP_WARDEN_E2E_MARKER);
  });

  test('ping from the client', async (t) => {
    const pong = await assertRelayEqual(t, ({ client }) => client.ping());
    assert.deepEqual(pong, {});
  });
});

describe('server→client ping through a fixture server', () => {
  test('the client answers a server ping whose id collides with a client id', async (t) => {
    const results = await inBothModes((mode) => withSession(t, mode, fixtureServer(), async ({ client }) => {
      const first = await client.callTool({ name: 'ping-client', arguments: {} });
      const pong = await client.ping();
      return { first, pong };
    }));
    assert.deepEqual(results.proxied, results.direct);
    assert.deepEqual(JSON.parse(results.direct.first.content[0].text).result, {});
  });
});

describe('relay of server-filesystem matches a direct connection', () => {
  function makeTree(t) {
    const root = fs.realpathSync(tempDir(t, 'mcp-warden-fs-'));
    fs.mkdirSync(path.join(root, 'sub dir'));
    fs.writeFileSync(path.join(root, 'hello.txt'), 'Hello, world!\nSecond line ✓\n');
    fs.writeFileSync(path.join(root, 'ünïcödé 漢字.md'), '# Überschrift\n\nשלום 👋\n');
    fs.writeFileSync(path.join(root, 'sub dir', 'nested.json'), '{"a": [1, 2, 3]}\n');
    fs.writeFileSync(path.join(root, 'empty.txt'), '');
    return root;
  }

  test('tools/list, list_directory, read_text_file, directory_tree, a denied path', async (t) => {
    const root = makeTree(t);
    const results = await inBothModes((mode) => withSession(t, mode, filesystemServer(root), async ({ client }) => {
      const call = (name, args) => client.callTool({ name, arguments: args });
      return {
        tools: await client.listTools(),
        list: await call('list_directory', { path: root }),
        read: await call('read_text_file', { path: path.join(root, 'ünïcödé 漢字.md') }),
        head: await call('read_text_file', { path: path.join(root, 'hello.txt'), head: 1 }),
        empty: await call('read_text_file', { path: path.join(root, 'empty.txt') }),
        tree: await call('directory_tree', { path: root }),
        multi: await call('read_multiple_files', { paths: [path.join(root, 'hello.txt'), path.join(root, 'sub dir', 'nested.json')] }),
        denied: await call('read_text_file', { path: '/etc/hostname' }),
        allowed: await call('list_allowed_directories', {}),
      };
    }));
    assert.deepEqual(results.proxied, results.direct);
    assert.ok(results.direct.read.content[0].text.includes('שלום 👋'));
    assert.equal(results.direct.denied.isError, true);
  });
});
