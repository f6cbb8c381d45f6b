"""porter over files through its Python API: ``python bench/porter_run.py --jobs N FILE...``.

Prints seconds, documents, changed files and peak RSS (this process and its workers) as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import porter


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    started = time.perf_counter()
    documents = changed = 0
    for result in porter.convert_paths(args.files, jobs=args.jobs):
        documents += result.documents
        changed += result.changed
    elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"seconds": elapsed, "documents": documents, "changed": changed,
                      "rss": own, "worker_rss": workers}))


if __name__ == "__main__":
    main()
