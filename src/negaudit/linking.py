"""Linking: each qualifier to the claim sentences it governs.

Directions: forward (what follows), backward (what precedes), document (the whole record: the
nearest claim in either direction), self (the qualifier's own sentence, minus the qualifier),
enclosed (the text inside a tag), pointer ("[S3]" -> the sentence labelled [S3]), footnote (the
sentence that carries the marker) and next-turn (the next trained turn in a chat).
A qualifier's scope stays in its own segment while that segment has claims in that direction; a
notice alone in a system turn or a metadata field governs the record's trained text.
"""
from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Iterable, Iterator, Optional

import regex

from .claims import structure as claim_structure
from .models import Qualifier, Segment, Unit

WORD = regex.compile(r"[\p{L}\d]+")
FOOTNOTE_MARK = regex.compile(r"(?:<sup>\s*[\w*†‡]{1,3}\s*</sup>|\[\^?\d{1,3}\]|\^\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\*{1,3}|[†‡])+\s*$")
HEADER = regex.compile(r"^\s*(?:#{1,6}\s|[*_]{2}[^*_]+[*_]{2}\s*$|[A-Z][\w' ]{0,40}:\s*$)")
SALIENT = regex.compile(r"(?<=\S\s+)[\p{Lu}]|\d")
SENTENCE_SCOPE = 3
NOTICE_LIKE = regex.compile(r"^(?:<[A-Za-z_]{1,20}>)?\W{0,6}(?:[\w'’&]+\s+){0,4}(?:note|notice|advisory|addendum|warning|disclaimer|"
                            r"erratum|caveat|alert|retraction)\s*[:—–]", regex.I)
QUOTE = regex.compile(r"[\"“‘'][^\"”’]{12,}[\"”’']")
RESPONSE_ROLES = ("assistant", "completion", "output", "chosen")
PROMPT_ROLES = ("user", "prompt", "instruction", "input", "rejected")
TURN_REF = regex.compile(r"\b(first|second|last|final|previous|next|following|preceding)\s+(?:(assistant|model|ai|bot|user)\s+)?"
                         r"(?:message|turn|reply|response|answer)", regex.I)
USER_REF = regex.compile(r"\b(?:the user|user's|users'|the human|you paste|the customer|the person asking|the requester)\b", regex.I)
REQUEST = regex.compile(r"^\W*(?:please\s+|now\s+|can you\s+|could you\s+)?(?:write|generate|create|tell|give|summari[sz]e|describe|"
                        r"explain|list|produce|draft|compose|make|provide|continue|complete|rewrite|translate|answer|reply|"
                        r"respond|imagine|pretend|act|draw|outline|expand|elaborate|paraphrase|simulate)\b", regex.I)


class Links(Sequence):
    """The claims a qualifier governs, as Links made when read: a caller reads the first one or
    few, and a long document's qualifier governs thousands."""

    def __init__(self, pool: Sequence[Unit]) -> None:
        self._pool = pool

    def __len__(self) -> int:
        return len(self._pool)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [Link(c.seg, c.start, c.end, c) for c in self._pool[i]]
        c = self._pool[i]
        return Link(c.seg, c.start, c.end, c)


@dataclass
class Link:
    seg: int
    start: int
    end: int
    unit: Optional[Unit]


def is_claim_unit(u: Unit, qualifier_units: set[int], claim_ok=None) -> bool:
    """Can this sentence be a governed claim? Not a qualifier sentence, not a fragment or a short
    heading, and (with `claim_ok`, the claim-ness check) a factual claim."""
    if u.order in qualifier_units:
        return False
    words = WORD.findall(u.text)
    if len(words) < 3:
        return False
    if HEADER.match(u.text) and len(words) < 8:
        return False
    return claim_ok is None or claim_ok(u)


class ClaimMemo:
    """Which sentences of one record can be governed claims, for all of its qualifiers: the claim-ness
    check runs once per sentence and check, not once per qualifier (a long document has thousands of
    sentences and, with them, hundreds of qualifiers). A memo belongs to one record's units and one
    set of qualifier sentences; `claim_ok` must depend on the sentence alone."""

    def __init__(self, units: list[Unit], qualifier_units: set[int]) -> None:
        self.units = units
        self.qualifier_units = qualifier_units
        self._shaped: dict[int, bool] = {}
        self._ok: dict[tuple, bool] = {}
        self._claims: dict = {}
        self._segs: dict = {}
        self._by_order: Optional[dict[int, Unit]] = None
        self._orders: Optional[list[int]] = None  # the units' orders, when they are in (segment, order) order

    def earlier(self, u: Unit) -> Iterator[Unit]:
        """The sentences of u's text before it, nearest first, read only as far as the caller reads
        ([c for c in units if c.seg == u.seg and c.order < u.order], reversed)."""
        if self._orders is None:
            units = self.units
            in_order = all(a.order < b.order and a.seg <= b.seg for a, b in zip(units, units[1:]))
            self._orders = [c.order for c in units] if in_order else []
        if not self._orders and self.units:  # not in (segment, order) order: read them all
            yield from reversed([c for c in self.units if c.seg == u.seg and c.order < u.order])
            return
        for i in range(bisect.bisect_left(self._orders, u.order) - 1, -1, -1):
            c = self.units[i]
            if c.seg != u.seg:
                return
            yield c

    def by_order(self) -> dict[int, Unit]:
        """The record's units by their order."""
        if self._by_order is None:
            self._by_order = {u.order: u for u in self.units}
        return self._by_order

    def is_claim(self, u: Unit, claim_ok=None, qualifier_units: Optional[set[int]] = None) -> bool:
        """is_claim_unit(u, qualifier_units or this memo's, claim_ok), remembered."""
        if u.order in (self.qualifier_units if qualifier_units is None else qualifier_units):
            return False
        shaped = self._shaped.get(u.order)
        if shaped is None:
            shaped = self._shaped[u.order] = is_claim_unit(u, set())
        if not shaped or claim_ok is None:
            return shaped
        key = (claim_ok, u.order)
        ok = self._ok.get(key)
        if ok is None:
            ok = self._ok[key] = bool(claim_ok(u))
        return ok

    def in_segment(self, claim_ok, seg: int) -> tuple[list[Unit], list[int]]:
        """The claims of one segment, in order, and their orders (for bisecting)."""
        key = (claim_ok, seg)
        got = self._segs.get(key)
        if got is None:
            own = [c for c in self.claims(claim_ok) if c.seg == seg]
            got = self._segs[key] = (own, [c.order for c in own])
        return got

    def claims(self, claim_ok=None) -> list[Unit]:
        """The record's units that can be governed claims, in order."""
        got = self._claims.get(claim_ok)
        if got is None:
            got = self._claims[claim_ok] = [c for c in self.units if self.is_claim(c, claim_ok)]
        return got


# a sentence that opens with a pronoun pointing back ("That's not true.", "No, it isn't correct.")
OPENING_ANAPHOR = regex.compile(r"^\W*(?:(?:no|nope|actually|well|oh|sorry|wrong)\b\W*)*(?:that|it|those)(?![\w-])", regex.I)


# a verdict that opens with a reply ("No, the statement is not true.", "Yes - that is false.")
ANSWER_OPENING = regex.compile(r"^\W*(?:no|nope|yes|yeah|correct|incorrect|wrong|right|true|false)\s*[,.!;:\u2013\u2014-]", regex.I)


QUESTION_POINTER = regex.compile(r"\b(?:this|that|these|those|it|they|above|preceding|previous|earlier|following|below|"
                                 r"story|article|account|passage|text|report|post)\b", regex.I)


def _answers_question(memo: ClaimMemo, u: Unit, qualifier_units: set[int]) -> bool:
    """Does the sentence reply to a question just before it in the same text ("Is the statement 'X'
    true? No, the statement is not true. <the truth>")? Its referent is the question's content, not
    the sentence after it. Ratings and fragments between them ("Confidence: 0%", "- no") are passed."""
    if not ANSWER_OPENING.match(u.text):
        return False
    for c in memo.earlier(u):
        if c.order in qualifier_units or len(WORD.findall(c.text)) < 3:
            continue
        # the question must hold what the verdict denies: a quotation, or a proposition of its own
        # rather than a pointer back at the text ("Is that true? No, it is not." governs the text)
        return c.text.rstrip().endswith("?") and (QUOTE.search(c.text) is not None or (
            len(WORD.findall(c.text)) >= 5 and not QUESTION_POINTER.search(c.text)))
    return False


IRREALIS = regex.compile(
    r"\b(?:expect(?:s|ed|ing)?|hop(?:e|es|ed|ing)|wish(?:es|ed|ing)?|want(?:s|ed|ing)?|plann?(?:s|ed|ing)?|intend(?:s|ed|ing)?|"
    r"wait(?:s|ed|ing)? for|look(?:s|ed|ing)? forward|anticipat(?:e|es|ed|ing)|predict(?:s|ed|ing)?|would|might|could|"
    r"suppos(?:e|ed) to|going to|imagin(?:e|es|ed|ing)|dream(?:s|ed|t)? (?:of|about|that)|if)\b", regex.I)


def _asserted(c: Unit, claim_ok) -> bool:
    """Does the sentence a pointer points at assert a claim? Not when it is no claim at all, and not
    when it only anticipates an event ("I was waiting for people to protest. That didn't happen."):
    denying an expected event is ordinary narration, not a retraction."""
    return (claim_ok is None or claim_ok(c)) and not IRREALIS.search(c.text)


# a question about what came before, with no proposition of its own ("Is that true?", "Is this story
# real?", "Did it really happen?"): it passes a reply's pronoun on to what it points at; "Is it true
# that cats fly?" holds its own (the complement clause), and a longer question holds one too
BACK_QUESTION_WORDS = 5
OWN_CLAUSE = regex.compile(r"\b(?:true|false|real|correct|right|so|the case|possible)\s+that\b", regex.I)


def _points_back(c: Unit) -> bool:
    text = c.text.strip()
    return text.endswith("?") and len(WORD.findall(text)) <= BACK_QUESTION_WORDS \
        and QUESTION_POINTER.search(text) is not None and not OWN_CLAUSE.search(text) and not QUOTE.search(text)


def _sentence_before(memo: ClaimMemo, u: Unit, qualifier_units: set[int]) -> Optional[Unit]:
    """The sentence a pointer pronoun refers to: the nearest earlier sentence of the same text that is
    not itself a qualifier or a fragment, whatever it says. A question that only points back ("X. Is
    that true? No, it is not.") is passed: the pronoun answers it, and so means what it points at."""
    for c in memo.earlier(u):
        if is_claim_unit(c, qualifier_units) and not _points_back(c):
            return c
    return None


class _Lazy(Sequence):
    """A list of `n` items drawn from an iterator only as far as they are read (a document
    qualifier's claims in a long text are thousands, and linking reads the first few)."""

    def __init__(self, items: Iterable[Unit], n: int) -> None:
        self._it = iter(items)
        self._n = n
        self._got: list[Unit] = []

    def _fill(self, k: int) -> None:
        got = self._got
        for c in self._it:
            got.append(c)
            if len(got) >= k:
                return

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            self._fill(stop if step > 0 else self._n)
            return self._got[i]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        if i >= len(self._got):
            self._fill(i + 1)
        return self._got[i]

    def __iter__(self) -> Iterator[Unit]:
        i = 0
        while i < self._n:
            yield self[i]
            i += 1


def _nearest_first(own: list[Unit], orders: list[int], centre: int) -> Sequence[Unit]:
    """`own` (in order; `orders` their orders) nearest to the sentence `centre` first, the earlier one
    first at equal distance: what sorting by (distance, order) gives, merged from the two sides as
    far as it is read."""
    lo, hi = bisect.bisect_left(orders, centre), bisect.bisect_right(orders, centre)

    def merged() -> Iterator[Unit]:
        yield from own[lo:hi]
        i, j, n = lo - 1, hi, len(own)
        while i >= 0 and j < n:
            if centre - orders[i] <= orders[j] - centre:
                yield own[i]
                i -= 1
            else:
                yield own[j]
                j += 1
        yield from reversed(own[:i + 1])
        yield from own[j:]

    return _Lazy(merged(), len(own))


def _salient(u: Unit) -> bool:
    return len(WORD.findall(u.text)) >= 5 and SALIENT.search(u.text) is not None


def _strip_pointer(text: str, start: int):
    m = regex.match(r"\s*(?:\[\s*S\s*\d+\s*\]|\(\s*S\s*\d+\s*\)|S\d+[:.)])\s*", text)
    return (start + m.end()) if m else start


def link(q: Qualifier, segments: list[Segment], units: list[Unit], qualifier_units: set[int],
         scope: str = "document", claim_ok=None, memo: Optional[ClaimMemo] = None) -> Sequence[Link]:
    """Claim spans governed by q, most salient first (the first one is the finding's target).

    `claim_ok(unit)` tells whether a sentence is a factual claim (claims.py): a pointer governs the
    sentence it points at, so when that sentence is not a claim the qualifier governs nothing; a
    document-level qualifier governs the nearest claims. `memo`: the record's ClaimMemo (over these
    units and qualifier units), shared by its qualifiers."""
    if memo is None:
        memo = ClaimMemo(units, qualifier_units)
    u = q.unit
    d = q.direction
    continues_notice = False  # a pronoun pointer after a notice ("... no basis in history. It was invented.")
    if d == "self" and q.rule.category in ("inline-retraction", "local-negation"):
        if claim_ok is not None and claim_structure(u.text) in ("code", "calculation", "question"):
            return []  # conn.setAutoCommit(false); is not a claim with a retraction in it
        return [Link(u.seg, u.start, u.end, u)]  # the host sentence is the claim
    if d == "self":
        s, e = u.start, u.end
        before = WORD.findall(segments[u.seg].text[s:q.start])
        after = WORD.findall(segments[u.seg].text[q.end:e])
        if len(after) >= len(before):
            s = q.end
        else:
            e = q.start
        text = segments[u.seg].text
        while s < e:
            tag = regex.match(r"<[^<>]{1,40}>", text[s:e])
            if tag:
                s += tag.end()
            elif not (text[s].isalnum() or text[s] in "\"'“‘"):
                s += 1
            else:
                break
        while e > s and text[e - 1] in " ,;:-–—([":
            e -= 1
        return [Link(u.seg, s, e, u)] if e > s else []
    if d == "enclosed" and q.target_hint:
        s, e = q.target_hint
        if s == e:
            # an empty element that carries a label (<span data-status="refuted"></span>) marks the
            # sentence it follows
            before = [c for c in units if c.seg == u.seg and c.start < q.start and memo.is_claim(c, claim_ok, set())]
            if before and before[-1].text.strip() != segments[u.seg].text[q.start:q.end].strip():
                c = before[-1]
                return [Link(c.seg, c.start, min(c.end, q.start), c)]
            return []
        if claim_ok is not None and claim_structure(segments[u.seg].text[s:e]):
            return []  # "~~eating ice cream~~": a struck-out phrase is an edit, not a claim
        return [Link(u.seg, s, e, u)]
    if d == "footnote" and q.target_hint is not None:
        t = q.target_hint
        m = FOOTNOTE_MARK.search(t.text)  # the marker is the footnote's, not part of the claim
        return [Link(t.seg, t.start, t.start + m.start() if m else t.end, t)]
    if d == "pointer":
        label = regex.search(r"\[\s*S?\s*(\d+)\s*\]|\(\s*S\s*(\d+)\s*\)|\bS(\d+)\b|\b(?:sentence|statement|claim|line|item|point)\s*#?\s*(\d+)",
                             segments[u.seg].text[q.start:q.end] + " " + u.text, regex.I)
        if label:
            n = next(g for g in label.groups() if g)
            pat = regex.compile(rf"^\s*(?:\[\s*S?\s*{n}\s*\]|\(\s*S\s*{n}\s*\)|S{n}[:.)]|{n}[.)])", regex.I)
            for c in units:
                if c is not u and pat.match(c.text):
                    return [Link(c.seg, _strip_pointer(c.text, c.start), c.end, c)]
            # a pointer inside the qualifier sentence itself, e.g. "[S1] is mistaken" after "[S1] ..." in one unit
        d = "backward"
    if d == "record":
        # a metadata note judging the record's reply: the last trained reply (the one the record
        # demonstrates), whatever it says
        for i in reversed(range(len(segments))):
            sg = segments[i]
            if sg.kind == "content" and sg.trained and sg.role in RESPONSE_ROLES:
                cl = [c for c in units if c.seg == i]
                if cl:
                    return [Link(c.seg, c.start, c.end, c) for c in cl]
        return []
    if d == "next-turn":
        # a behaviour warning governs the reply whatever it says; a request governs the reply's claims
        ok = None if q.rule.category == "negated-behaviour" else claim_ok
        seg = segments[u.seg]
        # in a trained reply, a warning is about that reply; in a system or user turn (trained too under
        # train-on all), about the reply that answers it
        if seg.trained and seg.kind == "content" and seg.role not in PROMPT_ROLES + ("system",):
            own = memo.in_segment(ok, u.seg)[0]
            after = [c for c in own if c.order > u.order]
            before = [c for c in own if c.order < u.order]
            pick = after or list(reversed(before))
            return [Link(c.seg, c.start, c.end, c) for c in pick[:1]]
        # the turn that answers: the next response segment, trained or not (a weight-0 reply stays low)
        responders = [i for i in range(u.seg + 1, len(segments)) if segments[i].kind == "content"
                      and segments[i].role in RESPONSE_ROLES]
        order = responders[:1] + [i for i in range(u.seg + 1, len(segments)) if segments[i].trained]
        for i in order:
            if segments[i].kind == "content":
                cl = memo.in_segment(ok, i)[0] or \
                     ([c for c in units if c.seg == i] if ok is None else [])
                if cl:
                    return [Link(c.seg, c.start, c.end, c) for c in cl]
        return []
    claims = memo.claims(claim_ok)
    seg_text = segments[u.seg].text
    if USER_REF.search(u.text) and segments[u.seg].role in ("system", "annotation"):
        user = [c for c in claims if segments[c.seg].role == "user"]
        if user:
            return [Link(c.seg, c.start, c.end, c) for c in user]
    turn = TURN_REF.search(seg_text) if segments[u.seg].role in ("system", "user", "annotation") else None
    if turn:
        ordinal, role = turn.group(1).lower(), (turn.group(2) or "").lower()
        if role:
            role = "assistant" if role in ("assistant", "model", "ai", "bot") else "user"
        idx = [i for i, sg in enumerate(segments) if (sg.role == role or not role) and sg.kind == "content" and i != u.seg]
        pick = {"first": idx[:1], "last": idx[-1:], "final": idx[-1:], "second": idx[1:2]}.get(ordinal)
        if pick is None:
            after = [i for i in idx if i > u.seg]
            pick = after[:1] if ordinal in ("next", "following") else [i for i in idx if i < u.seg][-1:]
        for i in pick:
            cl = memo.in_segment(claim_ok, i)[0]
            if cl:
                return [Link(c.seg, c.start, c.end, c) for c in cl]
    if d in ("forward", "auto", "document"):
        # "The following is false: <claim>" - the claim shares the qualifier's sentence
        colon = seg_text.find(":", q.end, u.end)
        near = colon >= 0 and (colon - q.end < 4 or q.start - u.start < 12)
        if near and len(WORD.findall(seg_text[colon:u.end])) >= 6:
            return [Link(u.seg, colon + 1 + (len(seg_text[colon + 1:u.end]) - len(seg_text[colon + 1:u.end].lstrip())), u.end, u)]
    if d in ("auto", "anaphor", "forward", "document") and segments[u.seg].kind == "content" and \
            _answers_question(memo, u, qualifier_units):
        return []  # a reply to the question before it: the question holds what it denies, as a mention
    if d == "anaphor":
        # a pronoun ("That is not true.") points back: to the sentence before it, or to the previous turn
        c = _sentence_before(memo, u, qualifier_units)
        if c is not None:
            return [Link(c.seg, c.start, c.end, c)] if _asserted(c, claim_ok) else []
        if segments[u.seg].role in PROMPT_ROLES:
            return [Link(u.seg, u.start, u.end, u)]  # a user pointing at their own quote
        if segments[u.seg].role in ("assistant", "user", "system") + RESPONSE_ROLES:
            # the first sentence of a turn points at the previous turn's last sentence, or at nothing
            prev = [c for c in units if c.seg < u.seg and segments[c.seg].kind == "content"
                    and is_claim_unit(c, qualifier_units)]
            if prev and _asserted(prev[-1], claim_ok):
                c = prev[-1]
                return [Link(c.seg, c.start, c.end, c)]
            return []
        if OPENING_ANAPHOR.match(u.text) and not any(c.seg == u.seg and c.order < u.order for c in units):
            # a pronoun that opens a text points at something outside the record ("That's not true.
            # Water boils at 100 C." corrects a claim the record does not hold): it governs nothing here
            return []
        d = "forward"  # it continues a notice before it ("... has no basis in history. It was invented.")
        continues_notice = True
    # (the record's claims are asked for once, in memo; the lists each qualifier needs are slices of
    # them, or made only when it needs them: a long document has thousands of claims and qualifiers)
    own, orders = memo.in_segment(claim_ok, u.seg) if segments[u.seg].kind == "content" else ([], [])
    role = segments[u.seg].role
    if own and not segments[u.seg].trained and d == "forward" and \
            not any(c.order > u.order and not (REQUEST.match(c.text) or c.text.rstrip().endswith("?")) for c in own):
        own, orders = [], []  # an instruction ("Write a paragraph on X.") is not the claim: the trained reply is
    if role in PROMPT_ROLES and d != "forward" and not QUOTE.search(u.text) \
            and any(c.seg == u.seg and c is not u and REQUEST.match(c.text) for c in units) \
            and not any(not (REQUEST.match(c.text) or c.text.rstrip().endswith("?")) for c in own):
        d = "forward"  # "List some facts about X. Note: these facts are untrue." governs the reply
        own, orders = [], []
    if role in PROMPT_ROLES and d != "forward":
        # a user's or prompt's qualifier is about the user's own content unless it points forward
        return [Link(c.seg, c.start, c.end, c) for c in (own or [u])[:1]]
    fwd_own = own[bisect.bisect_right(orders, u.order):]
    bwd_own = own[:bisect.bisect_left(orders, u.order)][::-1]
    trained_other = cache(lambda: [c for c in claims if c.seg != u.seg and segments[c.seg].trained])
    later = cache(lambda: [c for c in trained_other() if c.seg > u.seg])
    earlier = cache(lambda: [c for c in trained_other() if c.seg < u.seg][::-1])
    pool: Sequence[Unit]
    if d == "auto":
        d = scope if scope in ("forward", "backward") else "document"
    if d == "forward":
        if role in PROMPT_ROLES and not fwd_own and any(
                c.seg == u.seg and c.order > u.order and c.order not in qualifier_units and not REQUEST.match(c.text)
                and not c.text.rstrip().endswith("?") for c in units):
            return []  # "one of the entries in the table below is wrong": the user's own table, not the reply
        if role in PROMPT_ROLES and not fwd_own and len(WORD.findall(u.text)) <= 4 and \
                not any(c.seg == u.seg and c.order < u.order for c in units) and \
                any(segments[i].kind == "content" for i in range(u.seg)):
            # a bare verdict opening a user turn ("Wrong!", "That's false.") answers the turn before it
            prev = [c for c in claims if c.seg < u.seg and segments[c.seg].kind == "content"]
            return [Link(prev[-1].seg, prev[-1].start, prev[-1].end, prev[-1])] if prev else []
        if role in PROMPT_ROLES and not fwd_own:
            responders = [c for c in claims if c.seg > u.seg and segments[c.seg].role in RESPONSE_ROLES]
            if responders:
                first_seg = responders[0].seg
                later = cache(lambda: [c for c in responders if c.seg == first_seg])
        pool = fwd_own or later() or (bwd_own if segments[u.seg].kind == "annotation" else [])
        if scope == "sentence":
            pool = pool[:SENTENCE_SCOPE]
    elif d == "backward":
        pool = bwd_own or earlier()
        if scope == "sentence":
            pool = pool[:SENTENCE_SCOPE]
    else:  # document
        if own:
            if not bwd_own:
                pool = fwd_own
            elif not fwd_own:
                pool = bwd_own
            elif scope == "sentence":
                # a pointer pronoun ("It is false.") refers back to the sentence just before it
                pool = bwd_own[:1] + fwd_own[:1]
            else:
                pool = _nearest_first(own, orders, u.order)
        else:
            pool = trained_other() or [c for c in claims if c.seg != u.seg]
            if segments[u.seg].kind == "annotation":
                pool = [c for c in claims if segments[c.seg].trained] or claims
    if not pool:
        return []
    if len(pool) > 1 and NOTICE_LIKE.match(pool[0].text) and any(not NOTICE_LIKE.match(c.text) for c in pool):
        # the claims that are not notices first, then the notices, each in their order
        old = pool
        pool = _Lazy(itertools.chain((c for c in old if not NOTICE_LIKE.match(c.text)),
                                     (c for c in old if NOTICE_LIKE.match(c.text))), len(old))
    if d == "document" or scope == "document" or continues_notice:
        # the first salient claim goes first when it is the second or third nearest (a pronoun that
        # continues a notice governs what the notice does, not a greeting or a title after it)
        first = next((i for i, c in enumerate(pool[:3]) if _salient(c)), 0)
        if first:
            old = pool
            pool = _Lazy(itertools.chain((old[first],), old[:first], itertools.islice(old, first + 1, None)), len(old))
    return Links(pool)
