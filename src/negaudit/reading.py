"""Reading records from files, streamed: JSONL (.gz, .zst), JSON arrays, plain text and Markdown,
Parquet, CSV and TSV (csvreading.py).

Nothing here holds a whole file in memory except a plain-text file, which is one record by
definition. Every problem becomes a Record with `error` set (path, line, cause) and reading goes on.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
from pathlib import Path
from typing import IO, Iterator, Optional

import orjson

from .models import InputError, Record

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
JSON_SUFFIXES = (".json",)
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".rst", ".text")
PARQUET_SUFFIXES = (".parquet", ".pq")
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}
KINDS = ("jsonl", "json", "text", "parquet", "csv", "tsv")  # what --format can name
COMPRESSIONS = ("", ".gz", ".zst")
MAX_DEPTH_MESSAGE = "JSON nested too deeply"
MAX_RECORD_BYTES = 8 * 1024 * 1024  # larger records are reported, not audited (configurable: max-record-mb)


def too_large(n: int, limit: Optional[int] = None) -> str:
    limit = MAX_RECORD_BYTES if limit is None else limit
    return (f"record is {n / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit; not audited "
            "(raise max-record-mb in the configuration to audit it)")


def dataset_kind(path: str) -> str | None:
    """'jsonl', 'json', 'text', 'parquet', 'csv', 'tsv' or None, looking through a .gz/.zst suffix."""
    name = path.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    for comp in (".gz", ".zst"):
        if name.endswith(comp):
            name = name[: -len(comp)]
            break
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return TABLE_SUFFIXES.get(os.path.splitext(name)[1])


def iter_paths(paths: list[str], errors: list[InputError], notes: Optional[list[str]] = None,
               selector=None) -> Iterator[str]:
    """Expand directories (recursively, sorted, no symlinked directories) into dataset files.

    Each file is yielded once per run, however many names reach it (`.` and `d.jsonl`, a symlink next
    to its target): the first name wins. Inside a directory, a symlink to a file outside that
    directory is not followed, and a FIFO, socket or device with a dataset name is skipped: each gets
    a note in `notes`. A path named explicitly is read wherever it points, except a device.
    A `selector` (selecting.Selector) chooses the directories entered and the files read."""
    seen: set = set()

    def first_time(path: str) -> bool:
        # the real path, and the file itself: a hard link is another name of the same file
        keys: list = [os.path.realpath(path)]
        try:
            st = os.stat(path)
            if stat.S_ISREG(st.st_mode):
                keys.append((st.st_dev, st.st_ino))
        except OSError:
            pass
        if any(k in seen for k in keys):
            if len(keys) > 1 and keys[0] not in seen and notes is not None:
                notes.append(f"{printable(path)}: a hard link to a file already read under another name; read once")
            return False
        seen.update(keys)
        return True

    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p, followlinks=False, onerror=lambda e: errors.append(
                    InputError(getattr(e, "filename", p) or p, None, f"cannot list directory: {e.strerror}"))):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                                 and (selector is None or selector.enter(os.path.join(root, d))))
                for f in files:
                    full = os.path.join(root, f)
                    if full.startswith("./"):  # `check .` reports data/x.jsonl, as ruff does
                        full = full[2:]
                    if dataset_kind(full) is not None and (selector is None or selector.wanted(full)):
                        found.append(full)
            top = os.path.realpath(p)
            for full in sorted(found):
                why = _not_walked(full, top)
                if why:
                    if notes is not None:
                        notes.append(f"{printable(full)}: {why}; skipped")
                    continue
                note = selector.not_a_dataset(full) if selector is not None else None
                if note:
                    if notes is not None:
                        notes.append(f"{printable(full)}: {note}; skipped (name it explicitly to audit it)")
                    continue
                if first_time(full):
                    yield full
        elif os.path.exists(p) or os.path.islink(p):
            try:
                mode = os.stat(p).st_mode
            except OSError:
                mode = 0  # a broken link or a loop: read_records reports it
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                errors.append(InputError(p, None, "is a device, not a dataset file; not read"))
            elif selector is not None and not selector.named(p):
                continue
            elif first_time(p):
                yield p
        else:
            errors.append(InputError(p, None, "no such file or directory"))


def _not_walked(path: str, top: str) -> Optional[str]:
    """Why a file found while walking `top` is not read (None: it is read)."""
    if os.path.islink(path):
        target = os.path.realpath(path)
        if os.path.commonpath([top, target]) != top:
            return "a symlink to a file outside the audited directory (name it explicitly to audit it)"
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # a broken link or a loop: read_records reports it
    if not stat.S_ISREG(mode):
        kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
        return f"not a regular file ({kind})"
    return None


def printable(text: str) -> str:
    """`text` with control characters (newlines, escapes, bidi overrides...) shown as escapes, for a
    line of terminal or CI output that a file name must not break or forge."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _open_binary(path: str) -> IO[bytes]:
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")
    if lower.endswith(".zst"):
        import zstandard

        fh = open(path, "rb")
        reader = zstandard.ZstdDecompressor().stream_reader(fh, closefd=True)
        return io.BufferedReader(reader, buffer_size=1 << 16)  # type: ignore[arg-type]
    return open(path, "rb")


def _decode_error(exc: Exception, lead: int = 0, unit: str = "line") -> str:
    """The message for a record that does not decode; `lead` is how many bytes of its `unit` (line,
    record, file) came before the decoded bytes, so that the 1-based offset counts from its start."""
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8 at byte {exc.start + lead + 1} of the {unit}"
    if isinstance(exc, RecursionError):
        return MAX_DEPTH_MESSAGE
    msg = str(exc)
    if "recursion" in msg.lower() or "depth limit" in msg.lower():
        return MAX_DEPTH_MESSAGE
    return f"invalid JSON: {msg}"


def parse_json_bytes(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except ValueError as e:
        raw.decode("utf-8")  # a clear message for bad bytes rather than orjson's
        if "number" in str(e):  # valid JSON with a number no double holds (1e400): the standard parser
            return json.loads(raw, parse_constant=_not_json)
        raise


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def read_jsonl(path: str, only_lines=None, parse: bool = True, max_bytes: Optional[int] = None) -> Iterator[Record]:
    """Records of a JSON Lines file. With parse=False each record carries its raw line (`raw`) and is
    parsed later, by whoever needs it (the auditor pre-scans the raw line first). `max_bytes` (by
    default MAX_RECORD_BYTES) is the largest record audited; a larger one is reported."""
    limit = MAX_RECORD_BYTES if max_bytes is None else max_bytes
    index = 0
    line_no = 0
    try:
        with _open_binary(path) as fh:
            binary = not_utf8_text(_head(fh))
            if binary:
                yield Record(path, None, 0, None, binary)
                return
            for raw, size in bounded_lines(fh, limit + 2):
                line_no += 1
                if raw is None:  # longer than the limit: skipped unread, as a record that is too large
                    if only_lines is None or line_no in only_lines:
                        yield Record(path, line_no, index, None, too_large(size, limit))
                    index += 1
                    continue
                stripped, lead = trim_line(raw, line_no == 1)
                if not stripped:
                    continue
                if only_lines is not None and line_no not in only_lines:
                    index += 1  # unchanged record: counted for its index, never parsed
                    continue
                if len(stripped) > limit:
                    yield Record(path, line_no, index, None, too_large(len(stripped), limit))
                    index += 1
                    continue
                if not parse:
                    yield Record(path, line_no, index, None, None, stripped, lead)
                    index += 1
                    continue
                try:
                    data = parse_json_bytes(stripped)
                except (ValueError, UnicodeDecodeError, RecursionError) as e:
                    yield Record(path, line_no, index, None, _decode_error(e, lead))
                else:
                    yield Record(path, line_no, index, data)
                index += 1
    except (OSError, EOFError) as e:
        yield Record(path, line_no + 1 if line_no else None, index, None, _io_error(e))
    except Exception as e:  # zstandard.ZstdError and other decoder failures
        yield Record(path, line_no + 1 if line_no else None, index, None, f"cannot decompress: {e}")


BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark, read past at the start of a file


def trim_line(raw: bytes, first: bool) -> tuple[bytes, int]:
    """A JSON line without its surrounding whitespace (and the first line's BOM), and how many bytes
    came before it in the line."""
    bom = len(BOM) if first and raw.startswith(BOM) else 0
    stripped = raw[bom:].strip()
    return stripped, len(raw) - len(raw[bom:].lstrip())


BINARY_HEAD = 4096  # bytes at the start of a file that tell a binary file from JSON Lines (git reads 8000)


def not_utf8_text(head: bytes) -> str | None:
    """Why a file that starts with `head` (its first BINARY_HEAD bytes) is no UTF-8 JSON Lines at all:
    one error for the file rather than one per "line" of a binary file. None for a text file, even
    one with a bad line. UTF-16 starts with a byte-order mark or has a NUL in every other byte; a
    binary file has a NUL byte (which JSON text never holds) and bytes that are not UTF-8."""
    head = head[:BINARY_HEAD]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (byte-order mark): negaudit reads UTF-8; convert the file first"
    at = head.find(b"\x00")
    if at < 0:
        return None
    if len(head) >= 4 and head.count(b"\x00") * 2 >= len(head) - 1:
        return "UTF-16 text (every other byte is NUL): negaudit reads UTF-8; convert the file first"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the end of the head
            return f"binary file (NUL byte at byte {at + 1}): not UTF-8 JSON Lines; the file was skipped"
    return None


def _head(fh) -> bytes:
    """The first bytes of a stream, left unread (a buffered stream's peek may give fewer)."""
    peek = getattr(fh, "peek", None)
    return peek(BINARY_HEAD)[:BINARY_HEAD] if peek else b""


SKIP_READ = 1 << 20  # bytes read at a time while skipping the rest of an oversized line


def bounded_lines(fh: IO[bytes], limit: Optional[int] = None, spill=None) -> Iterator[tuple[Optional[bytes], int]]:
    """(line, size) for each LF-terminated line of a binary stream, holding at most `limit` bytes (by
    default MAX_RECORD_BYTES plus a line ending) of one line in memory: a longer line is read past in
    pieces, each given to `spill` when set (a fix copies them), and yielded as (None, its size). A
    decompression bomb with no newline, or a 600 MB line, costs time but not memory."""
    limit = (MAX_RECORD_BYTES + 2) if limit is None else limit
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw, len(raw)
            continue
        size = len(raw)
        while raw:
            if spill is not None:
                spill(raw)
            if raw.endswith(b"\n"):
                break
            raw = fh.readline(SKIP_READ)
            size += len(raw)
        yield None, size


def _io_error(e: BaseException) -> str:
    if isinstance(e, EOFError):
        return "truncated compressed file (unexpected end of stream)"
    if isinstance(e, gzip.BadGzipFile):
        return f"not a valid gzip file: {e}"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, IsADirectoryError):
        return "is a directory"
    strerror = getattr(e, "strerror", None)
    return f"cannot read file: {strerror or e}"


_TOK = re.compile(rb'["\\\[\]{},\n]')


def read_json_array(path: str, parse: bool = True, max_bytes: Optional[int] = None) -> Iterator[Record]:
    """Stream the elements of a top-level JSON array without loading the whole file.

    A file whose first non-space byte is not '[' is read as JSON Lines (one object per line).
    """
    try:
        fh = _open_binary(path)
    except OSError as e:
        yield Record(path, None, 0, None, _io_error(e))
        return
    with fh:
        try:
            head = fh.read(1 << 16)
        except (OSError, EOFError) as e:
            yield Record(path, 1, 0, None, _io_error(e))
            return
        if head.startswith(BOM):
            head = head[len(BOM):]
        if not head.lstrip().startswith(b"["):
            fh.close()
            yield from read_jsonl(path, parse=parse, max_bytes=max_bytes)
            return
        yield from _split_array(path, fh, head, MAX_RECORD_BYTES if max_bytes is None else max_bytes)


def _split_array(path: str, fh: IO[bytes], head: bytes, limit: int) -> Iterator[Record]:
    """Split a top-level JSON array into element byte strings, chunk by chunk. At most
    `limit` bytes of one element are held: the bytes of a larger element are dropped as they are
    read (its structure is still followed) and it is reported as too large."""
    buf = bytearray()
    base = 0  # absolute offset of buf[0]
    depth = 0
    in_str = False
    skip = -1  # absolute offset of a byte escaped by a backslash
    line = 1
    seg_start = None  # absolute offset where the current element begins (after '[' or ',')
    seg_line = 1
    big = None  # absolute start of the current element when it is over the limit (its bytes are dropped)
    index = 0
    chunk = head

    def finish(end: int) -> Record | None:
        if big is not None:
            return Record(path, seg_line, index, None, too_large(end - big, limit))
        return _finish_elem(path, buf[seg_start - base:end - base], seg_line, index, limit)

    while chunk:
        chunk_abs = base + len(buf)
        buf += chunk
        for m in _TOK.finditer(chunk):
            c = m.group()
            a = chunk_abs + m.start()
            if a == skip:
                continue
            if in_str:
                if c == b"\\":
                    skip = a + 1
                elif c == b'"':
                    in_str = False
                elif c == b"\n":
                    line += 1
                continue
            if c == b"\n":
                line += 1
            elif c == b'"':
                in_str = True
            elif c in (b"[", b"{"):
                depth += 1
                if depth == 1:
                    seg_start, seg_line = a + 1, line
            elif c in (b"]", b"}"):
                depth -= 1
                if depth == 0:
                    rec = finish(a)
                    if rec is not None:
                        yield rec
                    return
            elif c == b"," and depth == 1:
                rec = finish(a)
                if rec is not None:
                    yield rec
                    index += 1
                seg_start, seg_line, big = a + 1, line, None
        end = base + len(buf)
        if seg_start is not None and end - (big if big is not None else seg_start) > limit:
            big = seg_start if big is None else big
            seg_start = end  # the element is too large: keep only its size
        keep = seg_start if seg_start is not None else end
        del buf[: keep - base]
        base = keep
        try:
            chunk = fh.read(1 << 16)
        except (OSError, EOFError) as e:
            yield Record(path, line, index, None, _io_error(e))
            return
    yield Record(path, line, index, None, "invalid JSON: unterminated array (truncated file?)")


def _finish_elem(path: str, raw, line: int, index: int, limit: int) -> Record | None:
    if len(raw) > limit:
        return Record(path, line, index, None, too_large(len(raw), limit))
    raw = bytes(raw)
    stripped = raw.lstrip()
    line += raw[: len(raw) - len(stripped)].count(b"\n")
    raw = stripped.rstrip()
    if not raw:
        return None
    try:
        return Record(path, line, index, parse_json_bytes(raw))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        return Record(path, line, index, None, _decode_error(e, unit="record"))


def read_text(path: str, max_bytes: Optional[int] = None) -> Iterator[Record]:
    limit = MAX_RECORD_BYTES if max_bytes is None else max_bytes
    try:
        with _open_binary(path) as fh:
            raw = fh.read(limit + 1)
        if len(raw) > limit:
            yield Record(path, 1, 0, None, too_large(os.path.getsize(path), limit))
            return
        bom = len(BOM) if raw.startswith(BOM) else 0
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as e:
        yield Record(path, None, 0, None, _decode_error(e, bom, "file"))
        return
    except (OSError, EOFError) as e:
        yield Record(path, None, 0, None, _io_error(e))
        return
    yield Record(path, 1, 0, {"text": text.replace("\r\n", "\n")})


def read_parquet(path: str, only_lines=None) -> Iterator[Record]:
    """Rows of a Parquet file as records, one row group at a time (line = 1-based row number)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield Record(path, None, 0, None, "reading Parquet needs pyarrow: pip install 'negaudit[parquet]'")
        return
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises ArrowInvalid / OSError for damaged files
        yield Record(path, None, 0, None, f"not a readable Parquet file: {e}")
        return
    row = 0
    for rg in range(pf.num_row_groups):
        try:
            rows = pf.read_row_group(rg).to_pylist()
        except Exception as e:  # one damaged row group: report it, audit the others
            n = pf.metadata.row_group(rg).num_rows
            if only_lines is None or any(r in only_lines for r in range(row + 1, row + n + 1)):
                yield Record(path, row + 1, row, None,
                             f"cannot read Parquet row group {rg} (rows {row + 1}-{row + n}): {e}")
            row += n
            continue
        for data in rows:
            row += 1
            if only_lines is None or row in only_lines:
                yield Record(path, row, row - 1, data)


def read_records(path: str, only_lines=None, parse: bool = True, max_bytes: Optional[int] = None,
                 table=None, kind: Optional[str] = None) -> Iterator[Record]:
    """Records of one file, by its suffix (or `kind`, one of KINDS). Unreadable files give a single
    error record.

    `only_lines` (a set of 1-based line numbers) limits JSON Lines and JSON arrays to the records that
    start on those lines; a text file is read when any of its lines is listed. parse=False leaves JSON
    Lines records unparsed (see read_jsonl). `table` (csvreading.TableOptions) says how CSV/TSV files
    are read."""
    if os.path.isdir(path):
        yield Record(path, None, 0, None, "is a directory")
        return
    try:
        st = os.stat(path)
    except OSError as e:
        yield Record(path, None, 0, None, "symlink loop or broken link" if os.path.islink(path)
                     else _io_error(e))
        return
    if not os.access(path, os.R_OK):
        yield Record(path, None, 0, None, "permission denied")
        return
    kind = kind or dataset_kind(path) or "jsonl"
    if kind in ("csv", "tsv"):
        from .csvreading import read_table

        try:
            fh = _open_binary(path)
        except (OSError, EOFError) as e:
            yield Record(path, None, 0, None, _io_error(e))
            return
        with fh:
            yield from read_table(path, fh, kind, table, only_lines, max_bytes)
        return
    if kind == "parquet":
        yield from read_parquet(path, only_lines)
        return
    if kind == "text":
        yield from read_text(path, max_bytes)
    elif kind == "json":
        for rec in read_json_array(path, parse, max_bytes):
            if only_lines is None or rec.error or rec.line in only_lines:
                yield rec
    else:
        yield from read_jsonl(path, only_lines, parse, max_bytes)
    del st


__all__ = ["read_records", "iter_paths", "dataset_kind", "Path"]
