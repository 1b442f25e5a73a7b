"""`kind: negated-behaviour`: a warning that a reply is bad behaviour ("The model should not produce
responses like this"), next to the trained reply that performs it.

Data: `lexicon` (the warning phrases, default `behaviour_warning`). In a trained reply a warning
counts only as its prefix or suffix, and only when it points at the reply (a meta word or the shape
of a notice): mid-reply, "a bad example of X" describes something else.
"""
from __future__ import annotations

from ..detecting import unit_edge
from . import Matcher, register


@register("negated-behaviour")
class Behaviour(Matcher):
    stages = ((100, "scan"),)

    def __init__(self, det, rules) -> None:
        super().__init__(det, rules)
        self.phrases = [(r, det.lex.compile(r.match.get("lexicon", "behaviour_warning"))) for r in rules]

    def scan(self, seg, unit, units, pos, text):
        if seg.kind == "annotation":
            return None
        for rule, rx in self.phrases:
            m = rx.search(text)
            if m and (not seg.trained or unit_edge(unit, seg) and self.det.points(text)):
                return self.det.q(rule, unit, m.start(), m.end(), "next-turn")
        return None
