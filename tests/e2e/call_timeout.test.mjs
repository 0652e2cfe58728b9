// Issue 5's "a timeout … (fall)" end to end: a real mcp-warden with --call-timeout-ms in front of
// a server whose `hang` tool never answers. The official SDK client gets a -32001 error instead of
// waiting forever, the outcome is in the audit log, and the server's trust falls by the documented
// call_timed_out weight (docs/trust.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixtureServer } from './lib/harness.mjs';
import { assertAuditVerifies, auditEntries, governedClient, trustHistory, trustOf, workspace } from './lib/governance.mjs';

const TIMEOUT_PENALTY = 15;

describe('a tools/call the server never answers', () => {
  test('is answered with -32001 after --call-timeout-ms, recorded, and costs trust', async (t) => {
    const ws = workspace(t, 'mcp-warden-timeout-');
    const args = ['--server-name', 'hanger', '--call-timeout-ms', '300'];
    const session = await governedClient(t, ws, fixtureServer(), 'permissive', args);
    const before = trustOf(ws, 'hanger').score;
    const started = Date.now();
    await assert.rejects(session.call('hang', {}), (error) => {
      assert.equal(error.code, -32001, String(error));
      assert.match(error.message, /did not answer tools\/call hang within 300 ms/);
      return true;
    });
    assert.ok(Date.now() - started >= 250, 'answered before the timeout');
    // The session goes on: another call still works.
    const digest = await session.call('digest', { data: 'still here' });
    assert.equal(JSON.parse(digest.content[0].text).bytes, 10);
    await session.close();

    const timedOut = trustHistory(ws, 'hanger').find((e) => e.event === 'call_timed_out');
    assert.ok(timedOut, 'a call_timed_out trust event');
    assert.equal(timedOut.tool, 'hang');
    assert.ok(trustOf(ws, 'hanger').score <= before - TIMEOUT_PENALTY + 5, 'the score fell');
    const outcome = auditEntries(ws).find((e) => e.kind === 'tool_result' && e.tool === 'hang');
    assert.ok(outcome, 'a tool_result entry for the hung call');
    assert.equal(outcome.payload.outcome, 'timeout', JSON.stringify(outcome));
    assertAuditVerifies(ws);
  });
});
