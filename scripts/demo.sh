#!/usr/bin/env bash
# Shows mcp-warden's main job on a fresh machine: installs what is missing,
# builds mcp-warden, and runs a governed session in which the official MCP SDK
# client talks to the official filesystem server through `mcp-warden proxy`
# with the strict policy — reads allowed, writes and secrets denied — then
# shows the audit log, verifies it, shows the server's trust score, finds the
# secrets in a leaky file with `inspect`, and writes the HTML report. A read
# result that carries a cloud key and a card number reaches the model
# redacted; under moderate, a write is put to the person (through the
# client's own MCP elicitation) before it happens.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/bootstrap.sh

BUILD=${BUILD_DIR:-build-demo}
echo "== building mcp-warden in $BUILD (Release)" >&2
mkdir -p "$BUILD"
LOG=$BUILD/demo-build.log
{ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMCP_WARDEN_BUILD_TESTS=OFF -DMCP_WARDEN_BUILD_BENCH=OFF &&
  cmake --build "$BUILD" --target mcp-warden -j"${JOBS:-2}"; } >"$LOG" 2>&1 ||
  { tail -30 "$LOG" >&2; echo "demo.sh: the build failed (log: $LOG)" >&2; exit 1; }
BIN=$ROOT/$BUILD/mcp-warden

DEMO=$(mktemp -d /tmp/mcp-warden-demo.XXXXXX)
trap 'rm -rf "$DEMO"' EXIT
WS=$DEMO/workspace
mkdir -p "$WS/src" "$WS/.ssh"
echo "Meeting notes: ship the governance proxy." > "$WS/notes.txt"
echo "API_TOKEN=not-a-real-token" > "$WS/.env"
echo "-----BEGIN OPENSSH PRIVATE KEY----- (fake)" > "$WS/.ssh/id_rsa"
printf 'deploy with aws_access_key_id = AKIAIOSFODNN7EXAMPLE\nbilling card: 4111 1111 1111 1111\n' > "$WS/deploy-notes.txt"
export MCP_WARDEN_HOME=$DEMO/home
DB=$MCP_WARDEN_HOME/warden.db

echo "== a governed session: SDK client -> mcp-warden proxy --policy strict -> server-filesystem" >&2
node tests/e2e/demo-client.mjs "$BIN" "$WS" "$DB" strict
echo
echo "== a second session under --policy moderate: writes are put to the person first" >&2
node tests/e2e/demo-client.mjs "$BIN" "$WS" "$DB" moderate

echo
echo "== mcp-warden audit tail -n 24 (every decision, question and answer was committed before it took effect)"
"$BIN" audit tail -n 24 --db "$DB"
echo
echo "== mcp-warden audit verify (hash chain, Merkle root, signed checkpoint)"
"$BIN" audit verify --db "$DB"
echo
echo "== mcp-warden trust show (the client's denied requests cost the server nothing; the key in its answer did)"
"$BIN" trust show --db "$DB"
echo
printf 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\ncard: 4111 1111 1111 1111\n' > "$DEMO/leak.txt"
echo "== mcp-warden inspect (content detectors; values are masked, never printed)"
"$BIN" inspect "$DEMO/leak.txt" || true
echo
echo "== mcp-warden report (one self-contained HTML page of what happened)"
"$BIN" report --db "$DB" --out "$DEMO/report.html"
echo "report written: $(wc -c < "$DEMO/report.html") bytes, $(grep -c '<svg' "$DEMO/report.html") charts"
echo
echo "== the file the denied and declined writes would have created exists? $( [[ -e $WS/new.txt ]] && echo yes || echo no )"
echo "== the file the person allowed exists? $( [[ -e $WS/approved.txt ]] && echo yes || echo no )"
