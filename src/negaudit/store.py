"""The findings of a run, in bounded memory.

A corpus can hold millions of findings, and a finding takes about 1.5 KB in memory. A FindingStore
holds at most `limit` of them; past that, it sorts them into the report's order and writes them to a
temporary file (a run, pickled in batches). Iterating merges the runs with the findings still in
memory (heapq.merge, which is stable: equal keys keep the order they were added in), so a spilled
store iterates in exactly the order that sorting one list would give. When FAN_IN runs have piled up
they are merged into one, so reading holds at most FAN_IN batches besides the findings in memory. A store that never spilled is a
plain list, in the order findings were added until `sort` is called. The temporary files are removed
when the store is closed or garbage-collected.
"""
from __future__ import annotations

import heapq
import os
import pickle
import shutil
import tempfile
import weakref
from typing import Iterable, Iterator

from .models import Finding

LIMIT = 20_000  # findings held in memory (about 30 MB) before a run is written to disk
BATCH = 256  # findings per pickle record in a run
FAN_IN = 8  # runs merged at once: reading a merge holds one batch of each run


def _key(f: Finding):
    return f.sort_key()


class FindingStore:
    def __init__(self, items: Iterable[Finding] = (), limit: int = 0) -> None:
        self.limit = limit or LIMIT
        self._mem: list[Finding] = []
        self._runs: list[str] = []
        self._on_disk = 0
        self._made = 0
        self.warning = ""  # set when spilling failed and the findings stay in memory
        self._dir = None
        self._cleanup = None
        self.extend(items)

    # ------------------------------------------------------------------ adding
    def append(self, f: Finding) -> None:
        self._mem.append(f)
        if len(self._mem) >= self.limit:
            self._spill()

    def extend(self, items: Iterable[Finding]) -> None:
        for f in items:
            self.append(f)

    def _spill(self) -> None:
        self._mem.sort(key=_key)
        try:
            if self._dir is None:
                self._dir = tempfile.mkdtemp(prefix="negaudit-findings-")
                self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
            run = self._write(self._mem)
            if len(self._runs) + 1 >= FAN_IN:  # one longer run: a merge never holds more than FAN_IN batches
                merged = self._write(heapq.merge(*(self._read(p) for p in self._runs + [run]), key=_key))
                for p in self._runs + [run]:
                    os.unlink(p)
                self._runs, run = [], merged
        except OSError as e:  # a full disk or no temporary directory: keep the findings in memory
            self.limit = float("inf")  # type: ignore[assignment]
            self.warning = (f"could not spill findings to a temporary file ({e.strerror or e}); "
                            "they are kept in memory")
            return
        self._runs.append(run)
        self._on_disk += len(self._mem)
        self._mem = []

    def _write(self, findings: Iterable[Finding]) -> str:
        """A new run file holding these findings (already in order), pickled in batches; on an error the
        partial file is removed."""
        self._made += 1
        path = os.path.join(self._dir, f"run-{self._made}.pickle")
        batch: list[Finding] = []
        try:
            with open(path, "wb") as fh:
                for f in findings:
                    batch.append(f)
                    if len(batch) == BATCH:
                        pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
                        batch = []
                if batch:
                    pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            if os.path.exists(path):
                os.unlink(path)
            raise
        return path

    # ------------------------------------------------------------------ reading
    @property
    def spilled(self) -> bool:
        return bool(self._runs)

    def sort(self) -> None:
        """Put the findings in the report's order (runs on disk are sorted already)."""
        self._mem.sort(key=_key)

    @staticmethod
    def _read(path: str) -> Iterator[Finding]:
        with open(path, "rb") as fh:
            while True:
                try:
                    batch = pickle.load(fh)
                except EOFError:
                    return
                yield from batch

    def __iter__(self) -> Iterator[Finding]:
        if not self._runs:
            return iter(self._mem)
        self._mem.sort(key=_key)
        return heapq.merge(*(self._read(p) for p in self._runs), self._mem, key=_key)

    def __len__(self) -> int:
        return self._on_disk + len(self._mem)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, i):
        return (self._mem if not self._runs else list(self))[i]

    def close(self) -> None:
        """Remove the temporary files; the store is empty afterwards."""
        if self._cleanup is not None:
            self._cleanup()
        self._mem, self._runs, self._on_disk = [], [], 0
