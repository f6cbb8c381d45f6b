#!/usr/bin/env bash
# Debian's chromium, for the HTML report's browser test (tests/test_report_html.py loads the
# report headless, reads its DOM and takes a screenshot). Idempotent; quiet.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
