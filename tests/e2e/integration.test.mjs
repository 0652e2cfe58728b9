// init-integration end to end: the real binary wraps a Claude Desktop config
// whose entry runs the official filesystem server; the wrapped entry is then
// started exactly as a client would (command + args + env from the file) with
// the SDK's Client over StdioClientTransport, and tools are called through it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { FILESYSTEM_JS, tempDir, wardenBin, withHangGuard } from './lib/harness.mjs';

/** Runs `mcp-warden init-integration ...args` (no shell); returns status and output. */
function initIntegration(...args) {
  const run = spawnSync(wardenBin(), ['init-integration', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A Claude Desktop config in `dir` with the filesystem server over `root`, a remote server and settings. */
function writeConfig(dir, root) {
  const config = {
    globalShortcut: 'Ctrl+Space',
    mcpServers: {
      'local files': {
        command: process.execPath,
        args: [FILESYSTEM_JS, root],
        env: { MCP_WARDEN_HOME: path.join(dir, 'warden-home') },
      },
      remote: { url: 'https://mcp.example.invalid/mcp' },
    },
  };
  const file = path.join(dir, 'claude_desktop_config.json');
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** Connects the SDK client to `entry` as Claude Desktop would: its env on top of the default one. */
async function connectEntry(t, entry) {
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: { ...getDefaultEnvironment(), ...entry.env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'init-integration-e2e', version: '0.0.0' });
  t.after(() => client.close());
  await withHangGuard(client.connect(transport), 'connecting to the wrapped entry');
  return client;
}

function setup(t) {
  const dir = tempDir(t, 'mcp-warden-integration-');
  const root = path.join(dir, 'files');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'hello.txt'), 'hello from the governed side\n');
  const file = writeConfig(dir, root);
  return { dir, root, file, original: fs.readFileSync(file, 'utf8') };
}

describe('init-integration --claude', () => {
  test('wraps the stdio entry, keeps the rest, and reports entry by entry', (t) => {
    const { file, original } = setup(t);
    const run = initIntegration('--claude', '--config-path', file);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /wrapped +"local files"/);
    assert.match(run.stdout, /left alone +"remote"/);
    assert.match(run.stdout, /Restart Claude Desktop/);
    const before = JSON.parse(original);
    const after = JSON.parse(fs.readFileSync(file, 'utf8'));
    const entry = after.mcpServers['local files'];
    assert.equal(entry.command, fs.realpathSync(wardenBin()));
    assert.deepEqual(entry.args, ['proxy', '--policy', 'strict', '--server-name', 'local files', '--',
      process.execPath, ...before.mcpServers['local files'].args]);
    assert.deepEqual(entry.env, before.mcpServers['local files'].env);
    assert.deepEqual(after.mcpServers.remote, before.mcpServers.remote);
    assert.equal(after.globalShortcut, before.globalShortcut);
  });

  test('a second run leaves the file byte-identical; undo restores the original bytes', (t) => {
    const { dir, file, original } = setup(t);
    assert.equal(initIntegration('--claude', '--config-path', file).status, 0);
    const wrapped = fs.readFileSync(file, 'utf8');
    const again = initIntegration('--claude', '--config-path', file);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /already wrapped/);
    assert.equal(fs.readFileSync(file, 'utf8'), wrapped);
    const undo = initIntegration('--claude', '--config-path', file, '--undo');
    assert.equal(undo.status, 0, undo.stdout + undo.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), original);
    const backups = fs.readdirSync(dir).filter((name) => name.endsWith('.mcp-warden.bak'));
    assert.equal(backups.length, 2, `backups: ${backups}`);
  });

  test('--dry-run prints a unified diff and writes nothing', (t) => {
    const { file, original } = setup(t);
    const run = initIntegration('--claude', '--config-path', file, '--dry-run');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^--- .*claude_desktop_config\.json$/m);
    assert.match(run.stdout, /^\+ +"proxy",$/m);
    assert.equal(fs.readFileSync(file, 'utf8'), original);
  });

  test('an invalid file is refused with its line and column and left untouched', (t) => {
    const dir = tempDir(t, 'mcp-warden-integration-');
    const file = path.join(dir, 'broken.json');
    const text = '{\n  "mcpServers": {\n    "a": {"command": "x"},\n  }\n}\n';
    fs.writeFileSync(file, text);
    const run = initIntegration('--claude', '--config-path', file);
    assert.equal(run.status, 1);
    assert.ok(run.stdout.includes(`${file}:3:26: a trailing comma; Claude Desktop reads plain JSON`), run.stdout);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
  });

  test('the wrapped entry, started as a client would, serves tools through mcp-warden', async (t) => {
    const { dir, root, file } = setup(t);
    assert.equal(initIntegration('--claude', '--config-path', file).status, 0);
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')).mcpServers['local files'];
    const client = await connectEntry(t, entry);
    const read = await withHangGuard(
      client.callTool({ name: 'read_text_file', arguments: { path: path.join(root, 'hello.txt') } }), 'read_text_file');
    assert.notEqual(read.isError, true, JSON.stringify(read));
    assert.equal(read.content[0].text, 'hello from the governed side\n');
    const listing = await withHangGuard(
      client.callTool({ name: 'list_directory', arguments: { path: root } }), 'list_directory');
    assert.notEqual(listing.isError, true, JSON.stringify(listing));
    assert.match(listing.content[0].text, /\[FILE\] hello\.txt/);
    // The calls went through the proxy: it audited them under the entry's MCP_WARDEN_HOME.
    assert.ok(fs.existsSync(path.join(dir, 'warden-home', 'warden.db')), 'no audit database from the proxy');
  });
});
