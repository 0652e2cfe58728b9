// Issue 18 end to end: what a server runs is attested at every spawn and pinned on first use; an
// upgraded package whose tools changed is ONE review item that `mcp-warden trust review SERVER
// --approve` settles in one step, after which the calls pass in the running session and the
// score the upgrade took is back; `pin: strict` holds every tool until then; a changed
// executable is detected and shown. The "upgrade" is a real copy of server-filesystem with a
// bumped version (and, where the test needs it, a changed tool description), run by node
// through a real mcp-warden with the official SDK client and a real SQLite file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { E2E_DIR, FIXTURES_DIR, recordPath } from './lib/harness.mjs';
import {
  FOOTER, NOTES_TEXT, assertAllowed, assertAuditVerifies, assertDenied, governedClient, recordingServer,
  trustHistory, trustOf, warden, workspace,
} from './lib/governance.mjs';

const PACKAGE = '@modelcontextprotocol/server-filesystem';
const MODULES = path.join(E2E_DIR, 'node_modules');
const INSTALLED = JSON.parse(fs.readFileSync(path.join(MODULES, PACKAGE, 'package.json'), 'utf8')).version;
// docs/trust.md: the weight of an attestation change (a new version) and of a catalog change.
const ATTESTATION_CHANGE = 50;
const CATALOG_CHANGE = 250;
const OLD_TEXT = 'Read the complete contents of a file from the file system as text. ';
const NEW_TEXT = 'Read the complete contents of a file from the file system as UTF-8 text. ';

/**
 * An install of server-filesystem at `version` under ws.dir/pkgs/<version>/node_modules, as npm
 * leaves one (a hidden lockfile with its integrity); its dependencies are links to the e2e
 * install. `edit` rewrites read_text_file's description, as a new release might.
 */
function installCopy(ws, version, { edit = false } = {}) {
  const modules = path.join(ws.dir, 'pkgs', version, 'node_modules');
  const scope = path.join(modules, '@modelcontextprotocol');
  fs.mkdirSync(scope, { recursive: true });
  for (const entry of fs.readdirSync(MODULES)) {
    if (entry === '@modelcontextprotocol' || entry.startsWith('.')) continue;
    fs.symlinkSync(path.join(MODULES, entry), path.join(modules, entry));
  }
  for (const entry of fs.readdirSync(path.join(MODULES, '@modelcontextprotocol'))) {
    if (entry === 'server-filesystem') continue;
    fs.symlinkSync(path.join(MODULES, '@modelcontextprotocol', entry), path.join(scope, entry));
  }
  const dir = path.join(scope, 'server-filesystem');
  fs.cpSync(path.join(MODULES, PACKAGE), dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  manifest.version = version;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(modules, '.package-lock.json'), JSON.stringify({
    packages: { [`node_modules/${PACKAGE}`]: { version, integrity: `sha512-simulated-${version}` } },
  }));
  if (edit) {
    const index = path.join(dir, 'dist', 'index.js');
    const code = fs.readFileSync(index, 'utf8');
    assert.ok(code.includes(OLD_TEXT), 'the description to edit is not in this server-filesystem');
    fs.writeFileSync(index, code.replace(OLD_TEXT, NEW_TEXT));
  }
  return { command: process.execPath, args: [path.join(dir, 'dist', 'index.js'), ws.root] };
}

const name = ['--server-name', 'files'];

/** A policy extending strict with a servers: entry for `files`. */
function policyWith(ws, file, entry) {
  const p = path.join(ws.dir, file);
  fs.writeFileSync(p, `version: 1\nname: ${file.replace(/\.yaml$/, '')}\nextends: strict\nservers:\n  files: ${entry}\n`);
  return p;
}

describe('one review for an upgrade', () => {
  test('an upgraded package with changed tools is one review item, approved with one command, after which the calls pass', async (t) => {
    const ws = workspace(t, 'mcp-warden-upgrade-');
    const notes = { path: path.join(ws.root, 'notes.txt') };

    const first = await governedClient(t, ws, installCopy(ws, INSTALLED), 'strict', name);
    assert.equal(assertAllowed(await first.call('read_text_file', notes), 'read before the upgrade')[0], NOTES_TEXT);
    await first.close();
    const pinned = trustOf(ws, 'files');
    assert.equal(pinned.identity?.kind, 'npm', JSON.stringify(pinned));
    assert.equal(pinned.identity.package, PACKAGE);
    assert.equal(pinned.identity.version, INSTALLED);
    assert.equal(pinned.identity.integrity, `sha512-simulated-${INSTALLED}`);
    assert.equal(pinned.review, 0);

    // The upgrade: a new version whose read_text_file description changed.
    const second = await governedClient(t, ws, installCopy(ws, '2099.1.1', { edit: true }), 'strict', name);
    const listed = (await second.list()).find((tool) => tool.name === 'read_text_file');
    assert.ok(listed.description.includes(NEW_TEXT), 'the upgraded server is not the one running');
    const blocked = await second.call('read_text_file', notes);
    assertDenied(blocked, 'the changed tool before the review');
    assert.match(blocked.content[0].text, /mcp-warden trust review files/);
    assertAllowed(await second.call('list_directory', { path: ws.root }), 'an unchanged tool (pin: record)');

    const upgraded = trustOf(ws, 'files');
    assert.equal(upgraded.identity.version, '2099.1.1', 'trust show does not show the new version');
    assert.notEqual(upgraded.review, 0, 'no review item was opened');
    // The upgrade costs the attestation change only (the allowed list_directory may add a point or two).
    const drop = pinned.score - upgraded.score;
    assert.ok(drop >= ATTESTATION_CHANGE - 3 && drop <= ATTESTATION_CHANGE, `the score fell by ${drop}`);
    const history = trustHistory(ws, 'files');
    const changed = history.filter((e) => e.event === 'catalog_changed');
    assert.deepEqual(changed.map((e) => [e.tool, e.delta]), [['read_text_file', 0]], JSON.stringify(history));
    const attested = history.find((e) => e.event === 'attestation_changed');
    assert.equal(attested.delta, -ATTESTATION_CHANGE);
    assert.match(attested.reason, new RegExp(`${INSTALLED}.*→.*2099\\.1\\.1`));

    // The review: old vs new definitions as a diff, then approved in one step.
    const shown = warden(ws.home, 'trust', 'review', 'files', '--db', ws.db);
    assert.equal(shown.status, 0, shown.stdout + shown.stderr);
    assert.match(shown.stdout, /upgrade review #\d+/);
    assert.match(shown.stdout, new RegExp(`was: npm ${PACKAGE} ${INSTALLED}`));
    assert.match(shown.stdout, /now: npm .* 2099\.1\.1/);
    assert.ok(shown.stdout.includes(`-  "description": "${OLD_TEXT}`), shown.stdout);
    assert.ok(shown.stdout.includes(`+  "description": "${NEW_TEXT}`), shown.stdout);
    const approve = warden(ws.home, 'trust', 'review', 'files', '--approve', '--db', ws.db);
    assert.equal(approve.status, 0, approve.stdout + approve.stderr);
    assert.match(approve.stdout, /approved 1 tool\(s\) and closed the upgrade review/);
    assert.match(approve.stdout, /calls are allowed again/);

    // In the session that is still running: the call passes, with the score given back.
    const after = await second.call('read_text_file', notes);
    assert.equal(assertAllowed(after, 'the changed tool after the review')[0], NOTES_TEXT);
    const footer = FOOTER.exec(after.content.at(-1).text);
    assert.ok(Number(footer[2]) >= pinned.score, `footer ${footer[2]} < ${pinned.score}: the score was not given back`);
    await second.close();
    const settled = trustOf(ws, 'files');
    assert.equal(settled.review, 0);
    assert.ok(settled.score >= pinned.score);
    assert.equal(trustHistory(ws, 'files').filter((e) => e.delta === -CATALOG_CHANGE).length, 0);
    assertAuditVerifies(ws);
  });

  test('pin: strict holds every tool of an upgraded server until the review', async (t) => {
    const ws = workspace(t, 'mcp-warden-pin-strict-');
    const policy = policyWith(ws, 'pinned.yaml', '{pin: strict}');
    const first = await governedClient(t, ws, installCopy(ws, INSTALLED), policy, name);
    assertAllowed(await first.call('list_directory', { path: ws.root }), 'before the upgrade');
    await first.close();

    const second = await governedClient(t, ws, installCopy(ws, '2099.2.0'), policy, name);
    const held = await second.call('list_directory', { path: ws.root });
    assertDenied(held, 'an unchanged tool of a held server');
    assert.match(held.content[0].text, /pin: strict/);
    assert.match(held.content[0].text, /mcp-warden trust review files/);
    assert.equal(trustOf(ws, 'files').held, true);
    const approve = warden(ws.home, 'trust', 'review', 'files', '--approve', '--db', ws.db);
    assert.equal(approve.status, 0, approve.stdout + approve.stderr);
    assertAllowed(await second.call('list_directory', { path: ws.root }), 'after the review');
    await second.close();
    assert.equal(trustOf(ws, 'files').held, false);
    assertAuditVerifies(ws);
  });
});

describe('attestation at spawn', () => {
  test('a changed executable is detected at spawn, costs the documented amount and is shown by trust show', async (t) => {
    const ws = workspace(t, 'mcp-warden-attest-');
    // A server outside any npm package: the script is what is pinned.
    const bin = path.join(ws.dir, 'bin');
    fs.mkdirSync(bin);
    for (const file of ['recording-server.mjs', 'stdio-server.mjs']) fs.copyFileSync(path.join(FIXTURES_DIR, file), path.join(bin, file));
    const server = recordingServer(recordPath(ws.dir, 'received.jsonl'));
    server.args[0] = path.join(bin, 'recording-server.mjs');
    const args = ['--server-name', 'rec'];

    const first = await governedClient(t, ws, server, 'strict', args);
    assertAllowed(await first.call('echo', { n: 1 }), 'echo');
    await first.close();
    const before = trustOf(ws, 'rec');
    assert.equal(before.identity.kind, 'executable');
    assert.equal(before.identity.script, fs.realpathSync(server.args[0]));
    assert.match(before.identity.script_sha256, /^[0-9a-f]{64}$/);
    assert.equal(before.identity.executable, fs.realpathSync(process.execPath));

    fs.appendFileSync(server.args[0], '\n// rebuilt\n');
    const second = await governedClient(t, ws, server, 'strict', args);
    assertAllowed(await second.call('echo', { n: 2 }), 'echo after the change (pin: record)');
    await second.close();
    assert.match(second.stderr.text, /what runs changed/);
    const after = trustOf(ws, 'rec');
    assert.notEqual(after.identity.script_sha256, before.identity.script_sha256);
    assert.ok(after.score <= before.score - ATTESTATION_CHANGE + 5, `${after.score} vs ${before.score}`);
    const event = trustHistory(ws, 'rec').find((e) => e.event === 'attestation_changed');
    assert.ok(event, 'no attestation_changed event');
    assert.equal(event.delta, -ATTESTATION_CHANGE);
    assert.ok(event.reason.includes(before.identity.script_sha256.slice(0, 12)), event.reason);
    const table = warden(ws.home, 'trust', 'show', '--db', ws.db);
    assert.match(table.stdout, /pinned: executable .*running .*recording-server\.mjs/);
    assertAuditVerifies(ws);
  });
});
