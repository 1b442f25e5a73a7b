#!/usr/bin/env python3
"""What `--fix` would change in real corpora, and whether each change stays inside its span.

    python scripts/fix_realworld.py FOLDER [--unsafe] [--json]

For every JSONL file in FOLDER (real public corpora; none ships with this repository) it runs the real
command line, `negaudit check FILE --diff` (safe fixes only; with `--unsafe`, `--unsafe-fixes` too),
and then, for every record the diff changes:
- prints the file, line, the fields edited and the replaced text (old -> new);
- checks the record is byte-identical outside the replaced spans: the new line parses, has the same
  keys and the same non-text values, and with the edited string values cut out both lines are the
  same bytes; inside an edited string, only the bytes between the common prefix and suffix differ.

With `--unsafe` it also applies the fixes to a copy of each file (`--fix --unsafe-fixes`) and audits
the copy again: the high/medium findings left on the records that were fixed are counted (the issue's
"Done when" asks for none). Nothing in FOLDER is written.

Exit status: 0 when every changed record passes the byte check (and, with --unsafe, no high/medium
finding is left on a fixed record), 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from negaudit.jsonsplice import value_spans

HUNK = re.compile(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@")


def negaudit(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("negaudit") or str(Path(sys.executable).with_name("negaudit"))
    return subprocess.run([exe, *args, "--no-progress"], capture_output=True)


def changed_lines(diff: bytes) -> list[tuple[int, bytes, bytes]]:
    """(line number, old line, new line) of every replaced line in a --diff of a JSONL file."""
    old, new, line = [], [], 0
    for raw in diff.splitlines(keepends=True):
        m = HUNK.match(raw.decode("utf-8", "replace"))
        if m:
            line = int(m.group(1))
            continue
        if raw.startswith((b"--- ", b"+++ ", b"\\ ")):
            continue
        if raw.startswith(b"-"):
            old.append((line, raw[1:]))
            line += 1
        elif raw.startswith(b"+"):
            new.append(raw[1:])
        elif raw.startswith(b" "):
            line += 1
    return [(n, o, w) for (n, o), w in zip(old, new)]


def leaves(v, ptr: str = ""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, f"{ptr}/{k.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from leaves(x, f"{ptr}/{i}")
    else:
        yield ptr, v


def check_record(old: bytes, new: bytes) -> tuple[list[str], list[str]]:
    """(problems, descriptions of the edits) for one rewritten JSONL line."""
    problems, edits = [], []
    old, new = old.rstrip(b"\r\n"), new.rstrip(b"\r\n")
    try:
        a, b = orjson.loads(old), orjson.loads(new)
    except orjson.JSONDecodeError as e:
        return [f"does not parse: {e}"], edits
    la, lb = dict(leaves(a)), dict(leaves(b))
    added = {p for p in lb if p not in la}
    if set(la) - set(lb) or added - {p for p in added if p.endswith("/weight") and lb[p] == 0}:
        problems.append(f"keys differ: {sorted(set(la) ^ set(lb))}")
    differing = [p for p in la if p in lb and la[p] != lb[p]]
    for p in differing:
        if not (isinstance(la[p], str) and isinstance(lb[p], str)):
            problems.append(f"non-text value changed at {p}: {la[p]!r} -> {lb[p]!r}")
    sa, sb = value_spans(old), value_spans(new)
    cut_a, cut_b, pos_a, pos_b = [], [], 0, 0
    for p in sorted(differing, key=lambda p: sa[p][0]):
        (s1, e1), (s2, e2) = sa[p], sb[p]
        cut_a.append(old[pos_a:s1])
        cut_b.append(new[pos_b:s2])
        pos_a, pos_b = e1, e2
        x, y = old[s1:e1], new[s2:e2]
        pre = len(os.path.commonprefix([x, y]))
        suf = len(os.path.commonprefix([x[pre:][::-1], y[pre:][::-1]]))
        edits.append(f"{p}: {x[pre:len(x) - suf].decode('utf-8', 'replace')!r} -> "
                     f"{y[pre:len(y) - suf].decode('utf-8', 'replace')!r}")
    cut_a.append(old[pos_a:])
    cut_b.append(new[pos_b:])
    if b"".join(cut_a) != b"".join(cut_b) and not any(p.endswith("/weight") for p in added):
        problems.append("bytes differ outside the edited string values")
    return problems, edits


def residual(path: Path, unsafe_fixed: set[int]) -> tuple[int, int]:
    """Fix a copy with --fix --unsafe-fixes; (records fixed, high/medium findings left on them)."""
    with tempfile.TemporaryDirectory() as d:
        copy = Path(d) / path.name
        shutil.copyfile(path, copy)
        before = copy.read_bytes().splitlines()
        negaudit("check", str(copy), "--fix", "--unsafe-fixes", "-q")
        after = copy.read_bytes().splitlines()
        fixed = {i + 1 for i, (x, y) in enumerate(zip(before, after)) if x != y}
        unsafe_fixed |= fixed
        report = json.loads(negaudit("check", str(copy), "-f", "json").stdout)
        left = [f for f in report["findings"] if f["line"] in fixed and f["severity"] in ("high", "medium")]
        for f in left:
            print(f"    left on fixed line {f['line']}: {f['rule']} {f['severity']} {f['qualifier']['text'][:60]!r}")
        return len(fixed), len(left)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--unsafe", action="store_true", help="also --unsafe-fixes, and the residual after fixing a copy")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.suffix == ".jsonl")
    bad = total = 0
    fixed_total = left_total = 0
    for path in files:
        flags = ["--unsafe-fixes"] if args.unsafe else []
        r = negaudit("check", str(path), "--diff", *flags)
        if r.returncode == 2:
            print(f"{path.name}: negaudit failed: {r.stderr.decode()[-500:]}")
            bad += 1
            continue
        rows = changed_lines(r.stdout)
        print(f"{path.name}: {len(rows)} records changed by --diff{' --unsafe-fixes' if args.unsafe else ''}")
        for line, old, new in rows:
            total += 1
            problems, edits = check_record(old, new)
            bad += bool(problems)
            print(f"  line {line}: {'FAIL ' + '; '.join(problems) if problems else 'ok (byte-identical outside the span)'}")
            for e in edits:
                print(f"      {e[:400]}")
        if args.unsafe:
            n, left = residual(path, set())
            fixed_total += n
            left_total += left
            print(f"  --fix --unsafe-fixes on a copy: {n} records fixed, {left} high/medium findings left on them")
    print(f"\n{total} changed records, {bad} failing the byte check")
    if args.unsafe:
        print(f"--fix --unsafe-fixes: {fixed_total} records fixed, {left_total} high/medium findings left on them")
    return 1 if bad or left_total else 0


if __name__ == "__main__":
    sys.exit(main())
