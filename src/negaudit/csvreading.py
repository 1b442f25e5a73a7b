"""CSV and TSV files as records, streamed with the standard library's csv module.

The first row names the columns; each later row is one record ``{column: value}`` (an empty cell is
null, so it counts as absent). A TSV file is read without quoting (IANA text/tab-separated-values:
a field holds no tab or newline, and a quote is an ordinary character, as in LIAR's statements);
a CSV file with the usual double-quote rules, so a quoted field may span lines (`line` is the line a
record starts on).

A file whose first row looks like data, not names, is reported once ("no header row") unless the
column names are given (`columns`); a header without any text column is reported once, naming the
columns found. Rows with the wrong number of fields are reported each (up to a limit), and reading
goes on.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any, Collection, Iterator, Optional

from .models import Record

# columns the record layouts read as text (adapters.detect_format), in any case
TEXT_COLUMNS = {"text", "content", "claim", "statement", "instruction", "output", "prompt", "completion",
                "chosen", "question", "answer", "response", "messages", "conversations"}
MAX_ROW_ERRORS = 20
MAX_NAME = 64


@dataclass
class TableOptions:
    """How CSV/TSV files are read ([tool.negaudit.csv] or --format csv:...)."""

    columns: list[str] = field(default_factory=list)  # names for files without a header row
    delimiter: Optional[str] = None  # default: "," for .csv, tab for .tsv
    text: list[str] = field(default_factory=list)  # text columns (trained), when not an obvious name
    label: list[str] = field(default_factory=list)  # label columns (read as truth labels)


def _not_a_name(cell: str) -> bool:
    """A header cell is a short name, not data: no sentence, no long text, not a bare number."""
    c = cell.strip()
    if len(c) > MAX_NAME or "\n" in c:
        return True
    if " " in c and c[-1:] in ".!?":
        return True
    return c.replace(".", "", 1).replace("-", "", 1).isdigit()


def header_problem(row: list[str]) -> Optional[str]:
    """Why `row` is not a header row, or None when it is one."""
    bad = [c for c in row if _not_a_name(c)]
    if bad:
        shown = bad[0].strip()
        return f"the first row looks like data, not column names ({shown[:60]!r}{'...' if len(shown) > 60 else ''})"
    named = [c.strip() for c in row if c.strip()]
    if len(named) < len(row) - 1:  # one unnamed column is a saved index (pandas); more is data
        return "the first row has empty column names"
    return None


def _names(row: list[str]) -> list[str]:
    """Column names, unique (a repeated name gets .1, .2 as pandas does); an unnamed column is ''."""
    seen: dict[str, int] = {}
    out = []
    for c in row:
        c = c.strip()
        if c in seen:
            seen[c] += 1
            c = f"{c}.{seen[c]}"
        else:
            seen[c] = 0
        out.append(c)
    return out


def first_row_problem(row: list[str], kind: str, opts: TableOptions) -> Optional[str]:
    """Why the first row of a file without configured `columns` does not make it readable: it is no
    header, or the header names no text column. None when it does."""
    what = kind.upper()
    problem = header_problem(row)
    if problem:
        return (f"no header row in this {what} file: {problem}; name the columns with "
                f"--format '{kind}:columns=NAME,NAME,...' or [tool.negaudit.csv] columns")
    header = _names(row)
    known = TEXT_COLUMNS | {c.lower() for c in opts.text}
    if not any(c.lower() in known for c in header):
        return (f"no text column in this {what} file (columns: {', '.join(header)[:200]}); "
                f"name it with --format '{kind}:text=COLUMN' or [tool.negaudit.csv] text")
    return None


def table_problem(path: str, fh: IO[bytes], kind: str, opts: Optional[TableOptions] = None) -> Optional[str]:
    """first_row_problem of an open file (None also when it cannot be read: the reader reports that)."""
    opts = opts or TableOptions()
    if opts.columns:
        return None
    delim = opts.delimiter or ("\t" if kind == "tsv" else ",")
    quoting: Any = csv.QUOTE_NONE if kind == "tsv" and not opts.delimiter else csv.QUOTE_MINIMAL
    try:
        for row in csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig", newline=""), delimiter=delim, quoting=quoting):
            if row and row != [""]:
                return first_row_problem(row, kind, opts)
    except (csv.Error, UnicodeDecodeError, OSError, EOFError):
        return None
    return None


def read_table(path: str, fh: IO[bytes], kind: str, opts: Optional[TableOptions] = None,
               only_lines: Optional[Collection[int]] = None, max_bytes: Optional[int] = None) -> Iterator[Record]:
    """Records of an open CSV ("csv") or TSV ("tsv") file. Problems become error records."""
    opts = opts or TableOptions()
    delim = opts.delimiter or ("\t" if kind == "tsv" else ",")
    quoting: Any = csv.QUOTE_NONE if kind == "tsv" and not opts.delimiter else csv.QUOTE_MINIMAL
    if max_bytes:
        csv.field_size_limit(max(max_bytes, 131072))
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delim, quoting=quoting)
    what = kind.upper()
    header: Optional[list[str]] = None
    index = 0
    row_errors = 0
    last_line = 0
    try:
        for row in _rows(reader):
            start, last_line = last_line + 1, reader.line_num
            if isinstance(row, csv.Error):
                row_errors += 1
                if row_errors <= MAX_ROW_ERRORS:
                    yield Record(path, start, index, None, f"malformed {what} row: {row}")
                continue
            if not row or row == [""]:
                continue  # a blank line
            if header is None:
                if opts.columns:
                    header = list(opts.columns)
                    if [c.strip() for c in row] == header:
                        continue  # the file has the header too
                else:
                    problem = first_row_problem(row, kind, opts)
                    if problem:
                        yield Record(path, start, 0, None, problem)
                        return
                    header = _names(row)
                    continue
            if len(row) != len(header):
                row_errors += 1
                if row_errors <= MAX_ROW_ERRORS:
                    yield Record(path, start, index, None,
                                 f"{what} row has {len(row)} fields, the header has {len(header)}")
                index += 1
                continue
            if only_lines is None or start in only_lines:
                yield Record(path, start, index, {k: (v if v != "" else None) for k, v in zip(header, row) if k})
            index += 1
    except UnicodeDecodeError as e:  # decoded a block at a time: the bad byte is at or after this line
        yield Record(path, last_line + 1, index, None, f"not UTF-8 text at or after line {last_line + 1} "
                                                       f"({e.reason}); the rest of the file is not read")
        return
    except (OSError, EOFError) as e:  # a damaged .gz / .zst
        yield Record(path, None, index, None, f"cannot read: {getattr(e, 'strerror', None) or e}")
        return
    if row_errors > MAX_ROW_ERRORS:
        yield Record(path, None, index, None, f"{row_errors - MAX_ROW_ERRORS} more malformed {what} rows not listed")
    if header is None and not opts.columns and index == 0:
        yield Record(path, None, 0, None, f"empty {what} file: no header row")


def _rows(reader: Any) -> Iterator[Any]:
    """The reader's rows; a csv.Error (an oversized or badly quoted field) is yielded, not raised."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield e


def parse_format(spec: str, opts: TableOptions) -> Optional[str]:
    """Apply a --format value, ``KIND[:key=value[:key=value...]]``, to `opts`; returns KIND (None for
    "auto"). Keys (CSV/TSV): text=COLUMN, label=COLUMN, columns=NAME,NAME,... (a file without a header
    row), delimiter=CHAR. Raises ValueError naming what is wrong."""
    from .reading import KINDS

    kind, *pairs = spec.split(":")
    kind = kind.strip().lower()
    if kind not in KINDS + ("auto",):
        raise ValueError(f"unknown format {kind!r} (expected auto, {', '.join(KINDS)})")
    for pair in pairs:
        key, eq, value = pair.partition("=")
        key = key.strip().lower()
        if not eq or not value.strip():
            raise ValueError(f"{pair!r}: expected key=value (text, label, columns or delimiter)")
        if kind not in ("csv", "tsv"):
            raise ValueError(f"{key}= applies to csv and tsv only")
        names = [v.strip() for v in value.split(",") if v.strip()]
        if key == "text":
            opts.text += names
        elif key == "label":
            opts.label += names
        elif key == "columns":
            opts.columns = names
        elif key == "delimiter":
            opts.delimiter = "\t" if value in ("\\t", "tab") else value
            if len(opts.delimiter) != 1:
                raise ValueError("delimiter must be one character (or 'tab')")
        else:
            raise ValueError(f"unknown key {key!r} (expected text, label, columns or delimiter)")
    return None if kind == "auto" else kind
