"""Finished results kept on disk, not in memory: the main process of a long run stays flat.

A run over 100,000 files must still print one summary and write whole reports at the end,
so every file's findings are needed then; held as objects they grow with the run. A
:class:`ResultLog` pickles each released result to an unnamed temporary file as it comes and
reads them back, one at a time, each time it is iterated (a report that walks the files and
then the findings reads the file twice, never holding more than one result).
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from collections.abc import Iterator

from porter.engine.results import FileResult


class _Positioned(io.RawIOBase):
    """A reader of ``fd`` from offset 0 with its own position (``pread``), so that two
    iterations, or an iteration and the appends, do not move each other."""

    def __init__(self, fd: int, end: int) -> None:
        self.fd, self.offset, self.end = fd, 0, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.end - self.offset)
        data = os.pread(self.fd, count, self.offset) if count > 0 else b""
        buffer[:len(data)] = data
        self.offset += len(data)
        return len(data)


class ResultLog:
    """The results of a run, in order, on disk: :meth:`append`, ``len``, iterate."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="porter-results-")  # noqa: SIM115
        self._count = 0

    def append(self, result: FileResult) -> None:
        pickle.dump(result, self._file, pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[FileResult]:
        self._file.flush()
        end = self._file.tell()
        count = self._count
        with io.BufferedReader(_Positioned(self._file.fileno(), end), 1 << 16) as stream:
            for _ in range(count):
                yield pickle.load(stream)

    def close(self) -> None:
        self._file.close()
