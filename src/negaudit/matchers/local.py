"""`kind: local-negation`: the claim denied inside its own sentence ("It is not true that X", "The claim
that X is false", "Contrary to popular belief, X"): the framing the research supports (info)."""
from __future__ import annotations

import regex

from . import Matcher, register

RELATIVE_AFTER_THAT = regex.compile(
    r"^(?:follows?|precedes?|preceded|appears?|appeared|is (?:below|above|shown|given|printed)|was (?:made|given|stated|"
    r"printed|shown)|you|we|i|they|he|she|our|your|this|the (?:author|reader|article|document|text))\b", regex.I)
LOCAL = [
    regex.compile(r"\b(?:it\s+is|it['’]s|it\s+was|it\s+has\s+been|it\s+remains)\s+(?:\w+\s+)?(?:not\s+true|false|untrue|"
                  r"a\s+(?:\w+\s+)?myth|incorrect|wrong|not\s+the\s+case|a\s+(?:\w+\s+)?misconception|inaccurate|a\s+lie|"
                  r"simply\s+not\s+true)\s+(?:to\s+(?:say|claim|suggest|believe|think|report|assert)\s+)?that\s+(?P<content>\S.*)",
                  regex.I),
    regex.compile(r"\b(?:the|a|this|that|one)\s+(?:\w+\s+)?(?:claims?|idea|notion|belief|rumou?rs?|assertions?|allegations?|"
                  r"myths?|stor(?:y|ies)|reports?|suggestions?|misconceptions?|theor(?:y|ies))\s+that\s+(?P<content>[^.!?]{3,}?)"
                  r"\s+(?:is|are|was|were|has\s+been|have\s+been|remains?)\s+(?:\w+\s+)?(?:false|untrue|baseless|unfounded|"
                  r"not\s+true|a\s+myth|incorrect|wrong|mistaken|debunked|inaccurate|a\s+hoax|fabricated|groundless|"
                  r"unsupported|nonsense|a\s+fabrication)", regex.I),
    regex.compile(r"\b(?:contrary\s+to\s+(?:popular\s+belief|rumou?rs?|reports|claims|what\s+\w+\s+(?:say|said|claim|believe)|"
                  r"(?:a\s+)?(?:common|popular|widespread)\s+(?:myth|misconception|belief))|despite\s+(?:rumou?rs|reports|claims))"
                  r"\s*,\s*(?P<content>\S.*)", regex.I),
]


@register("local-negation")
class LocalNegation(Matcher):
    stages = ((120, "scan"),)

    def scan(self, seg, unit, units, pos, text):
        det = self.det
        for i, rx in enumerate(LOCAL):
            m = rx.search(text)
            if m and not (i == 1 and RELATIVE_AFTER_THAT.match(m.group("content"))) and not det.has_meta(m.group("content")):
                return det.q(self.rules[0], unit, m.start(), m.end(), "self")
        return None
