"""What two processes can gain on this machine: a fixed pure-Python loop, in one process
``PROCESSES`` times over, or in ``PROCESSES`` processes at once. ``python bench/cpu_ceiling.py
PROCESSES PARALLEL(0|1)``; the speed-up of the parallel run is the most ``--jobs`` can get
here (virtual cores that share a physical one give less than their count)."""

from __future__ import annotations

import os
import sys

_LOOP = 10_000_000


def _burn() -> int:
    total = 0
    for number in range(_LOOP):
        total += number * number
    return total


def main(processes: int, parallel: bool) -> None:
    if not parallel:
        for _ in range(processes):
            _burn()
        return
    children = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            _burn()
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2] == "1")
