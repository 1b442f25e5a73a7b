"""Literal analysis of regexes, and the fast searches built on it.

A large alternation of lexicon phrases costs a backtracking engine a few microseconds per character.
Instead, each alternative's source is analysed once (with the standard library's regex parser) to
find the literal strings a match must contain (`requirements`: sets of literals, one member of each
set must occur). An Aho-Corasick DFA (ahocorasick_rs, `Literals`) finds those strings in one pass over
the lower-cased text, and only the alternatives whose literals are all there are tried
(`ClauseIndex`, `AlternationIndex`, `GatedAlternation`). An alternative with no such literal is always
tried (correctness first).
"""
from __future__ import annotations

import re
from typing import Optional

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
    from re._constants import (AT, ASSERT, ASSERT_NOT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT,  # type: ignore
                               SUBPATTERN)
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import (AT, ASSERT, ASSERT_NOT, BRANCH, IN, LITERAL, MAX_REPEAT,  # type: ignore
                               MIN_REPEAT, SUBPATTERN)

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
# The keys and role names of the common record layouts: the record pre-scan reads raw JSON lines,
# where these occur in nearly every record, so they make useless triggers.
STRUCTURAL = set("""text content role roles user assistant system messages message conversations from value human gpt
prompt completion instruction input output chosen rejected response answer question model tool name""".split())
AVOID = COMMON | STRUCTURAL
# The head of English word frequency (function words of three letters or more, which nearly every
# paragraph holds) and the layout keys: a clause part holding one of these is almost always present, so
# the record pre-scan checks it last, with a substring test, rather than scanning for it (ClauseIndex).
UBIQUITOUS = frozenset("""the and that this for are was were with have has had you your they their them there
from his her she one all but can will would been more when who which what about into some these than
its only also how other""".split()) | {"text", "content", "role", "user", "assistant", "messages", "instruction",
                                           "input", "output"}


def _seq(items, min_len: int = MIN_LEN) -> Optional[set[str]]:
    """Necessary literal set for a sequence of parsed items (None if none can be guaranteed)."""
    candidates = _candidates(items, min_len)
    return min(candidates, key=_score) if candidates else None


def _score(c: set[str]):
    # the most selective: fewest frequent words, then the longest shortest string, then fewest alternatives
    return (sum(x.strip() in AVOID for x in c), -min(len(x) for x in c), len(c))


def _candidates(items, min_len: int = MIN_LEN) -> list[set[str]]:
    """Every literal set of which a match of the sequence must contain one member (each set on its own
    is a necessary condition, so all of them together are too)."""
    candidates: list[set[str]] = []
    run = {""}  # the literal run so far, as alternatives (a small class like ['’] forks it)
    prefix = None  # the run that ended just before the current item
    for op, av in list(items) + [(None, None)]:
        if op is LITERAL:
            run = {r + chr(av).lower() for r in run}
            continue
        if op is IN and all(o is LITERAL for o, _ in av) and len(av) <= 4 and len(run) * len(av) <= 16:
            run = {r + chr(v).lower() for r in run for _, v in av}
            continue
        if min(len(r) for r in run) >= min_len:
            candidates.append(set(run))
        prefix = run if min(len(r) for r in run) > 0 else None
        run = {""}
        if op is None:
            break
        sub = None
        if op is SUBPATTERN:
            sub = _seq(av[-1], min_len)
        elif op is BRANCH:
            sub = _branch(av[1], min_len)
            if prefix:
                # "n(?:ever|ot)": the parser factors a shared prefix out of a branch; put it back
                starts = _starts(av[1])
                if starts and len(prefix) * len(starts) <= 64:
                    joined = {r + t for r in prefix for t in starts}
                    if min(len(x) for x in joined) >= min_len:
                        candidates.append(joined)
        elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            sub = _seq(av[2], min_len)
        if sub:
            candidates.append(sub)
    return candidates


def _starts(branches) -> Optional[set[str]]:
    """The literal run at the start of every alternative of a branch (None if one has none)."""
    out: set[str] = set()
    for b in branches:
        run = {""}
        for op, av in b:
            if op is LITERAL:
                run = {r + chr(av).lower() for r in run}
            elif op is IN and all(o is LITERAL for o, _ in av) and len(av) <= 4 and len(run) * len(av) <= 16:
                run = {r + chr(v).lower() for r in run for _, v in av}
            else:
                break
        if min(len(r) for r in run) == 0:
            return None
        out |= run
    return out


def _branch(branches, min_len: int = MIN_LEN) -> Optional[set[str]]:
    out: set[str] = set()
    for b in branches:
        s = _seq(b, min_len)
        if not s:
            return None
        out |= s
    return out


ZERO_WIDTH = {AT, ASSERT, ASSERT_NOT}


def _alternatives(items) -> list:
    """Split a pattern into its top-level alternatives (looking through groups and assertions)."""
    body = [(op, av) for op, av in items if op not in ZERO_WIDTH]
    if len(body) == 1:
        op, av = body[0]
        if op is BRANCH:
            return [alt for b in av[1] for alt in _alternatives(b)]
        if op is SUBPATTERN:
            return _alternatives(av[-1])
    return [items]


def requirements(pattern: str, flags: int = 0, per_alternative: int = 2) -> Optional[list[list[set[str]]]]:
    """For each top-level alternative of the pattern, up to `per_alternative` literal sets that a match
    must all hit (a conjunction of disjunctions). None when some alternative has no literal at all.
    The answer is kept in the analysis cache (analysiscache.py): it depends only on these arguments."""
    from .analysiscache import memo

    def compute():
        req = _requirements(pattern, flags, per_alternative)
        return None if req is None else [[sorted(part) for part in alt] for alt in req]

    got = memo(f"req\x00{int(flags)}\x00{per_alternative}\x00{pattern}", compute)
    return None if got is None else [[set(part) for part in alt] for alt in got]  # type: ignore[union-attr]


def _requirements(pattern: str, flags: int, per_alternative: int) -> Optional[list[list[set[str]]]]:
    try:
        parsed = sre_parse.parse(pattern, flags)
    except Exception:
        return None
    out = []
    for alt in _alternatives(parsed):
        cands = _candidates(alt)
        if not cands:
            return None
        cands = sorted(cands, key=_score)
        if len(cands) < per_alternative:
            # weaker parts still narrow the conjunction: allow two-letter literals ("ai", "do"), after the others
            cands += sorted((c for c in _candidates(alt, 2) if c not in cands), key=_score)
        uniq: list[set[str]] = []
        for c in cands:
            if c not in uniq:
                uniq.append(c)
        out.append(uniq[:per_alternative])
    return out


class SharedScan:
    """One Aho-Corasick pass over a text for every literal set that asks about it.

    A sentence is asked about by many word lists (each lexicon list's alternation, the cue and locator
    indexes, the learned stage's lexicon features), each with literals of its own. Scanning it once per
    list repeats the pass, the lower-casing and the set building; instead the shared sets' literals are
    merged into one automaton, and the literals it finds in a text are kept for the next asker (a
    bounded memo, keyed by the lower-cased text). The set holds other sets' literals too; an asker only
    tests its own literals against it, and each of those is in the set exactly when it occurs in the text.
    """

    KEEP = 4096  # texts whose literals are kept (a batch's sentences are asked about close together)
    KEEP_CHARS = 4_000_000  # ...and their characters: whole fields are asked about too, and may be long

    def __init__(self) -> None:
        self.words: set[str] = set()
        self._ac = None
        self._found: dict[str, frozenset] = {}
        self._chars = 0

    def add(self, words) -> None:
        new = set(words) - self.words
        if new:  # the automaton is rebuilt on the next scan (sets are made while the rules load)
            self.words |= new
            self._ac = None
            self._found.clear()
            self._chars = 0

    def present(self, low: str) -> frozenset:
        """The literals of every shared set that occur in `low` (a lower-cased text)."""
        hit = self._found.get(low)
        if hit is None:
            ac = self._ac
            if ac is None:
                ac = self._ac = _automaton(sorted(self.words))
            hit = frozenset(_matches(ac, low))
            if len(self._found) >= self.KEEP or self._chars > self.KEEP_CHARS:
                self._found.clear()
                self._chars = 0
            self._found[low] = hit
            self._chars += len(low)
        return hit


SHARED = SharedScan()


def _automaton(words: list[str]):
    import ahocorasick_rs

    return ahocorasick_rs.AhoCorasick(words, implementation=ahocorasick_rs.Implementation.DFA,
                                      store_patterns=True) if words else None


def _matches(ac, text: str) -> list[str]:
    """Every occurrence of the automaton's literals in `text`, overlapping ones included."""
    if ac is None:
        return []
    try:
        return ac.find_matches_as_strings(text, overlapping=True)
    except UnicodeEncodeError:  # lone surrogates (from JSON escapes): no literal holds one
        return ac.find_matches_as_strings(text.encode("utf-8", "replace").decode("utf-8"), overlapping=True)


class Literals:
    """A set of literal strings, all found in one pass over a text (an Aho-Corasick DFA).

    `found` lists every occurrence, overlapping ones included, as the literal strings themselves.
    `present` gives a set that holds each of these literals exactly when it occurs; for a `shared`
    set it is the shared scan's (SharedScan), which may hold other sets' literals too.
    """

    def __init__(self, words, shared: bool = False) -> None:
        self.words = sorted(set(words))
        self._ac = None  # built on the first `found` (a shared set is scanned by the shared automaton)
        self._built = False
        self.shared = shared
        if shared:
            SHARED.add(self.words)

    def found(self, text: str) -> list[str]:
        if not self._built:
            self._ac, self._built = _automaton(self.words), True
        return _matches(self._ac, text)

    def present(self, low: str):
        return SHARED.present(low) if self.shared else set(self.found(low))

    def any(self, text: str) -> bool:
        return bool(self.found(text))


class ClauseIndex:
    """Which of many items have all their required literals in a text, found in one pass.

    Each item has clauses (alternative ways to match); a clause is a list of parts, and a part is a set
    of literals one of which must occur. One Aho-Corasick pass collects the literals present (every
    part's, plus `extra_literals` for the caller); an item is reported when every part of one of its
    clauses is among them. Parts after the first with a literal shorter than `min_part_len` are left out
    of the check (they would match almost anything and only slow the scan down), which can only report
    more items.

    A part holding one of the `frequent` literals ("the", "this", "have", a JSON key: UBIQUITOUS) is nearly
    always present, so scanning for it would cost a match on almost every text for almost no information. Such a
    part is deferred: it is left out of the scan and checked with a substring test on the text, only for
    a clause whose other parts are all present. The answer is the same; the scan finds far fewer matches.
    A clause starts with a part that is not deferred when it has one.
    """

    def __init__(self, clauses: dict[int, list[list[set[str]]]], extra_literals=(), min_part_len: int = 2,
                 frequent=frozenset(), shared: bool = True) -> None:
        # first-part literal -> (item, the clause's other scanned parts, its deferred parts)
        self.first: dict[str, list[tuple[int, list[frozenset], list[tuple[str, ...]]]]] = {}
        literals: set[str] = set(extra_literals)
        self.min_part_len = min_part_len
        plans = []
        extra = frozenset(extra_literals)
        for k, alts in clauses.items():
            for parts in alts:
                kept = [frozenset(parts[0])] + [frozenset(p) for p in parts[1:]
                                                if min(len(x) for x in p) >= min_part_len]
                rare = [p for p in kept if frequent.isdisjoint(p)]
                # the first part: one the caller scans for anyway (a negation), which many clauses share,
                # so that one check answers for all of them; else the first rare part; else the first
                head = next((p for p in rare if p <= extra), rare[0]) if rare else kept[0]
                literals |= head.union(*rare)
                plans.append((k, head, [p for p in kept if p is not head]))
        for k, head, others in plans:
            rest: list[frozenset] = []
            deferred: list[tuple[str, ...]] = []
            for p in others:
                if literals.issuperset(p):
                    rest.append(p)  # scanned for anyway
                else:  # the frequent literals first: the substring test usually stops at the first one
                    deferred.append(tuple(sorted(p, key=lambda x: (x not in frequent, x))))
            for lit in head:
                self.first.setdefault(lit, []).append((k, rest, deferred))
        self.literals = Literals(literals, shared=shared)
        self.first_set = frozenset(self.first)
        # for a yes/no answer, per first literal: does it suffice alone; the literals any one of which
        # completes a two-part clause; the other clauses
        self._any: dict[str, tuple[bool, frozenset, list]] = {}
        for lit, entries in self.first.items():
            pairs = [r[0] for _, r, d in entries if len(r) == 1 and not d]
            general = [(r, d) for _, r, d in entries if not (len(r) == 1 and not d)]
            self._any[lit] = (any(not r and not d for r, d in general), frozenset().union(*pairs), general)

    def any_satisfied(self, found: set, low: str) -> bool:
        """Does any item have all its literals in `low` (`found`: the literals this index's scan found there)?
        The same answer as `satisfied_by`, with the two-part clauses of a first literal checked at once."""
        present: dict[tuple, bool] = {}
        for lit in self.first_set.intersection(found):
            if self.clauses_met(self._any[lit], found, low, present):
                return True
        return False

    def first_clauses(self):
        """(first literal, its clauses) pairs, the clauses in the form `clauses_met` reads: a caller may
        merge several indexes' and answer each one's any_satisfied in one walk over the literals found."""
        return self._any.items()

    @classmethod
    def clauses_met(cls, clauses: tuple, found: set, low: str, present: dict) -> bool:
        """Is one of the clauses that start with a found literal complete? (`present` caches the
        substring tests of deferred parts; it may be shared by any indexes over the same text.)"""
        alone, pairs, general = clauses
        if alone or not pairs.isdisjoint(found):
            return True
        for rest, deferred in general:
            if cls._complete(rest, deferred, found, low, present):
                return True
        return False

    @staticmethod
    def _complete(rest, deferred, found: set, low: str, present: dict) -> bool:
        """Are a clause's other parts present (`present` caches the substring tests of deferred parts)?"""
        for part in rest:
            if part.isdisjoint(found):
                return False
        for part in deferred:
            hit = present.get(part)
            if hit is None:
                hit = False
                for x in part:
                    if x in low:
                        hit = True
                        break
                present[part] = hit
            if not hit:
                return False
        return True

    def satisfied(self, low: str) -> list[int]:
        """The items whose literals all occur in `low` (a lower-cased text)."""
        return self.satisfied_by(self.literals.present(low), low)

    def satisfied_by(self, found: set, low: str) -> list[int]:
        """The items whose literals all occur in `low`, given `found`, the literals this index's scan found
        in it."""
        out: list[int] = []
        done: set[int] = set()
        present: dict[tuple, bool] = {}
        for lit in self.first_set.intersection(found):
            for k, rest, deferred in self.first[lit]:
                if k not in done and self._complete(rest, deferred, found, low, present):
                    done.add(k)
                    out.append(k)
        return out


def _index_alternatives(alternatives: list[str], flags: int, per_alternative: int) -> tuple[ClauseIndex, list[int]]:
    """A ClauseIndex of the alternatives that have required literals, and the indexes of those that have
    none (they must always be tried)."""
    clauses: dict[int, list[list[set[str]]]] = {}
    always: list[int] = []
    for k, alt in enumerate(alternatives):
        req = requirements(alt, flags, per_alternative=per_alternative)
        if req:
            clauses[k] = req
        else:
            always.append(k)
    return ClauseIndex(clauses, frequent=_frequent(clauses)), always


def _frequent(clauses: dict[int, list[list[set[str]]]]) -> frozenset:
    """The literals a sentence scan leaves to a substring test: the head of English word frequency and
    every literal of two letters ("th", "in" and "an" alone were most of the matches on real corpora)."""
    short = {x for alts in clauses.values() for parts in alts for part in parts for x in part if len(x) < 3}
    return UBIQUITOUS | short


class AlternationIndex:
    """A large alternation searched piecewise, for a yes/no answer.

    A text is tried only with the alternatives whose required literals occur in it (see ClauseIndex).
    The answer equals the whole alternation's, since an alternative can only match where its literals
    occur, and it is far faster: a backtracking engine tries every one of a few hundred alternatives
    at every position.
    """

    def __init__(self, alternatives: list[str], flags: int, compile_fn) -> None:
        self.flags = flags
        self.compile_fn = compile_fn
        self.alternatives = alternatives
        self.index, always = _index_alternatives(alternatives, flags, per_alternative=4)
        self.compiled: dict[int, object] = {}
        self.always = compile_fn("|".join(alternatives[k] for k in always), flags) if always else None

    def _regex(self, k: int):
        rx = self.compiled.get(k)
        if rx is None:
            rx = self.compiled[k] = self.compile_fn(self.alternatives[k], self.flags)
        return rx

    def search(self, text: str) -> bool:
        if self.always is not None and self.always.search(text):
            return True
        return any(self._regex(k).search(text) for k in self.index.satisfied(text.lower()))

    def may_match(self, text: str) -> bool:
        """A cheaper superset of `search`: do the literals of some alternative occur (no regex is run)?"""
        if self.always is not None and self.always.search(text):
            return True
        low = text.lower()
        return self.index.any_satisfied(self.index.literals.present(low), low)


class LazyPattern:
    """A compiled pattern that is compiled on first use: a run that never needs it never pays for it
    (start-up compiles nothing it can defer). Attribute access is the compiled pattern's."""

    __slots__ = ("_args", "_compile", "_rx")

    def __init__(self, compile_fn, pattern: str, flags: int = 0) -> None:
        self._compile, self._args, self._rx = compile_fn, (pattern, flags), None

    @property
    def pattern(self) -> str:
        return self._args[0]

    @property
    def flags(self) -> int:
        return self._args[1]

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        rx = self._rx
        if rx is None:
            rx = self._rx = self._compile(*self._args)
        return getattr(rx, name)


# a head or tail of zero-width lookarounds only ("(?<![\w-])", "(?![\w'’-])", or nothing)
LOOKAROUNDS = re.compile(r"(?:\(\?<?[=!](?:[^()\\\[]|\\.|\[(?:[^\]\\]|\\.)*\])*\))*")


class GatedAlternation:
    """A compiled word-list alternation that only tries the alternatives whose literals occur in the text.

    `finditer`, `search` and `match` give exactly the matches of the whole alternation: at every
    position the whole alternation tries its alternatives in order, and an alternative whose required
    literals are missing from the text fails everywhere, so leaving it out changes no match.

    When the head and tail only look around (they consume nothing, as word edges do), each present
    alternative is searched with its own regex, compiled once: the whole alternation's match is the
    leftmost of theirs, the earlier alternative winning at the same position, and `finditer` goes on
    from the end of each match as the whole alternation would. (A text on which some alternative
    matches the empty string is left to the whole alternation.) Compiling one regex per set of present
    alternatives instead cost more than the searches on real corpora, since most sets are rare, and
    its bounded cache kept compiling as the sets changed.

    Otherwise the regex for each set of present alternatives is compiled the second time the set
    occurs and kept (a bounded cache); the first time, the whole alternation answers.
    """

    CACHE = 512

    def __init__(self, alternatives: list[str], head: str, tail: str, flags: int, compile_fn) -> None:
        self.alternatives = alternatives
        self.head, self.tail, self.flags, self.compile_fn = head, tail, flags, compile_fn
        self.pattern = head + "(?:" + "|".join(alternatives) + ")" + tail
        self._full = None
        self.index, self.always = _index_alternatives(alternatives, flags, per_alternative=3)
        self._compiled: dict[tuple, object] = {}
        self._seen: dict[tuple, bool] = {}
        self._always = None
        # one regex per alternative (compiled on first use) when the edges consume nothing
        self._alone: Optional[dict[int, object]] = {} if LOOKAROUNDS.fullmatch(head) and LOOKAROUNDS.fullmatch(tail) \
            else None

    @property
    def full(self):
        """The whole alternation, compiled when first needed (most lists are never tried on a small run)."""
        if self._full is None:
            self._full = self.compile_fn(self.pattern, self.flags)
        return self._full

    def _regex(self, text: str):
        key = self._present(text)
        if not key:
            return None
        rx = self._compiled.get(key)
        if rx is None:
            # compiling a set's regex costs more than one search with the whole alternation (whose
            # matches are the same): a set is compiled the second time it occurs, not the first
            seen = self._seen
            if key not in seen:
                if len(seen) >= 4 * self.CACHE:
                    seen.clear()
                seen[key] = True
                return self.full
            if len(self._compiled) >= self.CACHE:
                del self._compiled[next(iter(self._compiled))]
            src = self.head + "(?:" + "|".join(self.alternatives[k] for k in key) + ")" + self.tail
            rx = self._compiled[key] = self.compile_fn(src, self.flags)
        return rx

    def may_match(self, text: str) -> bool:
        """A cheaper superset of `search`: do the literals of some alternative occur? (Only the
        alternatives without literals are run as a regex.)"""
        low = text.lower()
        if self.index.any_satisfied(self.index.literals.present(low), low):
            return True
        return self.always_search(text)

    def always_search(self, text: str) -> bool:
        """Does one of the alternatives without literals (those `may_match` cannot rule out) match?"""
        if not self.always:
            return False
        if self._always is None:
            self._always = self.compile_fn(self.head + "(?:" + "|".join(self.alternatives[k] for k in self.always) + ")"
                                           + self.tail, self.flags)
        return self._always.search(text) is not None

    def _present(self, text: str) -> tuple:
        return tuple(sorted(set(self.always).union(self.index.satisfied(text.lower()))))

    def _alternative(self, k: int):
        rx = self._alone.get(k)  # type: ignore[union-attr]
        if rx is None:
            rx = self._alone[k] = self.compile_fn(self.head + "(?:" + self.alternatives[k] + ")" + self.tail,  # type: ignore[index]
                                                  self.flags)
        return rx

    def _first(self, key: tuple, text: str, pos, endpos, anchored: bool):
        """The whole alternation's match from `pos`: the leftmost of the alternatives', the earlier
        alternative at the same position (`key` is in alternative order)."""
        best = None
        for k in key:
            rx = self._alternative(k)
            m = rx.match(text, pos, endpos) if anchored else rx.search(text, pos, endpos)
            if m is not None:
                if anchored:
                    return m
                if best is None or m.start() < best.start():
                    best = m
        return best

    def _all(self, key: tuple, text: str, pos, endpos) -> Optional[list]:
        """The whole alternation's `finditer` matches, or None when one is empty (the whole
        alternation's rules for what follows an empty match are left to it)."""
        out = []
        cur = pos or 0
        nxt = {k: self._alternative(k).search(text, cur, endpos) for k in key}
        while True:
            best = None
            for k in key:
                m = nxt[k]
                if m is not None and m.start() < cur:  # overlapped by the last match: look again after it
                    m = nxt[k] = self._alternative(k).search(text, cur, endpos)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            if best is None:
                return out
            if best.end() == best.start():
                return None
            out.append(best)
            cur = best.end()

    @staticmethod
    def _bounds(args: tuple) -> tuple:
        return (args[0] if args else None), (args[1] if len(args) > 1 else None)

    def finditer(self, text: str, *args):
        if self._alone is not None:
            key = self._present(text)
            if not key:
                return iter(())
            found = self._all(key, text, *self._bounds(args))
            return iter(found) if found is not None else self.full.finditer(text, *args)
        rx = self._regex(text)
        return iter(()) if rx is None else rx.finditer(text, *args)

    def search(self, text: str, *args):
        if self._alone is not None:
            key = self._present(text)
            return self._first(key, text, *self._bounds(args), anchored=False) if key else None
        rx = self._regex(text)
        return None if rx is None else rx.search(text, *args)

    def occurs(self, text: str) -> bool:
        """`search(text) is not None`, answered at the first alternative that matches (a yes/no gate
        needs no leftmost match)."""
        if self._alone is None:
            return self.search(text) is not None
        if self.always_search(text):  # the alternatives without literals, as one regex
            return True
        return any(self._alternative(k).search(text) is not None for k in self.index.satisfied(text.lower()))

    def match(self, text: str, *args):
        if self._alone is not None:
            key = self._present(text)
            return self._first(key, text, *self._bounds(args), anchored=True) if key else None
        rx = self._regex(text)
        return None if rx is None else rx.match(text, *args)

    def __getattr__(self, name: str):  # anything else: the whole alternation
        return getattr(self.full, name)


def split_alternatives(src: str) -> list[str]:
    """The top-level alternatives of a regex source (split at '|' outside groups and classes)."""
    out, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if src[i + 1:i + 2] == "]" or src[i + 1:i + 3] == "^]":
                i += 2 if src[i + 1] == "]" else 3
                continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(src[start:i])
            start = i + 1
        i += 1
    out.append(src[start:])
    return out
