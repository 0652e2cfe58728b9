#!/usr/bin/env bash
# A new user's day, in a fresh prefix and a fake HOME: `cmake --install`, wire a realistic
# Claude Desktop + Cursor (JSONC: comments, trailing commas) + VS Code setup, catch a mistyped
# policy before anything is written, run a real session through a wrapped entry, move the
# install and repair it (doctor --fix, then init-integration after a second move), and write a
# report that headless Chromium renders with no console message.
# Usage: fresh_setup_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
E2E="$SRC/tests/e2e"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mcp-warden-fresh-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

NODE=$(command -v node)
FS_SERVER="$E2E/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
[[ -f $FS_SERVER ]] || fail "e2e dependencies missing (run scripts/bootstrap.sh)"

step "cmake --install into a clean prefix"
PREFIX="$WORK/opt/mcp-warden"
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
for f in bin/mcp-warden share/man/man1/mcp-warden.1 share/mcp-warden/policies/strict.yaml \
         share/mcp-warden/schema/policy.schema.json share/mcp-warden/policies/policy.schema.json \
         share/mcp-warden/integrations/cursor.json share/doc/mcp-warden/README.md \
         share/doc/mcp-warden/doctor-and-report.md; do
  [[ -e $PREFIX/$f ]] || fail "not installed: $f"
done
grep -q '^\.SS "mcp\\-warden doctor"' "$PREFIX/share/man/man1/mcp-warden.1" || fail "man page lacks doctor"

# A fake home and nothing else of the caller's environment.
HOME_DIR="$WORK/home"
mkdir -p "$HOME_DIR"
run() { env -i HOME="$HOME_DIR" PATH="/usr/local/bin:/usr/bin:/bin" MCP_WARDEN_HOME="$HOME_DIR/.warden" \
          ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$@"; }
W="$PREFIX/bin/mcp-warden"

step "policy list shows the installed presets"
run "$W" policy list | grep -q "presets in $PREFIX/share/mcp-warden/policies" || fail "policy list: $(run "$W" policy list)"
run "$W" --version | grep -Eq '^mcp-warden [0-9.]+ \(commit ([0-9a-f]+|unknown), [A-Za-z]+ build\)$' \
  || fail "--version: $(run "$W" --version)"

step "a realistic setup: Claude Desktop, Cursor (JSONC), VS Code"
PROJECT="$WORK/project"
mkdir -p "$PROJECT" "$HOME_DIR/.config/Claude" "$HOME_DIR/.cursor" "$HOME_DIR/.config/Code/User"
echo "hello" > "$PROJECT/notes.txt"
CLAUDE="$HOME_DIR/.config/Claude/claude_desktop_config.json"
CURSOR="$HOME_DIR/.cursor/mcp.json"
VSCODE="$HOME_DIR/.config/Code/User/mcp.json"
cat > "$CLAUDE" <<JSON
{
  "mcpServers": {
    "filesystem": {
      "command": "$NODE",
      "args": ["$FS_SERVER", "$PROJECT"],
      "env": {"LOG_LEVEL": "info"}
    },
    "weather": {"command": "npx", "args": ["-y", "weather-mcp"]}
  },
  "globalShortcut": "Ctrl+Space"
}
JSON
cat > "$CURSOR" <<JSON
{
  // Cursor allows comments and trailing commas here.
  "mcpServers": {
    /* the project files */
    "files": {
      "command": "$NODE", // node from the system
      "args": ["$FS_SERVER", "$PROJECT"],
    },
    "linear": { "url": "https://mcp.linear.app/sse" },
  },
}
JSON
cat > "$VSCODE" <<JSON
{
  "inputs": [{"type": "promptString", "id": "token", "description": "API token", "password": true}],
  "servers": {
    "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"},
    "files": {"type": "stdio", "command": "$NODE", "args": ["$FS_SERVER", "$PROJECT"]}
  }
}
JSON
for f in "$CLAUDE" "$CURSOR" "$VSCODE"; do cp "$f" "$f.orig"; done

step "a mistyped policy is caught before anything is written"
set +e
out=$(run "$W" init-integration --all --policy stirct 2>&1); status=$?
set -e
[[ $status -eq 2 ]] || fail "--policy stirct exited $status: $out"
grep -q "did you mean strict" <<<"$out" || fail "no suggestion: $out"
for f in "$CLAUDE" "$CURSOR" "$VSCODE"; do cmp -s "$f" "$f.orig" || fail "$f changed by a refused run"; done

step "init-integration --all --dry-run shows diffs and writes nothing"
out=$(run "$W" init-integration --all --dry-run)
grep -q "^+++ $CURSOR (wrapped by mcp-warden)" <<<"$out" || fail "no Cursor diff: $out"
for f in "$CLAUDE" "$CURSOR" "$VSCODE"; do cmp -s "$f" "$f.orig" || fail "$f changed by a dry run"; done

step "init-integration --all wraps every stdio server, keeping Cursor's comments"
run "$W" init-integration --all > "$WORK/wrap.txt" || fail "init-integration: $(cat "$WORK/wrap.txt")"
grep -q "// Cursor allows comments" "$CURSOR" && grep -q "/\* the project files \*/" "$CURSOR" \
  && grep -q "// node from the system" "$CURSOR" || fail "Cursor's comments were lost: $(cat "$CURSOR")"
grep -q "\"command\": \"$W\"" "$CURSOR" || fail "Cursor not wrapped: $(cat "$CURSOR")"
grep -q "\"globalShortcut\": \"Ctrl+Space\"" "$CLAUDE" || fail "Claude's other keys lost"
grep -q '"url": "https://api.githubcopilot.com/mcp/"' "$VSCODE" || fail "VS Code's remote server touched"
[[ $(grep -c "\"$W\"" "$VSCODE") -eq 1 ]] || fail "VS Code: $(cat "$VSCODE")"
run "$W" doctor > "$WORK/doctor0.txt" || true  # weather's npx may be missing here: a problem, not ours

step "a real session through the wrapped Claude Desktop entry"
(cd "$E2E" && run "$NODE" fixtures/run-config-entry.mjs "$CLAUDE" mcpServers filesystem "$PROJECT") \
  || fail "the wrapped entry did not work"

step "the install moves: doctor sees it, doctor --fix repairs it"
MOVED="$WORK/moved/mcp-warden"
mkdir -p "$(dirname "$MOVED")"
mv "$PREFIX" "$MOVED"
W="$MOVED/bin/mcp-warden"
set +e
out=$(run "$W" doctor 2>&1); status=$?
set -e
[[ $status -eq 1 ]] || fail "doctor after the move exited $status: $out"
grep -q "its mcp-warden $PREFIX/bin/mcp-warden does not exist" <<<"$out" || fail "doctor: $out"
run "$W" doctor --fix > "$WORK/fix.txt" || grep -q "weather" "$WORK/fix.txt" || fail "doctor --fix: $(cat "$WORK/fix.txt")"
grep -q "fixed: $CURSOR" "$WORK/fix.txt" || fail "Cursor not fixed: $(cat "$WORK/fix.txt")"
grep -q "\"command\": \"$W\"" "$CLAUDE" || fail "Claude not fixed"
grep -q "// node from the system" "$CURSOR" || fail "--fix lost Cursor's comments"
run "$W" doctor --json > "$WORK/doctor.json" || true
"$NODE" -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const bad = d.files.flatMap((f) => f.findings.filter((x) => x.severity === "problem" && !/weather|npx/.test(x.text)));
  if (bad.length) { console.error(JSON.stringify(bad)); process.exit(1); }' "$WORK/doctor.json" \
  || fail "problems left after --fix"

step "moved again: init-integration updates the wrapped entries in place"
MOVED2="$WORK/moved2/mcp-warden"
mkdir -p "$(dirname "$MOVED2")"
mv "$MOVED" "$MOVED2"
W="$MOVED2/bin/mcp-warden"
out=$(run "$W" init-integration --cursor --dry-run)
grep -q "updated" <<<"$out" || fail "no update in the dry run: $out"
grep -q "^-.*\"command\": \"$MOVED/bin/mcp-warden\"" <<<"$out" || fail "dry run diff: $out"
run "$W" init-integration --all --policy moderate > "$WORK/update.txt" || fail "update: $(cat "$WORK/update.txt")"
grep -q "policy strict -> moderate" "$WORK/update.txt" || fail "policy not updated: $(cat "$WORK/update.txt")"
grep -q "\"command\": \"$W\"" "$CURSOR" && grep -q '"moderate"' "$CURSOR" || fail "Cursor: $(cat "$CURSOR")"
[[ $(ls "$HOME_DIR/.cursor/" | grep -c 'mcp-warden.bak') -le 5 ]] || fail "too many backups"

step "audit query shows the denial's reason and the client"
out=$(run "$W" audit query --decision deny --server filesystem)
grep -q 'reason="' <<<"$out" && grep -q "client=claude-ai" <<<"$out" || fail "audit query: $out"

step "the report, rendered by headless Chromium"
REPORT="$WORK/report.html"
run "$W" report --since 1h --out "$REPORT" || fail "report"
stats=$(run "$W" audit stats)
entries=$(sed -n 's/^entries: //p' <<<"$stats")
grep -q "data-figure=\"entries\">$entries<" "$REPORT" || fail "report entries != audit stats ($entries)"
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $BROWSER ]]; then
  echo "SKIP: no Chromium installed; the report was not rendered (scripts/bootstrap.sh installs it)"
  exit 0
fi
dom=$("$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$WORK/chromium" \
        --enable-logging=stderr --v=0 --dump-dom "file://$REPORT" 2>"$WORK/chromium.log")
if grep -q ":CONSOLE" "$WORK/chromium.log"; then fail "console messages: $(grep ':CONSOLE' "$WORK/chromium.log")"; fi
grep -q 'class="banner ok"' <<<"$dom" || fail "the rendered report is not verified"
grep -q "data-figure=\"entries\">$entries<" <<<"$dom" || fail "rendered entries != audit stats"
echo "PASS: install, wiring, repair and report in a fresh prefix and home"
