"""A record's own suppressions: `{"negaudit": {"ignore": ["NN101"]}}` (the field name is configurable).

A misspelt key (`"ignroe"`), a value of the wrong type or a code that names no rule is reported as
an error of that record (exit 2), naming the closest valid value: a typo must not silently leave a
finding unsuppressed, nor a bad code silently suppress nothing. (A record whose text holds no cue
is never parsed, so a typo in it is reported only once the record has something to suppress.)
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

KEYS = ("ignore",)


def record_suppressions(data: Any, field: str, known: Iterable[str]) -> tuple[list[str], Optional[str]]:
    """(rule codes or prefixes the record suppresses, problem) from the record's suppression field."""
    if not isinstance(data, dict) or field not in data:
        return [], None
    from .config import unknown
    from .rules import unknown_selector

    sup = data[field]
    if not isinstance(sup, dict):
        return [], f'suppression field "{field}" must be an object such as {{"ignore": ["NN101"]}}, got {type(sup).__name__}'
    problems = [f'"{field}": {unknown("suppression key", str(k), KEYS)}' for k in sup if k not in KEYS]
    ig = sup.get("ignore", [])
    raw = [ig] if isinstance(ig, str) else ig if isinstance(ig, list) else None
    if raw is None or not all(isinstance(c, str) for c in raw):
        problems.append(f'"{field}": "ignore" must be a rule code or a list of rule codes')
        raw = [c for c in raw or () if isinstance(c, str)]
    codes = [c.upper() for c in raw]
    known = frozenset(known)
    if known:
        problems += [f'"{field}": "ignore": {why}' for why in (unknown_selector(c, known) for c in raw) if why]
    return codes, "; ".join(problems) or None
