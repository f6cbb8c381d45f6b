"""A tree of many small files made from a corpus's workload files (a repository's shape).

``python bench/smalltree.py CORPUS OUT [--files 500]``: every document of the corpus that
names a workload kind, grouped into files of 1-5 KB under a few directories, repeated (with
the resource names numbered) until there are ``--files`` files.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

_WORKLOAD = re.compile(r"^kind:\s*(Deployment|StatefulSet|DaemonSet|Job|CronJob|Pod|"
                       r"ReplicaSet)\s*$", re.MULTILINE)
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def workload_documents(corpus: Path) -> list[str]:
    index = corpus / "INDEX-plain.txt"
    names = [line.strip() for line in index.read_text().splitlines() if line.strip()]
    documents = []
    for name in names:
        try:
            text = (corpus / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "{{" in text:
            continue
        for document in _SEPARATOR.split(text):
            if _WORKLOAD.search(document) and 300 <= len(document.encode()) <= 5000:
                documents.append(document.strip("\n") + "\n")
    return documents


def generate(corpus: Path, out: Path, files: int = 500) -> list[Path]:
    documents = workload_documents(corpus)
    if not documents:
        raise SystemExit(f"no workload documents in {corpus}")
    paths: list[Path] = []
    number = 0
    while len(paths) < files:
        body = ""
        while len(body.encode()) < 1000 or (len(body.encode()) < 3000 and number % 3 == 0):
            document = documents[number % len(documents)]
            round_ = number // len(documents)
            if round_:
                document = re.sub(r"^(  name:[ ]*)([a-z0-9][-a-z0-9.]*)[ ]*$",
                                  rf"\g<1>\g<2>-r{round_}", document,
                                  count=1, flags=re.MULTILINE)
            body += ("---\n" if body else "") + document
            number += 1
        path = out / f"team{len(paths) % 9}" / f"app{len(paths):04}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    paths = generate(args.corpus, args.out, args.files)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {size / 1024:.0f} KiB in {args.out}")


if __name__ == "__main__":
    main()
