"""Splitting segment text into units (sentences and lines) with character offsets.

A fast rule-based splitter: spaCy is only run later, on the few units near a cue. Blank lines,
headers and list items are hard boundaries; sentence ends are [.!?] (plus closing quotes, brackets
and footnote markers) followed by space and an upper-case letter, digit, quote or bracket, except
after common abbreviations and initials.
"""
from __future__ import annotations

import regex

from .models import Unit

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "no", "gen",
    "col", "lt", "sgt", "inc", "ltd", "co", "corp", "mt", "ft", "approx", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "vol", "p", "pp", "cf", "al", "rev",
    "hon", "gov", "sen", "rep", "capt", "cmdr", "adm", "maj", "est", "dept", "univ", "ave", "blvd", "rd",
    "a.m", "p.m", "ph.d", "b.a", "m.a", "op", "ed", "eds", "ch", "sec", "art", "para",
}
_SENT_END = regex.compile(
    r"""[.!?…]+["'”’)\]]*(?:\[\^?\d+\]|\^\d+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|</[A-Za-z][\w-]*>|~~|(?:\[[^\[\]\n]{1,40}\])+)?"""
    r"""(?=\s+(?:<[A-Za-z][^<>]{0,40}>|~~)?["'“‘(\[<*#\-]?[\p{Lu}\d])""",
)
_LIST_OR_HEADER = regex.compile(r"^\s*(?:[-*•+]\s|#{1,6}\s|\d{1,3}[.)]\s|\[[^\]]{1,12}\]\s|>\s|[A-Z][A-Za-z' ]{0,30}:\s*$)")
_PARA = regex.compile(r"\n\s*\n")


def _is_abbrev(text: str, dot: int) -> bool:
    """Is the '.' at index `dot` the end of an abbreviation or an initial?"""
    j = dot
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot].lower()
    if not word:
        return False
    if word in _ABBREV:
        return True
    if len(word) == 1 and text[j].isupper():  # initial: "J. K. Rowling"
        return True
    return False


def _lines(text: str, start: int, end: int):
    """Hard line boundaries inside one paragraph, keeping soft-wrapped prose together."""
    lines = []
    pos = start
    cur_start = start
    while pos < end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            break
        prev = text[cur_start:nl].rstrip()
        nxt_end = text.find("\n", nl + 1, end)
        nxt = text[nl + 1: nxt_end if nxt_end >= 0 else end]
        hard = (
            not prev
            or prev[-1] in ".!?:;\"')]”’>|"
            or _LIST_OR_HEADER.match(prev) is not None
            or _LIST_OR_HEADER.match(nxt) is not None
            or len(prev) < 60
            or not nxt.strip()
        )
        if hard:
            lines.append((cur_start, nl))
            cur_start = nl + 1
        pos = nl + 1
    lines.append((cur_start, end))
    return lines


def blank_from(text: str, pos: int) -> bool:
    """Is text[pos:] only whitespace (`not text[pos:].strip()`), read up to its first other character
    rather than copied whole: asked of a sentence in a long document, the copy costs the rest of it."""
    end, step = len(text), 64
    while pos < end:
        if text[pos:pos + step].strip():
            return False
        pos += step
        step = min(step * 2, 65536)
    return True


def split_units(text: str, seg: int = 0, order_start: int = 0) -> list[Unit]:
    units: list[Unit] = []
    order = order_start
    para_start = 0
    bounds = []
    for m in _PARA.finditer(text):
        bounds.append((para_start, m.start()))
        para_start = m.end()
    bounds.append((para_start, len(text)))
    for ps, pe in bounds:
        for ls, le in _lines(text, ps, pe):
            s = ls
            for m in _SENT_END.finditer(text, ls, le):
                dot = m.start()
                if text[dot] == "." and _is_abbrev(text, dot):
                    continue
                e = m.end()
                u = _unit(text, s, e, seg, order)
                if u:
                    units.append(u)
                    order += 1
                s = e
            u = _unit(text, s, le, seg, order)
            if u:
                units.append(u)
                order += 1
    return units


def _unit(text: str, s: int, e: int, seg: int, order: int):
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e <= s:
        return None
    return Unit(seg=seg, start=s, end=e, text=text[s:e], order=order)
