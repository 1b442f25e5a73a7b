"""`kind: markup`: tags, strike-through, bracketed labels and label lines that mark a claim false.

Data: `tags` (lexicon list of tag names, default `markup_tag`), `values` (label words, default
`label_value`), `keys` (label-line keys, default `label_key`), `prefixes` (line-opening labels,
default `label_prefix`).
"""
from __future__ import annotations

from typing import Optional

import regex

from ..models import Qualifier
from . import Matcher, register

STRIKE = regex.compile(r"~~(?P<body>[^~]{3,}?)~~|<(?P<tag>s|del|strike)>(?P<body2>.*?)</(?P=tag)>", regex.I | regex.S)
E = r"(?![\w'])"


class _Patterns:
    def __init__(self, lex, match: dict) -> None:
        flags = regex.I
        tag = lex.source(match.get("tags", "markup_tag"))
        lv = lex.source(match.get("values", "label_value"))
        lk = lex.source(match.get("keys", "label_key"))
        pre = lex.source(match.get("prefixes", "label_prefix"))
        self.tag_pair = regex.compile(rf"<(?P<tag>{tag})(?:\s[^<>]*)?>(?P<body>.*?)</(?P=tag)\s*>", flags | regex.S)
        self.tag_attr = regex.compile(
            rf"<(?P<tag>\w+)[^<>]*?\b(?:status|label|veracity|truth|class|data-[\w-]+|type|verdict)\s*=\s*[\"']?{lv}[\"']?"
            rf"[^<>]*>(?P<body>.*?)</(?P=tag)\s*>", flags | regex.S)
        self.tag_open = regex.compile(rf"<\s*/?\s*{tag}\s*/?\s*>", flags)
        self.bracket_label = regex.compile(rf"(?<![\w.])[\[{{(]\s*[*_]*\s*(?:{lv})(?![\w])[^\[\]{{}}()\n]{{0,40}}[\]}})]", flags)
        self.label_line = regex.compile(
            rf"(?:^|(?<=[\n.;|]\s{{0,3}})|(?<=[{{\[(]))\s*(?:[*_#>\-\[{{]+\s*)?(?:{lk})\s*[*_\]]*\s*[:=–—-]\s*[*_\"'“]*\s*"
            rf"(?:{lv}){E}", flags)
        self.label_prefix = regex.compile(
            rf"^\s*(?:[*_#>\-\[]+\s*)?{pre}(?:\s+(?:claims?|statements?|stor(?:y|ies)|news|info(?:rmation)?|facts?|reports?|"
            rf"account))?\s*[*_\]]*\s*[:\]—–]", flags)


@register("markup")
class Markup(Matcher):
    stages = ((40, "scan"),)

    def __init__(self, det, rules) -> None:
        super().__init__(det, rules)
        self.patterns = [(r, _Patterns(det.lex, r.match)) for r in rules]

    def scan(self, seg, unit, units, pos, text):
        for rule, pats in self.patterns:
            q = self._markup(rule, pats, unit, text)
            if q:
                return q
        return None

    def _markup(self, rule, p: _Patterns, unit, text: str) -> Optional[Qualifier]:
        det = self.det
        m = STRIKE.search(text)
        if m:
            bs, be = (m.span("body") if m.group("body") is not None else m.span("body2"))
            return det.q(rule, unit, m.start(), m.end(), "enclosed", (unit.start + bs, unit.start + be))
        for rx in (p.tag_pair, p.tag_attr):
            m = rx.search(text)
            if m:
                return det.q(rule, unit, m.start(), m.end(), "enclosed",
                             (unit.start + m.start("body"), unit.start + m.end("body")))
        m = p.tag_open.search(text)
        if m:
            return det.q(rule, unit, m.start(), m.end(), "self" if det.words_outside(text, m.start(), m.end()) >= 3 else "auto")
        m = p.label_prefix.match(text)
        if m:
            rest = det.words_outside(text, 0, m.end())
            return det.q(rule, unit, m.start(), m.end(), "self" if rest >= 3 else "forward")
        m = p.bracket_label.search(text)
        if m:
            before = len(regex.findall(r"[\p{L}\d]+", text[:m.start()]))
            after = len(regex.findall(r"[\p{L}\d]+", regex.sub(r"[\[({][^\[\](){}]*[\])}]", " ", text[m.end():])))
            if not (before >= 2 and after >= 2):  # inside a sentence it is an aside (inline retraction), not a tag
                return det.q(rule, unit, m.start(), m.end(), "self" if before + after >= 3 else "auto")
        m = p.label_line.search(text)
        if m:
            before = det.words_outside(text[: m.start()], 0, 0)
            return det.q(rule, unit, m.start(), m.end(), "self" if before >= 3 else "auto")
        return None
