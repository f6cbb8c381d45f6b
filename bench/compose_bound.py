"""The lower bound of a faithful tool: libyaml's C parser composing every document of every
file, in one process. ``python bench/compose_bound.py FILE...``; prints seconds as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml


def main(paths: list[str]) -> None:
    started = time.perf_counter()
    documents = failures = 0
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
            documents += sum(1 for _ in yaml.compose_all(text, Loader=yaml.CSafeLoader))
        except Exception:  # invalid YAML or text: the bound just skips it
            failures += 1
    print(json.dumps({"seconds": time.perf_counter() - started, "documents": documents,
                      "failures": failures}))


if __name__ == "__main__":
    main(sys.argv[1:])
