// Asking the person about a server's *answer* (a response rule with `action: ask`), and the end of
// a killed proxy's session grants. The official SDK client (with or without an elicitation
// handler) talks to the real filesystem server through a real mcp-warden process; the receipts
// are in a real SQLite audit chain and `audit verify` covers them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { filesystemServer, withHangGuard } from './lib/harness.mjs';
import {
  assertAllowed, assertAuditVerifies, assertDenied, auditEntries, governedClient, warden, workspace,
} from './lib/governance.mjs';

const ELICITS = { elicitation: { form: {} } };
const ONCE = { action: 'accept', content: { decision: 'once' } };
const SESSION = { action: 'accept', content: { decision: 'session' } };
const DECLINE = { action: 'decline' };
const MAIL = 'bob@example.com';

/** A policy that asks before writes and about answers of read_text_file that hold an e-mail address. */
function policyFile(ws, { fallback } = {}) {
  const file = path.join(ws.dir, 'answers.yaml');
  fs.writeFileSync(file, [
    'version: 1',
    'name: answers',
    'default: allow',
    'rules:',
    '  - name: ask-writes',
    '    match: {tool: [write_file]}',
    '    action: ask',
    'responses:',
    '  - name: ask-personal-data',
    '    match: {tool: [read_text_file], content: [email]}',
    '    action: ask',
    '    reason: the file holds personal data',
    ...(fallback ? [`    fallback: ${fallback}`] : []),
    '',
  ].join('\n'));
  return file;
}

function person(answers) {
  const asked = [];
  const handler = async (request) => {
    asked.push(request.params);
    return typeof answers === 'function' ? answers(request) : answers;
  };
  return { asked, handler: [ElicitRequestSchema, handler] };
}

async function client(t, ws, who, { extra = [], fallback } = {}) {
  const people = path.join(ws.root, 'people.txt');
  fs.writeFileSync(people, `Contact: ${MAIL}\n`);
  const s = await governedClient(t, ws, filesystemServer(ws.root), policyFile(ws, { fallback }), extra,
    { capabilities: who ? ELICITS : {}, requestHandlers: who ? [who.handler] : [] });
  return { s, people };
}

const receipts = (ws, kind) => auditEntries(ws).filter((e) => e.kind === kind);
const resultOutcome = (ws) => auditEntries(ws).filter((e) => e.kind === 'tool_result').at(-1);

describe('asking about an answer (responses: action: ask)', () => {
  test('accept → the answer is delivered, the question showed kinds and counts, never the value', async (t) => {
    const ws = workspace(t, 'mcp-warden-askres-accept-');
    const who = person(ONCE);
    const { s, people } = await client(t, ws, who);
    const result = await s.call('read_text_file', { path: people });
    assertAllowed(result, 'delivered after the person allowed it');
    assert.match(result.content[0].text, new RegExp(MAIL));
    assert.equal(who.asked.length, 1);
    assert.match(who.asked[0].message, /read_text_file/);
    assert.match(who.asked[0].message, /\d+ email/);
    assert.match(who.asked[0].message, /ask-personal-data/);
    assert.doesNotMatch(JSON.stringify(who.asked[0]), new RegExp(MAIL), 'the question never shows the value');
    await s.close();
    const [question] = receipts(ws, 'approval_request');
    const [answer] = receipts(ws, 'approval');
    assert.equal(question.payload.about, 'result');
    assert.equal(answer.payload.about, 'result');
    assert.equal(answer.payload.answer, 'allow_once');
    assert.equal(answer.payload.question_seq, question.seq);
    assert.equal(resultOutcome(ws).payload.content.answer, 'allow_once');
    assertAuditVerifies(ws);
  });

  test('decline → withheld: an isError result that says why, the value never reaches the client', async (t) => {
    const ws = workspace(t, 'mcp-warden-askres-decline-');
    const who = person(DECLINE);
    const { s, people } = await client(t, ws, who);
    const result = await s.call('read_text_file', { path: people });
    assertDenied(result, 'withheld after decline');
    assert.match(result.content[0].text, /declined/);
    assert.match(result.content[0].text, /withheld/);
    assert.doesNotMatch(JSON.stringify(result), new RegExp(MAIL));
    await s.close();
    assert.equal(receipts(ws, 'approval')[0].payload.answer, 'decline');
    assert.equal(resultOutcome(ws).payload.content.withheld, true);
    assertAuditVerifies(ws);
  });

  test('no answer within --ask-timeout → withheld, other calls flow meanwhile', async (t) => {
    const ws = workspace(t, 'mcp-warden-askres-timeout-');
    const who = person(() => new Promise(() => {}));
    const { s, people } = await client(t, ws, who, { extra: ['--ask-timeout', '1'] });
    const held = s.call('read_text_file', { path: people });
    await withHangGuard((async () => { while (who.asked.length === 0) await new Promise((r) => setTimeout(r, 20)); })(),
      'the question');
    const listed = await s.call('list_directory', { path: ws.root });
    assertAllowed(listed, 'a call while an answer is held');
    const result = await held;
    assertDenied(result, 'withheld after the timeout');
    assert.match(result.content[0].text, /nobody answered within 1 s/);
    assert.doesNotMatch(JSON.stringify(result), new RegExp(MAIL));
    await s.close();
    assert.equal(receipts(ws, 'approval')[0].payload.answer, 'timeout');
    assertAuditVerifies(ws);
  });

  test('a client without elicitation: the rule\'s fallback (redact) applies', async (t) => {
    const ws = workspace(t, 'mcp-warden-askres-fallback-');
    const { s, people } = await client(t, ws, null, { fallback: 'redact' });
    const result = await s.call('read_text_file', { path: people });
    assertAllowed(result, 'delivered redacted');
    assert.doesNotMatch(JSON.stringify(result), new RegExp(MAIL));
    assert.match(result.content[0].text, /\[REDACTED:email\]/);
    await s.close();
    const [fallback] = receipts(ws, 'approval');
    assert.equal(fallback.payload.how, 'fallback');
    assert.equal(fallback.payload.answer, 'redact');
    assertAuditVerifies(ws);
  });

  test('a client without elicitation, no fallback: withheld with a grant code; the identical retry gets it once', async (t) => {
    const ws = workspace(t, 'mcp-warden-askres-grant-');
    const { s, people } = await client(t, ws, null);
    const first = await s.call('read_text_file', { path: people });
    assertDenied(first, 'withheld, a code offered');
    assert.doesNotMatch(JSON.stringify(first), new RegExp(MAIL));
    const match = first.content[0].text.match(/`mcp-warden grant --db (\S+) ([0-9A-Z]{5}-[0-9A-Z]{5})`/);
    assert.ok(match, first.content[0].text);
    assert.equal(warden(ws.home, 'grant', match[2], '--db', ws.db).status, 0);
    const again = await s.call('read_text_file', { path: people });
    assertAllowed(again, 'the identical retried call');
    assert.match(again.content[0].text, new RegExp(MAIL));
    const third = await s.call('read_text_file', { path: people });
    assertDenied(third, 'the code is used up');
    await s.close();
    const answers = receipts(ws, 'approval').map((e) => `${e.payload.how}:${e.payload.answer}`);
    assert.deepEqual(answers, ['cli:granted', 'grant_code:redeemed']);
    assertAuditVerifies(ws);
  });
});

describe('session grants of a proxy killed by SIGKILL', () => {
  test('are listed as ended, and a new proxy asks again', async (t) => {
    const ws = workspace(t, 'mcp-warden-askres-kill-');
    const who = person(SESSION);
    const { s } = await client(t, ws, who);
    const target = path.join(ws.root, 'a.txt');
    assertAllowed(await s.call('write_file', { path: target, content: 'a' }), 'allowed for the session');
    const proxy = s.client.transport._process;
    const listed = JSON.parse(warden(ws.home, 'approvals', 'list', '--json', '--db', ws.db).stdout);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].scope, 'session');
    assert.equal(listed[0].proxy_pid, proxy.pid);
    proxy.kill('SIGKILL');
    const status = await withHangGuard(s.exited, 'mcp-warden to die');
    assert.equal(status.signal, 'SIGKILL');
    const after = JSON.parse(warden(ws.home, 'approvals', 'list', '--json', '--db', ws.db).stdout);
    assert.equal(after.length, 0, 'a dead proxy\'s session grant is not in force');
    const all = JSON.parse(warden(ws.home, 'approvals', 'list', '--all', '--json', '--db', ws.db).stdout);
    assert.equal(all.find((g) => g.scope === 'session').state, 'ended');

    const again = person(DECLINE);
    const next = await governedClient(t, ws, filesystemServer(ws.root), policyFile(ws), [],
      { capabilities: ELICITS, requestHandlers: [again.handler] });
    assertDenied(await next.call('write_file', { path: target, content: 'b' }), 'asked again, declined');
    assert.equal(again.asked.length, 1, 'the new proxy asks');
    assert.equal(fs.readFileSync(target, 'utf8'), 'a');
    await next.close();
    assertAuditVerifies(ws);
  });
});
