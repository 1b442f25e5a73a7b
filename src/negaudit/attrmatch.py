"""A faster match step for spaCy's attribute ruler, with exactly the same matches.

The English pipelines' attribute ruler maps tags to parts of speech and fixes a few words' lemmas and
morphology with about 180 token patterns. spaCy matches them with its general Matcher, which tries
every pattern's state machine at every token: a third of the pipeline's time on the short sentences
negaudit parses. Those patterns use only fixed-length token sequences over a few token attributes
(TAG, LOWER, DEP, IS_SPACE, ORTH) with a value, an IN or NOT_IN list, or a REGEX. For such patterns a
match is a plain test at each position, and looking the candidate patterns up by the token's tag or
lowercase form leaves a few tests per token.

`install(nlp)` replaces the ruler's `match` with this one only when every pattern is of that kind;
any other pattern (an operator, an extension attribute, another attribute) keeps spaCy's own. The
ruler's `set_annotations` still applies the matches, in the same order (by pattern, then position),
so later patterns take precedence as before.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

# the token attributes a pattern may test here, and how to read them from a spaCy Token
_READ: dict[str, Callable[[Any], Any]] = {
    "TAG": lambda t: t.tag_, "LOWER": lambda t: t.lower_, "DEP": lambda t: t.dep_,
    "ORTH": lambda t: t.orth_, "IS_SPACE": lambda t: t.is_space,
}


def _test(value) -> Optional[Callable[[Any], bool]]:
    """A predicate for one attribute's value in a pattern, or None if it is not one this module handles."""
    if isinstance(value, (str, bool)):
        return lambda v: v == value
    if isinstance(value, dict) and len(value) == 1:
        (op, arg), = value.items()
        if op == "IN" and isinstance(arg, list):
            allowed = frozenset(arg)
            return lambda v: v in allowed
        if op == "NOT_IN" and isinstance(arg, list):
            banned = frozenset(arg)
            return lambda v: v not in banned
        if op == "REGEX" and isinstance(arg, str):
            rx = re.compile(arg)
            return lambda v: bool(rx.search(v))
    return None


def _spec(token_pattern: dict) -> Optional[list]:
    """[(reader, predicate), ...] for one token's pattern, or None if any part is unsupported."""
    out = []
    for key, value in token_pattern.items():
        read = _READ.get(key)
        pred = _test(value) if read is not None else None
        if pred is None:
            return None
        out.append((read, pred))
    return out


def _keys(token_pattern: dict, attr: str) -> Optional[list]:
    """The values a token must have for `attr` under this pattern (None: any value may do)."""
    value = token_pattern.get(attr)
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and isinstance(value.get("IN"), list) and len(value) == 1:
        return [v for v in value["IN"] if isinstance(v, str)]
    return None


class FastMatch:
    """The ruler's patterns, indexed by the first token's tag or lowercase form."""

    def __init__(self, entries: list) -> None:
        self.by_tag: dict[str, list] = {}
        self.by_lower: dict[str, list] = {}
        self.other: list = []
        for entry in entries:
            first = entry[3][0]
            tags, lowers = first[0], first[1]
            if tags is not None:
                for v in tags:
                    self.by_tag.setdefault(v, []).append(entry)
            elif lowers is not None:
                for v in lowers:
                    self.by_lower.setdefault(v, []).append(entry)
            else:
                self.other.append(entry)

    def __call__(self, doc) -> list:
        n = len(doc)
        found = set()
        by_tag, by_lower, other = self.by_tag, self.by_lower, self.other
        for i, tok in enumerate(doc):
            for group in (by_tag.get(tok.tag_), by_lower.get(tok.lower_), other):
                if not group:
                    continue
                for attr_id, match_id, length, specs in group:
                    if i + length > n:
                        continue
                    if all(pred(read(doc[i + j])) for j, (_t, _l, spec) in enumerate(specs) for read, pred in spec):
                        found.add((attr_id, match_id, i, i + length))
        return sorted(found)


def install(nlp) -> bool:
    """Give the pipeline's attribute ruler the fast match, if all its patterns allow it. True if done."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    if not hasattr(ruler, "matcher") or not hasattr(ruler, "patterns"):
        return False
    entries = []
    for attr_id, p in enumerate(ruler.patterns):
        match_id = nlp.vocab.strings.add(str(attr_id))
        for pattern in p["patterns"]:
            if not pattern:
                return False
            specs = []
            for tp in pattern:
                spec = _spec(tp) if isinstance(tp, dict) else None
                if spec is None:
                    return False
                specs.append((_keys(tp, "TAG"), _keys(tp, "LOWER"), spec))
            entries.append((attr_id, match_id, len(pattern), specs))
    ruler.match = FastMatch(entries)
    return True
