"""Records repeated within a run: audited once, their result replayed for every later copy.

SFT and synthetic-document corpora repeat records verbatim (a template filled with the same values, a
file concatenated from shards that overlap, a public set mixed in twice). A repeated JSON line with
the same per-file settings (field mapping and layout, per-file-ignores, dataset kind) gets exactly
the findings of its first copy, at its own path, line and record index, so the auditor's work on it
is skipped: the first copy's result is copied with the new place. Only undecoded JSON lines take part
(the key is a 128-bit BLAKE2b digest of the line's bytes); records of JSON arrays, Parquet and CSV
are audited as before.

Memory is bounded: no new line is remembered once `MAX_RECORDS` distinct lines or `MAX_FINDINGS`
findings are (later new lines are audited and not remembered; the lines already being audited when
the bound is reached, at most a few batches, are still kept), so a corpus of distinct records costs a
few megabytes and a corpus made only of flagged records keeps a bounded copy.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Callable, Hashable, Iterable, Iterator, Optional

from .models import Record

MAX_RECORDS = 131_072
MAX_FINDINGS = 10_000


class Repeats:
    """The results of the distinct JSON lines seen so far in one run. `context(path)` is what else a
    record's findings depend on (the same for every record of a file)."""

    def __init__(self, context: Callable[[str], Hashable]) -> None:
        self._context = context
        self._contexts: dict[str, bytes] = {}  # path -> a short id of its settings (the key's prefix)
        self._ids: dict[Hashable, int] = {}
        self._results: dict[bytes, object] = {}  # key -> the first copy's RecordResult (or None: in progress)
        self._findings = 0

    def key(self, rec: Record) -> Optional[bytes]:
        """The record's key, or None when it cannot be replayed (no undecoded line, or a read error)."""
        if rec.raw is None or rec.error:
            return None
        ctx = self._contexts.get(rec.path)
        if ctx is None:
            if len(self._contexts) > 10_000:
                self._contexts.clear()
            n = self._ids.setdefault(self._context(rec.path), len(self._ids))
            ctx = self._contexts[rec.path] = n.to_bytes(4, "little")
        # the bytes stripped before the line (a BOM, leading space) count toward its error offsets
        return ctx + rec.lead.to_bytes(8, "little") + hashlib.blake2b(rec.raw, digest_size=16).digest()

    def plan(self, batch: list[Record]) -> tuple[list[Record], list[tuple[Optional[bytes], bool]]]:
        """Split a batch into the records to audit (first copies, and records that take no part) and,
        per record of the batch, (its key, whether it is a copy to replay). Copies planned here are
        replayed by `merge` once the batches before them, and their own, are merged, in order."""
        todo: list[Record] = []
        slots: list[tuple[Optional[bytes], bool]] = []
        results = self._results
        for rec in batch:
            k = self.key(rec)
            if k is not None and k in results:
                slots.append((k, True))
                continue
            if k is not None and len(results) < MAX_RECORDS and self._findings < MAX_FINDINGS:
                results[k] = None  # its first copy is being audited
            else:
                k = None  # audited and not remembered
            slots.append((k, False))
            todo.append(rec)
        return todo, slots

    def merge(self, batch: list[Record], slots: list[tuple[Optional[bytes], bool]], audited: Iterable) -> Iterator:
        """The batch's results in order: the audited ones (first copies remembered under their key), the
        copies taken from their first copy."""
        got = iter(audited)
        results = self._results
        for rec, (k, copied) in zip(batch, slots):
            if copied:
                yield _placed(results[k], rec)
                continue
            res = next(got)
            if k is not None:
                results[k] = self._keep(res, rec)  # a later copy, even in this batch, replays it
            yield res

    def _keep(self, res, rec: Record):
        """What is remembered of a first copy's result: its findings copied (the report changes the
        originals later: the repetition bonus) and its line (never the record: its bytes would stay
        in memory)."""
        if not res.findings and res.error is None:
            return res  # names no place: kept as it is (most records), without a line
        if res.findings:
            self._findings += len(res.findings)
            res = replace(res, findings=[_copied(f) for f in res.findings])
        return (res, rec.line or 0)

    def run(self, batches: Iterable[list[Record]], audit: Callable[[list[Record]], list]) -> Iterator:
        """Every batch's results in order, each first copy audited by `audit(records)` (serial runs)."""
        for batch in batches:
            todo, slots = self.plan(batch)
            yield from self.merge(batch, slots, audit(todo) if todo else [])


def _copied(f, **place):
    """A finding's copy for another record. Once a record's result is made, the report changes only a
    finding's own fields (risk and severity: the repetition bonus), never its dicts, so those are
    shared; `extra` is copied all the same, as a finding's open set of extensions."""
    return replace(f, extra=dict(f.extra), **place)


def _placed(kept, rec: Record):
    """The first copy's result at the place of `rec` (its path, line and record index)."""
    if not isinstance(kept, tuple):
        return kept  # nothing that names a place (results are never changed, only copied)
    res, first_line = kept
    delta = (rec.line or 0) - first_line
    findings = []
    for f in res.findings:
        findings.append(_copied(f, path=rec.path, line=f.line + delta, record=rec.index))
    error = replace(res.error, path=rec.path, line=rec.line) if res.error is not None else None
    return replace(res, findings=findings, error=error)


__all__ = ["Repeats", "MAX_RECORDS", "MAX_FINDINGS"]
