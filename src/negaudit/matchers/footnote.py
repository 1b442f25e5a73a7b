"""`kind: footnote`: a footnote definition ("[1] This claim is false.") that qualifies the sentence
carrying its marker."""
from __future__ import annotations

import regex

from . import Matcher, register

FOOTNOTE_DEF = regex.compile(r"^\s*(?P<mark><sup>\s*[\w*†‡]{1,3}\s*</sup>|\[\^?\d{1,3}\]|\^\d{1,3}|\*{1,3}|†|‡|\(\d{1,3}\)|"
                             r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*:?\s*(?P<body>.+)$", regex.S)


@register("footnote")
class Footnote(Matcher):
    stages = ((20, "scan"),)

    def scan(self, seg, unit, units, pos, text):
        m = FOOTNOTE_DEF.match(text)
        if not m or not self.det.has_predicate(m.group("body")):
            return None
        mark = m.group("mark")
        for other in units:
            if other is not unit and other.seg == unit.seg and mark in other.text and not other.text.lstrip().startswith(mark):
                return self.det.q(self.rules[0], unit, 0, len(text), "footnote", other)
        return None
