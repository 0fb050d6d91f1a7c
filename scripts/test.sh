#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, then runs all of it:
# npm packages from package-lock.json, and on Debian the CNCF Distribution
# registry (docker-registry) and skopeo that the integration tests start and
# cross-check against.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm writes node_modules/.package-lock.json at the end of every install, so
# a missing or older copy means node_modules does not match package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
  else
    echo "error: the integration tests need ${missing[*]}; install them with your package manager and run the tests again" >&2
    exit 1
  fi
fi

npx tsc --noEmit
npx eslint .
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json "$@" || status=$?
node scripts/summary.mjs .tmp/vitest.json || true
exit "$status"
