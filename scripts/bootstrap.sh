#!/usr/bin/env bash
# Installs what building and testing mcp-warden needs, and nothing it already has:
# Debian packages via apt-get (as root; otherwise it says what to run), and the
# end-to-end test dependencies via `npm ci` from tests/e2e/package-lock.json.
# Nothing is downloaded at build time; this is the only step that fetches.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git
  nlohmann-json3-dev libboost1.81-dev libre2-dev libsqlite3-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libcli11-dev libssl-dev
  # the report's browser test (tests/e2e/report_browser.test.mjs) renders it in headless Chromium
  chromium fonts-dejavu-core
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing packages: ${missing[*]}" >&2
    echo "bootstrap: run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# End-to-end test dependencies: the official MCP SDK and reference servers,
# pinned by the committed lock file. Re-run only when the lock file changed.
E2E=tests/e2e
stamp="$E2E/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$E2E/package-lock.json" -nt "$stamp" ]]; then
  echo "bootstrap: npm ci in $E2E" >&2
  (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error)
fi
