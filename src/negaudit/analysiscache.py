"""A persistent memo for the literal analysis of regular expressions (triggers.requirements).

Building an auditor analyses about a thousand patterns of the rule packs to find the literals each one
needs (the pre-scan and the alternation indexes rest on them). The analysis is a pure function of the
pattern, its flags and the analysing code, and it costs most of the start-up; so its results are kept
in one JSON file per version of that code, in the user's cache folder:

    $NEGAUDIT_CACHE_DIR, else $XDG_CACHE_HOME/negaudit, else ~/.cache/negaudit

The file's name holds a hash of triggers.py, so a changed analysis never reads an old result. A cache
that cannot be read or written is ignored (the analysis runs as if there were none);
NEGAUDIT_NO_CACHE=1 turns it off. The file is written atomically, once, at exit, and only when a run
added entries.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Callable, Optional

_CODE = Path(__file__).resolve().parent / "triggers.py"
_memo: Optional[dict[str, object]] = None
_added = False
_path: Optional[Path] = None


def cache_folder() -> Optional[Path]:
    """negaudit's cache folder (this cache's and the record cache's), or None when NEGAUDIT_NO_CACHE is set."""
    if os.environ.get("NEGAUDIT_NO_CACHE"):
        return None
    return folder_path()


def folder_path() -> Path:
    """Where negaudit's cache folder is, whether or not caching is on."""
    base = os.environ.get("NEGAUDIT_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = os.path.join(xdg, "negaudit") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "negaudit")
    return Path(base)


# the names of the files negaudit writes in its cache folder (and nothing else there is ever removed):
# the pattern analysis, each auditor's record cache, and a temporary file a killed write left
OWN_FILES = re.compile(r"analysis-[0-9a-f]{16}\.json|clean-[0-9a-f]{32}\.bin|found-[0-9a-f]{32}\.jsonl|"
                       r"\.negaudit-[\w-]+\.tmp")


def clear(folder: Path) -> tuple[int, int]:
    """Remove negaudit's own files from `folder` (`OWN_FILES`; other files, folders and links are left
    alone): (files removed, bytes freed)."""
    removed = freed = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0, 0
    for e in entries:
        if OWN_FILES.fullmatch(e.name) and e.is_file(follow_symlinks=False):
            size = e.stat(follow_symlinks=False).st_size
            os.unlink(e.path)
            removed += 1
            freed += size
    return removed, freed


def write_file(path: Path, fill: Callable[[IO[bytes]], object]) -> None:
    """Write a cache file atomically: `fill(fh)` writes a temporary file in the same folder, which then
    replaces `path`; on any failure the temporary file is removed and the old file stays. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".negaudit-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _cache_path() -> Optional[Path]:
    base = cache_folder()
    if base is None:
        return None
    try:
        digest = hashlib.sha256(_CODE.read_bytes()).hexdigest()[:16]
    except OSError:
        return None
    return base / f"analysis-{digest}.json"


def _load() -> dict[str, object]:
    global _memo, _path
    if _memo is None:
        _memo = {}
        _path = _cache_path()
        if _path is not None:
            try:
                data = json.loads(_path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    _memo = data
            except (OSError, ValueError):
                pass  # no cache yet, or a damaged one: it is rebuilt
            atexit.register(save)
    return _memo


def memo(key: str, compute: Callable[[], object]) -> object:
    """The cached JSON value for `key`, computed (and kept) when absent."""
    global _added
    table = _load()
    if key in table:
        return table[key]
    value = compute()
    table[key] = value
    _added = True
    return value


def save() -> None:
    """Write the table when this run added to it (atomically; a failure leaves no partial file)."""
    global _added
    if not _added or _path is None or _memo is None:
        return
    memo = _memo
    try:
        write_file(_path, lambda fh: fh.write(json.dumps(memo, separators=(",", ":")).encode("utf-8")))
        _added = False
    except OSError:
        pass  # a read-only home: the next run analyses again
