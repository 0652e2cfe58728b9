// Issue 20 end to end: the kernel sandbox (Landlock) under a policy that allows every call at the
// protocol level, so only the kernel stands in the way. A fake HOME (a temp dir) holds .ssh/id_rsa,
// notes.txt and work/; the real filesystem server is allowed the whole fake home, the sandbox lets
// it write only in ~/work (writable_args: false, writable: [~/work]).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { E2E_DIR, FILESYSTEM_JS, FIXTURES_DIR, tempDir, wardenBin, withHangGuard } from './lib/harness.mjs';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nsandbox-test-key\n';

/** A fake home with .ssh/id_rsa, notes.txt and work/, and a policy file allowing every call. */
function fakeHome(t, sandbox = '{writable_args: false, writable: ["~/work"]}') {
  const dir = tempDir(t, 'mcp-warden-sbx-');
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.mkdirSync(path.join(home, 'work'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), KEY, { mode: 0o600 });
  fs.writeFileSync(path.join(home, 'notes.txt'), 'notes\n');
  const policy = path.join(dir, 'open.yaml');
  fs.writeFileSync(policy, `version: 1\nname: open\ndefault: allow\nservers:\n  "*":\n    sandbox: ${sandbox}\n`);
  return { dir, home, policy, db: path.join(dir, 'audit.db') };
}

async function sandboxedClient(t, fx, command, args, { sandbox = 'enforce' } = {}) {
  const transport = new StdioClientTransport({
    command: wardenBin(),
    args: ['proxy', '--policy', fx.policy, '--no-footer', '--db', fx.db, `--sandbox=${sandbox}`, '--', command, ...args],
    env: { ...process.env, HOME: fx.home, npm_config_cache: '', XDG_CACHE_HOME: '' },
    stderr: 'pipe',
    cwd: E2E_DIR,
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'sandbox-e2e', version: '1.0.0' }, { capabilities: {} });
  await withHangGuard(client.connect(transport), `connect (stderr: ${stderr})`);
  t.after(() => client.close());
  const call = (name, args) => withHangGuard(client.callTool({ name, arguments: args }), name);
  return { client, call, stderr: () => stderr };
}

const text = (result) => result.content.map((c) => c.text ?? '').join('\n');

function sessionStart(fx) {
  const run = spawnSync(wardenBin(), ['audit', 'export', '--format', 'jsonl', '--db', fx.db], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const entries = run.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const start = entries.find((e) => e.kind === 'session_start');
  assert.ok(start, 'no session_start entry');
  return typeof start.payload === 'string' ? JSON.parse(start.payload) : start.payload;
}

test('the kernel keeps ~/.ssh unreadable and writes inside ~/work only, while the policy allows everything', async (t) => {
  const fx = fakeHome(t);
  const fsServer = await sandboxedClient(t, fx, process.execPath, [FILESYSTEM_JS, fx.home]);
  const notes = await fsServer.call('read_text_file', { path: path.join(fx.home, 'notes.txt') });
  assert.notEqual(notes.isError, true, text(notes));
  assert.equal(text(notes), 'notes\n');

  const key = await fsServer.call('read_text_file', { path: path.join(fx.home, '.ssh', 'id_rsa') });
  assert.equal(key.isError, true, `the key was read: ${text(key)}`);
  assert.match(text(key), /EACCES|permission denied/i, 'the server\'s own permission error');
  assert.ok(!text(key).includes('sandbox-test-key'));

  const inside = await fsServer.call('write_file', { path: path.join(fx.home, 'work', 'out.txt'), content: 'ok' });
  assert.notEqual(inside.isError, true, text(inside));
  assert.equal(fs.readFileSync(path.join(fx.home, 'work', 'out.txt'), 'utf8'), 'ok');
  const back = await fsServer.call('read_text_file', { path: path.join(fx.home, 'work', 'out.txt') });
  assert.equal(text(back), 'ok');

  const outside = await fsServer.call('write_file', { path: path.join(fx.home, 'outside.txt'), content: 'no' });
  assert.equal(outside.isError, true, 'a write outside ~/work succeeded');
  assert.match(text(outside), /EACCES|permission denied/i);
  assert.ok(!fs.existsSync(path.join(fx.home, 'outside.txt')));
  const planted = await fsServer.call('write_file', { path: path.join(fx.home, '.ssh', 'authorized_keys'), content: 'x' });
  assert.equal(planted.isError, true, 'a key was planted in ~/.ssh');
  assert.ok(!fs.existsSync(path.join(fx.home, '.ssh', 'authorized_keys')));

  await fsServer.client.close();
  const record = sessionStart(fx).sandbox;
  assert.equal(record.mode, 'enforce');
  assert.equal(record.applied, true);
  assert.ok(record.secrets.includes(path.join(fs.realpathSync(fx.home), '.ssh')), JSON.stringify(record.secrets));
});

test('without the sandbox the same read succeeds (the test above can fail)', async (t) => {
  const fx = fakeHome(t);
  const fsServer = await sandboxedClient(t, fx, process.execPath, [FILESYSTEM_JS, fx.home], { sandbox: 'off' });
  const key = await fsServer.call('read_text_file', { path: path.join(fx.home, '.ssh', 'id_rsa') });
  assert.equal(text(key), KEY);
  await fsServer.client.close();
  assert.equal(sessionStart(fx).sandbox.applied, false);
});

test('an npx-started server still starts under enforce (locally installed package, no network)', async (t) => {
  const fx = fakeHome(t);
  const npx = await sandboxedClient(t, fx, 'npx', ['--offline', '--no-install', 'mcp-server-filesystem', fx.home]);
  const { tools } = await withHangGuard(npx.client.listTools(), 'tools/list');
  assert.ok(tools.some((tool) => tool.name === 'read_text_file'), npx.stderr());
  const key = await npx.call('read_text_file', { path: path.join(fx.home, '.ssh', 'id_rsa') });
  assert.equal(key.isError, true, `the key was read through npx: ${text(key)}`);
});

async function listener(t) {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return server.address().port;
}

test('network: deny refuses a TCP connect to a local port; network allowed connects', async (t) => {
  const port = await listener(t);
  const server = path.join(FIXTURES_DIR, 'connect-server.mjs');
  const denied = fakeHome(t, '{network: deny}');
  const offline = await sandboxedClient(t, denied, process.execPath, [server]);
  assert.equal(text(await offline.call('connect', { port })), 'EACCES');
  const allowed = fakeHome(t, '{network: allow}');
  const online = await sandboxedClient(t, allowed, process.execPath, [server]);
  assert.equal(text(await online.call('connect', { port })), 'connected');
});

test('sandbox explain lists the secrets kept out and the writable folder', (t) => {
  const fx = fakeHome(t);
  const run = spawnSync(wardenBin(), ['sandbox', 'explain', '--policy', fx.policy, '--json', '--', 'node', 'x', fx.home],
    { encoding: 'utf8', env: { ...process.env, HOME: fx.home } });
  assert.equal(run.status, 0, run.stderr);
  const plan = JSON.parse(run.stdout);
  const home = fs.realpathSync(fx.home);
  assert.ok(plan.secrets.includes(path.join(home, '.ssh')));
  assert.ok(plan.grants.some((g) => g.path === path.join(home, 'work') && g.access === 'read-write'));
  assert.ok(!plan.grants.some((g) => g.path === home && g.access === 'read-write'), 'writable_args: false');
});
