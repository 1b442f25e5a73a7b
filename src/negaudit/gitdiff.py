"""--diff-base: which records changed since a git revision (added or modified lines, renames followed).

A pull request controls its file names, its .gitattributes and the repository's git config, so
nothing here relies on git's defaults for them:
* the changed files come from `git diff -z --numstat`, NUL-separated and never quoted;
* the patch is forced to text (`--text`: a NUL byte or `-diff` in .gitattributes would otherwise make
  it "Binary files differ", with no lines), without external diff drivers or textconv, with explicit
  `a/` and `b/` prefixes (diff.mnemonicPrefix and diff.noprefix change them), and the file names in
  its `+++` lines are unquoted the way git quotes them;
* a changed file whose lines cannot be found in the patch is audited whole (fail closed);
* a changed or untracked symlink is not audited: its "content" is the link's target path, and its
  target may be outside the repository. A changed file it points to inside the repository is audited
  under its own name.
"""
from __future__ import annotations

import os
import subprocess
from typing import Optional

import regex

from .reading import printable

HUNK = regex.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
DIFF = ["diff", "-M", "--text", "--no-ext-diff", "--no-textconv", "--no-relative", "--no-color"]
_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13}


class GitError(Exception):
    pass


def _git(args: list[str], cwd: str) -> bytes:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if out.returncode != 0:
        msg = out.stderr.decode("utf-8", "replace").strip()
        raise GitError(msg or f"git {' '.join(args)} failed")
    return out.stdout


def unquote(name: bytes) -> bytes:
    """A path as git prints it in a patch header: C-quoted ("...", with \\t, \\", \\ooo octal bytes) when
    it holds special bytes, else as is (with the tab git appends to a name holding a space)."""
    if not (len(name) >= 2 and name.startswith(b'"') and name.endswith(b'"')):
        return name[:-1] if name.endswith(b"\t") else name
    out = bytearray()
    i, end = 1, len(name) - 1
    while i < end:
        c = name[i]
        if c == 0x5C and i + 1 < end:
            nxt = name[i + 1]
            if 0x30 <= nxt <= 0x37:
                out.append(int(name[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def _numstat(raw: bytes) -> dict[bytes, int]:
    """New path -> lines added, from `git diff -z --numstat` (renames: added, deleted, '', old, new)."""
    fields = raw.split(b"\0")
    out: dict[bytes, int] = {}
    i = 0
    while i < len(fields):
        head = fields[i]
        if not head:
            i += 1
            continue
        added, _deleted, path = (head.split(b"\t", 2) + [b"", b""])[:3]
        if path:
            i += 1
        else:  # a rename or copy: the two paths follow
            path = fields[i + 2] if i + 2 < len(fields) else b""
            i += 3
        if path:
            out[path] = int(added) if added.isdigit() else 1  # '-' (binary): some lines changed
    return out


def _patch_lines(diff: bytes) -> dict[bytes, set[int]]:
    """New path -> added line numbers that are not a line moved within the same file."""
    current: Optional[bytes] = None
    removed: dict[bytes, set[bytes]] = {}
    added: dict[bytes, list[tuple[int, bytes]]] = {}
    next_line = 0
    in_hunk = False
    for line in diff.split(b"\n"):
        if line.startswith(b"diff --git "):
            current, in_hunk = None, False
            continue
        if not in_hunk and line.startswith(b"+++ "):
            target = unquote(line[4:])
            current = None if target == b"/dev/null" else (target[2:] if target.startswith(b"b/") else target)
            if current is not None:
                added.setdefault(current, [])
            continue
        m = HUNK.match(line)
        if m:
            next_line, in_hunk = int(m.group(1)), True
            continue
        if current is None or not in_hunk:
            continue
        if line.startswith(b"-"):
            removed.setdefault(current, set()).add(line[1:].strip())
        elif line.startswith(b"+"):
            added[current].append((next_line, line[1:].strip()))
            next_line += 1
        elif line.startswith(b" "):
            next_line += 1  # a context line (diff.interHunkContext can add them even with -U0)
    # a line whose exact content was removed elsewhere in the same file was moved, not changed
    return {path: {n for n, content in rows if content and content not in removed.get(path, set())}
            for path, rows in added.items()}


def changed_lines(rev: str, cwd: Optional[str] = None, notes: Optional[list[str]] = None
                  ) -> dict[str, Optional[set[int]]]:
    """Absolute path -> set of added/changed line numbers (None: the whole file is new/untracked)."""
    cwd = cwd or os.getcwd()
    top = os.fsdecode(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    counts = _numstat(_git([*DIFF, "-z", "--numstat", rev, "--"], top))
    lines = _patch_lines(_git([*DIFF, "-U0", "--src-prefix=a/", "--dst-prefix=b/", rev, "--"], top))
    result: dict[str, Optional[set[int]]] = {}
    for path, n_added in counts.items():
        # a file git says gained lines, but whose lines were not found in the patch, is audited whole
        result[os.path.join(top, os.fsdecode(path))] = lines.get(path, None if n_added else set())
    for path in _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split(b"\0"):
        if path:
            result[os.path.join(top, os.fsdecode(path))] = None
    for path in [p for p in result if os.path.islink(p)]:
        del result[path]
        if notes is not None:
            notes.append(f"{printable(os.path.relpath(path, top))}: a symlink changed; not audited with --diff-base")
    return result
