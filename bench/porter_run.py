"""porter over files through its Python API: ``python bench/porter_run.py --jobs N FILE...``.

Prints seconds, documents, changed files, peak RSS and CPU seconds (this process and its
workers) as JSON.
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
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(usage.ru_utime + usage.ru_stime for usage in (own, workers))
    print(json.dumps({"seconds": elapsed, "documents": documents, "changed": changed,
                      "rss": own.ru_maxrss * 1024, "worker_rss": workers.ru_maxrss * 1024,
                      "cpu": cpu}))


if __name__ == "__main__":
    main()
