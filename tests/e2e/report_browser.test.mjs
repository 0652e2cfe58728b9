// `mcp-warden report` rendered by a real browser: real sessions through the proxy (the official
// SDK client, the reference filesystem and everything servers, a strict policy that denies
// writes), then the report opened in headless Chromium (Debian's package): it renders with no
// console message at all (the page has no script; a CSP violation or a failed load would log
// one), its figures are `audit stats`'s, and a screenshot is taken (kept in the build dir).
// Skipped, and says so, only when no Chromium is installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EVERYTHING_JS, FILESYSTEM_JS, tempDir, wardenBin } from './lib/harness.mjs';

const BROWSER_TIMEOUT_MS = 120_000;

function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
  }
  return null;
}

/** Runs headless Chromium on `file`; returns its stdout and the console lines it logged. */
function chromium(browser, file, mode, profile) {
  const run = spawnSync(browser, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars',
    `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--window-size=1000,2600',
    ...mode, `file://${file}`,
  ], { encoding: 'utf8', timeout: BROWSER_TIMEOUT_MS, maxBuffer: 64 << 20 });
  assert.equal(run.error, undefined, `chromium did not run: ${run.error}`);
  const consoleLines = run.stderr.split('\n').filter((line) => line.includes(':CONSOLE'));
  return { dom: run.stdout, consoleLines, stderr: run.stderr };
}

async function session(t, dir, serverName, server, calls) {
  const transport = new StdioClientTransport({
    command: wardenBin(),
    args: ['proxy', '--policy', 'strict', '--db', path.join(dir, 'warden.db'), '--server-name', serverName,
      '--', process.execPath, ...server],
    env: { ...process.env, MCP_WARDEN_HOME: dir },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', () => {});
  const client = new Client({ name: 'report-e2e-client', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  for (const [name, args] of calls) await client.callTool({ name, arguments: args });
  await client.close();
}

function figures(html) {
  const out = {};
  for (const m of html.matchAll(/data-figure="([^"]+)">([^<]*)</g)) out[m[1]] = m[2];
  return out;
}

test('the report renders in Chromium with no console message and the figures of audit stats', async (t) => {
  const dir = tempDir(t, 'mcp-warden-report-');
  const root = path.join(dir, 'files');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'notes.txt'), 'hello\n');
  await session(t, dir, 'filesystem', [FILESYSTEM_JS, root], [
    ['list_directory', { path: root }],
    ['read_text_file', { path: path.join(root, 'notes.txt') }],
    ['write_file', { path: path.join(root, 'x.txt'), content: 'no', api_key: 'sk-secret' }],
    ['read_text_file', { path: path.join(root, 'notes.txt') }],
  ]);
  await session(t, dir, 'everything', [EVERYTHING_JS, 'stdio'], [
    ['echo', { message: 'hi' }],
    ['get-sum', { a: 1, b: 2 }],
  ]);

  const bin = wardenBin();
  const html = path.join(dir, 'report.html');
  const made = spawnSync(bin, ['report', '--db', path.join(dir, 'warden.db'), '--key-dir', dir, '--since', '1h',
    '--out', html], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const stats = spawnSync(bin, ['audit', 'stats', '--db', path.join(dir, 'warden.db')], { encoding: 'utf8' });
  assert.equal(stats.status, 0, stats.stderr);
  const page = fs.readFileSync(html, 'utf8');
  assert.doesNotMatch(page, /<script|https?:\/\/|src=/i, 'the page loads and runs nothing');

  const browser = findChromium();
  if (!browser) {
    t.skip('no Chromium installed (scripts/bootstrap.sh installs Debian\'s chromium); the browser part did not run');
    return;
  }
  const profile = path.join(dir, 'chromium-profile');

  // The detector itself: a page that logs must be caught.
  const bad = path.join(dir, 'bad.html');
  fs.writeFileSync(bad, '<!DOCTYPE html><p>x</p><script>console.error("boom")</script>');
  assert.ok(chromium(browser, bad, ['--dump-dom'], profile).consoleLines.length > 0,
    'a console message on a test page was not seen; the check below would prove nothing');

  const dumped = chromium(browser, html, ['--dump-dom'], profile);
  assert.deepEqual(dumped.consoleLines, [], `console messages:\n${dumped.consoleLines.join('\n')}`);
  assert.match(dumped.dom, /class="banner ok"/, 'verification banner');
  assert.ok((dumped.dom.match(/<svg/g) ?? []).length >= 3, 'charts: calls, denials, trust');
  const shown = figures(dumped.dom);
  const line = (key) => stats.stdout.match(new RegExp(`^${key}: (.*)$`, 'm'))[1];
  for (const key of ['entries', 'sessions', 'checkpoints', 'kinds', 'decisions']) {
    assert.equal(shown[key], line(key), `${key} in the page vs audit stats`);
  }
  assert.equal(shown['window-calls'], '6');
  assert.ok(Number(shown['window-denials']) >= 1, 'the strict policy denied write_file');
  assert.ok(Number(shown['window-redactions']) >= 1, 'api_key was redacted');
  assert.match(dumped.dom, /write_file/);

  const shot = path.join(process.env.MCP_WARDEN_BUILD_DIR ?? dir, 'report-screenshot.png');
  const shotRun = chromium(browser, html, [`--screenshot=${shot}`], profile);
  assert.deepEqual(shotRun.consoleLines, [], `console messages:\n${shotRun.consoleLines.join('\n')}`);
  const png = fs.readFileSync(shot);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.length > 20_000, `a screenshot of ${png.length} bytes is too small to hold the charts`);
});
