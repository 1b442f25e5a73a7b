"""Writing report files: the chosen format, several formats from one audit, the normal umask.

A report file is written to a temporary file in the target's folder and renamed over the target,
so a reader never sees half a report. A new file gets the permissions any new file gets (0666
less the umask), not the private 0600 of a temporary file; an existing file keeps its mode.
"""
from __future__ import annotations

import os
import tempfile
from typing import Iterable, Union

SUFFIX_FORMATS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".sarif": "sarif", ".md": "markdown",
                  ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "text", ".log": "text"}


def format_for(path: str) -> str:
    """The report format a file name asks for (report.sarif -> sarif), text when it says nothing."""
    name = path.lower()
    if name.endswith(".sarif.json"):
        return "sarif"
    return SUFFIX_FORMATS.get(os.path.splitext(name)[1], "text")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_in_place(path: str, chunks: Iterable[bytes]) -> bool:
    """Write `chunks` straight into `path` when it exists and is not a regular file (/dev/stdout, a FIFO,
    a terminal: renaming over it would replace it with a file); False when `path` is for an atomic write."""
    if not os.path.exists(path) or os.path.isfile(path):
        return False
    if os.path.isdir(path):
        raise IsADirectoryError(21, "is a directory", path)
    with open(path, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
    return True


def write_report(path: str, data: Union[bytes, Iterable[bytes]]) -> None:
    """Write a report to `path` atomically, with the permissions a new file normally gets."""
    chunks = (data,) if isinstance(data, (bytes, bytearray)) else data
    if write_in_place(path, chunks):
        return
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=".negaudit-", suffix=".tmp", dir=os.path.dirname(target) or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
