"""A regex timeout for every pattern that holds lexicon entries from a user's rule pack.

The lexicon lists are embedded into many patterns: the alternations, the meta-reference and
probability patterns, markup and behaviour matchers, the cue scan, the learned stage's openers and
features. A rule pack in the audited tree can add entries to those lists, so a single entry such as
`(?:a|a)+b` would otherwise backtrack for hours. After the auditor is built, `guard_user_patterns`
walks everything it holds and recompiles, with the `regex` module under REGEX_TIMEOUT, each pattern
in which a user entry stands as an alternative. The first timeout is reported as a rule error (exit 2);
from then on every guarded pattern runs without its user alternatives, so the run finishes with the
shipped vocabulary intact. Without user lexicon entries nothing is touched.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

import regex

from .rules import REGEX_TIMEOUT
from .triggers import AlternationIndex, GatedAlternation

_RE_FLAGS = re.I | re.M | re.S | re.X  # the stdlib flags that mean the same in the regex module


class _Never:
    """The fallback of a pattern made only of user entries: it matches nothing, and answers every
    question a pattern, a GatedAlternation or an AlternationIndex is asked (a tripped gate of the
    learned stage asks `occurs` and `may_match`)."""

    pattern = r"(?!)"
    flags = 0

    def search(self, *args, **kw):
        return None

    match = fullmatch = search

    def finditer(self, *args, **kw):
        return iter(())

    def findall(self, *args, **kw):
        return []

    def sub(self, repl, string, *args, **kw):
        return string

    def split(self, string, *args, **kw):
        return [string]

    def occurs(self, *args, **kw) -> bool:
        return False

    may_match = always_search = occurs


NEVER = _Never()


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
    """Shared by the guarded patterns of one auditor: set by the first timeout."""

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
    """A pattern with user entries: timed, and replaced by its shipped-only form once any guarded
    pattern has timed out."""

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


class _Rewriter:
    """Finds the user entries in a pattern source and builds the pattern without them."""

    def __init__(self, entries: Iterable[str]) -> None:
        alts = sorted({e.replace(" ", r"\s+") for e in entries}, key=len, reverse=True)
        # an entry counts where it stands as a whole alternative: after "(?:" or "|", before "|" or ")"
        self.rx = regex.compile(r"(?:(?<=\(\?:)|(?<=\|))(?:" + "|".join(regex.escape(a) for a in alts) + r")(?=\||\))")
        self.entries = set(alts)

    def holds(self, src: str) -> bool:
        return self.rx.search(src) is not None

    def strip(self, src: str) -> str:
        return self.rx.sub("(?!)", src)

    def guard(self, p, trip: _Trip):
        """`p` guarded when a user entry stands in it, else `p` itself."""
        try:
            if isinstance(p, GatedAlternation):
                if not any(a in self.entries for a in p.alternatives):
                    return p
                kept = [a for a in p.alternatives if a not in self.entries]
                fallback = GatedAlternation(kept, p.head, p.tail, p.flags, regex.compile) if kept else NEVER
                return _Guarded(GatedAlternation(p.alternatives, p.head, p.tail, p.flags, _timed_compile), fallback, trip)
            if isinstance(p, AlternationIndex):
                if not any(self.holds(a) or a in self.entries for a in p.alternatives):
                    return p
                kept = [a for a in p.alternatives if not (self.holds(a) or a in self.entries)]
                fallback = AlternationIndex(kept, p.flags, regex.compile) if kept else NEVER
                return _Guarded(AlternationIndex(p.alternatives, p.flags, _timed_compile), fallback, trip)
            if isinstance(p, (re.Pattern, regex.Pattern)) and isinstance(p.pattern, str) and self.holds(p.pattern):
                flags = p.flags & _RE_FLAGS if isinstance(p, re.Pattern) else p.flags
                try:
                    fallback = regex.compile(self.strip(p.pattern), flags)
                except regex.error:
                    fallback = NEVER
                return _Guarded(_timed_compile(p.pattern, flags), fallback, trip)
        except regex.error:
            return p
        return p


def _walk(obj: Any, rewriter: _Rewriter, trip: _Trip, seen: set) -> Any:
    """`obj` with every pattern that holds a user entry guarded (containers rebuilt or updated)."""
    guarded = rewriter.guard(obj, trip)
    if guarded is not obj or isinstance(obj, (GatedAlternation, AlternationIndex, re.Pattern, regex.Pattern)):
        return guarded
    if id(obj) in seen:
        return obj
    if isinstance(obj, list):
        seen.add(id(obj))
        obj[:] = [_walk(v, rewriter, trip, seen) for v in obj]
    elif isinstance(obj, tuple):
        seen.add(id(obj))
        new = tuple(_walk(v, rewriter, trip, seen) for v in obj)
        return new if any(a is not b for a, b in zip(new, obj)) else obj
    elif isinstance(obj, dict):
        seen.add(id(obj))
        for k in list(obj):
            obj[k] = _walk(obj[k], rewriter, trip, seen)
    elif type(obj).__module__.startswith("negaudit") and type(obj).__name__ not in ("RuleSet", "Lexicon", "Rule",
                                                                                   "Config", "FieldMapping"):
        seen.add(id(obj))
        names = list(vars(obj)) if hasattr(obj, "__dict__") else []
        names += [n for cls in type(obj).__mro__ for n in getattr(cls, "__slots__", ()) if hasattr(obj, n)]
        for name in names:
            value = getattr(obj, name)
            new = _walk(value, rewriter, trip, seen)
            if new is not value:
                setattr(obj, name, new)
    return obj


def guard_user_patterns(root: Any, lexicon, errors: list) -> None:
    """Guard every pattern reachable from `root` (an Auditor) that holds entries of a user pack's
    lexicon; timeouts are reported in `errors`. Entries that a shipped list also holds do not count."""
    packs = getattr(lexicon, "user_packs", None)
    if not packs:
        return
    shipped = {e for items in lexicon.shipped.values() for e in items}
    entries = {e for name, items in lexicon.lists.items() for e in items if e not in shipped}
    if entries:
        _walk(root, _Rewriter(entries), _Trip(errors, packs), set())
