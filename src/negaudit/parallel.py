"""-j/--jobs: audit record batches in worker processes with output identical to -j 1.

Batches are submitted in file order with a bounded number in flight (so memory does not grow with
the input) and collected first-in first-out, so findings come back in the same order as a serial
run; the report is then sorted exactly as in a serial run.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections import deque
from typing import Iterable, Iterator

from .clustering import claim_keys, remember_keys
from .engine import record_batches
from .models import Record

_WORKER = None
_PARENT = None  # the parent's auditor, inherited by forked workers (set only around the pool's start)


def _init(config) -> None:
    global _WORKER
    import signal

    # Ctrl-C is the parent's to handle: it stops the pool, and no worker prints a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _PARENT is not None:  # a forked worker: the parent's compiled rules and spaCy pipeline, shared
        _WORKER = _PARENT   # copy-on-write instead of being built again in every worker
        return
    from .engine import Auditor

    _WORKER = Auditor(config)


def _run(batch: list[Record]):
    results = _WORKER.audit_batch(batch)
    errors = list(_WORKER.detector.rule_errors)
    _WORKER.detector.rule_errors.clear()
    nlp = _WORKER._nlp
    # the claim keys of the batch's findings, computed here in parallel rather than in the parent's
    # cluster pass after the last record
    keys = claim_keys(f for res in results for f in res.findings)
    return results, errors, (nlp.name if nlp else ""), (nlp.warning if nlp else None), keys


def default_jobs(paths: Iterable[str]) -> int:
    """All cores for inputs over 4 MB; one process for small inputs (a pre-commit hook stays fast)."""
    total = 0
    for p in paths:
        try:
            if os.path.isdir(p):
                for root, _dirs, files in os.walk(p):
                    total += sum(os.path.getsize(os.path.join(root, f)) for f in files
                                 if not os.path.islink(os.path.join(root, f)))
            else:
                total += os.path.getsize(p)
        except OSError:
            continue
        if total > 4 * 1024 * 1024:
            return os.cpu_count() or 1
    return 1


def audit_parallel(records: Iterator[Record], config, jobs: int, meta: dict, parent=None, repeats=None) -> Iterator:
    """Yield RecordResults in input order, computed by `jobs` worker processes. With the fork start
    method, `parent` (the caller's Auditor, its spaCy pipeline loaded first) is what every worker uses;
    otherwise each worker builds its own from `config`. With `repeats` (repeats.Repeats), a line
    repeated anywhere in the run is sent to a worker once and its later copies are replayed here (the
    first copy's batch is merged first: batches are merged in order)."""
    fork = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork" if fork else "spawn")
    pending: deque = deque()
    pool = None
    try:
        def drain(limit: int):
            while len(pending) > limit:
                job, batch, slots = pending.popleft()
                if job is None:  # every record of the batch was a repeat
                    yield from repeats.merge(batch, slots, [])
                    continue
                results, errors, model, warning, keys = job.get()
                remember_keys(keys)
                meta["rule_errors"].extend(errors)
                if model:
                    meta["model"] = model
                if warning:
                    meta["warning"] = warning
                yield from (repeats.merge(batch, slots, results) if repeats is not None else results)

        for batch in record_batches(records):  # a worker's batch is a serial run's (its spaCy batching too)
            todo, slots = repeats.plan(batch) if repeats is not None else (batch, None)
            if todo and pool is None:
                # the workers start when the first record needs auditing: a run whose every line is a
                # repeat or known from an earlier run (recordcache.py) loads no pipeline and forks nothing
                pool = _start(ctx, fork, config, jobs, parent)
            pending.append((pool.apply_async(_run, (todo,)) if todo else None, batch, slots))
            yield from drain(2 * jobs)
        yield from drain(0)
    finally:
        if pool is not None:
            pool.terminate()


def _start(ctx, fork: bool, config, jobs: int, parent):
    """The worker pool. Forked workers share the parent's auditor, its spaCy pipeline loaded first."""
    global _PARENT
    if parent is not None:
        # the detectors first, whatever the start method: a rule pack that cannot be built fails here,
        # before spaCy loads (and before spawned workers each fail on it, which the pool would restart)
        parent.build()
    if fork and parent is not None:
        parent.nlp  # loaded once, before the fork, rather than once per worker
        parent.learned_warmup()
        _PARENT = parent
    # objects that exist before the fork (the rules, the pipeline, the tables) are moved out of the
    # garbage collector's reach in the workers: a collection there would write to every one of them
    # and so copy their shared pages (about 15% fewer page faults on the real corpora)
    gc.freeze()
    try:
        return ctx.Pool(jobs, initializer=_init, initargs=(config,))
    finally:
        _PARENT = None  # the workers are forked by now; the parent never reads it
        gc.unfreeze()  # the parent collects as before

__all__ = ["audit_parallel", "default_jobs"]
