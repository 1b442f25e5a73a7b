"""The attribute ruler's match step, with exactly spaCy's matches at a fraction of the cost.

The English pipelines' attribute ruler maps tags to parts of speech and fixes a few words' lemmas and
morphology with about 180 token patterns. spaCy matches them with its general Matcher, which runs
every pattern's state machine at every token: about 300 µs for each short sentence negaudit parses,
a third of the pipeline's time there. Those patterns are fixed-length token sequences over a few
token attributes (TAG, LOWER, DEP, IS_SPACE) with a value, an IN or NOT_IN list, or a REGEX.

For such patterns, whether a token matches a pattern's first token depends only on its values of
those attributes. `AttributeMatch` reads them for all tokens at once (`Doc.to_array`) and keeps, for
every combination of values it has met, the patterns whose first token it matches: a dictionary
lookup per token. A pattern of several tokens is completed from the next tokens' values. The matches
come back as spaCy's `match` gives them (sorted by pattern, then position), and `AttributeApply`
writes them with one write per token (later patterns take precedence as before).

`install(nlp)` sets it only when every pattern is of that kind; any other pattern (an operator, an
extension attribute, another attribute) keeps spaCy's own match. It is exact by construction
and by test (tests/test_attrmatch.py compares the annotations token by token with spaCy's).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")  # the token attributes a pattern may test here
_STRINGS = ("TAG", "LOWER", "DEP")  # read as strings (the array holds their hashes)
_TAG, _LOWER = ATTRS.index("TAG"), ATTRS.index("LOWER")
MEMO = 200_000  # value combinations kept (cleared when full)


def _test(value) -> Optional[Callable[[Any], bool]]:
    """A predicate for one attribute's value in a pattern, or None if it is not one handled here."""
    if isinstance(value, (str, bool)):
        return lambda v: v == value
    if isinstance(value, dict) and len(value) == 1:
        (op, arg), = value.items()
        if op in ("IN", "NOT_IN") and isinstance(arg, list) and all(isinstance(a, (str, bool)) for a in arg):
            allowed = frozenset(arg)
            return (lambda v: v in allowed) if op == "IN" else (lambda v: v not in allowed)
        if op == "REGEX" and isinstance(arg, str):
            rx = re.compile(arg)  # spaCy's Matcher tests a REGEX with Python's re, by search
            return lambda v: isinstance(v, str) and rx.search(v) is not None
    return None


def _token_spec(token_pattern) -> Optional[list]:
    """[(attribute index, predicate), ...] for one token of a pattern, or None if any part is unsupported."""
    if not isinstance(token_pattern, dict) or not token_pattern:
        return None
    out = []
    for key, value in token_pattern.items():
        pred = _test(value) if key in ATTRS else None
        if pred is None:
            return None
        out.append((ATTRS.index(key), pred))
    return out


def _first_keys(token_pattern: dict) -> Optional[tuple[int, list]]:
    """The attribute (its index in ATTRS) and the values one of which a pattern's first token must
    have: its TAG's, else its LOWER's (None when neither is a value or an IN list)."""
    for attr in (_TAG, _LOWER):
        value = token_pattern.get(ATTRS[attr])
        if isinstance(value, str):
            return attr, [value]
        if isinstance(value, dict) and list(value) == ["IN"]:
            return attr, list(value["IN"])
    return None


class AttributeMatch:
    """ruler.match for patterns over ATTRS, by value-combination lookup."""

    def __init__(self, vocab, entries: list) -> None:
        from spacy import attrs

        self.strings = vocab.strings
        self.columns = [getattr(attrs, a) for a in ATTRS]
        # the patterns by a value their first token must have (its tag, else its lowercase form), so
        # that a new combination of values is tested against a few patterns, not all of them
        self.by: dict[tuple[int, str], list] = {}
        self.other: list = []
        for attr_id, match_id, specs, first in entries:
            keys = _first_keys(first)
            if keys is None:
                self.other.append((attr_id, match_id, specs))
            for v in keys[1] if keys else ():
                self.by.setdefault((keys[0], v), []).append((attr_id, match_id, specs))
        self._memo: dict[tuple, tuple] = {}

    def _values(self, row: tuple) -> tuple:
        s = self.strings
        return tuple(s[v] if ATTRS[k] in _STRINGS else bool(v) for k, v in enumerate(row))

    def _lookup(self, row: tuple) -> tuple:
        """For one combination of values: the patterns whose first token it matches, as (attr_id,
        match_id, the specs of the pattern's other tokens), and its values."""
        vals = self._values(row)
        tried = self.by.get((_TAG, vals[_TAG]), []) + self.by.get((_LOWER, vals[_LOWER]), []) + self.other
        starts = tuple((a, m, specs[1:]) for a, m, specs in tried if all(pred(vals[k]) for k, pred in specs[0]))
        return starts, vals

    def __call__(self, doc) -> list:
        n = len(doc)
        if n == 0:
            return []
        rows = [tuple(r) for r in doc.to_array(self.columns).reshape(n, len(self.columns)).tolist()]
        memo = self._memo
        if len(memo) > MEMO:
            memo.clear()
        looked = []
        for row in rows:
            got = memo.get(row)
            if got is None:
                got = memo[row] = self._lookup(row)
            looked.append(got)
        found = set()
        for i, (starts, _vals) in enumerate(looked):
            for a, m, rest in starts:
                end = i + 1 + len(rest)
                if not rest or (end <= n and all(all(pred(looked[i + 1 + j][1][k]) for k, pred in spec)
                                                 for j, spec in enumerate(rest))):
                    found.add((a, m, i, end))
        return sorted(found)


class AttributeApply:
    """ruler.set_annotations with one write per token instead of one per match.

    spaCy's version makes a Span for every match and writes that pattern's attributes to its token, in
    the order of the sorted matches, so a later pattern overwrites an earlier one. Here the patterns
    that reach each token are collected in that same order, their attributes merged (a later value
    replaces an earlier one, as the writes would), and the merged attributes written once. That is the
    same result because every attribute written is the token's alone (LEMMA, NORM, POS, TAG, MORPH,
    DEP: the lexeme ignores them), so neither another attribute nor another token sees the order of
    the writes. A pattern whose index falls outside its match leaves the doc to spaCy's own method,
    which raises its own error (nothing has been written by then), and so do patterns changed after
    this was installed."""

    def __init__(self, ruler, original) -> None:
        from spacy.tokens._retokenize import set_token_attrs

        self.ruler = ruler
        self.attrs = ruler.attrs
        self.indices = ruler.indices
        self.count = len(ruler.attrs)
        self.original = original
        self.write = set_token_attrs
        self._merged: dict[tuple, dict] = {}

    def __call__(self, doc, matches) -> None:
        ruler = self.ruler
        if ruler.attrs is not self.attrs or len(ruler.attrs) != self.count or ruler.indices is not self.indices:
            return self.original(doc, matches)  # patterns were changed after this was installed
        indices = self.indices
        targets: dict[int, list] = {}
        for attr_id, _match_id, start, end in matches:
            index = indices[attr_id]
            if not start - end <= index < end - start:
                return self.original(doc, matches)
            i = start + index if index >= 0 else end + index
            got = targets.get(i)
            if got is None:
                targets[i] = [attr_id]
            else:
                got.append(attr_id)
        merged_by = self._merged
        for i, ids in targets.items():
            key = tuple(ids)
            merged = merged_by.get(key)
            if merged is None:
                merged = {}
                for a in ids:
                    merged.update(self.attrs[a])
                if len(merged_by) > MEMO:
                    merged_by.clear()
                merged_by[key] = merged
            self.write(doc[i], merged)
        return None


def _token_only(ruler) -> bool:
    """Does every pattern write only attributes a token holds alone (no lexeme flag, no extension)?"""
    from spacy import attrs

    own = {attrs.LEMMA, attrs.NORM, attrs.POS, attrs.TAG, attrs.MORPH, attrs.DEP}
    return all(isinstance(a, dict) and all(k in own for k in a) for a in ruler.attrs)


def install(nlp) -> bool:
    """Give the pipeline's attribute ruler this match, if all its patterns allow it, and the per-token
    write (AttributeApply) if all its attributes allow that. True if the match was installed."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    if not hasattr(ruler, "matcher") or not hasattr(ruler, "patterns"):
        return False
    entries = []
    for attr_id, p in enumerate(ruler.patterns):
        match_id = nlp.vocab.strings.add(str(attr_id))
        for pattern in p["patterns"]:
            if not pattern or not isinstance(pattern, list):
                return False
            specs = [_token_spec(tp) for tp in pattern]
            if any(s is None for s in specs):
                return False
            entries.append((attr_id, match_id, specs, pattern[0]))
    ruler.match = AttributeMatch(nlp.vocab, entries)
    if hasattr(ruler, "attrs") and hasattr(ruler, "indices") and _token_only(ruler):
        ruler.set_annotations = AttributeApply(ruler, ruler.set_annotations)
    return True


__all__ = ["AttributeApply", "AttributeMatch", "install"]
