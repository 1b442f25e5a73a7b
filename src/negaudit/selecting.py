"""File selection, the way ruff does it: which files under the given paths are datasets to audit.

A file found while walking a directory is audited when its name matches `include` (dataset
extensions) or `extend-include`, it is not excluded (`.git`, `.venv`, `node_modules`, ..., then
`exclude` / `extend-exclude`), `.gitignore` does not ignore it (unless `respect-gitignore = false`),
and, for a `.json` file, its first record has a dataset layout (a `package.json` is skipped with a
note). A file named explicitly is always audited (and a bad one is an error), unless
`force-exclude` is set, which applies the excludes to named files too (the pre-commit hook sets it).

Exclude patterns are gitignore-style, relative to the config file's folder (or the working
directory without one); a bare name (`fixtures`) matches at any depth.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pathspec

# CSV/TSV are walked too (fact-check corpora ship as tables); one without a header row or a text
# column (a results table) is skipped with a warning (engine._not_records)
DEFAULT_INCLUDE = ("*.jsonl", "*.ndjson", "*.jsonlines", "*.json", "*.parquet", "*.pq", "*.csv", "*.tsv",
                   *(f"*.{e}.{c}" for e in ("jsonl", "ndjson", "jsonlines", "json", "csv", "tsv") for c in ("gz", "zst")))
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
                   ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "dist", "build")


@dataclass
class Selection:
    """The settings that choose files (from the config and the command line)."""
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    extend_include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    base_dir: Optional[str] = None  # patterns are relative to this folder (the config file's)


def _spec(patterns) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def _rel(path: str, base: str) -> Optional[str]:
    """`path` relative to `base` with '/' separators, or None when it is outside `base`."""
    rel = os.path.relpath(os.path.abspath(path), base)
    if rel == os.curdir:
        return ""
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def git_root(start: str) -> Optional[str]:
    d = Path(os.path.abspath(start))
    for cur in [d, *d.parents]:
        if (cur / ".git").exists():
            return str(cur)
    return None


class GitIgnore:
    """The `.gitignore` files of a tree (and `.git/info/exclude`), read lazily, with git's precedence:
    the deepest `.gitignore` that has a say about a path decides, and inside an ignored directory
    nothing is re-included."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._specs: dict[str, Optional[pathspec.PathSpec]] = {}
        info = os.path.join(root, ".git", "info", "exclude")
        self._info = self._read(info)

    @staticmethod
    def _read(path: str) -> Optional[pathspec.PathSpec]:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.read(1 << 20).splitlines()
        except OSError:
            return None
        return _spec(lines) if any(x.strip() and not x.startswith("#") for x in lines) else None

    def _spec_of(self, folder: str) -> Optional[pathspec.PathSpec]:
        if folder not in self._specs:
            self._specs[folder] = self._read(os.path.join(folder, ".gitignore"))
        return self._specs[folder]

    def ignored(self, path: str, is_dir: bool) -> bool:
        path = os.path.abspath(path)
        rel = _rel(path, self.root)
        if not rel:
            return False
        parts = rel.split("/")
        # a path is ignored when one of its parent directories is (checked as the walk prunes, but a
        # file named below an ignored folder must be caught too)
        for i in range(1, len(parts)):
            if self._decide(parts[:i], True):
                return True
        return self._decide(parts, is_dir)

    def _decide(self, parts: list[str], is_dir: bool) -> bool:
        for depth in range(len(parts) - 1, -1, -1):  # deepest .gitignore first
            folder = os.path.join(self.root, *parts[:depth])
            spec = self._spec_of(folder)
            if spec is None:
                continue
            rel = "/".join(parts[depth:]) + ("/" if is_dir else "")
            res = spec.check_file(rel)
            if res.include is not None:
                return res.include
        if self._info is not None:
            res = self._info.check_file("/".join(parts) + ("/" if is_dir else ""))
            if res.include is not None:
                return res.include
        return False


class Selector:
    """Decides, for iter_paths, which directories to enter and which files to read."""

    def __init__(self, sel: Selection, mapping=None, max_bytes: Optional[int] = None) -> None:
        self.sel = sel
        self.base = os.path.abspath(sel.base_dir or os.getcwd())
        self.include = _spec(sel.include + sel.extend_include)
        self.exclude = _spec(sel.exclude + sel.extend_exclude)
        self.mapping = mapping
        self.max_bytes = max_bytes
        self._git: dict[str, Optional[GitIgnore]] = {}

    def _gitignore(self, path: str) -> Optional[GitIgnore]:
        if not self.sel.respect_gitignore:
            return None
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in self._git:
            root = git_root(folder)
            self._git[folder] = None if root is None else self._by_root(root)
        return self._git[folder]

    def _by_root(self, root: str) -> GitIgnore:
        for g in self._git.values():
            if g is not None and g.root == root:
                return g
        return GitIgnore(root)

    def excluded(self, path: str, is_dir: bool) -> Optional[str]:
        """Why `path` is excluded ('exclude' or '.gitignore'), or None."""
        rel = _rel(path, self.base)
        name = os.path.basename(os.path.abspath(path))
        suffix = "/" if is_dir else ""
        # outside the config's folder only the bare-name patterns (node_modules, .venv) can apply
        if self.exclude.match_file((rel if rel is not None else name) + suffix):
            return "exclude"
        g = self._gitignore(path)
        if g is not None and g.ignored(path, is_dir):
            return ".gitignore"
        return None

    def enter(self, path: str) -> bool:
        return self.excluded(path, True) is None

    def included(self, path: str) -> bool:
        name = os.path.basename(path)
        rel = _rel(path, self.base)
        return bool(self.include.match_file(name) or (rel is not None and self.include.match_file(rel)))

    def wanted(self, path: str) -> bool:
        """Is a file found while walking a directory a candidate (included, not excluded)?"""
        return self.included(path) and self.excluded(path, False) is None

    def named(self, path: str) -> bool:
        """Is a file named on the command line read? (force-exclude applies the excludes to it.)"""
        return not (self.sel.force_exclude and self.excluded(path, False))

    def not_a_dataset(self, path: str) -> Optional[str]:
        """Why a `.json` file is not a dataset (its first record has no dataset layout), or None."""
        from .reading import dataset_kind

        if dataset_kind(path) != "json":
            return None
        if os.path.basename(path) == "dataset_info.json":
            return None  # LLaMA-Factory's registry: skipped without a word (Auditor._not_records)
        from .adapters import AdaptError, adapt
        from .reading import read_records

        try:
            first = next(iter(read_records(path, parse=True, max_bytes=self.max_bytes)), None)
        except Exception as e:  # pragma: no cover - the reader reports instead of raising
            return f"not readable as a dataset ({e})"
        if first is None or first.error is not None and "over the" in first.error:
            return None  # empty, or a record too large to sniff: the audit reports what it finds
        if first.error is not None:
            return f"not a dataset ({first.error})"
        try:
            adapt(first.data, self.mapping) if self.mapping is not None else adapt(first.data)
        except AdaptError:
            return "not a dataset (its first record has no text field)"
        except RecursionError:
            return "not a dataset (nested too deeply)"
        return None
