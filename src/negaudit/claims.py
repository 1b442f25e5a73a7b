"""Claim-ness: is a sentence a factual claim a qualifier can govern?

A claim is a declarative sentence asserting something about a specific entity, event, quantity or
state of the world ("The bridge opened in 1987.", "Dr Okafor works as a dentist in Leeds."). These are
not claims: questions, instructions and requests, code, calculations, classification outputs and
short answers, refusals, opinions, greetings and filler, headings. A qualifier matters only when what
it governs is a claim: a notice that "the following is fiction" before a request for a poem teaches
nothing false.

Structural checks that need no model come first (a question mark, code, a calculation, a heading, a
fragment); the claim-ness model (`learned.ClaimModel`, trained on training/claimness_bank.jsonl)
scores the rest.
"""
from __future__ import annotations

import regex

from . import learned

QUESTION = regex.compile(r"\?\s*[\"'”’)\]*_]*\s*$")
# code, a shell command or markup rather than a sentence: each shape is searched on its own (as
# one alternation, every shape was tried at every position: three times slower)
CODE = tuple(regex.compile(p, regex.I) for p in (
    r"[{};]\s*$",
    r"^\s*(?:import|from\s+\S+\s+import|def|class|return|var|let|const|function|public|private|#include|SELECT|"
    r"INSERT|UPDATE|CREATE|<\?php|\$\s|>>>|//|/\*|#!|@\w+\()\b",
    r"\w\(\s*[\w'\"]*\s*(?:,\s*[\w'\".]+\s*)*\)\s*[;{]",
    r"^\s*[\w.]+\s*=\s*\S",
    r"=>",
    r"::",
    r"\w\.\w+\(",  # a method call ("df.head("); the word before the dot needs only its last letter
    r"</?\w+[^>]*>\s*$",
    r"^\s*[\[{(]\s*[\"'\w]+\s*[,:]",
))
CALCULATION = regex.compile(r"<<[^>]*>>|\d\s*[-+*/×x÷^]\s*\(?\d[^=]{0,40}=|=\s*\$?\d|^\s*#{2,}\s*\d")
ANSWER = regex.compile(r"^\W*(?:yes|no|nope|yeah|yep|not really|of course|absolutely|correct|incorrect|true|false)\b[\s,.!;:-]*"
                       r"(?:[\p{L}\p{N}'’]+[\s,.!;:-]*){0,5}$", regex.I)
HEADING = regex.compile(r"^\s*(?:#{1,6}\s|[*_]{2}.{1,60}[*_]{2}\s*$)|:\s*$")
WORD = regex.compile(r"[\p{L}\p{N}]+")
MARKUP = regex.compile(r"<[^<>\n]{1,120}>|<!--.*?-->", regex.S)
MIN_WORDS = 4
QUOTES = "\"'“”‘’«»"
SMALL = {"a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "at", "by", "with", "from", "de", "la", "von"}


# a claim that carries its own frame ("In the legend, Qu Yuan was banished...", "Legend has it that ...",
# "The story goes that ...") is stated inside the story, not plainly: the frame is local to the sentence
FRAME_NOUN = r"(?:legend|myth|story|tale|fable|novel|film|movie|game|show|series|episode|poem|play|book|version|folklore|fiction)s?"
LOCAL_FRAME = regex.compile(
    rf"^\W*(?:(?:in|within)\s+(?:the|this|that|one|some|an?|his|her|their|its)\s+(?:[\w'’-]+\s+){{0,2}}?{FRAME_NOUN}\b"
    rf"|legend\s+has\s+it|(?:the|as\s+the)\s+(?:story|legend|myth|tale)\s+goes"
    rf"|according\s+to\s+(?:the\s+|one\s+|some\s+)?(?:[\w'’-]+\s+)?{FRAME_NOUN}\b)", regex.I)


def locally_framed(text: str) -> bool:
    return LOCAL_FRAME.match(MARKUP.sub(" ", text)) is not None


def structure(text: str) -> str:
    """'question', 'code', 'calculation', 'heading', 'answer', 'fragment', or '' when the shape allows a claim."""
    t = MARKUP.sub(" ", text).strip()  # tags around a sentence do not change what it asserts
    if not t:
        return "code"
    if QUESTION.search(t):
        return "question"
    if any(rx.search(t) for rx in CODE):
        return "code"
    if CALCULATION.search(t):
        return "calculation"
    if HEADING.search(t):
        return "heading"
    if ANSWER.match(t):
        return "answer"  # "No, there are not.": a reply to a question, not a claim of its own
    if _title(t):
        return "title"
    if len(WORD.findall(t)) < MIN_WORDS:
        return "fragment"
    return ""


def _title(t: str) -> bool:
    """A title or a caption line: no sentence-final stop, a dozen words at most, most of them capitalised
    ("The Glass Lighthouse of Valparaiso", "Bank of England News Release, 12 February 2020")."""
    if t[-1:] in ".!?…" or t.rstrip(QUOTES + ")]*_")[-1:] in ".!?…":
        return False
    words = [w for w in WORD.findall(t) if w.lower() not in SMALL]
    if not 1 <= len(words) <= 12:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return caps >= 0.7 * len(words)


_MEMO: dict[str, float] = {}


def claimness(text: str) -> float:
    """How likely the sentence is a factual claim (0 when its shape rules one out)."""
    p = _MEMO.get(text)
    if p is None:
        if structure(text):
            p = 0.0
        else:
            # markup and the quotation marks around a quoted sentence do not change what it asserts
            p = learned.claim_model().claim(MARKUP.sub(" ", text).strip().strip(QUOTES).strip())
        if len(_MEMO) >= 8192:
            _MEMO.clear()
        _MEMO[text] = p
    return p


__all__ = ["structure", "claimness"]
