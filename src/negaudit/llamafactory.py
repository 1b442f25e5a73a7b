"""LLaMA-Factory's dataset_info.json: the column and tag mapping of a registered dataset.

LLaMA-Factory registers each dataset file in a `dataset_info.json` in its dataset directory, with
`formatting` (alpaca or sharegpt), `ranking` (a preference dataset), `columns` (which key holds the
prompt, query, response, history, messages, system, tools, chosen, rejected, kto_tag) and, for
sharegpt, `tags` (the role and content keys of a turn and the role names). When an audited file is
registered there, its records are read with that mapping, so renamed columns and roles are read as
the trainer reads them; findings keep the file's own key names.
"""
from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass, field
from typing import Any, Optional

from .models import Segment

INFO_NAME = "dataset_info.json"
MAX_INFO_BYTES = 16 * 1024 * 1024
ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output", "history": None, "system": None,
                  "tools": None, "chosen": "chosen", "rejected": "rejected", "kto_tag": None}
SHAREGPT_COLUMNS = {"messages": "conversations", "system": None, "tools": None, "chosen": "chosen",
                    "rejected": "rejected", "kto_tag": None}
SHAREGPT_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}
TAG_ROLES = {"user_tag": "user", "assistant_tag": "assistant", "observation_tag": "tool", "function_tag": "tool_call",
             "system_tag": "system"}
MEDIA = ("images", "videos", "audios")


@dataclass
class DatasetSpec:
    """One dataset_info.json entry, with LLaMA-Factory's defaults filled in."""

    name: str
    formatting: str = "alpaca"
    ranking: bool = False
    columns: dict[str, Optional[str]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def spec_of(name: str, entry: dict[str, Any]) -> Optional[DatasetSpec]:
    fmt = str(entry.get("formatting", "alpaca")).lower()
    if fmt not in ("alpaca", "sharegpt"):
        return None
    cols = dict(ALPACA_COLUMNS if fmt == "alpaca" else SHAREGPT_COLUMNS)
    given = entry.get("columns")
    if isinstance(given, dict):
        cols.update({str(k): str(v) for k, v in given.items() if isinstance(v, str)})
    tags = dict(SHAREGPT_TAGS)
    given = entry.get("tags")
    if isinstance(given, dict):
        tags.update({str(k): str(v) for k, v in given.items() if isinstance(v, str)})
    return DatasetSpec(name, fmt, entry.get("ranking") is True, cols, tags)


def find_spec(path: str, cache: dict[str, dict[str, DatasetSpec]]) -> Optional[DatasetSpec]:
    """The dataset_info.json entry that registers `path` (its directory or the one above it), or None.
    An unreadable or malformed dataset_info.json registers nothing."""
    here = os.path.dirname(os.path.abspath(path))
    for d in (here, os.path.dirname(here)):
        specs = cache.get(d)
        if specs is None:
            specs = cache[d] = _load(os.path.join(d, INFO_NAME))
        if not specs:
            continue
        rel = os.path.relpath(os.path.abspath(path), d).replace(os.sep, "/")
        for key in (rel, rel.split("/")[0]):  # a file, or a dataset folder
            if key in specs:
                return specs[key]
    return None


def _load(info: str) -> dict[str, DatasetSpec]:
    try:
        with open(info, "rb") as fh:
            raw = fh.read(MAX_INFO_BYTES + 1)
        data = json.loads(raw) if len(raw) <= MAX_INFO_BYTES else None
    except (OSError, ValueError):
        return {}
    out: dict[str, DatasetSpec] = {}
    if isinstance(data, dict):
        for name, entry in data.items():
            if isinstance(entry, dict) and isinstance(entry.get("file_name"), str):
                spec = spec_of(str(name), entry)
                if spec is not None:
                    # "./x.jsonl" and "x.jsonl" name one file, as LLaMA-Factory joins them to the folder
                    out[posixpath.normpath(entry["file_name"].replace("\\", "/")).strip("/")] = spec
    return out


def segments(rec: dict[str, Any], spec: DatasetSpec) -> tuple[str, list[Segment], set[str]]:
    """(layout, segments, keys used) of a record read as `spec` says; pointers use the record's keys."""
    from .adapters import _esc, _history_segments, _turn_segments

    cols = spec.columns
    used = {c for c in cols.values() if c} | set(MEDIA)
    segs: list[Segment] = []

    def col(name: str) -> Optional[str]:
        return cols.get(name)

    system = col("system")
    if system and isinstance(rec.get(system), str):
        segs.append(Segment("/" + _esc(system), rec[system], False, "system"))
    if spec.formatting == "alpaca":
        hist = col("history")
        if hist and isinstance(rec.get(hist), list):
            segs += [Segment("/" + _esc(hist) + s.pointer[len("/history"):], s.text, s.trained, s.role)
                     for s in _history_segments(rec[hist])]
        for name, role in (("prompt", "instruction"), ("query", "input")):
            key = col(name)
            if key and isinstance(rec.get(key), str):
                segs.append(Segment("/" + _esc(key), rec[key], False, role))
        replies = (("chosen", True, "chosen"), ("rejected", False, "rejected")) if spec.ranking \
            else (("response", True, "output"),)
        for name, trained, role in replies:
            key = col(name)
            if key and isinstance(rec.get(key), str):
                segs.append(Segment("/" + _esc(key), rec[key], trained, role))
        return ("preference" if spec.ranking else "alpaca"), segs, used
    tags = spec.tags
    roles = {tags[t]: r for t, r in TAG_ROLES.items() if t in tags}
    rk, ck = tags["role_tag"], tags["content_tag"]

    def turn(m: Any, ptr: str, override: Optional[str] = None) -> list[Segment]:
        if not isinstance(m, dict):
            return []
        role = override or roles.get(str(m.get(rk)), str(m.get(rk, "")).lower())
        # LLaMA-Factory's converter reads no per-turn loss key: every assistant turn is trained
        return _turn_segments(m, ptr, rk, ck, role, weights=False)

    msgs = col("messages")
    if msgs and isinstance(rec.get(msgs), list):
        for i, m in enumerate(rec[msgs]):
            segs += turn(m, f"/{_esc(msgs)}/{i}")
    if spec.ranking:
        for name in ("chosen", "rejected"):
            key = col(name)
            if key and isinstance(rec.get(key), dict):
                for s in turn(rec[key], "/" + _esc(key)):
                    s.trained = name == "chosen" and s.role == "assistant" and not s.masked
                    s.role = "rejected" if name == "rejected" else s.role
                    segs.append(s)
    return ("preference" if spec.ranking else "sharegpt"), segs, used
