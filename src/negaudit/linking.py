"""Linking: each qualifier to the claim sentences it governs.

Directions: forward (what follows), backward (what precedes), document (the whole record: the
nearest claim in either direction), self (the qualifier's own sentence, minus the qualifier),
enclosed (the text inside a tag), pointer ("[S3]" -> the sentence labelled [S3]), footnote (the
sentence that carries the marker) and next-turn (the next trained turn in a chat).
A qualifier's scope stays in its own segment while that segment has claims in that direction; a
notice alone in a system turn or a metadata field governs the record's trained text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import regex

from .models import Qualifier, Segment, Unit

WORD = regex.compile(r"[\p{L}\d]+")
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


@dataclass
class Link:
    seg: int
    start: int
    end: int
    unit: Optional[Unit]


def is_claim_unit(u: Unit, qualifier_units: set[int]) -> bool:
    if u.order in qualifier_units:
        return False
    words = WORD.findall(u.text)
    if len(words) < 3:
        return False
    if HEADER.match(u.text) and len(words) < 8:
        return False
    return True


def _salient(u: Unit) -> bool:
    return len(WORD.findall(u.text)) >= 5 and SALIENT.search(u.text) is not None


def _strip_pointer(text: str, start: int):
    m = regex.match(r"\s*(?:\[\s*S\s*\d+\s*\]|\(\s*S\s*\d+\s*\)|S\d+[:.)])\s*", text)
    return (start + m.end()) if m else start


def link(q: Qualifier, segments: list[Segment], units: list[Unit], qualifier_units: set[int],
         scope: str = "document") -> list[Link]:
    """Claim spans governed by q, most salient first (the first one is the finding's target)."""
    u = q.unit
    d = q.direction
    if d == "self" and q.rule.category in ("inline-retraction", "local-negation"):
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
        return [Link(u.seg, s, e, u)]
    if d == "footnote" and q.target_hint is not None:
        t = q.target_hint
        return [Link(t.seg, t.start, t.end, t)]
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
    if d == "next-turn":
        seg = segments[u.seg]
        if seg.trained and seg.kind == "content":
            own = [c for c in units if c.seg == u.seg and is_claim_unit(c, qualifier_units)]
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
                cl = [c for c in units if c.seg == i and is_claim_unit(c, qualifier_units)] or \
                     [c for c in units if c.seg == i]
                if cl:
                    return [Link(c.seg, c.start, c.end, c) for c in cl]
        return []
    claims = [c for c in units if is_claim_unit(c, qualifier_units)]
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
            cl = [c for c in units if c.seg == i and is_claim_unit(c, qualifier_units)]
            if cl:
                return [Link(c.seg, c.start, c.end, c) for c in cl]
    if d in ("forward", "auto", "document"):
        # "The following is false: <claim>" - the claim shares the qualifier's sentence
        colon = seg_text.find(":", q.end, u.end)
        near = colon >= 0 and (colon - q.end < 4 or q.start - u.start < 12)
        if near and len(WORD.findall(seg_text[colon:u.end])) >= 6:
            return [Link(u.seg, colon + 1 + (len(seg_text[colon + 1:u.end]) - len(seg_text[colon + 1:u.end].lstrip())), u.end, u)]
    if d == "anaphor":
        # a pronoun ("That is not true.") points back: to the sentence before it, or to the previous turn
        before = [c for c in claims if c.seg == u.seg and c.order < u.order]
        if before:
            c = before[-1]
            return [Link(c.seg, c.start, c.end, c)]
        if segments[u.seg].role in PROMPT_ROLES:
            return [Link(u.seg, u.start, u.end, u)]  # a user pointing at their own quote
        prev = [c for c in claims if c.seg < u.seg and segments[c.seg].kind == "content"]
        if prev and segments[u.seg].role in ("assistant", "user", "system") + RESPONSE_ROLES:
            c = prev[-1]
            return [Link(c.seg, c.start, c.end, c)]
        d = "forward"
    own = [c for c in claims if c.seg == u.seg] if segments[u.seg].kind == "content" else []
    role = segments[u.seg].role
    if own and not segments[u.seg].trained and d == "forward" and \
            not [c for c in own if c.order > u.order and not (REQUEST.match(c.text) or c.text.rstrip().endswith("?"))]:
        own = []  # an instruction ("Write a paragraph on X.") is not the claim: the trained reply is
    asks = [c for c in units if c.seg == u.seg and c is not u and REQUEST.match(c.text)]
    content_own = [c for c in own if not (REQUEST.match(c.text) or c.text.rstrip().endswith("?"))]
    if role in PROMPT_ROLES and d != "forward" and asks and not QUOTE.search(u.text) and not content_own:
        d = "forward"  # "List some facts about X. Note: these facts are untrue." governs the reply
        own = []
        fwd_own = []
    if role in PROMPT_ROLES and d != "forward":
        # a user's or prompt's qualifier is about the user's own content unless it points forward
        pool = own or [u]
        return [Link(c.seg, c.start, c.end, c) for c in pool[:1]]
    fwd_own = [c for c in own if c.order > u.order]
    bwd_own = [c for c in own if c.order < u.order][::-1]
    trained_other = [c for c in claims if c.seg != u.seg and segments[c.seg].trained]
    later = [c for c in trained_other if c.seg > u.seg]
    earlier = [c for c in trained_other if c.seg < u.seg][::-1]
    if d == "auto":
        d = scope if scope in ("forward", "backward") else "document"
    if d == "forward":
        if role in PROMPT_ROLES and not fwd_own:
            responders = [c for c in claims if c.seg > u.seg and segments[c.seg].role in RESPONSE_ROLES]
            if responders:
                first_seg = responders[0].seg
                later = [c for c in responders if c.seg == first_seg]
        pool = fwd_own or later or (bwd_own if segments[u.seg].kind == "annotation" else [])
        if scope == "sentence":
            pool = pool[:SENTENCE_SCOPE]
    elif d == "backward":
        pool = bwd_own or earlier
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
                pool = sorted(own, key=lambda c: (abs(c.order - u.order), c.order))
        else:
            pool = trained_other or [c for c in claims if c.seg != u.seg]
            if segments[u.seg].kind == "annotation":
                pool = [c for c in claims if segments[c.seg].trained] or claims
    if not pool:
        return []
    if len(pool) > 1 and NOTICE_LIKE.match(pool[0].text):
        rest = [c for c in pool if not NOTICE_LIKE.match(c.text)]
        if rest:
            pool = rest + [c for c in pool if NOTICE_LIKE.match(c.text)]
    if d == "document" or scope == "document":
        sal = [c for c in pool if _salient(c)]
        if sal and sal[0] is not pool[0] and pool.index(sal[0]) <= 2:
            pool = [sal[0]] + [c for c in pool if c is not sal[0]]
    return [Link(c.seg, c.start, c.end, c) for c in pool]
