"""Records repeated within a run: audited once, their result replayed for every later copy.

SFT and synthetic-document corpora repeat records verbatim (a template filled with the same values, a
file concatenated from shards that overlap, a public set mixed in twice). A repeated JSON line with
the same per-file settings (field mapping and layout, per-file-ignores, dataset kind) gets exactly
the findings of its first copy, at its own path, line and record index, so the auditor's work on it
is skipped: the first copy's result is copied with the new place. Only undecoded JSON lines take part
(the key is a 128-bit BLAKE2b digest of the line's bytes, keyed by a digest of the file's settings and
of the bytes stripped before the line); records of JSON arrays, Parquet and CSV are audited as before.

With a `store` (recordcache.RecordCache), a line that an earlier run with the same auditor audited
is replayed from the store too, and the results this run makes are handed to it. The key is the same
in every run: the settings' digest is salted with the auditor's fingerprint, not numbered in the run.

Memory is bounded: no new line is remembered once `MAX_RECORDS` distinct lines or `MAX_FINDINGS`
findings are (later new lines are audited and not remembered; the lines already being audited when
the bound is reached, at most a few batches, are still kept), so a corpus of distinct records costs a
few megabytes and a corpus made only of flagged records keeps a bounded copy.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Callable, Hashable, Iterable, Iterator, Optional

from . import recordcache
from .models import Record

MAX_RECORDS = 131_072
MAX_FINDINGS = 10_000
# what plan() decides for each record of a batch
AUDIT, KEEP, COPY, CLEAN = "audit", "keep", "copy", "clean"


class Repeats:
    """The results of the distinct JSON lines seen so far in one run. `context(path)` is what else a
    record's findings depend on (the same for every record of a file). `store`: the results of earlier
    runs (recordcache.RecordCache), which keeps this run's too; `clean` is the result replayed for a
    line clean in one."""

    def __init__(self, context: Callable[[str], Hashable], store=None, clean=None) -> None:
        self._context = context
        self._contexts: dict[str, bytes] = {}  # path -> the key of its settings (a digest, the same in every run)
        self._results: dict[bytes, object] = {}  # key -> the first copy's RecordResult (or None: in progress)
        self._findings = 0
        self.store = store
        self._clean = clean
        self._salt = store.auditor if store is not None else b""

    def key(self, rec: Record) -> Optional[bytes]:
        """The record's key, or None when it cannot be replayed (no undecoded line, or a read error)."""
        if rec.raw is None or rec.error:
            return None
        ctx = self._contexts.get(rec.path)
        if ctx is None:
            if len(self._contexts) > 10_000:
                self._contexts.clear()
            ctx = self._contexts[rec.path] = hashlib.blake2b(
                repr(self._context(rec.path)).encode("utf-8", "surrogateescape") + self._salt, digest_size=16).digest()
        # the bytes stripped before the line (a BOM, leading space) count toward its error offsets
        return hashlib.blake2b(rec.raw, digest_size=16, key=ctx + rec.lead.to_bytes(8, "little")).digest()

    def plan(self, batch: list[Record]) -> tuple[list[Record], list[tuple[Optional[bytes], object]]]:
        """Split a batch into the records to audit (first copies, and records that take no part) and,
        per record of the batch, (its key, what to do: AUDIT, KEEP (audit and remember), COPY (replay
        the first copy's result), CLEAN (clean in an earlier run), or the result itself, placed at the
        record, as an earlier run found it). Copies planned here are replayed
        by `merge` once the batches before them, and their own, are merged, in order."""
        todo: list[Record] = []
        slots: list[tuple[Optional[bytes], object]] = []
        results = self._results
        keys = [self.key(rec) for rec in batch]
        earlier: dict = {}
        if self.store is not None:
            ask = [k for k in keys if k is not None and k not in results]
            earlier = {k: hit for k, hit in zip(ask, self.store.known(ask)) if hit is not None}
        for rec, k in zip(batch, keys):
            if k is not None and k in results:
                slots.append((k, COPY))
                continue
            hit = earlier.get(k) if earlier else None
            if hit is not None:
                replay = CLEAN if hit == recordcache.CLEAN else recordcache.decode(hit, rec)
                if replay is not None:  # an entry that cannot be read is audited again
                    slots.append((k, replay))
                    continue
            if k is not None and len(results) < MAX_RECORDS and self._findings < MAX_FINDINGS:
                results[k] = None  # its first copy is being audited
                slots.append((k, KEEP))
            else:
                slots.append((k, AUDIT))  # audited and not remembered in this run
            todo.append(rec)
        return todo, slots

    def merge(self, batch: list[Record], slots: list[tuple[Optional[bytes], object]], audited: Iterable) -> Iterator:
        """The batch's results in order: the audited ones (first copies remembered under their key), the
        copies taken from their first copy."""
        got = iter(audited)
        results = self._results
        store = self.store
        for rec, (k, what) in zip(batch, slots):
            if what is COPY:
                yield _placed(results[k], rec)
                continue
            if what is CLEAN:
                yield self._clean
                continue
            if what is not KEEP and what is not AUDIT:
                yield what  # found by an earlier run
                continue
            res = next(got)
            if what is KEEP:
                results[k] = self._keep(res, rec)  # a later copy, even in this batch, replays it
            if store is not None and k is not None:
                store.keep(k, res, rec.line or 0)
            yield res

    def run(self, batches: Iterable[list[Record]], audit: Callable[[list[Record]], list]) -> Iterator:
        """Every batch's results in order, each first copy audited by `audit(records)` (serial runs)."""
        for batch in batches:
            todo, slots = self.plan(batch)
            yield from self.merge(batch, slots, audit(todo) if todo else [])

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
