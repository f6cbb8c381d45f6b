"""Shared test helpers: fixture cases and byte-exact single-file snapshots."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from porter.engine.config import Config, load_config
from porter.engine.pipeline import Pipeline
from porter.engine.results import FileResult
from porter.running.convert_file import convert_input
from porter.running.inputs import InputFile

# CI must not fail on an example nobody has seen before: there, hypothesis runs the same
# examples every time (by hand, it explores; failures found are kept as explicit tests).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Image resolution caches its answers under the user cache directory: tests use their own.
os.environ.setdefault("PORTER_CACHE_DIR", tempfile.mkdtemp(prefix="porter-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = Path(os.environ.get("PORTER_CORPUS", ROOT.parent / "shared" / "corpus"))
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "input.yaml").is_file())


class _Bytes(SingleFileSnapshotExtension):
    """Snapshots stored as the exact bytes of the artifact (CRLF and BOM included)."""

    _write_mode = WriteMode.BINARY

    def serialize(self, data, **kwargs):  # type: ignore[no-untyped-def]
        return data.encode("utf-8") if isinstance(data, str) else data


class YamlSnapshot(_Bytes):
    file_extension = "yaml"


class DiffSnapshot(_Bytes):
    file_extension = "diff"


class JsonSnapshot(_Bytes):
    file_extension = "json"


def case_config(case: str) -> Config:
    config_file = FIXTURES / case / "porter.yaml"
    return load_config(config_file, required=True) if config_file.is_file() else Config()


def convert_case(case: str, config: Config | None = None) -> FileResult:
    path = FIXTURES / case / "input.yaml"
    item = InputFile(f"{case}/input.yaml", path, "input.yaml", True)
    return convert_input(item, Pipeline(config or case_config(case)))


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return request.param
