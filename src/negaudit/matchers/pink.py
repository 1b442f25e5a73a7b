"""`kind: pink-elephant`: the same denied attribute repeated next to an entity ("is not a dentist" three
times): the association can survive the negation, so the finding suggests masking the word.

Data: `min_repeats` (default 3), `ignore` (attribute words that are never reported, e.g. "lot", "fan").
A record-level kind: the engine asks `findings` once per record.
"""
from __future__ import annotations

import regex

from .. import scoring
from ..models import Finding, Segment
from . import Matcher, register

DENIED = regex.compile(
    r"\b(?:is|was|are|were|be|been|being|who(?:'s| is| was))\s+(?:not|never|n['’]t)\s+(?:\w+\s+)?(?:a|an|the)\s+"
    r"(?P<attr>[\p{L}-]{3,})"
    r"|\b(?:never|not|n['’]t)\s+(?:\w+\s+)?(?:worked|work|served|serve|trained|train|practi[sc]ed|practi[sc]e|qualified|"
    r"licensed|employed)\s+as\s+(?:a|an)\s+(?P<attr2>[\p{L}-]{3,})",
    regex.I)


def _may_deny(seg: Segment) -> bool:
    t = seg.text
    return seg.kind == "content" and seg.trained and ("not" in t or "never" in t or "n't" in t or "n’t" in t)


@register("pink-elephant")
class PinkElephant(Matcher):
    def __init__(self, det, rules) -> None:
        super().__init__(det, rules)
        self.rule = rules[0]
        self.need = int(self.rule.match.get("min_repeats", 3))
        self.ignore = {str(w).lower() for w in self.rule.match.get("ignore", ())}

    def hits(self, s: Segment) -> dict[str, list]:
        """Denied attributes repeated at least `min_repeats` times in one segment, with their matches."""
        if not _may_deny(s):
            return {}
        found: dict[str, list] = {}
        for m in DENIED.finditer(s.text):
            attr = (m.group("attr") or m.group("attr2") or "").lower()
            if attr and attr not in self.ignore:
                found.setdefault(attr, []).append(m)
        return {a: ms for a, ms in found.items() if len(ms) >= self.need}

    def findings(self, rec, segments, units) -> list[Finding]:
        rule = self.rule
        out = []
        for i, s in enumerate(segments):
            for attr, ms in sorted(self.hits(s).items()):
                m0 = ms[0]
                sent = next((u for u in units if u.seg == i and u.start <= m0.start() < u.end), None)
                risk = scoring.finalize(scoring.base_risk(rule.prior, True))
                o = s.offset  # offsets in the field (a turn of a transcript may start inside it)
                claim = {"text": sent.text, "start": o + sent.start, "end": o + sent.end} if sent else None
                out.append(Finding(
                    rule=rule.id, severity=scoring.severity_of(risk), risk=risk, path=rec.path, line=rec.line,
                    record=rec.index, field=s.pointer, trained=True,
                    qualifier={"text": m0.group(), "start": o + m0.start(), "end": o + m0.end()}, claim=claim,
                    message=f"{rule.message} Denied attribute '{attr}' appears {len(ms)} times.",
                    suggestion={"text": f"Mask '{attr}' from the loss in this record ({len(ms)} occurrences), "
                                        "or state the true attribute instead of repeating the denial.",
                                "safe": False, "mask": [attr]},
                    extra={"direction": "self"}, sort_offset=(sent.order if sent else 0) * 1_000_000 + m0.start()))
        return out
