"""The real Helm 3 and Helm 4 binaries the chart tests run (``.ci/install-helm.sh`` puts them
at /opt/porter-ci/helm{3,4}/helm; ``$PORTER_TEST_HELM3``/``$PORTER_TEST_HELM4`` override)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DEFAULTS = {"helm3": "/opt/porter-ci/helm3/helm", "helm4": "/opt/porter-ci/helm4/helm"}


def helm_binary(version: str) -> str:
    """The path of the ``helm3`` or ``helm4`` binary, or skip the test saying how to get it."""
    path = os.environ.get(f"PORTER_TEST_{version.upper()}") or DEFAULTS[version]
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        pytest.skip(f"no {version} binary at {path}: run .ci/install-helm.sh (CI does) or set "
                    f"PORTER_TEST_{version.upper()}")
    return path


HELMS = pytest.mark.parametrize("helm_version", ["helm3", "helm4"])
