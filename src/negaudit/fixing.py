"""Applying fixes to datasets: plan edits from findings, write files atomically, print diffs.

Data safety rules:
* only records with an applicable fix change; every other line is copied byte for byte (same key
  order, escaping, spacing and line ending);
* a rewritten record keeps all its fields and their order; it is serialised in the style of its
  original line (separators, ASCII escaping) and keeps its line ending;
* files are written to a temporary file in the same directory, flushed and fsynced, given the
  original permissions and then renamed over the original (os.replace is atomic): an interrupted
  run leaves the original untouched; .gz and .zst inputs are written back in the same compression.
"""
from __future__ import annotations

import difflib
import gzip
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import IO, Optional

import regex

from .adapters import resolve_pointer
from .models import Finding
from .reading import _open_binary, dataset_kind
from .segmenting import split_units

# rules whose fix is a sentence-level edit that preserves everything but the negated claim
SENTENCE_SCOPED = {"NN102", "NN202", "NN203", "NN204", "NN205"}
NOT_FIXABLE = {"NN201", "NN501", "NN502"}
FIXABLE_SEVERITIES = {"high", "medium"}


@dataclass
class FieldEdit:
    start: int
    end: int
    text: str


@dataclass
class RecordPlan:
    record: int
    line: int
    edits: dict[str, list[FieldEdit]] = field(default_factory=dict)  # JSON pointer -> edits
    mask_turns: list[str] = field(default_factory=list)  # JSON pointers of messages to set weight 0
    safe: bool = True
    rules: set = field(default_factory=set)


def _escape_key(k: str) -> str:
    return k.replace("~1", "/").replace("~0", "~")


STRATEGIES = ("auto", "local-negation", "drop-claim")


def finding_fix(f: Finding, strategy: str = "auto") -> Optional[tuple[bool, str]]:
    """(safe, kind) for a finding, or None when negaudit has no automatic fix for it.

    kinds: rewrite (negate the claim in place), drop (delete the claim sentence), state-truth (delete
    the false claim, keep the correction), mask-turn (weight 0 on a chat turn)."""
    if f.rule in NOT_FIXABLE or f.severity not in FIXABLE_SEVERITIES:
        return None
    if f.rule == "NN601":
        return (False, "mask-turn")
    if not f.suggestion or f.claim is None:
        return None
    if strategy == "drop-claim":
        return (False, "drop")  # removes content: never applied without --unsafe-fixes
    if f.suggestion.get("strategy") == "state-truth" and strategy == "auto":
        return (True, "state-truth")  # the record already states the truth: dropping the false claim is safe
    safe = bool(f.suggestion.get("safe")) and f.rule in SENTENCE_SCOPED
    return (safe, "rewrite")


def plan_record(findings: list[Finding], data, unsafe: bool, strategy: str = "auto") -> Optional[RecordPlan]:
    """Edits for one record from its findings; None when nothing applicable."""
    if not findings or not isinstance(data, (dict, str)):
        return None
    plan = RecordPlan(record=findings[0].record, line=findings[0].line)
    claims_done: set = set()
    removals: set = set()
    for f in findings:
        fx = finding_fix(f, strategy)
        if fx is None:
            continue
        safe, kind = fx
        if not safe and not unsafe:
            continue
        if kind == "mask-turn":
            ptr = f.field.rsplit("/", 1)[0] if f.field.startswith(("/messages/", "/conversations/")) else None
            if ptr is None:
                continue
            plan.mask_turns.append(ptr)
            plan.safe = False
            plan.rules.add(f.rule)
            continue
        claim_field = f.claim.get("field", f.field)
        qual_field = f.qualifier.get("field", f.field)
        key = (claim_field, f.claim["start"], f.claim["end"])
        edits = plan.edits.setdefault(claim_field, [])
        qs, qe = f.qualifier["start"], f.qualifier["end"]
        replacement = f.suggestion["text"] if kind == "rewrite" else ""
        if qual_field == claim_field and qs <= f.claim["start"] and f.claim["end"] <= qe:
            # markup around the claim (<false>claim</false>): replace the whole tag by the rewrite
            edits.append(FieldEdit(qs, qe, replacement))
            claims_done.add(key)
        else:
            if key not in claims_done:
                end = f.claim["end"]
                if not replacement:  # dropping a sentence takes the space after it too
                    text = _field_text(data, claim_field) or ""
                    while end < len(text) and text[end] in " \t":
                        end += 1
                edits.append(FieldEdit(f.claim["start"], end, replacement))
                claims_done.add(key)
            if not (qs >= f.claim["start"] and qe <= f.claim["end"] and qual_field == claim_field):
                removals.add((qual_field, qs, qe, f.rule == "NN301"))
        plan.safe = plan.safe and safe
        plan.rules.add(f.rule)
    # remove the now redundant qualifier sentences (whole sentences only; never annotation fields)
    for qual_field, qs, qe, keep_truth in sorted(removals):
        text = _field_text(data, qual_field)
        if text is None:
            continue
        if keep_truth:
            # a correction: drop the pointer ("The preceding claim is false;") and keep the truth it states
            end = qe
            while end < len(text) and text[end] in " ;:,—–-":
                end += 1
            rest = text[end:end + 1]
            plan.edits.setdefault(qual_field, []).append(FieldEdit(qs, end + (1 if rest else 0), rest.upper()))
            continue
        claim_spans = [(e.start, e.end) for e in plan.edits.get(qual_field, [])]
        span = _qualifier_sentence(text, qs, qe, claim_spans)
        if span is not None:
            plan.edits.setdefault(qual_field, []).append(FieldEdit(span[0], span[1], ""))
    for ptr in list(plan.edits):
        plan.edits[ptr] = _non_overlapping(plan.edits[ptr])
        if not plan.edits[ptr]:
            del plan.edits[ptr]
    if not plan.edits and not plan.mask_turns:
        return None
    return plan


def _field_text(data, ptr: str) -> Optional[str]:
    if isinstance(data, str):
        return data
    v = resolve_pointer(data, ptr)
    return v if isinstance(v, str) else None


def _qualifier_sentence(text: str, qs: int, qe: int, claims=()) -> Optional[tuple[int, int]]:
    """What to delete for a detached qualifier: its whole sentence (with the whitespace after it) when
    the sentence holds no claim being rewritten, else just the qualifier span (a tag or label)."""
    for u in split_units(text):
        if u.start <= qs < u.end:
            if any(u.start <= cs < u.end or u.start < ce <= u.end for cs, ce in claims):
                end = min(qe, u.end)
                while end < u.end and text[end] in " \t:;,—–-":
                    end += 1
                start = qs
                while start > u.start and text[start - 1] in " \t":
                    start -= 1
                return (start, end)
            end = u.end
            while end < len(text) and text[end] in " \t":
                end += 1
            if end < len(text) and text[end] == "\n" and (u.start == 0 or text[u.start - 1] == "\n"):
                while end < len(text) and text[end] == "\n":
                    end += 1
            return (u.start, end)
    return None


def _non_overlapping(edits: list[FieldEdit]) -> list[FieldEdit]:
    out: list[FieldEdit] = []
    for e in sorted(edits, key=lambda e: (e.start, -e.end)):
        if out and e.start < out[-1].end:
            continue  # overlapping edits: keep the first, never garble text
        out.append(e)
    return out


def apply_plan(data, plan: RecordPlan):
    """A new record (deep enough copy) with the plan applied; key order is preserved."""
    if isinstance(data, str):
        return _apply_text(data, plan.edits.get("/text", []) or plan.edits.get("", []))
    new = json.loads(json.dumps(data))  # plain deep copy that keeps key order
    for ptr, edits in plan.edits.items():
        parts = [_escape_key(p) for p in ptr.lstrip("/").split("/")]
        parent = new
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        key = int(last) if isinstance(parent, list) else last
        parent[key] = _apply_text(parent[key], edits)
    for ptr in plan.mask_turns:
        parts = [_escape_key(p) for p in ptr.lstrip("/").split("/")]
        msg = new
        for p in parts:
            msg = msg[int(p)] if isinstance(msg, list) else msg[p]
        if isinstance(msg, dict):
            msg["weight"] = 0
    return new


def _apply_text(text: str, edits: list[FieldEdit]) -> str:
    out = text
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[:e.start] + e.text + out[e.end:]
    out = regex.sub(r"[ \t]{2,}", " ", out)
    return out.strip() if out.strip() else text


def dumps_like(obj, raw_line: bytes) -> bytes:
    """Serialise obj in the style of the original line (separators, ASCII escaping)."""
    s = raw_line.decode("utf-8", "replace")
    item_sep = ", " if regex.search(r'",\s"|\d,\s"|[}\]],\s', s) else ","
    key_sep = ": " if regex.search(r'":\s', s) else ":"
    ensure_ascii = "\\u" in s and not any(ord(c) > 127 for c in s)
    return json.dumps(obj, ensure_ascii=ensure_ascii, separators=(item_sep, key_sep)).encode("utf-8")


# ---------------------------------------------------------------------- files
@dataclass
class FileResult:
    path: str
    changed: list[int] = field(default_factory=list)  # line numbers of rewritten records
    diff: str = ""
    error: Optional[str] = None


def fix_file(path: str, plans: dict[int, RecordPlan], output: Optional[str] = None, write: bool = True,
             want_diff: bool = False) -> FileResult:
    """Rewrite the records of `path` that have plans (keyed by 1-based line); copy the rest byte for byte."""
    res = FileResult(path)
    kind = dataset_kind(path)
    if kind in ("json", "parquet"):
        res.error = f"fixing {kind.upper()} files is not supported; convert to JSON Lines or use the suggestions"
        return res
    if not plans:
        return res
    try:
        with _open_binary(path) as fh:
            raw = fh.read() if kind == "text" else None
            if kind == "text":
                new_bytes, old_lines, new_lines = _fix_text(raw, plans, res)
            else:
                new_bytes, old_lines, new_lines = _fix_jsonl(fh, plans, res)
    except (OSError, EOFError, ValueError) as e:
        res.error = f"cannot read for fixing: {e}"
        return res
    if not res.changed:
        return res
    if want_diff:
        res.diff = _diff(path, output or path, res.changed, old_lines, new_lines, kind == "text")
    if write:
        try:
            atomic_write(output or path, new_bytes, like=path)
        except OSError as e:
            res.error = f"cannot write fixed file: {e.strerror or e}; the original is unchanged"
            res.changed = []
    return res


def _diff(a: str, b: str, changed: list[int], old_lines: list[bytes], new_lines: list[bytes], whole: bool) -> str:
    """A unified diff with true line numbers: one hunk per rewritten record (JSONL) or a file diff (text)."""
    dec = [l.decode("utf-8", "replace") for l in old_lines], [l.decode("utf-8", "replace") for l in new_lines]
    if whole:
        return "".join(difflib.unified_diff(dec[0], dec[1], fromfile=f"a/{a}", tofile=f"b/{b}"))
    out = [f"--- a/{a}\n", f"+++ b/{b}\n"]
    for n, old, new in zip(changed, dec[0], dec[1]):
        out += [f"@@ -{n},1 +{n},1 @@\n", f"-{old}", f"+{new}"]
    return "".join(out)


def _fix_jsonl(fh: IO[bytes], plans: dict[int, RecordPlan], res: FileResult):
    out = io.BytesIO()
    old_lines: list[bytes] = []
    new_lines: list[bytes] = []
    for line_no, raw in enumerate(fh, 1):
        plan = plans.get(line_no)
        if plan is None:
            out.write(raw)
            continue
        body = raw.rstrip(b"\r\n")
        ending = raw[len(body):]
        bom = b""
        if line_no == 1 and body.startswith(b"\xef\xbb\xbf"):
            bom, body = body[:3], body[3:]
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            out.write(raw)
            continue
        new = apply_plan(data, plan)
        if new == data:
            out.write(raw)
            continue
        new_raw = bom + dumps_like(new, body) + ending
        out.write(new_raw)
        old_lines.append(raw if raw.endswith(b"\n") else raw + b"\n")
        new_lines.append(new_raw if new_raw.endswith(b"\n") else new_raw + b"\n")
        res.changed.append(line_no)
    return out.getvalue(), old_lines, new_lines


def _fix_text(raw: bytes, plans: dict[int, RecordPlan], res: FileResult):
    bom = raw[:3] if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    crlf = "\r\n" in text
    norm = text.replace("\r\n", "\n")
    plan = next(iter(plans.values()))
    new = _apply_text(norm, plan.edits.get("/text", []))
    if new == norm:
        return raw, [], []
    if norm.endswith("\n") and not new.endswith("\n"):
        new += "\n"
    res.changed.append(1)
    out = new.replace("\n", "\r\n") if crlf else new
    return bom + out.encode("utf-8"), norm.encode().splitlines(keepends=True), new.encode().splitlines(keepends=True)


def atomic_write(path: str, data, like: Optional[str] = None) -> None:
    """Write data (bytes, or an iterable of byte chunks) to path via a temporary file in the same
    directory and an atomic rename.

    Compression follows the target's suffix (.gz, .zst); permissions follow `like` (or the target).
    A target that exists and is not a regular file (/dev/null, a FIFO, a terminal) is written in place:
    renaming over it would replace the device or pipe with a file."""
    chunks = (data,) if isinstance(data, (bytes, bytearray)) else data
    if os.path.exists(path) and not os.path.isfile(path):
        if os.path.isdir(path):
            raise IsADirectoryError(21, "is a directory", path)
        with open(path, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        return
    directory = os.path.dirname(os.path.abspath(path)) or "."
    ref = like if like and os.path.exists(like) else (path if os.path.exists(path) else None)
    mode = os.stat(ref).st_mode & 0o7777 if ref else None
    target_exists = os.path.exists(path)
    if target_exists and (os.stat(path).st_mode & 0o222 == 0 or not os.access(path, os.W_OK)):
        raise PermissionError(13, "file is read-only", path)  # even root honours a cleared write bit
    fd, tmp = tempfile.mkstemp(prefix=".negaudit-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as raw_fh:
            if path.lower().endswith(".gz"):
                with gzip.GzipFile(fileobj=raw_fh, mode="wb", mtime=0) as gz:
                    for chunk in chunks:
                        gz.write(chunk)
            elif path.lower().endswith(".zst"):
                import zstandard

                with zstandard.ZstdCompressor().stream_writer(raw_fh, closefd=False) as zw:
                    for chunk in chunks:
                        zw.write(chunk)
            else:
                for chunk in chunks:
                    raw_fh.write(chunk)
            raw_fh.flush()
            os.fsync(raw_fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@dataclass
class FixSummary:
    files: list[FileResult] = field(default_factory=list)
    fixed: set = field(default_factory=set)  # (path, record) pairs that were rewritten

    @property
    def records(self) -> int:
        return sum(len(f.changed) for f in self.files)


def run_fixes(findings: list[Finding], unsafe: bool, write: bool, want_diff: bool,
              output: Optional[str] = None, strategy: str = "auto") -> FixSummary:
    """Plan and apply fixes file by file. Records are read again (streamed) only for files with fixes."""
    from .reading import read_records

    summary = FixSummary()
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    for path, fs in by_file.items():
        need = {f.record for f in fs if finding_fix(f, strategy) is not None and (unsafe or finding_fix(f, strategy)[0])}
        if not need:
            continue
        datas = {}
        for rec in read_records(path):
            if rec.index in need and rec.error is None:
                datas[rec.index] = (rec.line, rec.data)
        plans: dict[int, RecordPlan] = {}
        index_of_line = {}
        for idx in sorted(need):
            if idx not in datas:
                continue
            line, data = datas[idx]
            plan = plan_record([f for f in fs if f.record == idx], data, unsafe, strategy)
            if plan is not None:
                plans[line] = plan
                index_of_line[line] = idx
        res = fix_file(path, plans, output, write, want_diff)
        summary.files.append(res)
        for line in res.changed:
            summary.fixed.add((path, index_of_line.get(line, 0)))
    return summary
