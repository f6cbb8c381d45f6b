"""Coverage-guided fuzzing of porter's reader with atheris: ``python fuzz/fuzz_reader.py
[libFuzzer options] [CORPUS_DIR...]`` (see fuzz/README.md); the target is
``targets.fuzz_reader``."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["porter", "transforms", "targets"]):
    import targets


def main() -> None:
    atheris.Setup(sys.argv, targets.fuzz_reader)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
