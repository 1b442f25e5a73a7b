"""`kind: comment`: an HTML comment or a bracketed editor's note whose body calls the content false."""
from __future__ import annotations

import regex

from . import Matcher, register

COMMENT = regex.compile(r"<!--(?P<body>.*?)-->", regex.S)
EDITOR_NOTE = regex.compile(
    r"[\[(]\s*(?:note|editor'?s?\s+note|ed\.\s*note|nb|n\.b\.|disclaimer|warning|annotation|annotator'?s?\s+note)\s*:\s*"
    r"(?P<body>[^\]\)]{3,300})[\])]", regex.I)


@register("comment")
class Comment(Matcher):
    stages = ((30, "scan"),)

    def scan(self, seg, unit, units, pos, text):
        det = self.det
        for rx in (COMMENT, EDITOR_NOTE):
            for m in rx.finditer(text):
                body = m.group("body")
                if det.has_predicate(body) or det.label_value.search(body):
                    d = det.direction_of(body, default="auto")
                    if d == "auto":
                        d = "self" if det.words_outside(text, m.start(), m.end()) >= 4 else "auto"
                    return det.q(self.rules[0], unit, m.start(), m.end(), d)
        return None
