// Issue 3 end to end: the policy engine in front of the official filesystem server, driven by the
// official SDK client (and, for bypass attempts the SDK would never send, by raw JSON lines).
// Each test has its own workspace: a served root with notes.txt, .env, .ssh/id_rsa and sub/,
// its own --db and its own MCP_WARDEN_HOME.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { FILESYSTEM_JS, filesystemServer, withHangGuard, recordPath } from './lib/harness.mjs';
import {
  ENV_TEXT, FOOTER, KEY_TEXT, NOTES_TEXT, WRITE_TOOLS, assertAllowed, assertAuditVerifies, assertDenied, auditEntries,
  directClient, governedArgs, governedClient, rawGoverned, recordedCalls, recordingServer, runWarden, snapshot, toolCall,
  warden, workspace,
} from './lib/governance.mjs';

const SECRET_TEXTS = [KEY_TEXT.split('\n')[1], ENV_TEXT.trim(), 'IdentityFile'];

/** Asserts no text of `result` leaks the key or the .env content. */
function assertNoLeak(result, what) {
  const all = JSON.stringify(result);
  for (const secret of SECRET_TEXTS) assert.ok(!all.includes(secret), `${what} leaked ${secret}`);
}

/** The tool_call audit entry with `seq`. */
function entryAt(entries, seq) {
  const entry = entries.find((e) => e.seq === seq);
  assert.ok(entry, `no audit entry #${seq}`);
  return entry;
}

describe('strict (the default preset) on the filesystem server', () => {
  test('reads are allowed and equal a direct call apart from the footer, which names the audit entry', async (t) => {
    const ws = workspace(t);
    const direct = await directClient(t, filesystemServer(ws.root));
    const governed = await governedClient(t, ws, filesystemServer(ws.root), 'strict');
    const calls = [
      ['read_text_file', { path: path.join(ws.root, 'notes.txt') }],
      ['list_directory', { path: ws.root }],
      ['list_directory', { path: path.join(ws.root, 'sub') }],
      ['read_multiple_files', { paths: [path.join(ws.root, 'notes.txt')] }],
      ['directory_tree', { path: path.join(ws.root, 'sub') }],
    ];
    const footers = [];
    for (const [name, args] of calls) {
      const want = await direct.call(name, args);
      assert.notEqual(want.isError, true, `direct ${name} failed: ${JSON.stringify(want)}`);
      const got = await governed.call(name, args);
      assertAllowed(got, name);
      const footer = got.content.at(-1);
      assert.equal(footer.type, 'text');
      const m = FOOTER.exec(footer.text);
      assert.ok(m, `${name}: last content item is not the footer: ${JSON.stringify(footer)}`);
      assert.equal(m[1], 'strict');
      footers.push({ name, seq: Number(m[4]) });
      assert.deepEqual(got.content.slice(0, -1), want.content, `${name}: content differs from a direct call`);
      assert.deepEqual(got.structuredContent, want.structuredContent, `${name}: structuredContent differs`);
    }
    // A tool error from the server is relayed as it is: no footer on error results.
    const missing = { path: path.join(ws.root, 'missing.txt') };
    const wantError = await direct.call('read_text_file', missing);
    assert.equal(wantError.isError, true);
    assert.deepEqual(await governed.call('read_text_file', missing), wantError);
    await governed.close();
    const entries = auditEntries(ws);
    for (const { name, seq } of footers) {
      const entry = entryAt(entries, seq);
      assert.equal(entry.kind, 'tool_call', `footer of ${name} names #${seq}, a ${entry.kind}`);
      assert.equal(entry.tool, name);
      assert.equal(entry.decision, 'allow');
    }
    assertAuditVerifies(ws);
  });

  test('writes, edits, directory creation and moves are denied naming strict; nothing changes on disk', async (t) => {
    const ws = workspace(t);
    const before = snapshot(ws.root);
    const s = await governedClient(t, ws, filesystemServer(ws.root), 'strict');
    const attempts = {
      write_file: { path: path.join(ws.root, 'new.txt'), content: 'written through mcp-warden' },
      edit_file: { path: path.join(ws.root, 'notes.txt'), edits: [{ oldText: 'meeting', newText: 'MEETING' }] },
      create_directory: { path: path.join(ws.root, 'sub', 'newdir') },
      move_file: { source: path.join(ws.root, 'notes.txt'), destination: path.join(ws.root, 'sub', 'moved.txt') },
    };
    const denied = {};
    for (const [name, args] of Object.entries(attempts)) {
      const result = await s.call(name, args);
      const meta = assertDenied(result, name);
      assert.equal(meta.policy, 'strict', JSON.stringify(meta));
      assert.equal(meta.credential_denial, false);
      assert.equal(typeof meta.rule, 'string');
      assert.match(result.content[0].text, /strict/, `${name}: reason does not name strict`);
      assert.match(result.content[0].text, new RegExp(name), `${name}: reason does not name the tool`);
      assert.ok(Number.isInteger(meta.audit_seq), JSON.stringify(meta));
      denied[name] = meta.audit_seq;
    }
    await s.close();
    assert.deepEqual(snapshot(ws.root), before, 'the file system changed although every call was denied');
    const entries = auditEntries(ws);
    for (const [name, seq] of Object.entries(denied)) {
      const entry = entryAt(entries, seq);
      assert.equal(entry.kind, 'tool_call');
      assert.equal(entry.tool, name);
      assert.equal(entry.decision, 'deny');
      const results = entries.filter((e) => e.kind === 'tool_result' && e.request_id === entry.request_id);
      assert.deepEqual(results, [], `${name} has a tool_result: the server saw the call`);
    }
    assertAuditVerifies(ws);
  });

  test('a private key or .env is denied however the path is spelled, also inside an array argument', async (t) => {
    const ws = workspace(t);
    const r = ws.root;
    // Innocent names that are symlinks to the secrets (the server follows links inside its root).
    fs.symlinkSync(path.join(r, '.ssh', 'id_rsa'), path.join(r, 'sub', 'readme.txt'));
    fs.symlinkSync(path.join(r, '.env'), path.join(r, 'config.txt'));
    fs.writeFileSync(path.join(r, '.ssh', 'config'), 'Host *\n  IdentityFile ~/.ssh/id_rsa\n');
    fs.symlinkSync(path.join(r, '.ssh'), path.join(r, 'sub', 'settings'), 'dir');
    // The server runs in mcp-warden's working directory: `root`, so relative paths resolve there.
    const s = await governedClient(t, ws, filesystemServer(ws.root), 'strict', [], { cwd: r });
    const notes = path.join(r, 'notes.txt');
    // Controls first (later credential denials lower trust until even reads are refused).
    assert.equal(assertAllowed(await s.call('read_text_file', { path: notes }), 'notes')[0], NOTES_TEXT);
    assertAllowed(await s.call('read_multiple_files', { paths: [notes] }), 'array of notes only');
    assert.equal(assertAllowed(await s.call('read_text_file', { path: 'notes.txt' }), 'relative notes')[0], NOTES_TEXT,
      'the server does not resolve relative paths against its working directory');
    const attempts = [
      ['read_text_file', { path: `${r}/.ssh/id_rsa` }],
      ['read_text_file', { path: `${r}/sub/../.ssh/id_rsa` }],
      ['read_text_file', { path: `${r}//.ssh//id_rsa` }],
      ['read_text_file', { path: `${r}/./.ssh/./id_rsa` }],
      ['read_file', { path: `${r}/sub/./..//.ssh/id_rsa` }],
      ['read_multiple_files', { paths: [notes, `${r}/.ssh/id_rsa`] }],
      ['read_multiple_files', { paths: [notes, `${r}/sub/../.ssh/id_rsa`] }],
      ['read_text_file', { path: `${r}/.env` }],
      ['read_text_file', { path: `${r}/sub/../.env` }],
      ['read_multiple_files', { paths: [`${r}//.env`, notes] }],
      ['read_text_file', { path: `${r}/sub/readme.txt` }],
      ['read_multiple_files', { paths: [notes, `${r}/config.txt`] }],
      ['read_text_file', { path: `${r}/sub/settings/config` }], // a directory link into .ssh
      ['read_text_file', { path: 'config.txt' }], // relative, a link to .env
      ['read_text_file', { path: 'sub/settings/config' }], // relative, through the directory link
      ['get_file_info', { path: 'sub/readme.txt' }], // relative, a link to the key
    ];
    for (const [name, args] of attempts) {
      const what = `${name} ${JSON.stringify(args)}`;
      const result = await s.call(name, args);
      const meta = assertDenied(result, what);
      assert.equal(meta.rule, 'secret-paths', `${what}: ${JSON.stringify(meta)}`);
      assert.equal(meta.credential_denial, true, what);
      assert.equal(meta.policy, 'strict');
      assertNoLeak(result, what);
    }
    await s.close();
    const callsSeen = auditEntries(ws).filter((e) => e.kind === 'tool_call');
    assert.equal(callsSeen.filter((e) => e.decision === 'deny').length, attempts.length);
    assertAuditVerifies(ws);
  });

  test('tools/list hides exactly the four writing tools; --show-denied-tools keeps them', async (t) => {
    const ws = workspace(t);
    const direct = await (await directClient(t, filesystemServer(ws.root))).list();
    const hidden = await governedClient(t, ws, filesystemServer(ws.root), 'strict');
    const filtered = await hidden.list();
    await hidden.close();
    const shown = await governedClient(t, ws, filesystemServer(ws.root), 'strict', ['--show-denied-tools']);
    const full = await shown.list();
    await shown.close();
    const names = (tools) => tools.map((tool) => tool.name).sort();
    for (const name of WRITE_TOOLS) assert.ok(names(direct).includes(name), `the server no longer offers ${name}`);
    assert.deepEqual(names(filtered), names(direct).filter((n) => !WRITE_TOOLS.includes(n)));
    assert.deepEqual(filtered, direct.filter((tool) => !WRITE_TOOLS.includes(tool.name)),
      'the tools strict keeps are not relayed unchanged');
    assert.deepEqual(full, direct, '--show-denied-tools does not relay the list unchanged');
  });
});

describe('moderate and permissive', () => {
  test('moderate forwards a write (marked as a warning) but still denies the key and .env', async (t) => {
    const ws = workspace(t);
    const s = await governedClient(t, ws, filesystemServer(ws.root), 'moderate');
    const target = path.join(ws.root, 'sub', 'written.txt');
    const write = await s.call('write_file', { path: target, content: 'moderate allows this' });
    assertAllowed(write, 'write_file');
    assert.equal(fs.readFileSync(target, 'utf8'), 'moderate allows this');
    assert.ok(write._meta?.['mcp-warden'], `the warned call is not marked: ${JSON.stringify(write)}`);
    assert.match(JSON.stringify(write._meta['mcp-warden']), /warn/);
    for (const p of [`${ws.root}/.ssh/id_rsa`, `${ws.root}/sub/../.ssh/id_rsa`, `${ws.root}/.env`]) {
      const result = await s.call('read_text_file', { path: p });
      const meta = assertDenied(result, p);
      assert.equal(meta.rule, 'secret-paths');
      assert.equal(meta.policy, 'moderate');
      assertNoLeak(result, p);
    }
    // Arguments that would write into or next to secrets, nested in objects and arrays too.
    const before = snapshot(ws.root);
    const writes = [
      ['move_file', { source: path.join(ws.root, 'notes.txt'), destination: `${ws.root}/.ssh/authorized_keys` }],
      ['write_file', { path: `${ws.root}/sub/../.env.local`, content: 'X=1' }],
      ['edit_file', { path: path.join(ws.root, 'notes.txt'), edits: [{ oldText: 'meeting', newText: `${ws.root}/.ssh/id_rsa` }] }],
    ];
    for (const [name, args] of writes) {
      const meta = assertDenied(await s.call(name, args), `${name} ${JSON.stringify(args)}`);
      assert.equal(meta.rule, 'secret-paths', `${name}: ${JSON.stringify(meta)}`);
    }
    assert.deepEqual(snapshot(ws.root), before, 'a denied call changed the file system');
    await s.close();
    const writeEntry = auditEntries(ws).find((e) => e.kind === 'tool_call' && e.tool === 'write_file');
    assert.equal(writeEntry.decision, 'warn');
    assertAuditVerifies(ws);
  });

  test('permissive forwards the write and the key read; the audit record carries strict\'s shadow deny', async (t) => {
    const ws = workspace(t);
    const s = await governedClient(t, ws, filesystemServer(ws.root), 'permissive');
    const target = path.join(ws.root, 'permissive.txt');
    assertAllowed(await s.call('write_file', { path: target, content: 'observed' }), 'write_file');
    assert.equal(fs.readFileSync(target, 'utf8'), 'observed');
    const key = await s.call('read_text_file', { path: path.join(ws.root, '.ssh', 'id_rsa') });
    assert.equal(assertAllowed(key, 'key read')[0], KEY_TEXT, 'permissive did not forward the key read');
    assertAllowed(await s.call('read_text_file', { path: path.join(ws.root, 'notes.txt') }), 'notes');
    await s.close();
    const calls = auditEntries(ws).filter((e) => e.kind === 'tool_call');
    assert.equal(calls.length, 3);
    const byTool = (tool, p) => calls.find((e) => e.tool === tool && e.payload.arguments.path === p);
    const expectations = [
      [byTool('write_file', target), 'deny', 'default'],
      [byTool('read_text_file', path.join(ws.root, '.ssh', 'id_rsa')), 'deny', 'secret-paths'],
      [byTool('read_text_file', path.join(ws.root, 'notes.txt')), 'allow', 'read-only-tools'],
    ];
    for (const [entry, action, rule] of expectations) {
      assert.ok(entry, `missing tool_call entry in ${JSON.stringify(calls)}`);
      assert.equal(entry.decision, 'log', `${entry.tool}: permissive should log`);
      const shadow = entry.payload.decision?.shadow;
      assert.ok(shadow, `${entry.tool}: no shadow decision in ${JSON.stringify(entry.payload)}`);
      assert.equal(shadow.policy, 'strict');
      assert.equal(shadow.action, action, `${entry.tool}: ${JSON.stringify(shadow)}`);
      assert.equal(shadow.rule, rule, `${entry.tool}: ${JSON.stringify(shadow)}`);
    }
    assertAuditVerifies(ws);
  });
});

describe('custom policy files', () => {
  test('a YAML file extending strict with one extra deny rule adds that rule and keeps strict\'s', async (t) => {
    const ws = workspace(t);
    const file = path.join(ws.dir, 'team.yaml');
    fs.writeFileSync(file, [
      'version: 1',
      'name: team-policy',
      'extends: strict',
      'rules:',
      '  - name: no-listing-here',
      '    match:',
      '      tool: list_directory',
      `      args: [{path: /path, under: ${JSON.stringify(ws.root)}}]`,
      '    action: deny',
      '    reason: listing this workspace is not allowed here',
      '',
    ].join('\n'));
    const check = warden(ws.home, 'policy', 'check', file);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const s = await governedClient(t, ws, filesystemServer(ws.root), file);
    for (const p of [ws.root, path.join(ws.root, 'sub')]) {
      const result = await s.call('list_directory', { path: p });
      const meta = assertDenied(result, `list_directory ${p}`);
      assert.equal(meta.policy, 'team-policy');
      assert.equal(meta.rule, 'no-listing-here');
      assert.match(result.content[0].text, /listing this workspace is not allowed here/);
    }
    // Strict's rules still apply: reads allowed, writes and secrets denied.
    assert.equal(assertAllowed(await s.call('read_text_file', { path: path.join(ws.root, 'notes.txt') }), 'read')[0],
      NOTES_TEXT);
    assertAllowed(await s.call('list_directory_with_sizes', { path: ws.root }), 'list_directory_with_sizes');
    const write = assertDenied(await s.call('write_file', { path: path.join(ws.root, 'x.txt'), content: 'x' }), 'write');
    assert.equal(write.rule, 'default');
    assert.equal(fs.existsSync(path.join(ws.root, 'x.txt')), false);
    assert.equal(assertDenied(await s.call('read_text_file', { path: `${ws.root}/.ssh/id_rsa` }), 'key').rule,
      'secret-paths');
    const names = (await s.list()).map((tool) => tool.name);
    assert.ok(names.includes('list_directory'), 'a rule with argument conditions must not hide the tool');
    assert.ok(!names.includes('write_file'));
    await s.close();
  });

  test('a broken policy file stops the proxy at start with file and line on stderr; the server never runs', async (t) => {
    const ws = workspace(t);
    const marker = path.join(ws.dir, 'server-ran');
    const server = [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`];
    const cases = {
      'unknown-action.yaml': [['version: 1', 'name: broken', 'extends: strict', 'rules:', '  - name: oops',
        '    match: {tool: list_directory}', '    action: forbid', ''].join('\n'), 7],
      'bad-yaml.yaml': [['version: 1', 'name: broken', 'rules:', '  - name: oops',
        '    match: {tool: [list_directory', '    action: deny', ''].join('\n'), undefined],
      'bad-regex.yaml': [['version: 1', 'name: broken', 'rules:', '  - name: oops', '    match:',
        '      args: [{path: /path, regex: "(unclosed"}]', '    action: deny', ''].join('\n'), 6],
    };
    for (const [name, [text, line]] of Object.entries(cases)) {
      const file = path.join(ws.dir, name);
      fs.writeFileSync(file, text);
      const run = runWarden(ws, [...governedArgs(ws, file), ...server], { input: '' });
      const { code, signal, stdout, stderr } = await withHangGuard(run.done, `the proxy to exit on ${name}`);
      assert.equal(signal, null, `${name}: ${stderr}`);
      assert.notEqual(code, 0, `${name}: the proxy started with a broken policy`);
      assert.equal(stdout, '', `${name}: the proxy wrote to stdout`);
      const where = line === undefined ? `${file}:\\d+` : `${file}:${line}`;
      assert.match(stderr, new RegExp(where.replace(/[.]/g, '\\.')), `${name}: stderr does not name ${where}`);
      assert.doesNotMatch(stderr, /Sanitizer|runtime error/);
      assert.equal(warden(ws.home, 'policy', 'check', file).status, 1, `policy check accepts ${name}`);
    }
    assert.equal(fs.existsSync(marker), false, 'the server was started despite a broken policy');
  });
});

describe('bypass attempts with raw JSON lines', () => {
  test('escaped names, duplicate keys and batches do not get past; a call before tools/list is judged', async (t) => {
    const ws = workspace(t);
    const s = rawGoverned(t, ws, [...governedArgs(ws, 'strict'), process.execPath, FILESYSTEM_JS, ws.root]);
    await s.initialize();
    const notes = path.join(ws.root, 'notes.txt');
    const q = JSON.stringify;

    // 1. The very first call, before any tools/list: mcp-warden lists the tools itself, so the
    //    real annotations (readOnlyHint) decide and strict allows the read.
    const first = await s.request('first', 'tools/call', { name: 'read_text_file', arguments: { path: notes } });
    assert.equal(first.result?.isError, undefined, q(first));
    assert.equal(first.result.content[0].text, NOTES_TEXT);
    assert.match(first.result.content.at(-1).text, FOOTER);

    // 2. An escaped tool name is the tool it decodes to.
    const escapedFile = path.join(ws.root, 'escaped.txt');
    s.send(`{"jsonrpc":"2.0","id":"escaped","method":"tools/call","params":{"name":"write\\u005ffile","arguments":{"path":${q(escapedFile)},"content":"x"}}}`);
    const escaped = await s.response('escaped');
    assert.equal(escaped.result?.isError, true, q(escaped));
    assert.equal(escaped.result._meta['mcp-warden'].action, 'deny');
    assert.match(escaped.result.content[0].text, /write_file/);
    // ... and so is an escaped method name.
    s.send(`{"jsonrpc":"2.0","id":"escaped-method","method":"tools\\/call","params":{"name":"write_file","arguments":{"path":${q(escapedFile)},"content":"x"}}}`);
    const escapedMethod = await s.response('escaped-method');
    assert.equal(escapedMethod.result?.isError, true, q(escapedMethod));

    // 3. Duplicate keys are refused outright (-32700), whichever comes first, escaped or not.
    const dupFile = path.join(ws.root, 'duplicate.txt');
    const dupArgs = `"arguments":{"path":${q(dupFile)},"content":"x"}`;
    const duplicates = [
      `{"jsonrpc":"2.0","id":"dup-1","method":"tools/call","params":{"name":"read_text_file","name":"write_file",${dupArgs}}}`,
      `{"jsonrpc":"2.0","id":"dup-2","method":"tools/call","params":{"name":"write_file","name":"read_text_file",${dupArgs}}}`,
      `{"jsonrpc":"2.0","id":"dup-3","method":"tools/call","params":{"name":"read_text_file","n\\u0061me":"write_file",${dupArgs}}}`,
      `{"jsonrpc":"2.0","id":"dup-4","method":"tools/call","params":{"name":"read_text_file","arguments":{"path":${q(notes)}},"arguments":{"path":${q(`${ws.root}/.ssh/id_rsa`)}}}}`,
    ];
    const duplicateErrors = () => s.messages.map((m) => m.message)
      .filter((m) => !Array.isArray(m) && m.error !== undefined && (m.id === null || String(m.id).startsWith('dup-')));
    for (const [i, line] of duplicates.entries()) {
      s.send(line);
      await s.waitFor(() => duplicateErrors().length > i, `the error reply to duplicate-key line ${i + 1}`);
      const error = duplicateErrors()[i];
      assert.equal(error.error.code, -32700, `line ${i + 1}: ${q(error)}`);
    }

    // 4. A batch containing a tools/call is not relayed: error replies, nothing written.
    const batchFile = path.join(ws.root, 'batch.txt');
    s.send(q([toolCall('batch-1', 'write_file', { path: batchFile, content: 'x' }),
      toolCall('batch-2', 'read_text_file', { path: notes })]));
    const batch = await s.waitFor((m) => Array.isArray(m), 'the reply to the batch');
    const write = batch.find((m) => m.id === 'batch-1');
    assert.ok(write, `no reply for the batched write: ${q(batch)}`);
    assert.ok(write.error !== undefined || write.result?.isError === true, `the batched write was run: ${q(write)}`);
    // A batch whose write hides behind a harmless first element.
    s.send(q([{ jsonrpc: '2.0', id: 'batch-3', method: 'ping' },
      toolCall('batch-4', 'write_file', { path: batchFile, content: 'x' })]));
    const batch2 = await s.waitFor((m) => Array.isArray(m) && m.some((e) => e.id === 'batch-4'), 'the second batch');
    const write2 = batch2.find((m) => m.id === 'batch-4');
    assert.ok(write2.error !== undefined || write2.result?.isError === true, `the batched write was run: ${q(write2)}`);

    // The server answers in order: once this read is answered, anything forwarded before it ran.
    const last = await s.request('last', 'tools/call', { name: 'read_text_file', arguments: { path: notes } });
    assert.equal(last.result.content[0].text, NOTES_TEXT);
    for (const file of [escapedFile, dupFile, batchFile]) {
      assert.equal(fs.existsSync(file), false, `${path.basename(file)} was written: a bypass got through`);
    }
    const results = s.messages.map((m) => m.message).filter((m) => !Array.isArray(m));
    for (const id of ['dup-1', 'dup-2', 'dup-3', 'dup-4']) {
      assert.ok(!results.some((m) => m.id === id && m.result !== undefined), `${id} got a result: it was forwarded`);
    }
    assert.ok(!s.messages.some((m) => /mcp-warden:/.test(JSON.stringify(m.message.id ?? ''))),
      'mcp-warden\'s own tools/list reached the client');
    await s.close();
    const entries = auditEntries(ws);
    const firstCall = entries.find((e) => e.kind === 'tool_call' && e.request_id === '"first"');
    assert.equal(firstCall.decision, 'allow');
    assert.equal(firstCall.payload.decision.rule, 'read-only-tools', 'the first call was not judged by its annotations');
    const catalog = entries.find((e) => e.kind === 'catalog');
    assert.ok(catalog && catalog.seq < firstCall.seq, 'the catalog was not known before the first call was judged');
    assertAuditVerifies(ws);
  });

  test('a tools/call sent as a notification (no id) does not reach the server unjudged', async (t) => {
    const ws = workspace(t);
    const record = recordPath(ws.dir, 'received.jsonl');
    const server = recordingServer(record);
    const s = rawGoverned(t, ws, [...governedArgs(ws, 'strict'), server.command, ...server.args]);
    await s.initialize();
    // `store` is denied by strict; `echo` is allowed, but only with a decision entry.
    s.notify('tools/call', { name: 'store', arguments: { via: 'notification' } });
    s.notify('tools/call', { name: 'echo', arguments: { via: 'notification' } });
    const sentinel = await s.request('sentinel', 'tools/call', { name: 'echo', arguments: { via: 'request' } });
    assert.equal(sentinel.result?.content?.[0]?.text, '{"via":"request"}', JSON.stringify(sentinel));
    await s.close();
    const received = recordedCalls(record);
    assert.ok(!received.some((c) => c.name === 'store'),
      `strict's denied tool ran: the server received ${JSON.stringify(received)}`);
    const decided = auditEntries(ws).filter((e) => e.kind === 'tool_call');
    for (const call of received) {
      assert.ok(decided.some((e) => e.tool === call.name && isDeepStrictEqual(e.payload.arguments, call.arguments)),
        `${JSON.stringify(call)} reached the server without a decision in the audit log`);
    }
  });
});
