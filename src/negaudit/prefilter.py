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
sends every line with a backslash to the full check). Metadata fields (labels, probabilities) are not
read here: they are checked on the parsed record, which is cheap.
"""
from __future__ import annotations

import re
from typing import Optional

from .detecting import EXTRA_CUE_SRC, NEGATION
from .triggers import Literals, requirements

_U_ESCAPE = re.compile(r"\\\\|\\u([0-9a-fA-F]{4})")
# characters JSON writes as a short escape; a literal holding one cannot be found in the raw line
_ESCAPED_CHARS = set('"\\/\b\f\n\r\t')
# SHORT_CUE in detecting.py ("~~", "p = 0.03", "p(true)"): too short for the literal analysis
HOT, KEYS = 1, 2
SHORT_CUE_CLAUSES = [[{"~"}], [{"="}], [{"≈"}], [{"true"}, {"("}]]


def _unescape_u(m: "re.Match[str]") -> str:
    return m.group() if m.group(1) is None else chr(int(m.group(1), 16))


class RecordPrefilter:
    """`hot(raw)` is False only when no detector can fire on any text of the record.

    Requirements are clauses: every part of a clause must be present (each part is a set of
    alternative literals). One Aho-Corasick pass looks for the first part of every clause; the other
    parts of a clause are looked up only when its first part is found.
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
        self.first: dict[str, list[list[set[str]]]] = {}  # first-part literal -> the other parts of its clauses
        for c in clauses:
            rest = c[1:]
            for lit in c[0]:
                self.first.setdefault(lit, []).append(rest)
        negs = set(self.negations)
        literals = set(self.first) | locators | negs
        self.backslash_unsafe = any(ch in _ESCAPED_CHARS or ord(ch) < 32 for lit in literals for ch in lit)
        self.keys = set(self.key_literals or ()) - set(self.first) - negs
        self.scan = Literals(set(self.first) | negs | self.keys)
        self.negation_set = negs
        self.locators = Literals(locators) if locators else None

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
        """HOT when a detector of the text may fire; KEYS when a metadata key may carry a label."""
        if not self.exact:
            return HOT | KEYS
        text = self.scan_text(raw)
        if text is None:
            return HOT | KEYS
        first, negset = self.first, self.negation_set
        negs = 0
        keys = KEYS if self.key_literals is None else 0
        for lit in self.scan.found(text):
            if lit in negset:
                negs += 1
            rests = first.get(lit)
            if rests is None:
                if lit in self.keys:
                    keys = KEYS
                continue
            for rest in rests:
                if all(any(x in text for x in part) for part in rest):
                    return HOT | KEYS
            if self.key_literals is not None and lit in self.key_literals:
                keys = KEYS
        if negs and self.pink_repeats is not None and negs >= self.pink_repeats:
            return HOT | KEYS
        if negs and self.locators is not None and self.locators.any(text):
            return HOT | KEYS
        return keys
