"""Audit on a Dask cluster: `negaudit check --dask ADDRESS` and `audit_dask(paths, ...)`.

Inputs are any fsspec paths (local, file://, s3://, gs://, ...). Plain JSON Lines files are split into
byte ranges aligned to line starts (a record belongs to the block where its line starts); a first cheap
pass counts the lines and records of each block so that line numbers and record indexes are the local
reader's. Parquet files give one partition per row group; compressed, JSON-array and text files are one
partition each, read by the local reader itself. Results are gathered in partition order and merged
exactly as `Auditor.audit_paths` merges them, so the report equals a local run's.
"""
from __future__ import annotations

import glob
import os
import pickle
import shutil
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator, NamedTuple, Optional

from .config import Config
from .engine import Auditor, Report, record_batches
from .errors import ConfigError
from .models import InputError, Record
from .reading import BINARY_HEAD, BOM, _io_error, dataset_kind, iter_paths, not_utf8_text, read_records, too_large, trim_line

DEFAULT_BLOCKSIZE = 64 * 1024 * 1024
INSTALL_HINT = "the Dask engine needs dask and distributed: pip install 'negaudit[dask]'"
_AUDITORS: dict[bytes, tuple[Auditor, threading.Lock]] = {}
_AUDITORS_LOCK = threading.Lock()


class DistributedError(RuntimeError):
    """Dask missing, a bad --dask address or an unreachable scheduler (the CLI exits 2)."""


class Part(NamedTuple):
    kind: str  # "lines" (byte range of plain JSONL) | "rowgroup" (Parquet) | "whole" (the local reader)
    fileno: int  # position of the file in the expanded input
    path: str  # as reported in findings (the user's string for local files)
    url: str  # fsspec URL; "" for a local path
    start: int = 0  # byte offset, or row group number
    end: int = 0  # byte offset (exclusive)
    line0: int = 0  # lines (rows) before this partition in its file
    index0: int = 0  # records before this partition in its file


def _protocol(path: str) -> Optional[str]:
    if "://" not in path:
        return None
    import fsspec

    proto = path.split("://", 1)[0]
    return proto if proto in fsspec.available_protocols() else None


def cli_paths(paths) -> list[str]:
    """Undo pathlib's collapsing of 's3://b/k' into 's3:/b/k' for the CLI's Path arguments."""
    out = []
    for p in map(str, paths):
        scheme, sep, rest = p.partition(":/")
        if sep and len(scheme) > 1 and not rest.startswith("/") and _protocol(scheme + "://x"):
            p = "/" + rest if scheme == "file" else f"{scheme}://{rest}"
        out.append(p)
    return out


def _expand(paths: list[str], errors: list[InputError], selector=None) -> list[tuple[str, str]]:
    """(reported path, fsspec URL or "") per dataset file: directories and globs expanded, sorted. A
    local directory is walked with the run's file selection (selecting.Selector), as a local run does;
    in remote storage the include patterns choose the files."""
    out: list[tuple[str, str]] = []
    for p in paths:
        p = p[len("file://"):] if p.startswith("file://") else p
        if _protocol(p) is None:
            if not os.path.lexists(p) and glob.has_magic(p):
                hits = [h for h in sorted(glob.glob(p)) if os.path.isdir(h) or dataset_kind(h)]
                if not hits:
                    errors.append(InputError(p, None, "no files match this pattern"))
                out += [(f, "") for f in iter_paths(hits, errors, None, selector)]
            else:
                out += [(f, "") for f in iter_paths([p], errors, None, selector)]
            continue
        from fsspec.core import url_to_fs

        try:
            fs, root = url_to_fs(p)
            if glob.has_magic(root):
                found = [f for f, info in fs.glob(root, detail=True).items()
                         if info.get("type") != "directory" and dataset_kind(f)]
            elif fs.isdir(root):
                found = [f for f in fs.find(root) if dataset_kind(f) and not any(
                    d.startswith(".") for d in f[len(root.rstrip("/")) + 1:].split("/")[:-1])
                    and (selector is None or selector.included(f))]
            elif fs.exists(root):
                out.append((p, p))
                continue
            else:
                errors.append(InputError(p, None, "no such file or directory"))
                continue
        except Exception as e:  # credentials, network, permissions: reported, the rest audited
            errors.append(InputError(p, None, f"cannot list: {e}"))
            continue
        if not found:
            errors.append(InputError(p, None, "no dataset files found"))
        out += [(fs.unstrip_protocol(f), fs.unstrip_protocol(f)) for f in sorted(found)]
    return out


def _plan(files: list[tuple[str, str]], blocksize: int) -> list[Part]:
    """Partitions per file (on the client): byte ranges, Parquet row groups, or the whole file."""
    parts: list[Part] = []
    for n, (path, url) in enumerate(files):
        kind = dataset_kind(path) or "jsonl"
        lower = path.lower()
        try:
            if not url and not (os.path.isfile(path) and os.access(path, os.R_OK)):
                raise OSError  # the local reader gives the exact message
            if kind == "jsonl" and not lower.endswith((".gz", ".zst")):
                if url:
                    from fsspec.core import url_to_fs

                    fs, p = url_to_fs(url)
                    size = fs.size(p)
                else:
                    size = os.path.getsize(path)
                starts = range(0, max(size, 1), blocksize)
                parts += [Part("lines", n, path, url, s, min(s + blocksize, size)) for s in starts]
                continue
            if kind == "parquet":
                import pyarrow.parquet as pq

                with _open(path, url) as fh:
                    meta = pq.ParquetFile(fh).metadata
                row = 0
                for rg in range(meta.num_row_groups):
                    parts.append(Part("rowgroup", n, path, url, rg, 0, row, row))
                    row += meta.row_group(rg).num_rows
                continue
        except Exception:
            pass
        parts.append(Part("whole", n, path, url))
    return parts


def _open(path: str, url: str):
    if not url:
        return open(path, "rb")
    import fsspec

    return fsspec.open(url, "rb").open()


def _block_lines(fh, start: int, end: int) -> Iterator[bytes]:
    """Raw lines that start in [start, end): a line begins at 0 or right after a newline."""
    fh.seek(max(start - 1, 0))
    if start:
        fh.readline()  # through the newline at or after start - 1: the rest of the previous block's line
    pos = fh.tell()
    while pos < end:
        raw = fh.readline()
        if not raw:
            return
        yield raw
        pos += len(raw)


def _count_block(part: Part) -> tuple[int, int]:
    """(lines, records) that start in a byte range: the offsets of the blocks after it."""
    lines = records = 0
    try:
        with _open(part.path, part.url) as fh:
            for raw in _block_lines(fh, part.start, part.end):
                if lines == 0 and part.start == 0 and raw.startswith(BOM):
                    raw = raw[3:]
                lines += 1
                records += bool(raw.strip())
    except Exception:
        pass  # the audit of this block reads it again and reports the error at its line
    return lines, records


def _read_lines(part: Part, limit: int) -> Iterator[Record]:
    """The records of one byte range, exactly as reading.read_jsonl(parse=False) gives them: raw lines
    that the auditor pre-scans and parses (a bad line becomes an error there, with the reader's message)."""
    path, line_no, index = part.path, part.line0, part.index0
    try:
        with _open(path, part.url) as fh:
            binary = not_utf8_text(fh.read(BINARY_HEAD))  # every block asks; the first reports it
            if binary:
                if part.start == 0:
                    yield Record(path, None, 0, None, binary)
                return
            for raw in _block_lines(fh, part.start, part.end):
                line_no += 1
                stripped, lead = trim_line(raw, line_no == 1)
                if not stripped:
                    continue
                if len(stripped) > limit:
                    yield Record(path, line_no, index, None, too_large(len(stripped), limit))
                else:
                    yield Record(path, line_no, index, None, None, stripped, lead)
                index += 1
    except (OSError, EOFError) as e:
        yield Record(path, line_no + 1 if line_no else None, index, None, _io_error(e))
    except Exception as e:  # remote filesystem errors
        yield Record(path, line_no + 1 if line_no else None, index, None, f"cannot read file: {e}")


def _read_rowgroup(part: Part, limit: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        with _open(part.path, part.url) as fh:
            rows = pq.ParquetFile(fh).read_row_group(part.start).to_pylist()
    except Exception as e:
        yield Record(part.path, part.line0 + 1, part.line0, None, f"cannot read Parquet row group {part.start}: {e}")
        return
    for i, data in enumerate(rows, part.line0):
        yield Record(part.path, i + 1, i, data)


def _read_whole(part: Part, limit: int) -> Iterator[Record]:
    """A file that is not split: the local reader; a remote one is copied to a temporary file first."""
    if not part.url:
        yield from read_records(part.path, parse=False, max_bytes=limit)
        return
    with tempfile.TemporaryDirectory(prefix="negaudit-") as tmp:
        local = os.path.join(tmp, part.url.rstrip("/").rsplit("/", 1)[-1] or "data")
        try:
            with _open(part.path, part.url) as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except Exception as e:
            yield Record(part.path, None, 0, None, f"cannot read file: {getattr(e, 'strerror', None) or e}")
            return
        for rec in read_records(local, parse=False, max_bytes=limit):
            rec.path = part.path
            yield rec


_READERS = {"lines": _read_lines, "rowgroup": _read_rowgroup, "whole": _read_whole}


def _auditor(config_bytes: bytes, worker: bool = True) -> tuple[Auditor, threading.Lock]:
    """One Auditor per worker process and config (spaCy loads once); a lock for threaded workers."""
    with _AUDITORS_LOCK:
        if config_bytes not in _AUDITORS:
            try:
                _AUDITORS[config_bytes] = (Auditor(pickle.loads(config_bytes)), threading.Lock())
            except ConfigError as e:  # its constructor does not survive pickling back to the client
                if not worker:
                    raise
                raise DistributedError(f"invalid configuration on a Dask worker: {e}") from None
        return _AUDITORS[config_bytes]


def _audit_part(part: Part, config_bytes: bytes) -> tuple:
    """Audit one partition: compact results in record order, plus what audit_paths collects on the side."""
    auditor, lock = _auditor(config_bytes)
    part_report, stop = Report(), False
    with lock:
        for batch in record_batches(_READERS[part.kind](part, auditor.max_record_bytes)):
            if part.kind == "rowgroup" and any(rec.error is not None for rec in batch):
                stop = True  # the local reader stops at a damaged row group
            for res in auditor.audit_batch(batch):  # spaCy parses batched as in a local run
                part_report.add(res)
        rule_errors = list(auditor.detector.rule_errors)
        auditor.detector.rule_errors.clear()
        nlp = auditor._nlp
    r = part_report
    return (list(r.findings), r.errors, r.suppressed, r.records, stop, rule_errors, nlp.name if nlp else "",
            nlp.warning if nlp else None)


@contextmanager
def _connect(client, address: Optional[str]):
    if client is not None:
        yield client
        return
    try:
        from distributed import Client, LocalCluster, default_client
    except ImportError:
        raise DistributedError(INSTALL_HINT) from None
    if address is None:
        try:
            existing = default_client()
        except ValueError:
            address = "local"
        else:
            yield existing
            return
    if address == "local" or address.startswith("local:"):
        n = address[6:]
        if n and not (n.isdigit() and int(n) > 0):
            raise DistributedError(f"expected 'local', 'local:N' (N worker processes) or a scheduler address, not {address!r}")
        with LocalCluster(n_workers=int(n) if n else (os.cpu_count() or 1), threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as c:
            yield c
        return
    try:
        c = Client(address, timeout=30)
    except (OSError, TimeoutError, ValueError) as e:
        raise DistributedError(f"cannot connect to the Dask scheduler at {address!r} ({e})") from None
    with c:
        yield c


def _run_bag(client, bag) -> list:
    """Compute a dask.bag on the client's cluster; its items come back in partition order."""
    return client.compute(bag).result()


def audit_dask(paths: list[str], config: Optional[Config] = None, client=None, address: Optional[str] = None,
               blocksize: int = DEFAULT_BLOCKSIZE) -> Report:
    """Audit `paths` (any fsspec paths) on a Dask cluster; the Report equals `Auditor(config).audit_paths(paths)`.

    `client`: a `distributed.Client`; else `address`: 'tcp://host:8786', or 'local' / 'local:N' for a
    LocalCluster of N worker processes run for this call; else the current default client, or a LocalCluster.
    """
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError:
        raise DistributedError(INSTALL_HINT) from None
    config = config or Config()
    config_bytes = pickle.dumps(config)
    local, _lock = _auditor(config_bytes, worker=False)  # a bad configuration or rule pack raises ConfigError here
    if blocksize < 1:
        raise ValueError("blocksize must be a positive number of bytes")
    report = local.new_report()
    from .selecting import Selector

    selector = Selector(config.selection, config.fields, int(config.max_record_mb * 1024 * 1024))
    files = _expand([str(p) for p in paths], report.errors, selector)
    report.files = len(files)
    parts = _plan(files, blocksize)
    import dask.bag as db

    with _connect(client, address) as c:
        # pass 1: lines and records per block of the files that are split, for their offsets
        split = [i for i, p in enumerate(parts) if p.kind == "lines" and i + 1 < len(parts)
                 and parts[i + 1].fileno == p.fileno]
        counts = _run_bag(c, db.from_sequence([parts[i] for i in split], partition_size=1).map(_count_block)) \
            if split else []
        for i, (lines, records) in zip(split, counts):
            parts[i + 1] = parts[i + 1]._replace(line0=parts[i].line0 + lines, index0=parts[i].index0 + records)
        # pass 2: the audit, one bag partition per input partition, gathered in partition order
        results = _run_bag(c, db.from_sequence(parts, partition_size=1).map(_audit_part, config_bytes=config_bytes)) \
            if parts else []
    stopped: set[int] = set()
    rule_errors: list[str] = []
    for part, (findings, errors, suppressed, records, stop, rerrs, model, warning) in zip(parts, results):
        if part.fileno in stopped:
            continue
        stopped.update([part.fileno] if stop else [])
        report.findings.extend(findings)
        report.errors.extend(errors)
        report.suppressed += suppressed
        report.records += records
        rule_errors += rerrs
        report.model = report.model or model
        if warning and warning not in report.warnings:
            report.warnings.append(warning)
    for msg in dict.fromkeys(rule_errors):
        report.errors.append(InputError(config.source or "<rules>", None, msg))
    report.finish()
    return report


__all__ = ["audit_dask", "cli_paths", "DistributedError", "DEFAULT_BLOCKSIZE"]
