"""--diff-base: which records changed since a git revision (added or modified lines, renames followed)."""
from __future__ import annotations

import os
import subprocess
from typing import Optional

import regex

HUNK = regex.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class GitError(Exception):
    pass


def _git(args: list[str], cwd: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if out.returncode != 0:
        raise GitError(out.stderr.strip() or f"git {' '.join(args)} failed")
    return out.stdout


def changed_lines(rev: str, cwd: Optional[str] = None) -> dict[str, Optional[set[int]]]:
    """Absolute path -> set of added/changed line numbers (None: the whole file is new/untracked)."""
    cwd = cwd or os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    diff = _git(["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", rev, "--"], top)
    result: dict[str, Optional[set[int]]] = {}
    current: Optional[str] = None
    removed: dict[str, set[str]] = {}
    added: dict[str, list[tuple[int, str]]] = {}
    next_line = 0
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
            continue
        if line.startswith("+++ "):
            target = line[4:].strip()
            current = None if target == "/dev/null" else os.path.join(top, target[2:] if target.startswith("b/") else target)
            if current is not None:
                result.setdefault(current, set())
            continue
        if line.startswith("--- "):
            continue
        m = HUNK.match(line)
        if m:
            next_line = int(m.group(1))
            continue
        if current is None:
            continue
        if line.startswith("-"):
            removed.setdefault(current, set()).add(line[1:].strip())
        elif line.startswith("+"):
            added.setdefault(current, []).append((next_line, line[1:].strip()))
            next_line += 1
    for path, rows in added.items():
        gone = removed.get(path, set())
        # a line whose exact content was removed elsewhere in the same file was moved, not changed
        result[path] = {n for n, content in rows if content and content not in gone}
    for path in _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0"):
        if path:
            result[os.path.join(top, path)] = None
    return result
