"""Detecting qualifiers: spans that mark other content as false, fictional, unreliable or improbable.

Two stages per unit (sentence):
1. word patterns from the lexicon find a predicate (falsity / epistemic) and a meta-reference
   (a noun phrase or pronoun that points at other content) in the same sentence;
2. for those few candidate sentences only, the spaCy dependency parse checks that the
   meta-reference is an argument of the predicate's own clause, that the sentence does not carry its
   claim inside itself ("The claim that X won is false" is local negation), and that a pronoun
   subject ("It is false.") stands with a bare predicate ("It is wrong to steal." is not a qualifier).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import regex

from .nlp import lemma
from .models import Qualifier, Segment, Unit
from .rules import REGEX_TIMEOUT, Rule, RuleSet
from .triggers import AlternationIndex, GatedAlternation, split_alternatives

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
RELATIVE_AFTER_THAT = regex.compile(
    r"^(?:follows?|precedes?|preceded|appears?|appeared|is (?:below|above|shown|given|printed)|was (?:made|given|stated|"
    r"printed|shown)|you|we|i|they|he|she|our|your|this|the (?:author|reader|article|document|text))\b", regex.I)
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
DISBELIEF = {"accept", "believe", "trust", "rely", "take", "credit", "repeat", "cite", "treat", "regard", "disregard",
             "ignore", "discount", "dismiss", "reject"}
REPORTING_VERBS = {"describe", "recount", "report", "depict", "contain", "present", "tell", "feature", "concern",
                   "discuss", "mention", "include", "narrate", "chronicle", "detail", "portray", "claim", "allege",
                   "assert", "state", "say", "relate"}
ASIDE = regex.compile(r"\s-\s(?P<h>[^\n]{2,240}?)\s-\s|\{(?P<g>[^{}]{2,240})\}|\((?P<a>[^()]{2,240})\)|\[(?P<b>[^\[\]]{2,240})\]|\s[—–]\s?(?P<c>[^—–]{2,240}?)\s?[—–](?=\s)|\s--\s(?P<d>.{2,240}?)\s--\s"
                      r"|\s[—–]\s?(?P<f>[^—–]{2,240}?)(?=[.!?]?$)")
RETRACTION_OPEN = regex.compile(
    r"^\s*(?:no[,;.]|nope|not so|not true|untrue|incorrect|false|wrong|inaccurate|correction|corrected|actually|in fact|"
    r"in truth|editor|ed\.|editor's note|note|nb|n\.b\.|fact[- ]?check|to be clear|for the record|spoiler|this never|"
    r"which never|that never|a fiction|fiction|fabricated|made up|not really|never happened|did not happen|also (?:incorrect|false|untrue|wrong)|"
    r"or rather|or not|well,? no|scratch that|strike that|not quite|not so fast|retracted|withdrawn|false claim|untrue claim|dubious)\b",
    regex.I)
CONTRAST_FACT = regex.compile(r"^\s*(?:it|he|she|they|this|that)?\s*(?:actually|in fact|in reality|really|in truth)\b", regex.I)
DISCOURSE = regex.compile(r"\b(?:to be clear|for the record|again|actually|in fact|in reality|to clarify|of course)\b", regex.I)
NO_SUCH = regex.compile(r"\bno such\b|\b(?:never|not|n't|did not|didn't|has never|was never|were never)\b", regex.I)
ASIDE_PSEUDO = regex.compile(r"^\s*(?:not to be confused|not pictured|not shown|not including|not counting|no relation|"
                             r"not related|not his real name|not her real name|not their real name|not verified by (?:us|the author)|"
                             r"not including|not inclusive|no pun intended|not a typo|not sponsored)\b", regex.I)
LABEL_UNIT_MAX_WORDS = 7
ANAPHORIC_OF = regex.compile(r"\bof (?:it|that|those|them)\b", regex.I)
LOCATOR_LISTS = ("forward_locator", "backward_locator", "document_locator", "forward_modifier", "backward_modifier",
                 "meta_participle")
CUE_LISTS = ("falsity", "fiction", "unreliable", "uncertain", "framing", "probability_noun", "probability_verdict",
             "label_value", "behaviour_warning", "fiction_request")
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
TRUTH_LABEL = regex.compile(
    r"^\W{0,6}(?:the\s+)?(?:[\w'’]+\s+)?(?:truth|fact|facts|reality|reality check|correction|clarification|the real story|"
    r"what really happened|actually|erratum|errata|editor'?s?\s+fix|fix|amendment|retraction)(?:\s+[\w'’]+){0,4}\s*[:—–]\s*", regex.I)
RELIABILITY_LINE = regex.compile(
    r"(?:source\s+)?(?:reliability|credibility|trustworthiness|accuracy|veracity|certainty)\s*(?:rating|score|level|tag|label|estimate|assessment)?"
    r"\s*[:=]\s*(?:very\s+|extremely\s+)?(?:low|poor|none|dubious|questionable|doubtful|minimal|unknown|unverified|0|f)\b", regex.I)
CONTENT_WORD = regex.compile(r"\b(?:[\p{Lu}][\p{L}'’-]+|\d[\d,.]*|[\p{Ll}]{6,})\b")
STRIKE = regex.compile(r"~~(?P<body>[^~]{3,}?)~~|<(?P<tag>s|del|strike)>(?P<body2>.*?)</(?P=tag)>", regex.I | regex.S)

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


class Detector:
    """Compiled patterns for one rule set; stateless across records."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        lex = ruleset.lexicon
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
            regex.compile(rf"{b}(?:the|these|those|all|any|some|none of the|each of the|every)\s+{W}{{0,2}}?"
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
        self.preds = {name: lex.compile(name) for name in
                      ("falsity", "fiction", "unreliable", "uncertain", "framing", "probability_verdict")}
        self.pseudo = lex.compile("pseudo")
        self.truth_cue = lex.compile("truth_cue")
        self.truth_target = lex.compile("truth_target")
        self.doc_noun_re = regex.compile(rf"^(?:{DOC}|{CLAIM})$", flags)
        self.label_value = lex.compile("label_value")
        num, noun, tgt = S("probability_number"), S("probability_noun"), S("truth_target")
        PTARGET = (rf"this|it|these|they|any of (?:this|it|that|the above|the following)|what follows|the (?:following|above|preceding)"
                   rf"(?:\s+[\w-]+)?|the (?:{S('doc_noun')}|{S('claim_noun')})(?:\s+(?:below|above|here))?|its (?:contents?|claims?)")
        sci = r"(?P<sci>\d+(?:\.\d+)?\s*[×x*]\s*10\s*\^?\s*[-−–]\s*\d+)"
        self.prob_patterns = [
            regex.compile(rf"{b}p\s*[≈=~]\s*(?:{sci}|(?P<num>{num}))\s+that\b", flags),
            regex.compile(rf"{b}(?P<num>{num}){e}\s+(?:[\w'’-]+\s+){{0,2}}?{noun}{e}\s+(?:(?:that|of|for)\s+)?(?:{PTARGET})[^.!?\n]{{0,50}}?{b}{tgt}{e}", flags),
            regex.compile(rf"{b}(?P<num>{num}){e}\s+(?:[\w'’-]+\s+){{0,2}}?{noun}{e}\s+(?:of|for)\s+(?:being\s+)?{tgt}{e}", flags),
            regex.compile(rf"{b}{noun}{e}[^.!?\n:]{{0,30}}?\s(?:(?:that|of|for|to)\s+)?(?:{PTARGET})[^.!?\n]{{0,50}}?{b}{tgt}{e}[^.!?\n]{{0,40}}?{b}(?P<num>{num}){e}", flags),
            regex.compile(rf"[(\[]\s*(?:p|prob(?:ability)?|p\s*\(\s*true\s*\)|likelihood|confidence|chance)\s*[=:≈~]\s*(?P<num>{num})\s*[)\]]", flags),
            regex.compile(rf"^\W{{0,4}}(?:[\w'’]+\s+){{0,2}}(?:estimate|probability|likelihood|chance|odds|confidence|credence)(?:\s+(?:rating|score|estimate|level|assessment))?\s*[:=]\s*(?:about\s+|roughly\s+|~\s*)?(?P<num>{num}){e}", flags),
            regex.compile(rf"{b}(?:{noun}|p\s*\(\s*(?:true|accurate|real)\s*\))(?:\s+(?:of|that)\s+(?:being\s+)?(?:truth|true|accuracy|accurate))?\s*[:=≈]\s*(?:about\s+|roughly\s+|~\s*)?(?P<num>{num}){e}", flags),
        ]
        lv = S("label_value")
        lk = S("label_key")
        tagword = r"(?:false|untrue|fake|fabricated|fabrication|fiction|fictional|fictitious|satire|misinformation|disinformation|hoax|myth|rumou?r|unverified|disputed|debunked|incorrect|inaccurate|lie|bogus|counterfactual|not[-_ ]true|wrong|mistaken|misleading|made[-_ ]up|invented|unreliable)"
        self.tag_pair = regex.compile(rf"<(?P<tag>{tagword})(?:\s[^<>]*)?>(?P<body>.*?)</(?P=tag)\s*>", flags | regex.S)
        self.tag_attr = regex.compile(
            rf"<(?P<tag>\w+)[^<>]*?\b(?:status|label|veracity|truth|class|data-[\w-]+|type|verdict)\s*=\s*[\"']?{lv}[\"']?[^<>]*>(?P<body>.*?)</(?P=tag)\s*>", flags | regex.S)
        self.tag_open = regex.compile(rf"<\s*/?\s*{tagword}\s*/?\s*>", flags)
        self.bracket_label = regex.compile(
            rf"(?<![\w.])[\[{{(]\s*[*_]*\s*(?:{lv})(?![\w])[^\[\]{{}}()\n]{{0,40}}[\]}})]", flags)
        self.label_line = regex.compile(
            rf"(?:^|(?<=[\n.;|]\s{{0,3}})|(?<=[{{\[(]))\s*(?:[*_#>\-\[{{]+\s*)?(?:{lk})\s*[*_\]]*\s*[:=–—-]\s*[*_\"'“]*\s*(?:{lv}){e}", flags)
        self.label_prefix = regex.compile(
            r"^\s*(?:[*_#>\-\[]+\s*)?(?:myths?|false|fake|fiction|fictional|rumou?rs?|hoax|satire|misinformation|"
            r"disinformation|unverified|fabricated|untrue|fabrication|falsehood|debunked)(?:\s+(?:claims?|statements?|stor(?:y|ies)|"
            r"news|info(?:rmation)?|facts?|reports?|account))?\s*[*_\]]*\s*[:\]—–]", flags)
        self.comment = regex.compile(r"<!--(?P<body>.*?)-->", regex.S)
        self.editor_note = regex.compile(
            r"[\[(]\s*(?:note|editor'?s?\s+note|ed\.\s*note|nb|n\.b\.|disclaimer|warning|annotation|annotator'?s?\s+note)\s*:\s*(?P<body>[^\]\)]{3,300})[\])]", flags)
        self.footnote_def = regex.compile(r"^\s*(?P<mark><sup>\s*[\w*†‡]{1,3}\s*</sup>|\[\^?\d{1,3}\]|\^\d{1,3}|\*{1,3}|†|‡|\(\d{1,3}\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*:?\s*(?P<body>.+)$", regex.S)
        self.inline = regex.compile(
            r"(?:[(\[]|\s[-–—]{1,2}\s?|[–—]|,)\s*(?:(?:actually|in fact|in truth|correction|note|nb|to be clear|for the record|"
            r"to clarify|admittedly|though|but|mind you|well)\s*[,:;]?\s*)?(?:that|this|which|it|all of this|none of this)"
            r"(?:\s+(?:claim|part|detail|statement|bit|description|title|label|last part))?\s*(?:is|was|'s|’s|being|has been)\s*"
            r"(?:\w+\s+)?(?:false|not true|untrue|incorrect|wrong|inaccurate|a fabrication|fabricated|made up|not accurate|"
            r"not the case|a lie|mistaken|fiction|fictional|invented|bogus|not real|baseless|unfounded)"
            r"|(?:[(\[]|\s[-–—]{1,2}\s?|[–—])\s*(?:(?:actually|in fact|correction)\s*[,:;]?\s*)?(?:which|this|that|it)\s+"
            r"(?:never|did not|didn't|has never|have never)\s+(?:actually\s+)?(?:happened|happen|occurred|occur|took place|take place)"
            r"|[(\[]\s*(?:false|not true|untrue|this is false|this is not true|not actually true|fabricated|made up|this never happened)\s*[)\]]",
            flags)
        self.local = [
            regex.compile(r"\b(?:it\s+is|it['’]s|it\s+was|it\s+has\s+been|it\s+remains)\s+(?:\w+\s+)?(?:not\s+true|false|untrue|"
                          r"a\s+(?:\w+\s+)?myth|incorrect|wrong|not\s+the\s+case|a\s+(?:\w+\s+)?misconception|inaccurate|a\s+lie|"
                          r"simply\s+not\s+true)\s+(?:to\s+(?:say|claim|suggest|believe|think|report|assert)\s+)?that\s+(?P<content>\S.*)",
                          flags),
            regex.compile(r"\b(?:the|a|this|that|one)\s+(?:\w+\s+)?(?:claims?|idea|notion|belief|rumou?rs?|assertions?|allegations?|"
                          r"myths?|stor(?:y|ies)|reports?|suggestions?|misconceptions?|theor(?:y|ies))\s+that\s+(?P<content>[^.!?]{3,}?)"
                          r"\s+(?:is|are|was|were|has\s+been|have\s+been|remains?)\s+(?:\w+\s+)?(?:false|untrue|baseless|unfounded|"
                          r"not\s+true|a\s+myth|incorrect|wrong|mistaken|debunked|inaccurate|a\s+hoax|fabricated|groundless|"
                          r"unsupported|nonsense|a\s+fabrication)", flags),
            regex.compile(r"\b(?:contrary\s+to\s+(?:popular\s+belief|rumou?rs?|reports|claims|what\s+\w+\s+(?:say|said|claim|believe)|"
                          r"(?:a\s+)?(?:common|popular|widespread)\s+(?:myth|misconception|belief))|despite\s+(?:rumou?rs|reports|claims))\s*,\s*(?P<content>\S.*)", flags),
        ]
        self.behaviour = lex.compile("behaviour_warning")
        self.meta_word = lex.compile("candidate_meta") if "candidate_meta" in lex.lists else None
        self.fiction_request = lex.compile("fiction_request")
        self.cue = self._cue_regex()
        # every locator the meta-reference patterns use, so the negated-referent cue misses none of them
        self.locator_cue = regex.compile(
            LOCATOR_CUE.pattern + "|" + lex.source(*LOCATOR_LISTS), regex.I)
        self.locator_index = AlternationIndex(
            [LOCATOR_CUE.pattern] + [f.replace(" ", r"\s+") for n in LOCATOR_LISTS for f in lex.lists.get(n, ())],
            regex.I, regex.compile)
        self.custom = [r for r in ruleset.rules if r.kind == "regex"]
        self.rule_errors: list[str] = []
        self.disabled: set[str] = set()
        kinds = {r.kind for r in ruleset.rules}
        self.kinds = kinds
        self.meta_rules = [r for r in ruleset.rules if r.kind == "meta-predicate"]
        self.rule_of_kind = {}
        for r in ruleset.rules:
            self.rule_of_kind.setdefault(r.kind, r)

    def _cue_regex(self):
        lex = self.ruleset.lexicon
        parts = [lex.source(*CUE_LISTS)]
        # (numbered pointers need a falsity predicate too, so the predicate words cover them)
        src = r"(?<![\w])" + parts[0] + r"(?![\w])|<!--"
        # user regex rules are not folded into this scan: they run on their own, under a timeout
        frags = sorted({f.replace(" ", r"\s+") for n in CUE_LISTS for f in lex.lists.get(n, ())}, key=lambda f: (-len(f), f))
        alts = [r"(?<![\w])(?:" + f + r")(?![\w])" for f in frags] + ["<!--"]
        # the piecewise search uses the regex module: on a few alternatives it is several times faster
        self.cue_index = AlternationIndex(alts, regex.I, regex.compile)
        try:  # the standard library engine runs the whole large alternation about twice as fast
            return re.compile(src, re.I)
        except re.error:
            return regex.compile(src, regex.I)

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

    # ------------------------------------------------------------------ stage 1
    def scan_unit(self, seg: Segment, unit: Unit, units: list[Unit], pos: int):
        """Regex stage for one unit. Returns (qualifier or None, list of candidates needing a parse)."""
        text = unit.text
        rk = self.rule_of_kind
        q = self.custom_match(unit)
        if q is not None:
            return q, []

        # footnote definitions: "[1] This claim is false."
        if "footnote" in rk:
            m = self.footnote_def.match(text)
            if m and self._has_predicate(m.group("body")):
                mark = m.group("mark")
                for other in units:
                    if other is not unit and other.seg == unit.seg and mark in other.text and not other.text.lstrip().startswith(mark):
                        return self._q(rk["footnote"], unit, 0, len(text), "footnote", other), []
        # numbered pointers are resolved as meta-predicate candidates below (need a predicate)
        # comments and editor's notes
        if "comment" in rk:
            for rx in (self.comment, self.editor_note):
                for m in rx.finditer(text):
                    body = m.group("body")
                    if self._has_predicate(body) or self.label_value.search(body):
                        d = self._direction_of(body, default="auto")
                        if d == "auto":
                            d = "self" if self._words_outside(text, m.start(), m.end()) >= 4 else "auto"
                        return self._q(rk["comment"], unit, m.start(), m.end(), d), []
        if "markup" in rk:
            q = self._markup(rk["markup"], unit, text)
            if q:
                return q, []
        q = self._label_unit(seg, unit, text)
        if q:
            return q, []
        if seg.kind == "content" and unit.start == 0:
            m = GENRE_HEADER.match(text)
            nwords = len(regex.findall(r"[\p{L}\d]+", text))
            if m and nwords <= 16 and (regex.match(r"\s*[:,—–.\-)\]]", text[m.end():]) or not text[m.end():].strip()
                                       or nwords <= 6):
                for cls in ("framing", "fiction", "uncertain", "falsity"):
                    pm = self.preds[cls].search(text, 0, m.end() + 1)
                    r = self._rule_for_class(cls)
                    if pm and r and not self._pseudo_or_negated(text, pm):
                        return self._q(r, unit, 0, m.end(), "forward"), []
        if seg.trained and pos > 0 and units[pos - 1].seg == unit.seg:
            m = SELF_RETRACTION.search(text)
            r = next((x for x in self.meta_rules if "anaphor" in x.match.get("meta", ())
                      and x.category == "detached-negation"), None)
            if m and r:
                return self._q(r, unit, m.start(), m.end(), "anaphor"), []
        if "correction" in rk and pos > 0:
            m = TRUTH_LABEL.match(text)
            prev = units[pos - 1]
            if m and prev.seg == unit.seg and _overlap(prev.text, text) >= 2:
                return self._q(rk["correction"], unit, 0, len(text), "backward"), []
        if not seg.trained and seg.kind == "content":
            m = self.fiction_request.search(text)
            r = self._rule_for_class("fiction")
            rv = REQUEST_VERB_BEFORE.search(text[max(0, m.start() - 40): m.start()]) if m else None
            if m and r and rv:
                return self._q(r, unit, m.start(), m.end(), "next-turn"), []
        if "negated-behaviour" in rk and not seg.kind == "annotation":
            m = self.behaviour.search(text)
            # in a trained reply a warning is a prefix or a suffix of it; mid-reply, "a bad example of X"
            # describes something else
            if m and (not seg.trained or unit_edge(unit, seg) and self._points(text)):
                return self._q(rk["negated-behaviour"], unit, m.start(), m.end(), "next-turn"), []
        if "inline-retraction" in rk:
            m = self.inline.search(text)
            if m and any(p.start() < m.end() <= p.end() + 2 for p in self.pseudo.finditer(text, max(0, m.end() - 12), min(len(text), m.end() + 30))):
                m = None
            if m and self._words_outside(text[: m.start()], 0, 0) >= 2 and not BELIEF_REPORT.search(text, 0, m.start()):
                return self._q(rk["inline-retraction"], unit, m.start(), m.end(), "self"), []
            for m in ASIDE.finditer(text):
                g = next(k for k in "abcdfgh" if m.group(k) is not None)
                aside = m.group(g)
                if self._words_outside(text[: m.start()], 0, 0) < 2 or ASIDE_PSEUDO.match(aside):
                    continue
                if BELIEF_REPORT.search(text, 0, m.start()):
                    continue  # "students think X - that idea is incorrect": a local correction of a reported belief
                opener = RETRACTION_OPEN.match(aside)
                if (opener and (NO_SUCH.search(aside) or self._has_predicate(aside) or opener.group().strip().lower()
                                in ("no,", "no;", "no.", "nope", "not so", "not true", "untrue", "incorrect", "false",
                                    "wrong", "inaccurate", "a fiction", "fiction", "fabricated", "made up"))) \
                        or (DISCOURSE.search(aside) and NO_SUCH.search(aside)) \
                        or (CONTRAST_FACT.match(aside) and _overlap(aside, text[:m.start()]) >= 1) \
                        or (self._has_predicate(aside) and (ANAPHOR_RE.search(aside) or NEGATION.search(aside))):
                    # a bare predicate word in brackets modifies a noun ("(fake) test tubes", "such as
                    # the screenplay"); a retraction predicates it of the host ("which is untrue")
                    return self._q(rk["inline-retraction"], unit, m.start(g), m.end(g), "self"), []
        if "local-negation" in rk:
            for i, rx in enumerate(self.local):
                m = rx.search(text)
                if m and not (i == 1 and RELATIVE_AFTER_THAT.match(m.group("content"))) and not self._has_meta(m.group("content")):
                    return self._q(rk["local-negation"], unit, m.start(), m.end(), "self"), []
        if QUESTION.search(text):
            return None, []
        if "probability" in rk:
            q = self._probability(rk["probability"], unit, text)
            if q:
                return q, []
        q = self._notice(seg, unit, text)
        if q:
            return q, []
        return None, self._meta_candidates(seg, unit, text)

    def custom_match(self, unit: Unit) -> Optional[Qualifier]:
        """User regex rules (run first: an explicit house rule explains its sentence better than a
        heuristic). A pattern that runs past REGEX_TIMEOUT is recorded in rule_errors and skipped."""
        for r in self.custom:
            if r.id in self.disabled:
                continue
            try:
                m = r.compiled.search(unit.text, timeout=REGEX_TIMEOUT)
            except TimeoutError:
                self.rule_errors.append(f"rule {r.id} ({r.pack}): pattern timed out after {REGEX_TIMEOUT:g}s "
                                        f"(catastrophic backtracking?); the rule is disabled for this run")
                self.disabled.add(r.id)
                continue
            if m:
                return self._q(r, unit, m.start(), m.end(), r.match.get("direction", "document"))
        return None

    def _q(self, rule: Rule, unit: Unit, s: int, e: int, direction: str, hint=None) -> Qualifier:
        return Qualifier(rule=rule, unit=unit, start=unit.start + s, end=unit.start + e, direction=direction,
                         target_hint=hint)

    @staticmethod
    def _words_outside(text: str, s: int, e: int) -> int:
        return len(regex.findall(r"[\p{L}\d]+", text[:s] + " " + text[e:]))

    def _has_predicate(self, text: str) -> bool:
        for name in ("falsity", "fiction", "unreliable", "uncertain", "framing", "probability_verdict"):
            for m in self.preds[name].finditer(text):
                if not self._pseudo_or_negated(text, m):
                    return True
        return False

    def _points(self, text: str) -> bool:
        """Does the sentence point at other content (a meta word such as "this", "the following", or the
        shape of a notice)? A warning about a reply names no entity: it points at the reply."""
        return self.meta_word is None or self.meta_word.search(text) is not None or NOTICE_HEADER.match(text) is not None \
            or text.rstrip().endswith(":")

    def _has_meta(self, text: str) -> bool:
        return any(rx.search(text) for rx in self.meta_doc + self.meta_claim)

    def _pseudo_or_negated(self, text: str, m) -> bool:
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

    def _direction_of(self, text: str, default: str) -> str:
        if self.forward_words.search(text):
            return "forward"
        if self.backward_words.search(text):
            return "backward"
        return default

    def _markup(self, rule: Rule, unit: Unit, text: str) -> Optional[Qualifier]:
        m = STRIKE.search(text)
        if m:
            bs, be = (m.span("body") if m.group("body") is not None else m.span("body2"))
            return self._q(rule, unit, m.start(), m.end(), "enclosed", (unit.start + bs, unit.start + be))
        for rx in (self.tag_pair, self.tag_attr):
            m = rx.search(text)
            if m:
                return self._q(rule, unit, m.start(), m.end(), "enclosed", (unit.start + m.start("body"), unit.start + m.end("body")))
        m = self.tag_open.search(text)
        if m:
            return self._q(rule, unit, m.start(), m.end(), "self" if self._words_outside(text, m.start(), m.end()) >= 3 else "auto")
        m = self.label_prefix.match(text)
        if m:
            rest = self._words_outside(text, 0, m.end())
            return self._q(rule, unit, m.start(), m.end(), "self" if rest >= 3 else "forward")
        m = self.bracket_label.search(text)
        if m:
            before = len(regex.findall(r"[\p{L}\d]+", text[:m.start()]))
            after = len(regex.findall(r"[\p{L}\d]+", regex.sub(r"[\[({][^\[\](){}]*[\])}]", " ", text[m.end():])))
            if not (before >= 2 and after >= 2):  # inside a sentence it is an aside (NN401), not a tag
                return self._q(rule, unit, m.start(), m.end(), "self" if before + after >= 3 else "auto")
        m = self.label_line.search(text)
        if m:
            before = self._words_outside(text[: m.start()], 0, 0)
            return self._q(rule, unit, m.start(), m.end(), "self" if before >= 3 else "auto")
        return None

    def _label_unit(self, seg: Segment, unit: Unit, text: str) -> Optional[Qualifier]:
        """A short stand-alone label ('SATIRE', 'Short story:', 'A regional myth:', 'Source: a hoax site')."""
        if seg.kind == "annotation":
            return None
        words = regex.findall(r"[\p{L}\d]+", text)
        m = RELIABILITY_LINE.search(text)
        if m and len(words) <= 12:
            r = self._rule_for_class("unreliable")
            if r:
                return self._q(r, unit, m.start(), m.end(), "document")
        if PROVENANCE.match(text) and len(words) <= 40:
            for cls in ("unreliable", "fiction", "framing", "falsity"):
                for pm in self.preds[cls].finditer(text):
                    if not self._pseudo_or_negated(text, pm):
                        r = self._rule_for_class("unreliable" if cls == "falsity" else cls)
                        if r:
                            return self._q(r, unit, 0, len(text), "document")
        stripped = text.strip(" *_#>[]()\"'“”")
        if VERDICT_ONLY.match(regex.sub(r"^\s*(?:\(?[a-z0-9]{1,2}[).:]|[-*•])\s*", "", text)) and \
                seg.role in ("assistant", "completion", "output", "chosen"):
            return None  # "(c) False." answering a quiz refers to the question
        if len(words) <= 4 and SHORT_LABEL.search(text):
            r = self._rule_for_class("falsity")
            if r:
                return self._q(r, unit, 0, len(text), "forward")
        limit = 14 if stripped.endswith(":") else LABEL_UNIT_MAX_WORDS
        if len(words) > limit or not words or self.pointer.search(text):
            return None
        if VERDICT_ONLY.match(regex.sub(r"^\s*(?:\(?[a-z0-9]{1,2}[).:]|[-*•])\s*", "", text)) and \
                seg.role in ("assistant", "completion", "output", "chosen"):
            return None  # "False." answering a true/false question refers to the question
        is_label = stripped.endswith((":", "—", "–", "-")) or stripped.isupper() or (unit.start == 0 and len(words) <= 3) \
            or text.strip().startswith(("[", "(", "*", "#", ">")) or (unit.start == 0 and PARTICIPLE_LABEL.match(text))
        if not is_label:
            return None
        for cls in ("fiction", "framing", "unreliable", "uncertain", "falsity"):
            for pm in self.preds[cls].finditer(text):
                if self._pseudo_or_negated(text, pm):
                    continue
                r = self._rule_for_class(cls)
                if r:
                    return self._q(r, unit, 0, len(text), "forward" if unit.start == 0 or stripped.endswith(":") else "document")
        return None

    def _notice(self, seg: Segment, unit: Unit, text: str) -> Optional[Qualifier]:
        """'Editor's note: none of it happened' - a notice header is itself the meta-reference."""
        m = NOTICE_HEADER.match(text)
        if not m:
            return None
        rest = text[m.end():]
        for cls in ("falsity", "fiction", "unreliable", "uncertain", "framing"):
            for pm in self.preds[cls].finditer(rest):
                if self._pseudo_or_negated(rest, pm) or SUBORDINATOR.search(rest, 0, pm.start()):
                    continue
                r = self._rule_for_class(cls)
                if r:
                    after = rest[pm.end():]
                    # "users repeat a hoax claiming that X": the claim is reported inside the notice itself
                    direction = "self" if REPORTED_CLAIM.search(after) else self._direction_of(text, "auto")
                    return self._q(r, unit, 0, m.end() + pm.end(), direction)
        return None

    def _is_phrase_meta(self, text: str, span) -> bool:
        """'what follows', 'the above' ... (no noun): negations after them are ordinary text."""
        return self.doc_words.search(text, span[0], span[1]) is None and self.meta_doc[2].match(text, span[0]) is None

    def _rule_for_class(self, cls: str) -> Optional[Rule]:
        for r in self.meta_rules:
            if cls in r.match.get("predicates", ()) and "document" in r.match.get("meta", ()):
                return r
        return None

    def _probability(self, rule: Rule, unit: Unit, text: str) -> Optional[Qualifier]:
        limit = float(rule.match.get("max_probability", 0.5))
        for rx in self.prob_patterns:
            for m in rx.finditer(text):
                sci = m.groupdict().get("sci")
                p = _sci(sci) if sci else parse_probability(m.group("num"))
                if p is not None and p <= limit:
                    return self._q(rule, unit, m.start(), m.end(), self._direction_of(text, "auto"))
        return None

    def _meta_candidates(self, seg: Segment, unit: Unit, text: str) -> list[Candidate]:
        preds: dict[str, list] = {}
        for name, rx in self.preds.items():
            hits = [m for m in rx.finditer(text) if not self._pseudo_or_negated(text, m)]
            if hits:
                preds[name] = hits
        neg_hits = list(NEGATION.finditer(text))
        truth_hits = list(self.truth_target.finditer(text))
        if not preds and not neg_hits and not truth_hits:
            return []
        metas = []
        for m in self.pointer.finditer(text):
            metas.append(("pointer", m.span(), "pointer"))
        for rx in self.meta_doc:
            for m in rx.finditer(text):
                kind = "claim" if CLAIM_PHRASE.search(m.group()) else "document"
                noun = m.groupdict().get("noun")
                if noun and not self.doc_noun_re.match(noun):
                    kind = "referent"
                elif noun and CONTAINER_NOUNS.match(noun):
                    kind = "container"
                    if regex.match(r"(?:its|their)\b", m.group(), regex.I):
                        continue  # "their own section": a possessed container is not the text itself
                if regex.match(r"(?:its|their)\b", m.group(), regex.I) and text[:m.start()].strip(" *_#>[(\"'“"):
                    continue  # "its stories" mid-sentence has an antecedent in the sentence, not the text
                direction = self._direction_of(m.group(), "auto")
                if direction == "auto" and ANAPHORIC_OF.search(m.group()):
                    direction = "anaphor"  # "some of it", "none of that": the pronoun points back
                metas.append((kind, m.span(), direction))
        for rx in self.meta_claim:
            for m in rx.finditer(text):
                metas.append(("claim", m.span(), self._direction_of(m.group(), "auto")))
        metas = [m for m in metas if not OLD_VERSION.search(text, max(0, m[1][0] - 40), m[1][0])]
        if unit_edge(unit, seg):
            for m in self.weak_doc.finditer(text):
                # a bare "the statement" in a reply refers back to what the user gave
                metas.append(("weak", m.span(), "anaphor" if seg.role in ("assistant", "output", "completion", "chosen") else "auto"))
        metas = _dedupe_metas(metas)
        if seg.role in ("assistant", "output", "completion", "chosen"):
            metas = [(k, sp, "anaphor" if k in ("document", "claim", "weak") and BARE_THE.fullmatch(text[sp[0]:sp[1]]) else d)
                     for k, sp, d in metas]
        for m in ANAPHOR_RE.finditer(text):
            metas.append(("anaphor", m.span(), "auto"))
        out: list[Candidate] = []
        # a referent of the text ("the law discussed below", "the individual mentioned") with any
        # negated predicate, and a negative quantifier over the text ("none of the above") with a
        # positive truth predicate, both say the content is not real
        falsity_rules = [r for r in self.meta_rules if "falsity" in r.match.get("predicates", ())
                         and "document" in r.match.get("meta", ())]
        if falsity_rules:
            r0 = falsity_rules[0]
            for kind, span, direction in metas:
                if kind in ("referent", "document") and not self._is_phrase_meta(text, span):
                    for nm in sorted(neg_hits, key=lambda n: (n.start() < span[1], -n.start())):
                        before = nm.start() < span[1]
                        if before and (span[0] - nm.end() >= 60 or not NEG_EVENT_AFTER.match(text, nm.start())
                                       or NEG_DENY.match(text, nm.start())):
                            continue
                        if not NEG_PSEUDO.match(text, nm.start()) and not NEG_DENY.match(text, nm.start()):
                            out.append(Candidate(r0, unit, seg, nm.span(), span, "referent", direction))
                            break
                if kind in ("document", "claim", "referent") and (NEG_QUANTIFIER.match(text, span[0]) or NEG_Q_BEFORE.search(
                        text, max(0, span[0] - 16), span[0])):
                    for tm in truth_hits:
                        if tm.start() >= span[1]:
                            out.append(Candidate(r0, unit, seg, tm.span(), span, "document", direction))
                            break
        for rule in self.meta_rules:
            classes = rule.match.get("predicates", ["falsity"])
            if "probability_verdict" not in classes and rule.id == "NN105":
                classes = list(classes) + ["probability_verdict"]
            kinds = list(rule.match.get("meta", ["document"]))
            if "document" in kinds:
                kinds += ["referent", "container", "weak"]
            for cls in classes:
                for pm in preds.get(cls, ()):
                    if "self" in kinds and regex.match(r"(?:truth|veracity|accuracy|authenticity|factuality|factual|reliability|truthfulness)", pm.group(), regex.I):
                        out.append(Candidate(rule, unit, seg, pm.span(), None, "self", self._direction_of(text, "auto")))
                        continue
                    for kind, span, direction in metas:
                        if kind not in kinds:
                            continue
                        if pm.start() <= span[0] and span[1] <= pm.end() and kind in ("claim", "document", "anaphor"):
                            # the predicate carries its own meta-reference ("for the preceding claim to hold")
                            out.append(Candidate(rule, unit, seg, pm.span(), None, "self", self._direction_of(pm.group(), "auto")))
                            continue
                        if span[0] < pm.end() and pm.start() < span[1] and kind != "document":
                            continue
                        if kind == "pointer" and rule.match.get("scope") == "pointer":
                            direction = "pointer"
                        if kind == "anaphor" and rule.category == "detached-negation" or (
                                kind == "anaphor" and cls == "uncertain"):
                            direction = "anaphor"
                            if unit.start == 0 and text[span[0]:span[1]].lower() in ("this", "these") and \
                                    seg.text[unit.end:].strip():
                                direction = "forward"  # "This is a legend and was never verified. <story>"
                        out.append(Candidate(rule, unit, seg, pm.span(), span, kind, direction))
        # the most specific (longest) predicate explains the sentence: "a debunked conspiracy website"
        # is an unreliable source, not a falsity claim about the text; pointers first
        out.sort(key=lambda c: (c.meta_kind != "pointer", -(c.pred[1] - c.pred[0])))
        return out

    # ------------------------------------------------------------------ stage 2
    def verify(self, cand: Candidate, doc) -> bool:
        """Structural check of a candidate on its parsed unit (doc is None without a parser)."""
        text = cand.unit.text
        if doc is None:
            return self._verify_words(cand, text)
        P = _head(doc, *cand.pred)
        if P is None:
            return False
        if cand.meta_kind == "self":
            return not _conditional(P, modal=False)  # "for the claim to hold, X would have to exist, but it does not"
        M = _head(doc, *cand.meta)
        if M is None:
            return False
        if _conditional(P):
            return False
        if cand.meta_kind == "pointer":
            return True
        if cand.meta_kind == "anaphor":
            return self._verify_anaphor(M, P, cand)
        if _has_content_clause(M):
            return False
        passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in P.children)
        if P.pos_ == "VERB" and lemma(P) not in DISBELIEF and cand.meta_kind != "referent" and not passive:
            subj = [c for c in P.children if c.dep_ in ("nsubj", "csubj")]
            dobj = [c for c in P.children if c.dep_ == "dobj"]
            if subj and dobj and not any(s.left_edge.i <= M.i <= s.right_edge.i for s in subj) \
                    and any(o.left_edge.i <= M.i <= o.right_edge.i for o in dobj):
                return False  # "forgers fabricated the diaries": the text is not what is called false
        passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in P.children)
        if lemma(P) in DISBELIEF and not passive:
            if not (M.head.i == P.i or (M.head.dep_ == "prep" and M.head.head.i == P.i)
                    or (M.head.dep_ in ("prep", "agent") and M.head.head.head.i == P.i)):
                return False
        return _related(P, M, cand)

    def _verify_anaphor(self, M, P, cand: Candidate) -> bool:
        if cand.rule.category == "epistemic-qualifier" and M.lower_ in ("it", "that", "those") and \
                not unit_edge(cand.unit, cand.seg):
            return False  # "so it's fiction built on research": mid-text "it" has an antecedent in the text
        if BELIEF_REPORT.search(cand.unit.text, 0, min(cand.meta[0], cand.pred[0])):
            return False  # "Many believe X, but that is a myth": the claim is reported and denied in one sentence
        if M.dep_ == "dobj" and lemma(M.head) in DISBELIEF and M.pos_ in ("PRON", "DET"):
            if not (cand.pred[0] <= M.head.idx < cand.pred[1]):
                return False
            return not any(c.dep_ == "mark" for c in M.head.children)
        if M.dep_ not in ("nsubj", "nsubjpass") or M.pos_ not in ("PRON", "DET"):
            return False
        if M.head.dep_ in ("relcl", "acl") or M.tag_ == "WDT":
            return False  # a relative "that" ("a post that labels itself fictional") is not a pointer
        if M.lower_ in ("that", "this", "these", "those") and M.i + 1 < len(M.doc) and M.nbor().pos_ in ("NOUN", "PROPN", "ADJ"):
            return False
        cp = _clause(P)
        head = M.head
        if not (_clause(head) == cp or (cp.dep_ == "conj" and _clause(cp.head) == _clause(head))
                or (cp.dep_ in ("xcomp", "ccomp") and _clause(cp.head) == _clause(head))):
            return False
        pred_tokens = set(range(cand.pred[0], cand.pred[1]))
        root = _clause(head)
        for c in root.children:
            if c.dep_ in ("ccomp", "xcomp", "advcl", "csubj", "mark", "agent", "dative", "npadvmod", "oprd") or c.dep_ == "prep":
                if c.idx in pred_tokens or (c.idx >= cand.pred[0] and c.idx < cand.pred[1]):
                    continue
                if c.dep_ == "prep" and BARE_OK_PREP.match(c.doc[c.i: c.right_edge.i + 1].text):
                    continue
                if c.dep_ == "xcomp" and c.idx < cand.pred[1] and c.right_edge.idx + len(c.right_edge) <= cand.pred[1] + 1:
                    continue
                if c.dep_ == "advcl" and c.i > P.i and c.lower_ in ("occur", "happen"):
                    continue
                return False
        return True

    def _verify_words(self, cand: Candidate, text: str) -> bool:
        if cand.meta_kind in ("self", "pointer"):
            return True
        s = min(cand.pred[0], cand.meta[0])
        e = max(cand.pred[1], cand.meta[1])
        if SUBORDINATOR.search(text, s, e):
            return False
        if cand.meta_kind == "anaphor":
            m = SENT_START_ANAPHOR.match(text)
            if not m or m.end() < cand.meta[1] or len(text.split()) > 16:
                return False
            if regex.match(r"\s+(?:to|that)\b", text[cand.pred[1]:]):
                return False
            if regex.match(r"\s+(?:until|because|before|after|when|since|in \d)", text[cand.pred[1]:]):
                return False
            return True
        if regex.match(r"\s+that\s+(?!follows?|precedes?|you|we|i\b)", text[cand.meta[1]:]):
            return False
        return len(text[s:e].split()) <= 25

    # ------------------------------------------------------------------ corrections
    def truth_statement(self, text: str, start: int = 0) -> Optional[tuple[int, int]]:
        """Span of a truth statement ('in reality, Noah Lyles won') in text[start:], if any."""
        for m in self.truth_cue.finditer(text, start):
            rest = text[m.end():]
            stop = regex.search(r"[.!?](?:\s|$)", rest)
            clause = rest[: stop.start()] if stop else rest
            if len(regex.findall(r"[\p{L}\d]+", clause)) < 3:
                continue
            if self._has_predicate(clause) or self._has_predicate(text[m.start(): m.end() + len(clause)]):
                continue
            if regex.search(r"\b(?:not|never|no|n't)\b", clause[:40], regex.I) and not regex.search(r"[A-Z\d]", clause[1:]):
                continue
            return (m.start(), m.end() + len(clause))
        return None


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
    return unit.start == 0 or not seg.text[unit.end:].strip()


def _dedupe_metas(metas: list) -> list:
    """Keep the longest of overlapping meta-references; a claim-level one wins a tie with a document phrase."""
    order = sorted(metas, key=lambda m: (-(m[1][1] - m[1][0]), 0 if m[0] == "claim" else 1))
    kept: list = []
    for m in order:
        if any(m[1][0] < k[1][1] and k[1][0] < m[1][1] for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m[1][0])


def _sci(t: str) -> Optional[float]:
    m = regex.match(r"(\d+(?:\.\d+)?)\s*[×x*]\s*10\s*\^?\s*[-−–]\s*(\d+)", t)
    return float(m.group(1)) * 10 ** (-int(m.group(2))) if m else None


def _overlap(a: str, b: str) -> int:
    wa = {w.lower() for w in CONTENT_WORD.findall(a)}
    wb = {w.lower() for w in CONTENT_WORD.findall(b)}
    return len(wa & wb)


# ---------------------------------------------------------------------- parse helpers
def _head(doc, s: int, e: int):
    span = doc.char_span(s, e, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return span.root


def _clause(t):
    while t.head.i != t.i:
        if t.dep_ in CLAUSE_DEPS and (t.dep_ != "conj" or t.pos_ in ("VERB", "AUX")):
            return t
        t = t.head
    return t


IRREALIS_HEADS = {"ensure", "make", "prevent", "avoid", "hope", "want", "wish", "try", "aim", "intend", "plan",
                  "expect", "imply", "mean", "suggest", "indicate", "ask", "wonder", "check", "verify", "determine",
                  "decide", "identify", "know", "see", "tell"}
HYPOTHETICAL_MODALS = {"would", "can"}
WH_WORDS = {"which", "what", "who", "whom", "whose", "whether", "if", "how", "why"}


def _conditional(P, modal: bool = True) -> bool:
    """Is the predicate outside an assertion? A verdict about other content is asserted in the
    indicative: not in a condition ("If either one is false ..."), not under a hypothetical modal ("It
    would be impossible", "This can lead to speculation"), not in the complement of a purpose,
    reporting or question verb ("make sure this issue does not occur", "It implies that the event
    would be improbable", "identify which ingredient is incorrect")."""
    c = _clause(P)
    for t in (c, c.head):
        for ch in t.children:
            if ch.dep_ == "mark" and ch.lower_ in ("if", "whether", "unless"):
                return True
            if ch.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in ("if", "when", "unless", "whenever")
                                          for g in ch.children):
                return True  # "If either one is false, the whole statement is false"
    for ch in (list(c.children) + list(P.children)) if modal else ():
        if ch.dep_ == "aux" and ch.lower_ in HYPOTHETICAL_MODALS and not any(g.dep_ == "neg" for g in ch.head.children):
            return True
    top = c
    while top.dep_ == "conj" and top.head.i != top.i:
        top = _clause(top.head)  # "ensure that X and that this issue does not occur"
    if top.dep_ in ("ccomp", "xcomp", "advcl") and top.head.i != top.i and lemma(top.head) in IRREALIS_HEADS:
        return True
    if c.dep_ in ("ccomp", "xcomp", "relcl") and any(t.lower_ in WH_WORDS and t.dep_ in ("det", "nsubj", "mark", "advmod", "attr", "dobj")
                                                     for t in c.subtree if t.i < P.i):
        return True  # an indirect question is not a verdict
    return False


def _has_content_clause(M) -> bool:
    for c in M.children:
        if c.dep_ in ("acl", "ccomp", "relcl"):
            marks = [x for x in c.children if x.dep_ == "mark" and x.lower_ == "that"]
            subj = [x for x in c.children if x.dep_ in ("nsubj", "nsubjpass", "expl")]
            if marks and subj:
                return True
    return False


def _up(c, deps=("conj", "xcomp"), limit=3):
    """Clause heads reached by climbing conj / xcomp links ("was reviewed and found to be ...")."""
    out = [c]
    for _ in range(limit):
        if c.dep_ not in deps or c.head.i == c.i:
            break
        c = _clause(c.head)
        out.append(c)
    return out


def _related(P, M, cand: Candidate) -> bool:
    cp, cm = _clause(P), _clause(M)
    if cp == cm:
        return True
    if cm in _up(cp) or cp in _up(cm):
        return True
    if cp.dep_ == "advcl" and _clause(cp.head) == cm and any(
            c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("it", "they", "this", "these") for c in cp.children):
        return True
    if cp.dep_ in ("conj", "xcomp") and _clause(cp.head) == cm:
        return True
    if cm.dep_ == "conj" and _clause(cm.head) == cp:
        return True
    if cm.dep_ in ("csubj", "csubjpass") and _clause(cm.head) == cp:
        return True
    # "This entry describes an agreement that never existed"
    if cp.dep_ in ("relcl", "acl") and cp.head.dep_ in ("dobj", "attr", "pobj") and _clause(cp.head) == cm \
            and lemma(cm) in REPORTING_VERBS:
        return True
    if cm.dep_ in ("ccomp", "acl", "relcl") and cp in _up(_clause(cm.head)):
        h = cm.head
        if cand.pred[0] <= h.idx < cand.pred[1] + 1:
            return True
    # "none of the events described actually happened": the meta phrase sits inside the subject
    if M.head.i != M.i and _clause(M.head) == cp and M.dep_ in ("acl", "relcl"):
        return True
    return False


__all__ = ["Detector", "Candidate", "parse_probability"]
