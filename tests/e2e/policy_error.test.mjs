// A policy that does not load: the proxy answers the client's initialize with an error that
// names the problem (the SDK client reports it), stops the server, and exits non-zero.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EVERYTHING_JS, tempDir, wardenBin, withHangGuard } from './lib/harness.mjs';

for (const [policy, expected] of [['stirct', /stirct/], ['missing-dir/policy.yaml', /policy\.yaml/]]) {
  test(`--policy ${policy}: initialize is answered with the reason`, async (t) => {
    const dir = tempDir(t);
    const transport = new StdioClientTransport({
      command: wardenBin(),
      args: ['proxy', '--policy', policy, '--db', path.join(dir, 'a.db'), '--', process.execPath, EVERYTHING_JS,
        'stdio'],
      env: { ...process.env, MCP_WARDEN_HOME: dir },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => { stderr += chunk; });
    const client = new Client({ name: 'policy-error-e2e', version: '1.0.0' }, { capabilities: {} });
    const exited = new Promise((resolve) => {
      transport.onclose = () => resolve();
    });
    await assert.rejects(withHangGuard(client.connect(transport), 'initialize'), (error) => {
      assert.match(String(error.message), /cannot load the policy/);
      assert.match(String(error.message), expected);
      return true;
    });
    await withHangGuard(exited, 'the proxy to exit');
    assert.match(stderr, /cannot load the policy/);
    await client.close().catch(() => {});
  });
}

test('a policy that does not load: one error line on stdout, exit status 2, no server left', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = tempDir(t);
  const initialize = JSON.stringify({
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const run = spawnSync(wardenBin(), ['proxy', '--policy', 'stirct', '--db', path.join(dir, 'a.db'), '--',
    process.execPath, EVERYTHING_JS, 'stdio'], {
    input: `${initialize}\n`, encoding: 'utf8', timeout: 30_000, env: { ...process.env, MCP_WARDEN_HOME: dir },
  });
  assert.equal(run.status, 2, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, run.stdout);
  const reply = JSON.parse(lines[0]);
  assert.equal(reply.id, 1);
  assert.match(reply.error.message, /cannot load the policy stirct/);
});
