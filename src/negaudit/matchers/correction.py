"""`kind: correction`: a detached negation that also states the truth ("The preceding claim is false;
in reality, Noah Lyles won."), and a truth label after a claim ("Correction: the vote was on 4 May.").

The engine turns a qualifier of a category listed in `applies_to` into this rule's finding when a
truth statement sits next to it (`truth_statement`).
"""
from __future__ import annotations

from typing import Optional

import regex

from . import Matcher, register

TRUTH_LABEL = regex.compile(
    r"^\W{0,6}(?:the\s+)?(?:[\w'’]+\s+)?(?:truth|fact|facts|reality|reality check|correction|clarification|the real story|"
    r"what really happened|actually|erratum|errata|editor'?s?\s+fix|fix|amendment|retraction)(?:\s+[\w'’]+){0,4}\s*[:—–]\s*", regex.I)
CONTENT_WORD = regex.compile(r"\b(?:[\p{Lu}][\p{L}'’-]+|\d[\d,.]*|[\p{Ll}]{6,})\b")


def overlap(a: str, b: str) -> int:
    wa = {w.lower() for w in CONTENT_WORD.findall(a)}
    wb = {w.lower() for w in CONTENT_WORD.findall(b)}
    return len(wa & wb)


@register("correction")
class Correction(Matcher):
    stages = ((80, "scan"),)

    def scan(self, seg, unit, units, pos, text):
        if pos <= 0:
            return None
        m = TRUTH_LABEL.match(text)
        prev = units[pos - 1]
        if m and prev.seg == unit.seg and overlap(prev.text, text) >= 2:
            return self.det.q(self.rules[0], unit, 0, len(text), "backward")
        return None

    def applies_to(self) -> set[str]:
        return {c for r in self.rules for c in r.match.get("applies_to", [])}

    def truth_statement(self, text: str, start: int = 0) -> Optional[tuple[int, int]]:
        """Span of a truth statement ('in reality, Noah Lyles won') in text[start:], if any."""
        det = self.det
        for m in det.truth_cue.finditer(text, start):
            rest = text[m.end():]
            stop = regex.search(r"[.!?](?:\s|$)", rest)
            clause = rest[: stop.start()] if stop else rest
            if len(regex.findall(r"[\p{L}\d]+", clause)) < 3:
                continue
            if det.has_predicate(clause) or det.has_predicate(text[m.start(): m.end() + len(clause)]):
                continue
            if regex.search(r"\b(?:not|never|no|n't)\b", clause[:40], regex.I) and not regex.search(r"[A-Z\d]", clause[1:]):
                continue
            return (m.start(), m.end() + len(clause))
        return None
