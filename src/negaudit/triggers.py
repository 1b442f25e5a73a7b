"""A literal pre-scan for the cue regex: the words every cue match must contain.

The cue regex is a large alternation of lexicon phrases; running it over every record costs a few
microseconds per character. Instead, the regex source is analysed once (with the standard library's
regex parser) to find, for each alternative, a set of literal strings of which every match must
contain at least one ("false", "untrue", "fiction", "probability", ...). An Aho-Corasick automaton
(pyahocorasick) finds those strings in one linear pass over the lowercased text; only text that
contains one is given to the regex. If any alternative has no such literal, the pre-scan is not used
(correctness first): `Triggers.exact` is then False.
"""
from __future__ import annotations

from typing import Optional

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
    from re._constants import BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore

MIN_LEN = 3
# Frequent English words make poor triggers: a set containing one would pass almost every record.
COMMON = set("""the and that this what how been here like same made say not n't with from have has was were are
for you your they their there which when who will would can could should must may might all any some one two
new more most than then them these those into about over such only also just very well know take come show used
seen read turn team able case next real true play world place short being hold hard tell its it's our out but
his her him she had did does doing done get got give gave make like time year years day way part back after
before other many much each every first last long great little own old right big high small large
see said says let use put set end why where while still even made tell ask too off under again
don't didn't isn't wasn't can't won't doesn't aren't weren't n't lie fan""".split())


def _seq(items) -> Optional[set[str]]:
    """Necessary literal set for a sequence of parsed items (None if none can be guaranteed)."""
    candidates: list[set[str]] = []
    run = {""}  # the literal run so far, as alternatives (a small class like ['’] forks it)
    for op, av in list(items) + [(None, None)]:
        if op is LITERAL:
            run = {r + chr(av).lower() for r in run}
            continue
        if op is IN and all(o is LITERAL for o, _ in av) and len(av) <= 4 and len(run) * len(av) <= 16:
            run = {r + chr(v).lower() for r in run for _, v in av}
            continue
        if min(len(r) for r in run) >= MIN_LEN:
            candidates.append(set(run))
        run = {""}
        if op is None:
            break
        sub = None
        if op is SUBPATTERN:
            sub = _seq(av[-1])
        elif op is BRANCH:
            sub = _branch(av[1])
        elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            sub = _seq(av[2])
        if sub:
            candidates.append(sub)
    if not candidates:
        return None
    # the most selective: fewest frequent words, then the longest shortest string, then fewest alternatives
    return min(candidates, key=lambda c: (sum(x.strip() in COMMON for x in c), -min(len(x) for x in c), len(c)))


def _branch(branches) -> Optional[set[str]]:
    out: set[str] = set()
    for b in branches:
        s = _seq(b)
        if not s:
            return None
        out |= s
    return out


def necessary(pattern: str, flags: int = 0) -> Optional[set[str]]:
    try:
        parsed = sre_parse.parse(pattern, flags)
    except Exception:
        return None
    return _seq(parsed)


class Triggers:
    def __init__(self, pattern: str) -> None:
        self.words = necessary(pattern)
        self.exact = bool(self.words)
        self.automaton = None
        if self.exact:
            import ahocorasick

            a = ahocorasick.Automaton()
            for w in self.words:
                a.add_word(w, w)
            a.make_automaton()
            self.automaton = a

    def maybe(self, text: str) -> bool:
        """False only when no cue can match the text."""
        if not self.exact:
            return True
        for _ in self.automaton.iter(text.lower()):
            return True
        return False
