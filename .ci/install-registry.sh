#!/usr/bin/env bash
# The CNCF distribution registry (Debian: docker-registry) and htpasswd (apache2-utils) for
# tests/test_images_registry.py, which start their own registries on 127.0.0.1.
set -euo pipefail
if command -v docker-registry >/dev/null 2>&1 && command -v htpasswd >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends docker-registry apache2-utils >/dev/null
