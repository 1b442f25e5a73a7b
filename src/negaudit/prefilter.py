"""The record pre-scan: one pass over a raw JSON line decides whether the record can hold a finding.

Every detector that reads a record's text needs certain literal strings to be present: a cue phrase
needs one of its words ("false", "fiction", "probability", ...), the negated-referent cue needs a
negation *and* a locator ("below", "described", ...), a repeated denial (pink elephant) needs a
negation at least `min_repeats` times, the strike-through and "p = 0.03" notations need "~" or "=".
These requirements are derived from the compiled patterns themselves (`triggers.requirements`), so
the scan cannot drift from the detectors: a line that meets none of them is never given to the
detectors at all, and its record is only parsed (to report bad JSON and records with no text).

The scan reads the raw line, not the decoded strings. That is exact because JSON only changes text by
escapes: a `\\uXXXX` escape is decoded before the scan, and the other escapes (`\\n`, `\\"`, ...) stand
for characters no literal contains (checked when the scan is built; a literal that does contain one
sends every line with a backslash to the full check). Metadata fields (labels, probabilities) are
checked on the parsed record, and only when a key literal ("label", "veracity", ...) occurs somewhere
in the line, which the same pass tells.
"""
from __future__ import annotations

import re
from typing import Optional

from .detecting import EXTRA_CUE_SRC, NEGATION
from .triggers import UBIQUITOUS, ClauseIndex, Literals, requirements

_U_ESCAPE = re.compile(r"\\\\|\\u([0-9a-fA-F]{4})")
# characters JSON writes as a short escape; a literal holding one cannot be found in the raw line
_ESCAPED_CHARS = set('"\\/\b\f\n\r\t')
# SHORT_CUE in detecting.py ("~~", "p = 0.03", "p(true)"): too short for the literal analysis
# classify's answer: HOT, a detector of the text may fire; KEYS, a metadata field may be a label;
# MAYBE_KEYS (with neither), a key literal occurs in the line, so the parsed record's keys must tell
HOT, KEYS, MAYBE_KEYS = 1, 2, 4
SHORT_CUE_CLAUSES = [[{"~"}], [{"="}], [{"≈"}], [{"true"}, {"("}]]


def _unescape_u(m: "re.Match[str]") -> str:
    if m.group(1) is None:
        return m.group()
    return chr(int(m.group(1), 16))


class RecordPrefilter:
    """`hot(raw)` is False only when no detector can fire on any text of the record.

    Requirements are clauses: every part of a clause must be present (each part is a set of
    alternative literals). One Aho-Corasick pass finds every literal of every clause (triggers.ClauseIndex).
    """

    def __init__(self, detector, pink_repeats: Optional[int], key_literals: Optional[set[str]] = None) -> None:
        self.exact = True
        # metadata keys that the label rule can accept all contain one of these (None: any key may)
        self.key_literals = key_literals
        clauses: list[list[set[str]]] = []

        def add(pattern: str, flags: int = re.I) -> None:
            req = requirements(pattern, flags)
            if req is None:
                self.exact = False
            else:
                clauses.extend(req)

        add(detector.cue.pattern)
        add(EXTRA_CUE_SRC)
        clauses.extend(SHORT_CUE_CLAUSES)
        for rule in detector.custom:
            add(rule.compiled.pattern)
        neg = requirements(NEGATION.pattern, re.I)
        loc = requirements(detector.locator_cue.pattern, re.I)
        if neg is None or loc is None:
            self.exact = False
            neg, loc = [], []
        # a negated referent needs a negation and a locator; a repeated denial, `pink_repeats` negations
        self.negations = sorted(set().union(*(alt[0] for alt in neg)))
        self.pink_repeats = pink_repeats
        locators: set[str] = set().union(*(alt[0] for alt in loc)) if loc else set()
        self._build(clauses, locators)

    def _build(self, clauses: list[list[set[str]]], locators: set[str]) -> None:
        negs = set(self.negations)
        self.negation_set = frozenset(negs)
        # a key holding a key literal holds one of these (the others contain one of them)
        keys = set(self.key_literals or ())
        self.key_set = frozenset(k for k in keys if not any(o != k and o in k for o in keys))
        self.index = ClauseIndex({i: [c] for i, c in enumerate(clauses)}, negs | self.key_set, min_part_len=3,
                                 frequent=UBIQUITOUS, shared=False)
        self.locators = Literals(locators)
        self.keys = Literals(self.key_literals or ())
        self._key_sets: dict[tuple, bool] = {}
        literals = set(self.index.literals.words) | locators | set(self.key_literals or ())
        self.backslash_unsafe = any(ch in _ESCAPED_CHARS or ord(ch) < 32 for lit in literals for ch in lit)

    def scan_text(self, raw: bytes) -> Optional[str]:
        """The lower-cased text the literals are looked for in; None when the line must go to the full check."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None  # the full path reports it
        if "\\" in text:
            if self.backslash_unsafe:
                return None
            if "\\u" in text:
                text = _U_ESCAPE.sub(_unescape_u, text)
        return text.lower()

    def hot(self, raw: bytes) -> bool:
        return bool(self.classify(raw) & HOT)

    def classify(self, raw: bytes) -> int:
        """HOT | KEYS when a detector of the text may fire; MAYBE_KEYS when none can, but a key of the
        record may be a label (`labelled_keys` then tells); 0 when neither."""
        if not self.exact:
            return HOT | KEYS
        if raw.isascii() and b"\\" not in raw:
            text = raw.lower().decode("ascii")  # the common case, with nothing to decode
        else:
            text = self.scan_text(raw)
            if text is None:
                return HOT | KEYS
        occurrences = self.index.literals.found(text)
        found = set(occurrences)
        if self.index.any_satisfied(found, text):
            return HOT | KEYS
        if not found.isdisjoint(self.negation_set):
            negs = sum(1 for x in occurrences if x in self.negation_set)
            if self.pink_repeats is not None and negs >= self.pink_repeats:
                return HOT | KEYS  # a denial repeated (pink elephant)
            if self.locators.any(text):
                return HOT | KEYS  # a negated referent ("the law described below was never passed")
        if self.key_literals is None or not found.isdisjoint(self.key_set):
            return MAYBE_KEYS
        return 0  # no key of the record can be a label either: no key literal occurs in the line

    def labelled_keys(self, data) -> bool:
        """Can a metadata field of this parsed record be a label? Only its keys tell (a key the label rule
        accepts contains one of the key literals), so a record without such a key skips the metadata.
        The records of a dataset share a few key sets, so the answer is cached per key set."""
        if self.key_literals is None:
            return True
        cache = self._key_sets
        stack = [(data, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > 32:
                return True  # deeper than the metadata reader goes anyway
            if isinstance(value, dict):
                ks = tuple(value)
                hit = cache.get(ks)
                if hit is None:
                    hit = self.keys.any("\x00".join(str(k) for k in ks).lower())
                    if len(cache) < 4096:
                        cache[ks] = hit
                if hit:
                    return True
                for v in value.values():
                    if isinstance(v, (dict, list)):
                        stack.append((v, depth + 1))
            else:
                for v in value:
                    if isinstance(v, (dict, list)):
                        stack.append((v, depth + 1))
        return False
