#!/usr/bin/env bash
# The Microsoft SARIF Multitool (npm @microsoft/sarif-multitool, a self-contained .NET binary)
# into .ci/tools/sarif-multitool: tests validate porter's SARIF with its SARIF and GitHub rules.
# Idempotent and quiet; where it cannot be installed the SARIF Multitool test skips and says why.
set -euo pipefail
cd "$(dirname "$0")"
VERSION=5.7.0
PREFIX=tools/sarif-multitool
BINARY="$PREFIX/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ -x "$BINARY" ] && "$BINARY" --version 2>/dev/null | grep -q "$VERSION"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; } \
    || { echo "npm could not be installed: the SARIF Multitool test will skip"; exit 0; }
fi
mkdir -p "$PREFIX"
npm install --silent --no-audit --no-fund --prefix "$PREFIX" "@microsoft/sarif-multitool@$VERSION" \
  || { echo "the SARIF Multitool could not be installed: its test will skip"; exit 0; }
# npm may skip the package's install script (which only makes the binary executable)
chmod u+x "$BINARY" 2>/dev/null || true
"$BINARY" --version >/dev/null 2>&1 || echo "the SARIF Multitool does not run here: its test will skip"
