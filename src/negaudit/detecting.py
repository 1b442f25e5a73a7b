"""The shared vocabulary of a rule set and the per-sentence scan.

The qualifier matchers themselves live in `matchers/`, one module per kind of rule. This module holds
what they share: the lexicon compiled into meta-reference and predicate patterns, the pseudo-cue and
quotation checks, the cue scan that decides which sentences are worth scanning at all (its lists are
data: the `scan` block of the lexicon pack), and the scan that runs the kinds' stages in order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import regex

from .matchers import STOP
from .models import Qualifier, Segment, Unit
from .rules import Rule, RuleSet
from .segmenting import blank_from
from .triggers import AlternationIndex, GatedAlternation, LazyPattern, split_alternatives

W = r"(?:(?!(?:is|was|are|were|be|been|being|has|have|had|do|does|did|not|and|or|of|to|that|which|who|it|this)\b)[\w'’-]+\s+)"
NEG_BEFORE = regex.compile(r"(?:\bnot|n['’]t|\bnever|\bno|\bhardly)\s+(?:\w+\s+)?$", regex.I)
NEG_IN = regex.compile(r"\b(?:not|never|no|nobody|nothing|none|n['’]t|lacks?|without)\b|n['’]t\b", regex.I)
SUBORDINATOR = regex.compile(r"\b(?:how|why|whether|because|although|though|while|when|where|who|whom|whose|if|unless)\b", regex.I)
QUESTION = regex.compile(r"\?\s*[\"'”’)\]]*\s*$")
ANAPHOR_RE = regex.compile(r"(?<![\w'’])(?:it|this|that|these|those)(?![\w])", regex.I)
SENT_START_ANAPHOR = regex.compile(
    r"^\s*(?:[\[(*_>\-]+\s*)?(?:(?:but|however|again|also|and|yet|so|note|nb|editor'?s note|please note|"
    r"to be clear|for the record|importantly|crucially|again)[,:]?\s+)*(?:it|this|that|these|those|all (?:of )?this|"
    r"none of (?:it|this|that))\b", regex.I)
CLAUSE_DEPS = {"ccomp", "advcl", "relcl", "acl", "xcomp", "csubj", "csubjpass", "parataxis", "conj"}
BARE_OK_PREP = regex.compile(r"^(?:in|at|by)\s+(?:any|all|every|no|fact|reality|truth|the slightest|way|respect|sense|"
                             r"form|detail|part|whole)\b", regex.I)
CONTAINER_NOUNS = regex.compile(
    r"^(?:documents?|texts?|articles?|pages?|tables?|files?|e-?mails?|messages?|sections?|paragraphs?|lists?|chapters?|"
    r"posts?|transcripts?|excerpts?|passages?|threads?|entr(?:y|ies)|pieces?|essays?|books?|guides?|videos?|figures?|"
    r"charts?|images?|photos?|links?|forms?|sites?|websites?|blogs?|datasets?|samples?|examples?|materials?|"
    r"sources?|versions?)$", regex.I)
NEGATION = regex.compile(r"(?<![\w'’])(?:never|not|no longer)(?![\w'’])|n['’]t(?![\w])", regex.I)
NEG_PSEUDO = regex.compile(r"(?:never|not|n['’]t)\s+(?:\w+\s+)?(?:respond|reply|return|be reached|comment|answer|disclose|elaborate|"
                           r"immediately|yet|only|just|necessarily|always|all|least|much|many|far|long|enough|because|until|include|includes|"
                           r"contain|contains|cover|covers|list|lists|represent|represents|reflect(?!\s+(?:reality|real|actual|the truth))|"
                           r"apply|applies|constitute|constitutes|endorse|endorses|replace|offer|provide|imply|affect|need|require|"
                           r"mean|intend|use|show|support(?!ed by)|have (?:any|a)|exceed|change|alter)", regex.I)
CLAIM_PHRASE = regex.compile(r"^what\b.*\b(?:stated|said|claimed|asserted|written|wrote|told)\b", regex.I)
SINGLE_QUOTED = regex.compile(r"(?<![\w])['‘][^'’\n]{3,300}['’](?![\w])")
PARTICIPLE_LABEL = regex.compile(r"^\W{0,4}(?:written|reprinted|taken|adapted|excerpted|translated|sourced|compiled|generated|produced|"
                                 r"copied|scraped|retrieved|posted|published|originally|reproduced|transcribed|submitted)\b", regex.I)
BARE_THE = regex.compile(r"the\s+(?:whole\s+|entire\s+|first\s+|original\s+)?(?!(?:following|above|preceding|below|previous|next|"
                         r"foregoing|latter|former|aforementioned)\b)[\w'’-]+", regex.I)
OLD_VERSION = regex.compile(r"\b(?:previous|earlier|original|prior|older|first|print)\s+(?:version|edition|draft)s?\s+(?:of\s+)?$", regex.I)
NEG_Q_BEFORE = regex.compile(r"\b(?:none|not one|neither|no part|no portion|nothing)\s+(?:of\s+)?$", regex.I)
NEG_QUANTIFIER = regex.compile(r"\s*(?:none|nothing|no part|no portion|neither|not one|not a single|no)\b", regex.I)
LABEL_UNIT_MAX_WORDS = 7
ANAPHORIC_OF = regex.compile(r"\bof (?:it|that|those|them)\b", regex.I)
EXTRA_CUE_SRC = (
    r"<s>|<del>|<strike>|\bno such\b|(?:reliability|credibility|trustworthiness|confidence)\s*(?:rating|score|level)?\s*[:=]|"
    r"(?:^|[\n.!?]\s+)\W{0,6}(?:the\s+)?(?:truth|fact|facts|reality|reality check)\s*[:—–]|\b(?:correction|corrected|erratum|errata|clarification|editor'?s?\s+fix)\b|"
    r"\b(?:none|nothing|no part|neither)\b|"
    r"[(\[—–]\s*(?:\w+\s+)?(?:actually|in fact|in truth|in reality|correction|to be clear|for the record|editor|ed\.|no,|not true|not really|incorrect|or rather|strike that|scratch that|retracted|well, no)|"
    r"\s-\s(?:actually|in fact|in truth|correction|no,)|<sup>|\bestimate\s*[:=]")
# notations too short for a literal pre-scan: strike-through and "p = 0.03"; checked only when their
# characters occur at all
SHORT_CUE = regex.compile(r"~~|[(\[]\s*p\s*[=≈~]|\bp\s*[=≈~]\s*\d|\bp\s*\(\s*true", regex.I)
EXTRA_CUE = regex.compile(EXTRA_CUE_SRC + "|" + SHORT_CUE.pattern, regex.I)
_EXTRA_LIT = GatedAlternation(split_alternatives(EXTRA_CUE_SRC), "", "", regex.I, regex.compile)
# the extra cues without their one anchor, for a whole segment: a match inside a sentence is a match here too
_EXTRA_ANCHOR = r"(?:^|[\n.!?]\s+)"
assert _EXTRA_ANCHOR in EXTRA_CUE_SRC
EXTRA_SEGMENT = GatedAlternation(split_alternatives(EXTRA_CUE_SRC.replace(_EXTRA_ANCHOR, "")), "", "", regex.I,
                                 regex.compile)


def extra_cue(text: str) -> list:
    """Matches of the extra cues (a gated alternation: only alternatives whose literals occur are tried);
    the short notations are tried only when their characters occur."""
    out = list(_EXTRA_LIT.finditer(text))
    if _may_short_cue(text):
        out += list(SHORT_CUE.finditer(text))
    return out


def _may_short_cue(text: str) -> bool:
    """Every SHORT_CUE match holds one of these characters."""
    return "~" in text or "=" in text or "≈" in text or "(" in text


LOCATOR_CUE = regex.compile(
    r"\b(?:below|above|following|preceding|previous|aforementioned|described|mentioned|discussed|reported|recounted|profiled|"
    r"featured|depicted|portrayed|in this (?:article|document|text|story|post|page|entry|report|piece|section|passage))\b", regex.I)
NOTICE_HEADER = regex.compile(
    r"^(?:<[A-Za-z_]{1,20}>)?\W{0,6}(?:(?:[\w'’&]+\s+){0,5}(?:note|notice|advisory|addendum|update|warning|disclaimer|erratum|"
    r"correction|desk|label|status|context|caveat|flag|alert|memo|postscript|afterword|provenance)\b[^:\n]{0,40}?\s*[:—–]|"
    r"(?:editor'?s?\s+note|editorial\s+note|ed\.\s+note|disclaimer|notice|important\s+notice|reader\s+(?:notice|advisory)|"
    r"warning|note|nb|advisory|content\s+advisory|content\s+warning|attention|caution|fact[- ]?check(?:\s+(?:status|note|result))?|"
    r"correction\s+notice|archiv(?:e|al)\s+note|moderator(?:'s)?\s+note|admin(?:istrator)?(?:'s)?\s+note|admin|mod|update|"
    r"heads\s+up|please\s+note|transparency\s+note|context|status|health\s+warning|research\s+note|dataset\s+note|retraction|"
    r"advisory|kill\s+advisory)\b\W{0,3}[:\]—–-])", regex.I)
GENRE_HEADER = regex.compile(
    r"^(?:<[A-Za-z_]{1,20}>)?\W{0,6}(?:an?\s+|the\s+)?(?:\w+\s+)?(?:dream\s+(?:journal|diary|log)|fiction|satire|parody|rumou?rs?|"
    r"hypothetical(?:\s+scenario)?|thought\s+experiment|alternate\s+history|alternative\s+history|fan\s?fiction|short\s+story|"
    r"fable|legend|myth|gossip|hearsay|speculation|creative\s+writing|mock\s+(?:news|article|report)|counterfactual(?:\s+scenario)?|"
    r"unverified|unconfirmed|unsubstantiated|disputed|fabricated|fake\s+news)\b", regex.I)
SELF_RETRACTION = regex.compile(
    r"(?:let me|allow me to|I need to|I should|I must|I'll) (?:fix|correct|amend|rectify|retract) (?:that|this|myself|what I (?:just )?said)|"
    r"\bI misspoke\b|\bI (?:was|am) (?:wrong|mistaken)\b|\b(?:strike|scratch) that\b|"
    r"^\W*(?:sorry|oops|apologies|wait)[,!.]?\s+(?:that|this)\s+(?:is|was|'s)\s+(?:wrong|incorrect|not right|not true|a mistake)", regex.I)
BELIEF_REPORT = regex.compile(r"\b(?:think|thinks|thought|believe|believes|believed|assume|assumes|assumed|suppose|claim|claims|claimed|"
                              r"understood|understand|understands|knew|know|knows|realised|realized|realise|realize|"
                              r"say|says|said|misconception|myth|mistake|mistakenly|wrongly|rumou?r|suggest|suggests|suggested|"
                              r"argue|argues|argued|allege|alleges|alleged|referring to|you mean|thinking of)\b", regex.I)
REPORTED_CLAIM = regex.compile(r"^\W*(?:\w+\s+){0,2}?(?:claim(?:ing|s)?|say(?:ing|s)?|alleg(?:ing|es)|suggest(?:ing|s)?|assert(?:ing|s)?|"
                            r"stat(?:ing|es))\s+(?:that\s+)?\S+(?:\s+\S+){3,}", regex.I)
REQUEST_VERB_BEFORE = regex.compile(
    r"\b(?:write|generate|create|compose|draft|produce|make up|invent|come up with|imagine|give me|craft|continue|complete|"
    r"expand|extend|tell me|provide|design|build)\b(?:\s+(?:me|us|him|her|them))?(?:\s+(?:a|an|the|some|one|two|three|\d+|"
    r"short|brief|quick|new|another|my|our|your))*\s*$", regex.I)
SHORT_LABEL = regex.compile(r"\b(?:untrue|false|fake|fabricated|invented|bogus|made-up|incorrect|inaccurate)\s+(?:claims?|statements?|"
                         r"sentences?|facts?|items?|lines?|information|news)\b", regex.I)
VERDICT_ONLY = regex.compile(r"^\W*(?:true|false|correct|incorrect|wrong|right|no|yes|nope)\W*$", regex.I)
NEG_EVENT_AFTER = regex.compile(r"(?:never|not|n['’]t)\s+(?:\w+\s+)?(?:been\s+)?(?:\w+ed|\w+en|made|held|won|built|found|done|seen|"
                                r"happened|existed|occurred|taken|given|told|sold|bought|run|begun|drawn|shown|known)\b", regex.I)
NEG_DENY = regex.compile(r"(?:never|not|n['’]t)\s+(?:\w+\s+)?(?:accept|accepted|sell|sold|share|shared|store|stored|collect|collected|"
                         r"guarantee|guaranteed|warrant|warranted|endorse|endorsed|assume|assumed|take|taken|use|used|allowed|permitted|"
                         r"intended|designed|meant|required|needed|included|covered|affiliated|sponsored|reviewed|checked|edited|"
                         r"collected|processed|obtained|gathered|recorded from|respond|responded|reply|replied|comment|commented)\b", regex.I)
PROVENANCE = regex.compile(
    r"^\W{0,6}(?:sources?|via|from|retrieved from|taken from|originally (?:posted|published|appeared) (?:on|in|at)|"
    r"reposted from|copied from|scraped from|sourced from|credit|provenance|origin|published (?:by|on|in))\b\s*[:—–-]?", regex.I)
RELIABILITY_LINE = regex.compile(
    r"(?:source\s+)?(?:reliability|credibility|trustworthiness|accuracy|veracity|certainty)\s*(?:rating|score|level|tag|label|estimate|assessment)?"
    r"\s*[:=]\s*(?:very\s+|extremely\s+)?(?:low|poor|none|dubious|questionable|doubtful|minimal|unknown|unverified|0|f)\b", regex.I)

NUM_WORDS = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
             "a hundred": 100, "one hundred": 100, "thousand": 1000, "a thousand": 1000,
             "one thousand": 1000, "million": 1e6, "a million": 1e6, "one million": 1e6}


WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "fifteen": 15, "twenty": 20, "twenty-five": 25, "thirty": 30, "forty": 40, "fifty": 50}


def parse_probability(text: str) -> Optional[float]:
    """A probability in [0, 1] from '3%', '0.03', '1-in-33', 'one in fifty', 'slim' ... else None."""
    t = text.strip().lower()
    m = regex.match(r"(\d{1,3}(?:\.\d+)?)\s?(?:%|percent|per\s?cent)", t)
    if m:
        return float(m.group(1)) / 100.0
    m = regex.match(r"(?:1|one)[\s-](?:in|out of)[\s-](.+)$", t)
    if m:
        d = m.group(1).replace(",", "").strip()
        try:
            den = float(d)
        except ValueError:
            den = NUM_WORDS.get(d)
        return 1.0 / den if den else None
    m = regex.match(r"~?\s?(\d{1,3})\s?/\s?(100|1000|1,000)$", t)
    if m:
        return float(m.group(1)) / float(m.group(2).replace(",", ""))
    m = regex.match(r"0?\.\d+$", t)
    if m:
        return float(t)
    m = regex.match(r"(one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|twenty-five|thirty|forty|fifty)[\s-]?(?:percent|per cent)", t)
    if m:
        return WORD_NUM[m.group(1)] / 100.0
    if regex.search(r"\b(?:low|small|slim|tiny|remote|negligible|minimal|minuscule|slight|marginal)\b", t):
        return 0.1
    return None


@dataclass
class Candidate:
    rule: Rule
    unit: Unit
    seg: Segment
    pred: tuple[int, int]  # unit-relative
    meta: Optional[tuple[int, int]]
    meta_kind: str  # document | claim | anaphor | pointer | self
    direction: str


def _compile_cue(src: str, flags: int):
    try:  # the standard library engine runs the whole large alternation about twice as fast
        return re.compile(src, flags)
    except re.error:
        return regex.compile(src, flags)


class Detector:
    """The shared vocabulary of one rule set (compiled lexicon patterns and the helpers every matcher
    uses), the cue scan derived from it, and the per-sentence scan over the matcher kinds' stages
    (matchers/). Stateless across records."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        lex = ruleset.lexicon
        self.lex = lex
        S = lex.source
        DOC, CLAIM, REF = S("doc_noun"), S("claim_noun"), S("referent_noun")
        FMOD, BMOD = S("forward_modifier"), S("backward_modifier")
        FLOC, BLOC, DLOC = S("forward_locator"), S("backward_locator"), S("document_locator")
        PART = S("meta_participle")
        INDOC = rf"(?:in|on|within|throughout|from)\s+(?:this|the present|the above|the following|the preceding|the attached)\s+{DOC}"
        flags = regex.I
        b = r"(?<![\w'])"
        e = r"(?![\w'])"
        self.meta_doc = [
            regex.compile(rf"{b}(?:this|these|its|their){e}\s+{W}{{0,2}}?(?P<noun>{DOC}|{CLAIM}){e}", flags),
            regex.compile(rf"{b}the\s+(?:{FMOD}|{BMOD})(?:[\s-]+mentioned)?\s+{W}{{0,2}}?(?:{DOC}|{REF}){e}", flags),
            regex.compile(rf"{b}(?:the|these|those|all|any|some|both|none of the|each of the|every)\s+{W}{{0,2}}?"
                          rf"(?P<noun>[\w'’-]+)\s+{W}{{0,3}}?(?:{FLOC}|{BLOC}|{DLOC}|{INDOC}){e}", flags),
            regex.compile(rf"{b}the\s+{PART}\s+(?:[\w'’-]+\s+)?[\w'’-]+", flags),
            regex.compile(rf"{b}(?:in|on|within|throughout|of)\s+this\s+{W}{{0,1}}?{DOC}{e}", flags),
            regex.compile(rf"{b}(?:this|that|the)\s+(?:[\w'’-]+['’]s\s+)?{W}{{0,1}}?{CLAIM}{e}(?=\s+(?:has|have|had|is|are|was|were)\b)", flags),
            lex.compile("meta_phrase_forward", "meta_phrase_backward", "meta_phrase_document"),
            regex.compile(r"^\W{0,4}(?:here(?:'s|’s| is| are)|below (?:is|are)|what follows is)\b", flags),
        ]
        self.meta_claim = [
            regex.compile(rf"{b}(?:this|that|these|those){e}\s+{W}{{0,2}}?{CLAIM}{e}", flags),
            regex.compile(rf"{b}the\s+(?:{FMOD}|{BMOD})\s+{W}?{CLAIM}{e}", flags),
            regex.compile(rf"{b}the\s+{CLAIM}\s+(?:[\w'’-]+\s+){{0,2}}?(?:{FLOC}|{BLOC}){e}", flags),
        ]
        self.weak_doc = regex.compile(rf"{b}the\s+{W}{{0,1}}?(?P<noun>{DOC}){e}", flags)
        self.pointer = regex.compile(r"(?<![\w])" + S("pointer") + r"(?![\w])", flags)
        self.forward_words = regex.compile(rf"{b}(?:{FMOD}|{FLOC}|what follows|about to read){e}", flags)
        self.backward_words = regex.compile(rf"{b}(?:{BMOD}|{BLOC}|what precedes|just read|what you read){e}", flags)
        self.doc_words = regex.compile(rf"{b}{DOC}{e}", flags)
        self.scan = ruleset.scan
        self.preds = {name: lex.compile(name) for name in self.scan.get("predicates", ())}
        self.pseudo = lex.compile("pseudo")
        self.truth_cue = lex.compile("truth_cue")
        self.truth_target = lex.compile("truth_target")
        self.doc_noun_re = regex.compile(rf"^(?:{DOC}|{CLAIM})$", flags)
        self.label_value = lex.compile("label_value")
        self.meta_word = lex.compile("candidate_meta") if "candidate_meta" in lex.lists else None
        self.fiction_request = lex.compile("fiction_request")
        self.cue = self._cue_regex()
        # every locator the meta-reference patterns use, so the negated-referent cue misses none of them
        locators = self.scan.get("locators", ())
        self.locator_cue = regex.compile(
            LOCATOR_CUE.pattern + "|" + lex.source(*locators), regex.I)
        self.locator_index = AlternationIndex(
            [LOCATOR_CUE.pattern] + [f.replace(" ", r"\s+") for n in locators for f in lex.lists.get(n, ())],
            regex.I, regex.compile)
        self.custom = [r for r in ruleset.rules if r.kind == "regex"]
        self.rule_errors: list[str] = []
        self.disabled: set[str] = set()
        from . import matchers

        self.matchers = matchers.build(self, ruleset.rules)
        self.stages = matchers.ordered_stages(self.matchers, [(130, self._question_stop)])

    def _cue_regex(self):
        lex = self.ruleset.lexicon
        # the scan's cue lists, plus every list a rule names as its own (a pack's new warning list)
        cue_lists = list(dict.fromkeys(list(self.scan.get("cues", ())) + [
            r.match["lexicon"] for r in self.ruleset.rules if isinstance(r.match.get("lexicon"), str)]))
        parts = [lex.source(*cue_lists)]
        # (numbered pointers need a falsity predicate too, so the predicate words cover them)
        src = r"(?<![\w])" + parts[0] + r"(?![\w])|<!--"
        # user regex rules are not folded into this scan: they run on their own, under a timeout
        frags = sorted({f.replace(" ", r"\s+") for n in cue_lists for f in lex.lists.get(n, ())}, key=lambda f: (-len(f), f))
        alts = [r"(?<![\w])(?:" + f + r")(?![\w])" for f in frags] + ["<!--"]
        # the piecewise search uses the regex module: on a few alternatives it is several times faster
        self.cue_index = AlternationIndex(alts, regex.I, regex.compile)
        return LazyPattern(_compile_cue, src, re.I)

    # ------------------------------------------------------------------ prefilter
    def maybe_cue(self, text: str) -> bool:
        """False only when has_cue is False for every sentence of the text: one check for a whole segment.

        The cue patterns are searched in the segment instead of in each sentence. A match inside a
        sentence is a match inside the segment, because a sentence starts after and ends before
        whitespace and the patterns' look-arounds only exclude word characters there; the one anchor
        (in the extra cues) is dropped for the segment check, which can only add matches. For the
        lexicon and locator alternations only their literals are looked for (`may_match`): running
        their regexes over a whole segment cost more than the sentence checks they saved.
        """
        if self.cue_index.may_match(text):
            return True
        if EXTRA_SEGMENT.search(text):
            return True
        if _may_short_cue(text) and SHORT_CUE.search(text):
            return True
        return NEGATION.search(text) is not None and self.locator_index.may_match(text)

    def has_cue(self, text: str, prescan: bool = True) -> bool:
        """Can this text hold a finding? `prescan=False` runs the full cue regexes with no literal pre-scan."""
        if prescan:
            if self.cue_index.search(text) or extra_cue(text):
                return True
            # a referent of the text with a negated predicate ("the law discussed below was never passed")
            return NEGATION.search(text) is not None and self.locator_index.search(text)
        if self.cue.search(text) is not None or EXTRA_CUE.search(text) is not None:
            return True
        return NEGATION.search(text) is not None and self.locator_cue.search(text) is not None

    # ------------------------------------------------------------------ the sentence scan
    def scan_unit(self, seg: Segment, unit: Unit, units: list[Unit], pos: int):
        """Every matcher kind's stages on one unit, in order; the first that explains the sentence wins.
        Returns (qualifier or None, list of candidates needing a parse)."""
        text = unit.text
        for stage in self.stages:
            got = stage(seg, unit, units, pos, text)
            if got is None:
                continue
            if got is STOP:
                return None, []
            if isinstance(got, list):
                if got:
                    return None, got
                continue
            return got, []
        return None, []

    @staticmethod
    def _question_stop(seg, unit, units, pos, text):
        """A question asserts nothing: the later stages (probability, notices, meta-references) skip it."""
        return STOP if QUESTION.search(text) else None

    def matcher(self, kind: str):
        return self.matchers.get(kind)

    def custom_match(self, unit: Unit) -> Optional[Qualifier]:
        m = self.matchers.get("regex")
        return m.match(unit) if m is not None else None

    def verify(self, cand: Candidate, doc) -> bool:
        return self.matchers["meta-predicate"].verify(cand, doc)

    def truth_statement(self, text: str, start: int = 0) -> Optional[tuple[int, int]]:
        m = self.matchers.get("correction")
        return m.truth_statement(text, start) if m is not None else None

    # ------------------------------------------------------------------ shared helpers
    def q(self, rule: Rule, unit: Unit, s: int, e: int, direction: str, hint=None) -> Qualifier:
        return Qualifier(rule=rule, unit=unit, start=unit.start + s, end=unit.start + e, direction=direction,
                         target_hint=hint)

    @staticmethod
    def words_outside(text: str, s: int, e: int) -> int:
        return len(regex.findall(r"[\p{L}\d]+", text[:s] + " " + text[e:]))

    def has_predicate(self, text: str) -> bool:
        for rx in self.preds.values():
            for m in rx.finditer(text):
                if not self.pseudo_or_negated(text, m):
                    return True
        return False

    def points(self, text: str) -> bool:
        """Does the sentence point at other content (a meta word such as "this", "the following", or the
        shape of a notice)? A warning about a reply names no entity: it points at the reply."""
        return self.meta_word is None or self.meta_word.search(text) is not None or NOTICE_HEADER.match(text) is not None \
            or text.rstrip().endswith(":")

    def has_meta(self, text: str) -> bool:
        return any(rx.search(text) for rx in self.meta_doc + self.meta_claim)

    def pseudo_or_negated(self, text: str, m) -> bool:
        if m.start() > 0 and text[m.start() - 1] in "\"'“‘`(" and text[m.end():m.end() + 1] in ("\"", "'", "”", "’", "`", ")"):
            return True  # a quoted word is mentioned, not used: bool("False"), the word 'fake'
        if _mentioned(text, m.start()):
            return True
        if m.group().isupper() and regex.search(r"[=(),;`]", text[max(0, m.start() - 3):m.end() + 3]):
            return True  # code: WHERE is_deleted = FALSE, COALESCE(x, FALSE)

        for p in self.pseudo.finditer(text, max(0, m.start() - 40), min(len(text), m.end() + 40)):
            if p.start() <= m.start() < p.end() or p.start() < m.end() <= p.end():
                return True
        ptext = m.group()
        if not NEG_IN.search(ptext) and NEG_BEFORE.search(text, max(0, m.start() - 24), m.start()):
            return True
        return False

    def direction_of(self, text: str, default: str) -> str:
        if self.forward_words.search(text):
            return "forward"
        if self.backward_words.search(text):
            return "backward"
        return default

    # the names other modules used before the matchers moved out
    _pseudo_or_negated = pseudo_or_negated
    _has_predicate = has_predicate


def _mentioned(text: str, pos: int) -> bool:
    """Is pos inside inline code or a quotation (the words are mentioned, not asserted)?"""
    if text.count("`", 0, pos) % 2 == 1:
        return True
    if text.count("\"", 0, pos) % 2 == 1 and "\"" in text[pos:]:
        return True
    if text.count("“", 0, pos) > text.count("”", 0, pos):
        return True
    for q in SINGLE_QUOTED.finditer(text):
        if q.start() < pos < q.end():
            return True
    return False


def unit_edge(unit: Unit, seg: Segment) -> bool:
    """Is the unit the first or last sentence of its segment (where notices sit)?"""
    return unit.start == 0 or blank_from(seg.text, unit.end)


__all__ = ["Detector", "Candidate", "parse_probability", "unit_edge"]
