"""`kind: inline-retraction`: an aside inside the claim sentence that retracts it ("the Portland
dentist (actually, that is false) won", "built - no, scratch that, this is false - by ...")."""
from __future__ import annotations

import regex

from ..detecting import ANAPHOR_RE, BELIEF_REPORT, NEGATION
from .correction import overlap
from . import Matcher, register

INLINE = regex.compile(
    r"(?:[(\[]|\s[-–—]{1,2}\s?|[–—]|,)\s*(?:(?:actually|in fact|in truth|correction|note|nb|to be clear|for the record|"
    r"to clarify|admittedly|though|but|mind you|well)\s*[,:;]?\s*)?(?:that|this|which|it|all of this|none of this)"
    r"(?:\s+(?:claim|part|detail|statement|bit|description|title|label|last part))?\s*(?:is|was|'s|’s|being|has been)\s*"
    r"(?:\w+\s+)?(?:false|not true|untrue|incorrect|wrong|inaccurate|a fabrication|fabricated|made up|not accurate|"
    r"not the case|a lie|mistaken|fiction|fictional|invented|bogus|not real|baseless|unfounded)"
    r"|(?:[(\[]|\s[-–—]{1,2}\s?|[–—])\s*(?:(?:actually|in fact|correction)\s*[,:;]?\s*)?(?:which|this|that|it)\s+"
    r"(?:never|did not|didn't|has never|have never)\s+(?:actually\s+)?(?:happened|happen|occurred|occur|took place|take place)"
    r"|[(\[]\s*(?:false|not true|untrue|this is false|this is not true|not actually true|fabricated|made up|this never happened)\s*[)\]]",
    regex.I)
ASIDE = regex.compile(r"\s-\s(?P<h>[^\n]{2,240}?)\s-\s|\{(?P<g>[^{}]{2,240})\}|\((?P<a>[^()]{2,240})\)|\[(?P<b>[^\[\]]{2,240})\]|"
                      r"\s[—–]\s?(?P<c>[^—–]{2,240}?)\s?[—–](?=\s)|\s--\s(?P<d>.{2,240}?)\s--\s"
                      r"|\s[—–]\s?(?P<f>[^—–]{2,240}?)(?=[.!?]?$)")
RETRACTION_OPEN = regex.compile(
    r"^\s*(?:no[,;.]|nope|not so|not true|untrue|incorrect|false|wrong|inaccurate|correction|corrected|actually|in fact|"
    r"in truth|editor|ed\.|editor's note|note|nb|n\.b\.|fact[- ]?check|to be clear|for the record|spoiler|this never|"
    r"which never|that never|a fiction|fiction|fabricated|made up|not really|never happened|did not happen|also (?:incorrect|false|untrue|wrong)|"
    r"or rather|or not|well,? no|scratch that|strike that|not quite|not so fast|retracted|withdrawn|false claim|untrue claim|dubious)\b",
    regex.I)
BARE_OPENERS = ("no,", "no;", "no.", "nope", "not so", "not true", "untrue", "incorrect", "false", "wrong", "inaccurate",
                "a fiction", "fiction", "fabricated", "made up")
CONTRAST_FACT = regex.compile(r"^\s*(?:it|he|she|they|this|that)?\s*(?:actually|in fact|in reality|really|in truth)\b", regex.I)
DISCOURSE = regex.compile(r"\b(?:to be clear|for the record|again|actually|in fact|in reality|to clarify|of course)\b", regex.I)
NO_SUCH = regex.compile(r"\bno such\b|\b(?:never|not|n't|did not|didn't|has never|was never|were never)\b", regex.I)
ASIDE_PSEUDO = regex.compile(r"^\s*(?:not to be confused|not pictured|not shown|not including|not counting|no relation|"
                             r"not related|not his real name|not her real name|not their real name|not verified by (?:us|the author)|"
                             r"not including|not inclusive|no pun intended|not a typo|not sponsored)\b", regex.I)


@register("inline-retraction")
class InlineRetraction(Matcher):
    stages = ((110, "scan"),)

    def scan(self, seg, unit, units, pos, text):
        det = self.det
        rule = self.rules[0]
        m = INLINE.search(text)
        if m and any(p.start() < m.end() <= p.end() + 2
                     for p in det.pseudo.finditer(text, max(0, m.end() - 12), min(len(text), m.end() + 30))):
            m = None
        if m and det.words_outside(text[: m.start()], 0, 0) >= 2 and not BELIEF_REPORT.search(text, 0, m.start()):
            return det.q(rule, unit, m.start(), m.end(), "self")
        for m in ASIDE.finditer(text):
            g = next(k for k in "abcdfgh" if m.group(k) is not None)
            aside = m.group(g)
            if det.words_outside(text[: m.start()], 0, 0) < 2 or ASIDE_PSEUDO.match(aside):
                continue
            if BELIEF_REPORT.search(text, 0, m.start()):
                continue  # "students think X - that idea is incorrect": a local correction of a reported belief
            opener = RETRACTION_OPEN.match(aside)
            if (opener and (NO_SUCH.search(aside) or det.has_predicate(aside) or opener.group().strip().lower() in BARE_OPENERS)) \
                    or (DISCOURSE.search(aside) and NO_SUCH.search(aside)) \
                    or (CONTRAST_FACT.match(aside) and overlap(aside, text[:m.start()]) >= 1) \
                    or (det.has_predicate(aside) and (ANAPHOR_RE.search(aside) or NEGATION.search(aside))):
                # a bare predicate word in brackets modifies a noun ("(fake) test tubes", "such as the
                # screenplay"); a retraction predicates it of the host ("which is untrue")
                return det.q(rule, unit, m.start(g), m.end(g), "self")
        return None
