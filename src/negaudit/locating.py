"""Where a finding's qualifier sits in its JSON Lines line: the 1-based column, in characters.

The column is found by scanning the record's own line (jsonsplice locates the field's string
literal and maps the character offset through its escapes). It is computed only for the records
that have findings, on the bytes already read, so no file is read twice. A record that spans several
lines (an element of a pretty-printed JSON array) gets no column: its `line` is where it starts, and
the report says column 1. Leading whitespace stripped from a line by the reader is not counted.
"""
from __future__ import annotations

from typing import Optional

from .jsonsplice import SpliceError, _byte_offsets, resolve, value_spans


def qualifier_columns(raw: bytes, findings) -> None:
    """Set extra["column"] on each finding of one record read from the single line `raw`."""
    if b"\n" in raw or not findings:
        return
    try:
        spans = value_spans(raw)
    except (SpliceError, RecursionError, ValueError):
        return
    by_field: dict[str, list] = {}
    for f in findings:
        # the qualifier's own field: a notice in the reply can govern a claim in the prompt
        by_field.setdefault(f.qualifier.get("field") or f.field, []).append(f)
    for field, fs in by_field.items():
        starts = [int(f.qualifier.get("start", 0)) for f in fs]
        try:
            cols = _columns(raw, spans, field, starts)
        except (SpliceError, UnicodeDecodeError):
            cols = [_column(raw, spans, field, s) for s in starts]  # each one alone: the others stay placed
        for f, col in zip(fs, cols):
            if col is not None:
                f.extra.setdefault("column", col)


def _columns(raw: bytes, spans, field: str, starts: list[int]) -> list[Optional[int]]:
    """The 1-based columns in the line of these character positions of one string field, found in one
    pass over the field (a long document's many findings each decoded the line up to their own)."""
    span = resolve(spans, field)
    if span is None or raw[span[0]:span[0] + 1] != b'"':
        return [None] * len(starts)
    body = raw[span[0] + 1:span[1] - 1]
    offsets = _byte_offsets(body, starts)
    base = len(raw[:span[0] + 1].decode("utf-8"))
    chars: dict[int, int] = {}
    done_bytes = done_chars = 0
    for b in sorted(set(offsets.values())):
        done_chars += len(body[done_bytes:b].decode("utf-8"))
        done_bytes = b
        chars[b] = done_chars
    return [base + chars[offsets[s]] + 1 for s in starts]


def _column(raw: bytes, spans, field: str, start: int) -> Optional[int]:
    """One position's column, or None when it cannot be placed."""
    try:
        return _columns(raw, spans, field, [start])[0]
    except (SpliceError, UnicodeDecodeError):
        return None


def columns_from_files(findings) -> None:
    """Place the findings that were audited without their line (records rewritten by --fix, audited
    again from their new data) by reading those lines from the files as they now are."""
    from .reading import _open_binary, dataset_kind

    want: dict[str, dict[int, list]] = {}
    for f in findings:
        if "column" not in f.extra and f.line and dataset_kind(f.path) == "jsonl":
            want.setdefault(f.path, {}).setdefault(f.line, []).append(f)
    for path, by_line in want.items():
        try:
            with _open_binary(path) as fh:
                for n, raw in enumerate(fh, 1):
                    if n in by_line:
                        raw = raw.rstrip(b"\r\n")
                        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                            raw = raw[3:]
                        qualifier_columns(raw.strip(), by_line.pop(n))
                        if not by_line:
                            break
        except (OSError, EOFError, ValueError):
            continue
