"""Coverage-guided fuzzing of porter's pipeline with atheris: ``python fuzz/fuzz_pipeline.py
[libFuzzer options] [CORPUS_DIR...]`` (see fuzz/README.md); the target is
``targets.fuzz_pipeline``."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["porter", "transforms", "targets"]):
    import targets


def main() -> None:
    atheris.Setup(sys.argv, targets.fuzz_pipeline)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
