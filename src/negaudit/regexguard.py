"""A regex timeout for every pattern that holds lexicon entries from a user's rule pack.

The detector embeds the lexicon lists into many patterns (alternations, meta-reference and
probability patterns, the cue scan). A rule pack in the audited tree can add entries to those lists,
so a single entry such as `(?:a|a)+b` would otherwise backtrack for hours. When the lexicon holds
user entries, `guarded_detector` builds the detector twice: once with every entry and once with the
shipped entries only. Each pattern of the first that differs from its counterpart in the second is
recompiled with the `regex` module under REGEX_TIMEOUT. The first timeout is reported as a rule error
(exit 2) and from then on the whole detector uses the shipped-only patterns, so the run finishes with
the built-in rules intact. Without user lexicon entries the detector is the plain one.
"""
from __future__ import annotations

import re
from typing import Any

import regex

from .detecting import Detector
from .rules import REGEX_TIMEOUT, RuleSet
from .triggers import AlternationIndex, GatedAlternation

_RE_FLAGS = re.I | re.M | re.S | re.X  # the stdlib flags that mean the same in the regex module


class _Timed:
    """A compiled regex whose searches stop after REGEX_TIMEOUT (TimeoutError). Iterators are
    materialised so that the timeout is raised by the call, not later by whoever iterates."""

    __slots__ = ("rx",)

    def __init__(self, rx) -> None:
        self.rx = rx

    def search(self, string, *args, **kw):
        return self.rx.search(string, *args, timeout=REGEX_TIMEOUT, **kw)

    def match(self, string, *args, **kw):
        return self.rx.match(string, *args, timeout=REGEX_TIMEOUT, **kw)

    def fullmatch(self, string, *args, **kw):
        return self.rx.fullmatch(string, *args, timeout=REGEX_TIMEOUT, **kw)

    def finditer(self, string, *args, **kw):
        return iter(list(self.rx.finditer(string, *args, timeout=REGEX_TIMEOUT, **kw)))

    def findall(self, string, *args, **kw):
        return self.rx.findall(string, *args, timeout=REGEX_TIMEOUT, **kw)

    def sub(self, repl, string, *args, **kw):
        return self.rx.sub(repl, string, *args, timeout=REGEX_TIMEOUT, **kw)

    def split(self, string, *args, **kw):
        return self.rx.split(string, *args, timeout=REGEX_TIMEOUT, **kw)

    def __getattr__(self, name: str):
        return getattr(self.rx, name)


def _timed_compile(src: str, flags: int = 0) -> _Timed:
    return _Timed(regex.compile(src, flags))


class _Trip:
    """Shared by the guarded patterns of one detector: set by the first timeout."""

    def __init__(self, errors: list, packs: list[str]) -> None:
        self.tripped = False
        self.errors = errors
        self.packs = packs

    def trip(self) -> None:
        if not self.tripped:
            self.tripped = True
            self.errors.append(
                f"lexicon entries of {', '.join(self.packs)}: a pattern timed out after {REGEX_TIMEOUT:g}s "
                "(catastrophic backtracking?); the pack's lexicon entries are disabled for this run")


class _Guarded:
    """A detector pattern with user entries: timed, and replaced by its shipped-only counterpart
    once any guarded pattern has timed out."""

    __slots__ = ("_primary", "_fallback", "_trip")

    def __init__(self, primary, fallback, trip: _Trip) -> None:
        self._primary, self._fallback, self._trip = primary, fallback, trip

    def __getattr__(self, name: str):
        if self._trip.tripped:
            return getattr(self._fallback, name)
        attr = getattr(self._primary, name)
        if not callable(attr):
            return attr

        def call(*args, **kw):
            if not self._trip.tripped:
                try:
                    return attr(*args, **kw)
                except TimeoutError:
                    self._trip.trip()
            return getattr(self._fallback, name)(*args, **kw)

        return call


def _source(p) -> Any:
    if isinstance(p, (GatedAlternation, re.Pattern, regex.Pattern)):
        return p.pattern
    if isinstance(p, AlternationIndex):
        return tuple(p.alternatives)
    return None


def _timed(p):
    if isinstance(p, GatedAlternation):
        return GatedAlternation(p.alternatives, p.head, p.tail, p.flags, _timed_compile)
    if isinstance(p, AlternationIndex):
        return AlternationIndex(p.alternatives, p.flags, _timed_compile)
    if isinstance(p, re.Pattern):
        return _timed_compile(p.pattern, p.flags & _RE_FLAGS)
    return _timed_compile(p.pattern, p.flags)


def _guard(primary, fallback, trip: _Trip):
    if isinstance(primary, list) and isinstance(fallback, list) and len(primary) == len(fallback):
        return [_guard(a, b, trip) for a, b in zip(primary, fallback)]
    if isinstance(primary, dict) and isinstance(fallback, dict) and primary.keys() == fallback.keys():
        return {k: _guard(v, fallback[k], trip) for k, v in primary.items()}
    src = _source(primary)
    if src is None or src == _source(fallback):
        return primary  # built from the shipped entries only: no user text in it
    return _Guarded(_timed(primary), fallback, trip)


def guarded_detector(ruleset: RuleSet) -> Detector:
    """The detector for `ruleset`, with a timeout on every pattern that holds user lexicon entries."""
    det = Detector(ruleset)
    lex = ruleset.lexicon
    if not getattr(lex, "user_packs", None):
        return det
    shipped = Detector(RuleSet(ruleset.rules, lex.without_user_entries()))
    trip = _Trip(det.rule_errors, lex.user_packs)
    for name, value in list(vars(det).items()):
        if name in ("ruleset", "rule_errors", "disabled", "custom"):
            continue
        setattr(det, name, _guard(value, getattr(shipped, name, None), trip))
    return det
