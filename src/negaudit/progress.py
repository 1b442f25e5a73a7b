"""The progress line on stderr: bytes read of the total, records per second and the time left.

The total is the size of the files the run selected. Bytes done advance with each record read (its
line's length) for uncompressed files, and by the whole file once a compressed file is finished (its
size on disk is not the size of what it holds).
"""
from __future__ import annotations

import os
import time
from typing import Optional

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn


class Meter:
    def __init__(self, files: list[str], console: Console) -> None:
        self.sizes = {}
        for f in files:
            try:
                self.sizes[f] = os.path.getsize(f)
            except OSError:
                self.sizes[f] = 0
        self.total = sum(self.sizes.values())
        self.console = console
        self.done_files = 0  # bytes of the files finished
        self.current: Optional[str] = None
        self.in_file = 0
        self.records = 0
        self.t0 = time.perf_counter()
        self.bar: Optional[Progress] = None
        self.task = None

    def __enter__(self) -> "Meter":
        self.bar = Progress(SpinnerColumn(), TextColumn("negaudit"), BarColumn(), DownloadColumn(),
                            TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                            console=self.console, transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("negaudit", total=self.total or None, rate="")
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def read(self, rec) -> None:
        """A record was read (called in file order)."""
        if rec.path != self.current:
            if self.current is not None:
                self.done_files += self.sizes.get(self.current, 0)
            self.current, self.in_file = rec.path, 0
        if rec.raw is not None and not rec.path.lower().endswith((".gz", ".zst")):
            self.in_file += len(rec.raw) + 1

    def tick(self) -> None:
        """A record was audited."""
        self.records += 1
        if self.records % 200 == 0 and self.bar is not None:
            dt = max(1e-9, time.perf_counter() - self.t0)
            size = self.sizes.get(self.current, 0) if self.current else 0
            self.bar.update(self.task, completed=min(self.total, self.done_files + min(self.in_file, size)),
                            rate=f"{self.records / dt:,.0f} records/s")
