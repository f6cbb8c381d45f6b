"""The baseline: a bare ruamel.yaml round trip (load + dump, preserve_quotes) of each file.

Run as ``python bench/roundtrip.py FILE...``; prints seconds and peak RSS as JSON.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML


def main(paths: list[str]) -> None:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    texts = [Path(p).read_text(encoding="utf-8", errors="replace") for p in paths]
    started = time.perf_counter()
    documents = failures = 0
    for text in texts:
        try:
            data = list(yaml.load_all(text))
            out = io.StringIO()
            yaml.dump_all(data, out)
            documents += len(data)
        except Exception:  # some real files are invalid YAML; the baseline just skips them
            failures += 1
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": elapsed, "documents": documents, "failures": failures,
                      "rss": rss}))


if __name__ == "__main__":
    main(sys.argv[1:])
