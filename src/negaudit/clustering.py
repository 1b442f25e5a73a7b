"""Claim clusters: findings whose claims state the same proposition, counted across records and files.

A pass over the findings a Report holds (in the contract's order, so the findings of one record are
adjacent), never inside the per-record audit. Each claim is reduced to a *claim key*: the set of its
content-word lemmas (stop words, negation and truth words removed, so "It is not true that Ed Sheeran
won the gold" and "Ed Sheeran won the gold" share one key), the numbers it names and the names it
capitalises. A claim joins a cluster when

- its key is one already seen (an exact fingerprint: a digest of the sorted lemmas), or
- MinHash LSH over the lemmas (minhash.py) finds a cluster whose anchor claim has a Jaccard
  similarity of at least JACCARD with it, and one of the two claims states every number and names
  every name the other does ("Holloway" and "Dr Mara Holloway"; never "Nintendo" and "Sega").

Precision first: a paraphrase that shares fewer than half of its content words with every anchor of a
cluster starts its own cluster.

Corpus-level risk (research.md pattern 10: belief was implanted by thousands of documents per claim,
and by 1,000 documents that mention it 1-4 times each):

    base     = mean over the cluster's records of the highest finding risk the record has for it
               (each finding's risk is the research's belief rate for its framing, see scoring.py)
    exposure = min(1, log10(1 + records) / log10(1 + FULL_EXPOSURE))   FULL_EXPOSURE = 1,000 records
    risk     = base x (SINGLE_WEIGHT + (1 - SINGLE_WEIGHT) x exposure)   SINGLE_WEIGHT = 0.5

so a claim in 1,000 or more records keeps the full belief rate of its framing, and a claim in one
record keeps half of it (0.5 is a judgement, not a measurement: the research trained on many
documents per claim and measured no single one).

Memory is bounded as findings are (store.py): at most MAX_CLUSTERS clusters are held, each with at most
LOCATIONS record locations, EXAMPLES example findings and ANCHORS anchor claims, and at most
MAX_FINGERPRINTS exact fingerprints in all. When MAX_CLUSTERS is passed, the half of the clusters
with the fewest records is dropped (a frequent-items summary): the clusters that remain can then be
undercounted by at most `undercount_bound` records (the largest record count of a dropped cluster),
which the report states.
"""
from __future__ import annotations

import hashlib
import heapq
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

import regex

from . import lemmatables
from .minhash import LSHIndex, signature

SCHEMA_VERSION = 2  # report schema: 1 = the contract of design.md; 2 adds `clusters` and finding `cluster`
JACCARD = 0.5
FULL_EXPOSURE = 1000
SINGLE_WEIGHT = 0.5
MAX_CLUSTERS = 5_000  # about 10 KB each (LSH bands 6 KB, counts and examples 4 KB): some 50 MB
MAX_FINGERPRINTS = 200_000
LOCATIONS = 20
EXAMPLES = 3
ANCHORS = 4
MAX_CANDIDATES = 32
TEXT_LIMIT = 400  # characters of a claim, qualifier or suggestion kept in an example

LOCAL = {"local-negation"}
PINK = "pink-elephant"
NOT_DETACHED = {"local-negation", "pink-elephant"}

_TOKEN = regex.compile(r"\p{N}+(?:[.,]\p{N}+)*\p{L}*|\p{L}+(?:['’]\p{L}+)?")
_REPEATS = regex.compile(r"appears (\d+) times")
STOP = frozenset("""
a an the and or but if then than so of in on at to for from by with without into onto over under about
after before during since until as is are was were be been being am do does did done doing has have had
having will would shall should can could may might must it its it's this that these those there here
which who whom whose what when where why how he she they we you i me him her them us my your his our their
also just only very too more most much many some any each every all both either neither other such own
same one ones upon via per while whilst yet not no nor never none nothing nobody n't cannot
true false untrue truth claim claims claimed fact facts statement statements actually indeed really
reportedly said say says that's there's
""".split())


def _all_lemmas(word: str) -> dict:
    from lemminflect import getAllLemmas

    lemmatables.install()
    return getAllLemmas(word)


@lru_cache(maxsize=65536)
def _lemma(word: str) -> str:
    lem = _all_lemmas(word)
    for pos in ("VERB", "NOUN", "ADJ"):
        if pos in lem:
            return lem[pos][0]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]  # a plural the lexicon does not know ("Olympics")
    return word


@lru_cache(maxsize=65536)
def _unknown(word: str) -> bool:
    return not _all_lemmas(word)


@dataclass(frozen=True, slots=True)
class ClaimKey:
    lemmas: frozenset
    numbers: frozenset
    names: frozenset
    digest: bytes


# claim keys by claim text, computed here or in -j worker processes: the parent's cluster pass then reads
# them instead of lemmatising every claim again after the last record (bounded: beyond it, keys are computed)
_KNOWN: dict[str, Optional[ClaimKey]] = {}
KNOWN_MAX = 20_000
_MISSING = object()


def claim_keys(findings: Iterable) -> dict[str, Optional[ClaimKey]]:
    """The claim keys of these findings' claims, by claim text (what a worker sends with its results)."""
    texts = dict.fromkeys(f.claim["text"] for f in findings if f.claim and f.claim.get("text"))
    return {t: claim_key(t) for t in texts}  # a claim repeated in the batch is keyed once


def remember_keys(keys: dict) -> None:
    """Keep claim keys a worker computed (claim_key returns them; the same function made them)."""
    room = KNOWN_MAX - len(_KNOWN)
    if room > 0:
        _KNOWN.update(keys if len(keys) <= room else dict(list(keys.items())[:room]))


def claim_key(text: str) -> Optional[ClaimKey]:
    """The claim key of a claim text, or None when it has no content word."""
    known = _KNOWN.get(text, _MISSING)
    if known is not _MISSING:
        return known  # type: ignore[return-value]
    key = _claim_key(text)
    if len(_KNOWN) < KNOWN_MAX:
        _KNOWN[text] = key  # a claim stated again (a repeated record, a template) is keyed once
    return key


def _claim_key(text: str) -> Optional[ClaimKey]:
    toks = _TOKEN.findall(text[:2000])
    lemmas, numbers, names = set(), set(), set()
    for i, tok in enumerate(toks):
        low = tok.lower().replace("’", "'")
        if low.endswith("'s"):
            low = low[:-2]
        if low in STOP or low.endswith("n't"):
            continue
        if low[0].isdigit():
            numbers.add(low)
            lemmas.add(low)
            continue
        lem = _lemma(low)
        lemmas.add(lem)
        # a capitalised word names something; the first word of a sentence only when a name follows it
        # or the lexicon does not know it ("Adele won", not "Yesterday it")
        if tok[0].isupper() and (i > 0 or (len(toks) > 1 and toks[1][0].isupper()) or _unknown(low)):
            names.add(lem)
    if not lemmas:
        return None
    digest = hashlib.blake2b("\x1f".join(sorted(lemmas)).encode("utf-8"), digest_size=16).digest()
    return ClaimKey(frozenset(lemmas), frozenset(numbers), frozenset(names), digest)


def same_claim(a: ClaimKey, b: ClaimKey) -> bool:
    """Do two claim keys state the same proposition (the verification of an LSH candidate)?"""
    if not (a.numbers <= b.numbers or b.numbers <= a.numbers):  # "100m" and "100m in 2024", never "100m" and "200m"
        return False
    if not (a.names <= b.names or b.names <= a.names):
        return False
    inter = len(a.lemmas & b.lemmas)
    return inter / (len(a.lemmas) + len(b.lemmas) - inter) >= JACCARD


def placement(f, scope: str = "") -> str:
    """Where the finding's qualifier sits: field (metadata, or another field than the claim's),
    in-sentence (inside the claim's sentence), prefix or suffix (a document-level notice before or after
    the claim: a rule of `scope: document`), or sentence (a sentence-level qualifier beside the claim)."""
    q, c = f.qualifier, f.claim
    if q.get("field") or (c and c.get("field")):
        return "field"
    if c is None:
        return "sentence"
    qs, qe, cs, ce = q.get("start", 0), q.get("end", 0), c.get("start", 0), c.get("end", 0)
    if qs < ce and cs < qe:
        return "in-sentence"
    if scope == "document":
        return "prefix" if qe <= cs else "suffix"
    return "sentence"


@dataclass(slots=True)
class Cluster:
    uid: int
    claim: str
    key: ClaimKey
    records: int = 0
    findings: int = 0
    rules: dict = field(default_factory=dict)
    families: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)
    detached: int = 0  # records with a detached qualifier on the claim
    local: int = 0  # records that deny the claim inside its own sentence (NN501)
    risk_sum: float = 0.0
    locations: list = field(default_factory=list)
    examples: list = field(default_factory=list)
    anchors: list = field(default_factory=list)  # (ClaimKey, lsh key)
    digests: list = field(default_factory=list)
    attribute: str = ""  # pink elephant: the denied attribute
    repeats: int = 0  # pink elephant: how many times it is denied, over all records
    # the record being counted (findings of one record are adjacent)
    cur: tuple = ()
    cur_risk: float = 0.0
    cur_detached: bool = False
    cur_local: bool = False

    def flush(self) -> None:
        if self.cur:
            self.records += 1
            self.risk_sum += self.cur_risk
            self.detached += self.cur_detached
            self.local += self.cur_local
            self.cur = ()

    def risk(self) -> float:
        if not self.records:
            return 0.0
        base = self.risk_sum / self.records
        exposure = min(1.0, math.log10(1 + self.records) / math.log10(1 + FULL_EXPOSURE))
        return round(min(0.99, base * (SINGLE_WEIGHT + (1 - SINGLE_WEIGHT) * exposure)), 3)


def _clip(t: Optional[str]) -> str:
    t = t or ""
    return t if len(t) <= TEXT_LIMIT else t[: TEXT_LIMIT - 1] + "…"


class Clusterer:
    """Groups findings into claim clusters in one pass (`add` each finding in the contract's order,
    then `finish`). `rules` maps a rule code to (category, families, scope): see rule_table."""

    def __init__(self, rules: Optional[dict] = None, max_clusters: int = 0) -> None:
        self.rules = rules or {}
        self.max_clusters = max_clusters or MAX_CLUSTERS
        self._lsh = LSHIndex()  # proposes candidates; same_claim decides
        self._exact: dict[bytes, int] = {}
        self._pink: dict[tuple, int] = {}
        self.clusters: dict[int, Cluster] = {}
        self._next = 0
        self.pruned = 0
        self.undercount_bound = 0
        self._order: Optional[dict[int, str]] = None

    # ------------------------------------------------------------------ matching
    @staticmethod
    def _minhash(key: ClaimKey):
        """MinHash of the claim's lemmas, its numbers and names counted once more (so templated claims that
        differ only in a number or a name share fewer LSH buckets)."""
        return signature(sorted(key.lemmas) + [f"#{w}" for w in sorted(key.numbers)]
                         + [f"@{w}" for w in sorted(key.names)])

    def find(self, key: ClaimKey, m=None) -> Optional[int]:
        """The cluster (internal id) that states this claim, if one is held: the oldest that matches among
        the MAX_CANDIDATES oldest LSH candidates (a bound on the work for templated claims)."""
        uid = self._exact.get(key.digest)
        if uid is not None:
            return uid
        cands = heapq.nsmallest(MAX_CANDIDATES, self._lsh.query(m if m is not None else self._minhash(key)))
        for uid, anchor in cands:
            c = self.clusters.get(uid)
            if c is not None and same_claim(key, c.anchors[anchor][0]):
                return uid
        return None

    def _remember(self, c: Cluster, key: ClaimKey, m) -> None:
        if len(self._exact) < MAX_FINGERPRINTS and key.digest not in self._exact:
            self._exact[key.digest] = c.uid
            c.digests.append(key.digest)
        if len(c.anchors) < ANCHORS and all(a.digest != key.digest for a, _ in c.anchors):
            lk = (c.uid, len(c.anchors))
            self._lsh.insert(lk, m if m is not None else self._minhash(key))
            c.anchors.append((key, lk))

    def cluster_for(self, f) -> Optional[Cluster]:
        """The cluster a finding belongs to (made when none matches), or None for a finding without a claim."""
        if not f.claim or not f.claim.get("text"):
            return None
        cat = self.rules.get(f.rule, ("", (), ""))[0]
        text = f.claim["text"]
        if cat == PINK:  # pink elephant: the denied attribute next to the same names
            attr = ((f.suggestion or {}).get("mask") or [""])[0]
            key = claim_key(text)
            pk = (attr, key.names if key else frozenset())
            uid = self._pink.get(pk)
            if uid is None:
                c = self._new(text, key or ClaimKey(frozenset(), frozenset(), frozenset(), b""))
                c.attribute = attr
                self._pink[pk] = c.uid
                return c
            return self.clusters[uid]
        key = claim_key(text)
        if key is None:
            return None
        uid = self._exact.get(key.digest)
        m = None
        if uid is None:
            m = self._minhash(key)
            uid = self.find(key, m)
        if uid is None:
            c = self._new(text, key)
        else:
            c = self.clusters[uid]
        self._remember(c, key, m)
        return c

    def _new(self, text: str, key: ClaimKey) -> Cluster:
        self._next += 1
        c = Cluster(self._next, _clip(" ".join(text.split())), key)
        self.clusters[c.uid] = c
        if len(self.clusters) > self.max_clusters:
            self._prune()
        return c

    def _prune(self) -> None:
        """Drop the half of the clusters with the fewest records (never the one just made)."""
        live = sorted(self.clusters.values(), key=lambda c: (c.records + bool(c.cur), c.uid))
        dropped = set()
        for c in live[: len(live) // 2]:
            if c.uid == self._next:
                continue
            self.undercount_bound = max(self.undercount_bound, c.records + bool(c.cur))
            self.pruned += 1
            for d in c.digests:
                self._exact.pop(d, None)
            for _, lk in c.anchors:
                self._lsh.remove(lk)
            dropped.add(c.uid)
            del self.clusters[c.uid]
        self._pink = {k: v for k, v in self._pink.items() if v not in dropped}

    # ------------------------------------------------------------------ counting
    def add(self, f) -> None:
        c = self.cluster_for(f)
        if c is None:
            return
        cat, fams, scope = self.rules.get(f.rule, ("", (), ""))
        where = (f.path, f.record)
        if c.cur != where:
            c.flush()
            c.cur, c.cur_risk, c.cur_detached, c.cur_local = where, 0.0, False, False
            if len(c.locations) < LOCATIONS:
                c.locations.append({"path": f.path, "line": f.line, "record": f.record})
        c.findings += 1
        c.rules[f.rule] = c.rules.get(f.rule, 0) + 1
        for fam in ([f.extra["family"]] if f.extra.get("family") else fams):
            c.families[fam] = c.families.get(fam, 0) + 1
        if cat not in NOT_DETACHED:
            place = placement(f, scope)
            c.places[place] = c.places.get(place, 0) + 1
        c.cur_risk = max(c.cur_risk, f.risk)
        c.cur_detached = c.cur_detached or cat not in NOT_DETACHED
        c.cur_local = c.cur_local or cat in LOCAL
        if cat == PINK:
            m = _REPEATS.search(f.message or "")
            c.repeats += int(m.group(1)) if m else 1
        if len(c.examples) < EXAMPLES and (not c.examples or c.examples[-1]["record"] != f.record
                                           or c.examples[-1]["path"] != f.path):
            c.examples.append({
                "path": f.path, "line": f.line, "record": f.record, "field": f.field, "rule": f.rule,
                "severity": f.severity, "risk": f.risk,
                "qualifier": {"text": _clip(f.qualifier.get("text")), "start": f.qualifier.get("start", 0),
                              "end": f.qualifier.get("end", 0), **({"field": f.qualifier["field"]}
                                                                   if f.qualifier.get("field") else {})},
                "claim": {"text": _clip(f.claim.get("text")), "start": f.claim.get("start", 0),
                          "end": f.claim.get("end", 0)},
                "suggestion": _clip(f.suggestion.get("text")) if f.suggestion else None,
                "place": placement(f, scope),
            })

    def finish(self) -> "Clusters":
        for c in self.clusters.values():
            c.flush()
        ranked = sorted(self.clusters.values(), key=lambda c: (-c.records, -c.findings, c.uid))
        self._order = {c.uid: f"C{i}" for i, c in enumerate(ranked, 1)}
        return Clusters(ranked, self)


class Clusters:
    """The clusters of a report, ranked by record count, and the cluster id of any finding."""

    def __init__(self, ranked: list[Cluster], clusterer: Clusterer) -> None:
        self.ranked = ranked
        self._c = clusterer

    def __len__(self) -> int:
        return len(self.ranked)

    def id_of(self, f) -> Optional[str]:
        """The id of the cluster a finding was counted in (None: no claim, or its cluster was dropped)."""
        if not f.claim or not f.claim.get("text"):
            return None
        c = self._c
        if c.rules.get(f.rule, ("", (), ""))[0] == PINK:
            attr = ((f.suggestion or {}).get("mask") or [""])[0]
            key = claim_key(f.claim["text"])
            uid = c._pink.get((attr, key.names if key else frozenset()))
        else:
            key = claim_key(f.claim["text"])
            uid = c.find(key) if key is not None else None
        return c._order.get(uid) if uid is not None else None

    def stats(self) -> dict:
        return {"clusters": len(self.ranked), "dropped": self._c.pruned,
                "undercount_bound": self._c.undercount_bound, "max_clusters": self._c.max_clusters}

    def to_dicts(self, limit: Optional[int] = None) -> list[dict]:
        return [cluster_dict(c, self._c._order[c.uid]) for c in self.ranked[:limit]]


def cluster_dict(c: Cluster, cid: str) -> dict:
    rec = max(1, c.records)
    d = {
        "id": cid,
        "claim": c.claim,
        "records": c.records,
        "findings": c.findings,
        "rules": dict(sorted(c.rules.items())),
        "families": dict(sorted(c.families.items())),
        "detached_share": round(c.detached / rec, 3),
        "local_share": round(c.local / rec, 3),
        "risk": c.risk(),
        "severity": _severity(c.risk()),
        "placement": dict(sorted(c.places.items())),
        "locations": list(c.locations),
        "examples": list(c.examples),
    }
    if c.attribute:
        d["denied_attribute"] = c.attribute
        d["repeats"] = c.repeats
    return d


def _severity(risk: float) -> str:
    from .scoring import severity_of

    return severity_of(risk)


def rule_table(ruleset) -> dict:
    """rule code -> (category, qualifier families, scope)"""
    return {r.id: (r.category, tuple(r.families), str(r.match.get("scope") or "")) for r in ruleset.rules}


def cluster_findings(findings: Iterable, ruleset=None, max_clusters: int = 0) -> Clusters:
    """Cluster findings given in the contract's order (a Report's findings)."""
    if ruleset is None:
        from .rules import load_rules

        ruleset = load_rules()
    cl = Clusterer(rule_table(ruleset), max_clusters)
    for f in findings:
        cl.add(f)
    return cl.finish()


def use_rules(report, ruleset) -> None:
    """Cluster this report with the run's rules (their categories and families), not the built-in ones."""
    report._ruleset = ruleset


def clusters_of(report, ruleset=None) -> Clusters:
    """The report's clusters, computed once for its current findings (a baseline or fix that replaces
    the findings gets new clusters)."""
    cached = getattr(report, "_clusters", None)
    if cached is not None and cached[0] is report.findings:
        return cached[1]
    cl = cluster_findings(report.findings, ruleset or getattr(report, "_ruleset", None))
    report._clusters = (report.findings, cl)
    return cl
