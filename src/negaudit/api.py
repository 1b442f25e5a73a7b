"""The typed Python API: audit and fix records in memory (Ray, Spark, Dask, Hugging Face datasets).

Records are dicts in any layout `negaudit check` reads (or strings, read as text). Findings are
`Finding` objects; `Finding.to_dict()` is the JSON report's finding object. The auditor (compiled
rules, spaCy) is built once per process and configuration, so calling these once per batch or
partition costs nothing extra.
"""
from __future__ import annotations

import pickle
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from .config import Config, from_mapping
from .models import Finding, Record

if TYPE_CHECKING:
    from .engine import Auditor

OnError = Literal["warn", "raise", "ignore"]
Strategy = Literal["auto", "local-negation", "drop-claim"]
ConfigLike = Union[Config, Mapping[str, Any], None]
BATCH = 32  # records audited together (their spaCy parses batched)

_AUDITORS: dict[bytes, "Auditor"] = {}


class NegauditWarning(UserWarning):
    """A record that audit_records or fix_records could not audit."""


def as_config(config: ConfigLike) -> Config:
    """A Config from a Config, a mapping with the keys of [tool.negaudit] (validated the same way, so a
    wrong key raises ConfigError), or None (the defaults)."""
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return from_mapping(dict(config), "<config>")
    raise TypeError(f"config must be a Config, a mapping or None, not {type(config).__name__}")


def _auditor(cfg: Config) -> "Auditor":
    from .engine import Auditor

    key = pickle.dumps(cfg)
    found = _AUDITORS.get(key)
    if found is None:
        found = _AUDITORS[key] = Auditor(cfg)
    return found


def class_label_names(source: Any) -> dict[str, list[str]]:
    """{column: names} of the top-level `ClassLabel` columns of a Hugging Face `Dataset`,
    `IterableDataset` or `Features` (anything with `.features`, or a mapping of column -> feature
    with `.names`). Use it in `Dataset.map(batched=True)`, where batches carry no features."""
    features = getattr(source, "features", source)
    if not isinstance(features, Mapping):
        return {}
    out: dict[str, list[str]] = {}
    for col, feat in features.items():
        names = getattr(feat, "names", None)
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names) and hasattr(feat, "int2str"):
            out[str(col)] = list(names)
    return out


def _named(row: Any, names: Mapping[str, Sequence[str]]) -> Any:
    """The row with each ClassLabel index replaced by its name (a copy; the caller's row is kept)."""
    if not names or not isinstance(row, Mapping):
        return row
    out = None
    for col, labels in names.items():
        v = row.get(col)
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(labels):
            if out is None:
                out = dict(row)
            out[col] = labels[v]
    return row if out is None else out


def _checked(records: Any, on_error: str) -> None:
    """The arguments' errors, raised at the call rather than at the first record read."""
    if on_error not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_error must be 'warn', 'raise' or 'ignore', not {on_error!r}")
    if isinstance(records, (str, bytes, bytearray, Mapping)):
        # iterating one record would audit its characters or its keys, and find nothing
        raise TypeError(f"records must be an iterable of records (a list of dicts or strings), not one "
                        f"{type(records).__name__}; wrap a single record in a list, and pass a batch of "
                        "columns (Dataset.map(batched=True)) as its rows")


def _audited(records: Iterable[Any], cfg: Config, path: str, on_error: OnError,
             label_names: Optional[Mapping[str, Sequence[str]]]) -> Iterator[tuple[Record, list[Finding]]]:
    names = dict(label_names) if label_names is not None else class_label_names(records)
    auditor = _auditor(cfg)
    batch: list[Record] = []

    def flush() -> Iterator[tuple[Record, list[Finding]]]:
        for rec, res in zip(batch, auditor.audit_batch(batch)):
            if res.error is not None and on_error != "ignore":
                msg = f"record {rec.index} of {path}: {res.error.message}"
                if on_error == "raise":
                    raise ValueError(msg)
                warnings.warn(msg, NegauditWarning, stacklevel=4)
            yield rec, sorted(res.findings, key=Finding.sort_key)
        batch.clear()

    for i, data in enumerate(records):
        batch.append(Record(path, i + 1, i, _named(data, names)))
        if len(batch) >= BATCH:
            yield from flush()
    yield from flush()


def audit_records(records: Iterable[Any], *, config: ConfigLike = None, path: str = "<records>",
                  on_error: OnError = "warn",
                  label_names: Optional[Mapping[str, Sequence[str]]] = None) -> Iterator[Finding]:
    """Audit records in order; yields their findings (`record` is the 0-based position in `records`).

    `records` may be a Hugging Face `Dataset`: the names of its `ClassLabel` columns are used, so
    `label: 0` with names `["false", "true"]` reads as the label "false". For batches without
    features (`Dataset.map(batched=True)`), pass `label_names=class_label_names(ds)`.
    A record that cannot be audited (no text field) is reported by `on_error`: "warn" (a
    NegauditWarning naming it), "raise" (ValueError) or "ignore".

    Findings are per record: the corpus-wide repetition bonus of `negaudit check` needs the whole
    corpus and is not added here."""
    cfg = as_config(config)
    _checked(records, on_error)
    return _findings(records, cfg, path, on_error, label_names)


def _findings(records: Iterable[Any], cfg: Config, path: str, on_error: OnError,
              label_names: Optional[Mapping[str, Sequence[str]]]) -> Iterator[Finding]:
    for _rec, findings in _audited(records, cfg, path, on_error, label_names):
        yield from findings


@dataclass(frozen=True)
class FixedRecord:
    """One record after fix_records: `record` is the fixed copy (or the record itself, unchanged)."""

    index: int  # 0-based position in the input
    record: Any
    changed: bool
    findings: tuple[Finding, ...]  # what the audit found in the original record
    rules: tuple[str, ...]  # the rules whose findings the fix resolved


def fix_records(records: Iterable[Any], *, config: ConfigLike = None, unsafe: bool = False,
                strategy: Strategy = "auto", path: str = "<records>", on_error: OnError = "warn",
                label_names: Optional[Mapping[str, Sequence[str]]] = None) -> Iterator[FixedRecord]:
    """Audit records and yield each one, fixed where a fix applies (as `negaudit check --fix` edits a
    file: safe fixes only unless `unsafe`; `strategy` as --fix-strategy). Every input record is
    yielded once, in order; a fixed record is a new object and the input is never modified. A
    ClassLabel index is read by its name for the audit but stays an index in the yielded record."""
    if strategy not in ("auto", "local-negation", "drop-claim"):
        raise ValueError(f"strategy must be 'auto', 'local-negation' or 'drop-claim', not {strategy!r}")
    cfg = as_config(config)
    _checked(records, on_error)
    return _fixed(records, cfg, unsafe, strategy, path, on_error, label_names)


def _fixed(records: Iterable[Any], cfg: Config, unsafe: bool, strategy: Strategy, path: str, on_error: OnError,
           label_names: Optional[Mapping[str, Sequence[str]]]) -> Iterator[FixedRecord]:
    from .fixing import apply_plan, plan_record

    pending: deque[Any] = deque()  # records read but not yet yielded (at most one batch)

    def kept(src: Iterable[Any]) -> Iterator[Any]:
        for r in src:
            pending.append(r)
            yield r

    for rec, findings in _audited(kept(records), cfg, path, on_error, label_names):
        original = pending.popleft()  # _audited yields every record once, in input order
        plan = plan_record(findings, original, unsafe, strategy) if findings else None
        if plan is None:
            yield FixedRecord(rec.index, original, False, tuple(findings), ())
        else:
            yield FixedRecord(rec.index, apply_plan(original, plan), True, tuple(findings),
                              tuple(sorted(plan.rules)))
