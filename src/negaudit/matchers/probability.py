"""`kind: probability`: a low probability given to other content ("roughly a 3% chance this is true",
"1-in-33", "(p=0.03)", "Estimated chance this is true: roughly four percent").

Data: `max_probability` (default 0.5): a probability above it is no qualifier. `after_question`
(default `answer`): a bare rating that names no content ("Confidence: 0%", "(p = 0.03)") in the
sentence right after a question may rate the answer to that question (a quiz, an evaluation
transcript) rather than the content after it: it is reported low at most, with `"place":
"after-question"`. `document` reads it as any other rating.
"""
from __future__ import annotations

from typing import Optional

import regex

from ..detecting import parse_probability
from ..triggers import ClauseIndex, LazyPattern, requirements
from . import Matcher, register

B = r"(?<![\w'])"
E = r"(?![\w'])"
SCI = r"(?P<sci>\d+(?:\.\d+)?\s*[×x*]\s*10\s*\^?\s*[-−–]\s*\d+)"


def sci(t: str) -> Optional[float]:
    m = regex.match(r"(\d+(?:\.\d+)?)\s*[×x*]\s*10\s*\^?\s*[-−–]\s*(\d+)", t)
    return float(m.group(1)) * 10 ** (-int(m.group(2))) if m else None


def patterns(lex) -> tuple[list, frozenset]:
    """The rating patterns, and the positions of the bare ones among them: a rating or label that
    names no content ("Confidence: 0%", "(p = 0.03)")."""
    S = lex.source
    num, noun, tgt = S("probability_number"), S("probability_noun"), S("truth_target")
    target = (rf"this|it|these|they|any of (?:this|it|that|the above|the following)|what follows|the (?:following|above|preceding)"
              rf"(?:\s+[\w-]+)?|the (?:{S('doc_noun')}|{S('claim_noun')})(?:\s+(?:below|above|here))?|its (?:contents?|claims?)")
    f = regex.I
    named = [
        LazyPattern(regex.compile, rf"{B}p\s*[≈=~]\s*(?:{SCI}|(?P<num>{num}))\s+that\b", f),
        LazyPattern(regex.compile, rf"{B}(?P<num>{num}){E}\s+(?:[\w'’-]+\s+){{0,2}}?{noun}{E}\s+(?:(?:that|of|for)\s+)?(?:{target})"
                    rf"[^.!?\n]{{0,50}}?{B}{tgt}{E}", f),
        LazyPattern(regex.compile, rf"{B}(?P<num>{num}){E}\s+(?:[\w'’-]+\s+){{0,2}}?{noun}{E}\s+(?:of|for)\s+(?:being\s+)?{tgt}{E}", f),
        LazyPattern(regex.compile, rf"{B}{noun}{E}[^.!?\n:]{{0,30}}?\s(?:(?:that|of|for|to)\s+)?(?:{target})[^.!?\n]{{0,50}}?{B}{tgt}{E}"
                    rf"[^.!?\n]{{0,40}}?{B}(?P<num>{num}){E}", f),
    ]
    bare = [
        LazyPattern(regex.compile, rf"[(\[]\s*(?:p|prob(?:ability)?|p\s*\(\s*true\s*\)|likelihood|confidence|chance)\s*[=:≈~]\s*(?P<num>{num})"
                    rf"\s*[)\]]", f),
        LazyPattern(regex.compile, rf"^\W{{0,4}}(?:[\w'’]+\s+){{0,2}}(?:estimate|probability|likelihood|chance|odds|confidence|credence)"
                    rf"(?:\s+(?:rating|score|estimate|level|assessment))?\s*[:=]\s*(?:about\s+|roughly\s+|~\s*)?(?P<num>{num}){E}", f),
        LazyPattern(regex.compile, rf"{B}(?:{noun}|p\s*\(\s*(?:true|accurate|real)\s*\))(?:\s+(?:of|that)\s+(?:being\s+)?(?:truth|true|accuracy|"
                    rf"accurate))?\s*[:=≈]\s*(?:about\s+|roughly\s+|~\s*)?(?P<num>{num}){E}", f),
    ]
    return named + bare, frozenset(range(len(named), len(named) + len(bare)))


@register("probability")
class Probability(Matcher):
    stages = ((140, "scan"),)

    def __init__(self, det, rules) -> None:
        super().__init__(det, rules)
        self.patterns, self.bare = patterns(det.lex)
        # each pattern is tried only on a sentence that holds the literals it cannot match without
        # (triggers.requirements, derived from the pattern itself: one Aho-Corasick pass for all of
        # them); a pattern with no such literal is always tried
        needs: dict[int, list] = {}
        self.always: set[int] = set()
        for k, rx in enumerate(self.patterns):
            req = requirements(rx.pattern, rx.flags)
            if req:
                needs[k] = req
            else:
                self.always.add(k)
        self.gate = ClauseIndex(needs)

    def scan(self, seg, unit, units, pos, text):
        det = self.det
        maybe = self.always.union(self.gate.satisfied(text.lower()))
        if not maybe:
            return None
        prev = units[pos - 1] if pos > 0 else None
        after_question = prev is not None and prev.seg == unit.seg and prev.text.rstrip().endswith("?")
        for rule in self.rules:
            limit = float(rule.match.get("max_probability", 0.5))
            rates_answer = after_question and rule.match.get("after_question", "answer") == "answer"
            for k, rx in enumerate(self.patterns):
                if k not in maybe:
                    continue
                for m in rx.finditer(text):
                    s = m.groupdict().get("sci")
                    p = sci(s) if s else parse_probability(m.group("num"))
                    if p is not None and p <= limit:
                        q = det.q(rule, unit, m.start(), m.end(), det.direction_of(text, "auto"))
                        if rates_answer and k in self.bare:
                            q.low = "after-question"
                        return q
        return None
