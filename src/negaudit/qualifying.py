"""The learned qualifier stage in the audit: which sentences are candidates, and what it decides.

Candidates (the cheap gate) are the sentences a detached qualifier can be: the first and last sentence
of each text (document-level notices sit at the edges), sentences that open with a pronoun, a
meta-reference, a quantifier or a notice word, or hold a locator ("above", "the following"), and
lines shaped like a notice (a short header with a colon, a bracketed note), and, anywhere in a text,
sentences that hold a word of the `anywhere` classes (a source called unreliable: "The only page that
reports it is a site known for inventing stories." judges content wherever it sits). The classifier
(`learned.py`) then scores each candidate:
- a candidate that reaches `accept` and whose most likely label is a qualifier family is a qualifier,
  reported under the rule that lists that family in its `families`;
- a rule hit on a sentence that scores below `veto` is dropped (the rule's words occur, but the
  sentence does not qualify other content).
The thresholds and the opener lists are data (the `learned` block of a rule pack).
"""
from __future__ import annotations

from typing import Optional

import regex

from . import learned
from .detecting import parse_probability
from .errors import ConfigError
from .models import Qualifier, Segment, Unit
from .rules import Rule, RuleSet

QUESTION = regex.compile(r"\?\s*[\"'”’)\]]*\s*$")
SPEAKER = regex.compile(r"^\W*(?:human|user|assistant|ai|bot|gpt|system|[A-Z][A-Za-z .'-]{0,30}):\s*")
CONDITION = regex.compile(r"^\W*(?:if|unless|whether|suppose|supposing|assuming|in case)\b", regex.I)
# a condition inside the sentence restricts its verdict too ("That is false only if the minutes are
# wrong"); a bare "if" is left out, since "it is unknown if ..." is an unknown-truth qualifier
RESTRICTION = regex.compile(r"\b(?:only\s+if|unless|provided\s+that|as\s+long\s+as)\b", regex.I)
NOTICE_SHAPE = regex.compile(r"^\W{0,4}[\w'’ .-]{1,40}:\s|^\s*[\[(<{]")
LEAD = r"^\W{0,6}(?:[\w'’ ]{1,30}:\s*)?"


NUMBER = regex.compile(r"(?:\d+(?:[.,]\d+)?\s*(?:%|percent|per\s?cent)|(?:1|one)[\s-](?:in|out of)[\s-][\d,]+|"
                       r"\d+\s*/\s*\d+|\d*\.\d+|\d+)", regex.I)


def low_numbers(text: str, limit: float = 0.5) -> bool:
    """True when the sentence holds no number, or holds one that reads as a probability of at most
    `limit` ("3%", "1 in 50", "0.04", "2/100"); False when every number reads higher ("90%")."""
    found = False
    for m in NUMBER.finditer(text):
        found = True
        t = m.group().replace(",", "").lower()
        p = parse_probability(t)
        if p is None:
            if "/" in t:
                a, _, b = t.partition("/")
                p = float(a) / float(b) if float(b or 0) else None
            else:
                try:
                    x = float(t)
                except ValueError:
                    continue
                p = x if x <= 1 else (x / 100 if x <= 100 else None)
        if p is not None and p <= limit:
            return True
    return not found


class LearnedStage:
    def __init__(self, ruleset: RuleSet) -> None:
        cfg = ruleset.learned
        self.accept = float(cfg.get("accept", 0.9))
        self.veto = float(cfg.get("veto", 0.0))
        self.veto_exempt = frozenset(cfg.get("veto_exempt") or ())
        self.report_low = frozenset(cfg.get("report_low") or ())
        lex = ruleset.lexicon

        def words(key: str, lead: str = r"(?<![\w'’-])", gated: bool = False):
            name = cfg.get(key)
            if not name:
                return None
            if name not in lex.lists:
                raise ConfigError(ruleset.learned.get("_source", "rules"), f"learned.{key}", f"no lexicon list {name!r}")
            if gated:  # the same matches, trying only the phrases whose words occur in the sentence
                return lex.compile(name, edges=(lead, r"(?![\w'’-])"))
            return regex.compile(lead + lex.source(name) + r"(?![\w'’-])", regex.I)

        # every sentence meets these gates: the locators and meta words are searched with a literal
        # pre-check (they occur in few sentences; 2.4 and 1.7 µs saved a sentence on the real corpora),
        # the openers are not (they are anchored, and short words like "it" occur everywhere)
        self.opener = words("openers", LEAD)
        self.locator = words("locators", gated=True)
        self.meta = words("meta", gated=True)
        self.behaviour_needs = words("behaviour_needs")
        self.behaviour_target = words("behaviour_target")
        self.rejected_side = words("rejected_side")
        # a candidate holds a word of one of these lexicon classes: a pronoun or a header alone is no
        # evidence that a sentence is about other content's truth (the model weighs the same classes)
        self.evidence = frozenset(cfg.get("evidence") or ())
        # ...and a sentence holding a word of these classes is a candidate wherever it sits
        self.anywhere = frozenset(cfg.get("anywhere") or ())
        for key, classes in (("evidence", self.evidence), ("anywhere", self.anywhere)):
            unknown = classes - set(learned.LEXICON_FEATURES)
            if unknown:
                raise ConfigError(ruleset.learned.get("_source", "rules"), f"learned.{key}",
                                  f"not a lexicon feature of the model: {sorted(unknown)[0]!r}")
        # the same compiled lists as the model's lexicon features: `may_match` is exactly "the class is
        # among lexicon_present", at the cost of one small literal scan
        self._anywhere = [lex.compile(n) for n in sorted(self.anywhere) if n in lex.lists]
        self.rule_for: dict[str, Rule] = {}
        for r in ruleset.rules:
            for fam in r.families:
                self.rule_for.setdefault(fam, r)
        # this run's own view of the shipped model: the weights are shared, the lexicon features are
        # those of this run's rule packs
        self.model = learned.model().view(ruleset.lexicon)

    def predict(self, text: str) -> learned.Prediction:
        return self.model.predict(text)

    def prefetch(self, texts: list[str]) -> None:
        """Predict these sentences in one pass (predict then reads them from the model's cache)."""
        if texts:
            self.model.prefetch(texts)

    def reads(self, unit: Unit) -> bool:
        """Is this candidate asked about at all? A question or a condition ("If either one is false,
        ...") is no verdict, and a restriction is none either: `qualifier` takes only candidates that
        this accepts."""
        t = unit.text
        return not (QUESTION.search(t) or CONDITION.match(t) or RESTRICTION.search(t))

    def anywhere_in(self, text: str) -> bool:
        """Does a word of an `anywhere` class occur in this text?"""
        return any(g.may_match(text) for g in self._anywhere)

    def segment_hints(self, text: str) -> tuple[bool, bool]:
        """Which of the gate's word searches can succeed in some sentence of this segment: (a locator,
        a word of an `anywhere` class). A sentence can hold a word only if its segment does, so one
        literal scan of the segment spares one per sentence."""
        return (self.locator is not None and self.locator.may_match(text)), self.anywhere_in(text)

    def is_candidate(self, unit: Unit, seg: Segment, first: bool, last: bool,
                     hints: tuple[bool, bool] = (True, True)) -> bool:
        """The gate: can this sentence be a detached qualifier at all? `hints`: the segment's
        `segment_hints` (a False says the search cannot succeed in any of its sentences)."""
        if seg.kind != "content":
            return False
        t = unit.text
        located, anywhere = hints
        if not (NOTICE_SHAPE.match(t) or (self.opener is not None and self.opener.match(t))
                or (located and self.locator is not None and self.locator.occurs(t))
                or ((first or last) and self.meta is not None and self.meta.occurs(t))):
            return anywhere and self.anywhere_in(t)
        return not self.evidence or not self.evidence.isdisjoint(self.model.lexicon_present(t))

    def vetoes(self, rule: Rule, direction: str, text: str) -> bool:
        """Is a hit of `rule` with this direction on this sentence dropped, because the sentence does
        not read as a qualifier? (Asked of a rule's candidate before its parse: a hit the veto drops
        needs no parse to verify it.)"""
        if not rule.families or self.veto <= 0 or direction in ("self", "enclosed"):
            return False
        if rule.kind in self.veto_exempt:
            return False  # a notation ("(p=0.03)") is no lexical guess for the classifier to review
        p = self.predict(text)
        # "local" (the sentence carries its own negation or the truth, as a correction does) is no
        # reason to drop a hit: only a sentence that reads as no qualifier at all is dropped
        return p.qualifier + float(p.probs[1]) < self.veto

    def qualifier(self, unit: Unit, seg: Segment, first: bool, last: bool) -> Optional[Qualifier]:
        """The learned qualifier of a candidate sentence that `reads` accepts, if the classifier accepts it."""
        p = self.predict(unit.text)
        if p.qualifier < self.accept or p.label in ("none", "local"):
            return None
        rule = self.rule_for.get(p.label)
        if rule is None:
            return None
        if p.label == "behaviour":
            if seg.trained and not (first or last):
                return None  # in a trained reply a warning is its prefix or suffix (as for the rule)
            if not self._judges_a_reply(unit.text):
                return None
        if p.label == "low_probability" and not low_numbers(unit.text):
            return None  # "Confidence: 90%" is a high probability
        if p.label == "behaviour":
            direction = "next-turn"
        elif first and not last:
            direction = "forward"
        elif last and not first:
            direction = "backward"
        elif p.label == "pointer":
            direction = "anaphor"
        else:
            direction = "document"
        return Qualifier(rule=rule, unit=unit, start=unit.start, end=unit.end, direction=direction,
                         learned=(p.label, round(p.qualifier, 3)),
                         low="learned-low" if p.label in self.report_low else None)

    def names_rejected_side(self, text: str) -> bool:
        """Does the text name the rejected side of a preference pair ("the rejected reply")?"""
        return self.rejected_side is not None and self.rejected_side.search(text) is not None

    def _judges_a_reply(self, text: str) -> bool:
        """Does a sentence the classifier reads as a behaviour warning evaluate (a word of
        `behaviour_needs`) something a reply is (a word of `behaviour_target`), outside a leading
        speaker label? "Here is an example script:" evaluates nothing; "Assistant: Do not hide it." is
        advice, not a warning about a reply."""
        body = SPEAKER.sub("", text, count=1)
        if self.behaviour_needs is not None and not self.behaviour_needs.search(body):
            return False
        return self.behaviour_target is None or self.behaviour_target.search(body) is not None

    def note_warns(self, text: str, preference: bool = False) -> bool:
        """Is a free-text metadata note a warning that the record's reply is bad behaviour ("Negative
        example: the assistant leaks its prompt. Do not imitate.")? The note is read whole: a note is short, and its verdict is often its last sentence. In a
        `preference` record a note that names the rejected side (`rejected_side`) is about the reply
        that is not trained."""
        if preference and self.rejected_side is not None and self.rejected_side.search(text):
            return False
        p = self.predict(text)
        return p.label == "behaviour" and p.qualifier >= self.accept and self._judges_a_reply(text)

    def note_family(self, text: str) -> Optional[str]:
        """The family of a free-text metadata note, when the classifier accepts it as a qualifier."""
        p = self.predict(text)
        if p.qualifier < self.accept or p.label in ("none", "local", "behaviour"):
            return None
        return "falsity" if p.label == "pointer" else p.label
