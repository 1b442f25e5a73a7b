"""The audit of one record and of whole files: adapt -> split -> scan -> parse few -> link -> score."""
from __future__ import annotations

import bisect
import hashlib
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

import regex

from . import scoring
from .adapters import AdaptError, adapt, surely_has_text
from .config import Config
from .labels import LabelHit, clip, norm_key
from .models import Finding, InputError, Qualifier, Record, Segment, Unit
from .nlp import NLP, load_nlp
from .repeats import Repeats
from .locating import qualifier_columns
from .suppressing import record_suppressions
from .reading import _decode_error, dataset_kind, iter_paths, parse_json_bytes, printable, read_records
from .rules import Rule, load_rules, selects
from .segmenting import split_units
from .store import FindingStore

if TYPE_CHECKING:  # the rewriter imports spaCy and lemminflect: loaded when a suggestion is made
    from .detecting import Candidate
    from .linking import ClaimMemo, Link
    from .rewriting import Rewriter

# the detectors' modules (they compile many patterns when imported), imported by _import_detectors when
# the first auditor builds its detectors: a run whose every line the record cache replays imports none
claims: Any = None
detecting: Any = None
linking: Any = None
qualifying: Any = None
prescan: Any = None
regexguard: Any = None
_IMPORTING = threading.Lock()


def _import_detectors() -> None:
    """Import the detectors' modules (once; plain imports, so an error in one is raised as it is)."""
    global claims, detecting, linking, qualifying, prescan, regexguard
    if regexguard is not None:
        return
    with _IMPORTING:
        if regexguard is None:
            from . import claims as c, detecting as d, linking as li, prefilter as pf, qualifying as q
            from . import regexguard as rg

            claims, detecting, linking, qualifying, prescan = c, d, li, q, pf
            regexguard = rg  # last: another thread that sees it set sees the others set

FINGERPRINT_WS = regex.compile(r"[^\p{L}\d]+")
REPORTED_BELIEF = regex.compile(
    r"\b(?:heard|believe[sd]?|think|thinks|thought|assume[sd]?|rumou?red|claim(?:s|ed)?|say|says|said|told|"
    r"popular belief|misconception|common myth|widely believed)\b[^.!?]{0,40}?\bthat\b", regex.I)
# a claim denied on its main clause: a negation among its first words ("X did not win", "There is no
# evidence that ..."), not one deep inside it ("a tram that carries no passengers")
LOCALLY_NEGATED = regex.compile(
    r"^\W*(?:[\w'’-]+\W+){0,5}?(?:not|never|no longer|cannot|\w+n['’]t)\b|^\W*(?:there|it)\s+(?:is|was|are|were|has been)\s+"
    r"(?:no|none|nothing)\b|^\W*(?:no|none|nothing|nobody|neither)\b"
    # a denial of existence, wherever the subject ends ("The fungus you are referring to is not real")
    r"|^[^,;:()]{0,80}?\b(?:(?:is|are|was|were)\s+not\s+real|(?:does|do|did)\s+not\s+exist|never\s+existed)\b", regex.I)


@dataclass
class RecordResult:
    findings: list[Finding]
    error: Optional[InputError] = None
    suppressed: int = 0
    counted: bool = True  # False when the record could not be read at all (it is not counted in `records`)


@dataclass
class Report:
    files: int = 0
    records: int = 0
    findings: FindingStore = field(default_factory=FindingStore)  # iterable, sized; spills to disk when large
    errors: list[InputError] = field(default_factory=list)
    suppressed: int = 0
    model: str = ""
    warnings: list[str] = field(default_factory=list)
    baselined: int = 0
    # rules whose findings get no repetition bonus: a claim denied in its own sentence (category
    # local-negation) is not taught as true however often it repeats (set from the rule set)
    no_bonus: frozenset = frozenset()
    interrupted: bool = False  # Ctrl-C: the report covers only the records audited before it (INTERRUPTED)

    def finish(self) -> None:
        """Corpus-level repetition bonus (pattern 10), then the contract's order."""
        self.errors.sort(key=lambda e: (e.path, e.line or 0))
        store = self.findings
        if not isinstance(store, FindingStore):
            store = FindingStore(store)
        store.sort()
        if store.spilled:  # findings read back from disk are new objects: keep them in a new store
            counts = _claim_counts(_keyed(store))
            self.findings = FindingStore((_with_bonus(f, k, counts, self.no_bonus) for f, k in _keyed(store)),
                                         store.limit)
            store.close()
        else:
            keyed = list(_keyed(store))
            counts = _claim_counts(keyed)
            for f, k in keyed:
                _with_bonus(f, k, counts, self.no_bonus)
            self.findings = store
        for w in (store.warning, self.findings.warning):
            if w and w not in self.warnings:
                self.warnings.append(w)

    def add(self, res: "RecordResult") -> None:
        """Take in one record's result."""
        self.records += res.counted
        if res.error:
            self.errors.append(res.error)
        self.findings.extend(res.findings)
        self.suppressed += res.suppressed

    def summary(self) -> dict:
        by_rule: dict[str, int] = {}
        by_sev: dict[str, int] = {}
        for f in self.findings:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
        return {
            "files": self.files,
            "records": self.records,
            "findings": len(self.findings),
            "errors": len(self.errors),
            "by_rule": dict(sorted(by_rule.items())),
            "by_severity": {k: by_sev[k] for k in ("high", "medium", "low", "info") if k in by_sev},
            "suppressed": self.suppressed,
            "baselined": self.baselined,
            **({"interrupted": True} if self.interrupted else {}),
        }


INTERRUPTED = "Interrupted (Ctrl-C): this report covers only the records audited before it"


def _fingerprint(text: str) -> str:
    return FINGERPRINT_WS.sub(" ", text.lower()).strip()[:200]


def _keyed(findings):
    """(finding, a digest of its claim's fingerprint, or b"" for a finding without a claim)."""
    for f in findings:
        k = _fingerprint(f.claim["text"]) if f.claim else ""
        yield f, hashlib.blake2b(k.encode("utf-8"), digest_size=16).digest() if k else b""


def _claim_counts(keyed) -> dict[bytes, int]:
    """How many distinct records state each claim, from (finding, claim key) in the contract's order
    (where the findings of one record are adjacent): memory grows with the distinct claims, not the
    findings."""
    counts: dict[bytes, int] = {}
    current = None
    seen: set[bytes] = set()
    for f, k in keyed:
        if (f.path, f.record) != current:
            current, seen = (f.path, f.record), set()
        if k and k not in seen:
            seen.add(k)
            counts[k] = counts.get(k, 0) + 1
    return counts


def _with_bonus(f: Finding, k: bytes, counts: dict[bytes, int], no_bonus: frozenset = frozenset()) -> Finding:
    """The finding with the repetition bonus of its claim (key `k`, pattern 10) added to its risk."""
    if f.rule in no_bonus:
        return f
    # distinct records that state the claim; scaled like the prior for untrained claims
    bonus = scoring.repetition_bonus(counts.get(k, 0)) if k else 0.0
    bonus *= 1.0 if f.trained else scoring.UNTRAINED_FACTOR
    if bonus:
        f.risk = scoring.finalize(min(f.risk + bonus, max(f.risk, f.cap)))  # a capped risk stays capped
        f.severity = scoring.severity_of(f.risk)
    return f


# what Auditor._build sets
_BUILT = frozenset({"detector", "fields", "subject_keys", "debunking", "several_referents", "hedged_verdict", "pink",
                    "learned", "claim_min", "record_prefilter"})


class Auditor:
    """Holds the compiled rules and (lazily) the spaCy pipeline for a whole run."""

    def __init__(self, config: Optional[Config] = None, prefilter: bool = True, lazy: bool = False) -> None:
        """`lazy`: build the detectors (the compiled patterns, the pre-scan, the learned stage) when the
        first record needs them rather than now, so that a run whose every line the record cache
        replays builds none of them. The rule packs are loaded and checked now either way."""
        self.prefilter = prefilter  # False: scan every unit (the unoptimised path, for tests and benchmarks)
        # keep the lines found clean between runs (recordcache.py): the command line turns it on
        self.record_cache = False
        self.config = config or Config()
        # the largest record audited, passed to every reader (never set globally: one run's limit
        # must not leak into another auditor or a direct reader in the same process)
        self.max_record_bytes = int(self.config.max_record_mb * 1024 * 1024)
        self.ruleset = load_rules(self.config.extend, self.config.select, self.config.ignore, self.config.origins)
        self.mapping = self.config.fields
        self._path_mappings: dict = {}  # path -> mapping (with its dataset_info.json layout)
        self._dataset_infos: dict = {}  # directory -> its dataset_info.json entries
        self._nlp: Optional[NLP] = None
        self._rewriter: Optional["Rewriter"] = None
        self._built = False
        if not lazy:
            self._build()

    def __getattr__(self, name: str):
        # only for the attributes `_build` sets (an attribute that exists never comes here)
        if name in _BUILT and not self.__dict__.get("_built", True):
            self._build()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def build(self) -> None:
        """Build the detectors now, if they are not built yet (see `lazy`)."""
        if not self._built:
            self._build()

    def _build(self) -> None:
        """The detectors: every compiled pattern, the matchers, the learned stage and the pre-scan. A
        rule pack that cannot be compiled raises ConfigError here."""
        self._built = True  # set first: a failed build is not retried by every attribute read after it
        _import_detectors()
        prefilter = self.prefilter
        self.detector = detecting.Detector(self.ruleset)
        # every `kind: field` rule reads metadata with its own label vocabulary (labels.py); keys the
        # user maps as annotation fields hold verdict words
        self.fields = self.detector.matcher("field")
        if self.fields is not None:
            self.fields.add_verdict_keys(self.mapping.annotation_fields)
        self.subject_keys = self.fields.subject_keys if self.fields is not None else frozenset()
        # the framings a text uses to debunk (lexicon list `debunking_frame`: a myth, a legend)
        lex = self.ruleset.lexicon
        def optional(name: str):  # a list a user's packs may leave out
            return lex.compile(name) if name in lex.lists else None

        self.debunking = optional("debunking_frame")
        self.several_referents = optional("several_referents")
        self.hedged_verdict = optional("hedged_verdict")
        self.pink = self.detector.matcher("pink-elephant")
        self.learned = qualifying.LearnedStage(self.ruleset) if self.ruleset.learned else None
        self.claim_min = float(self.ruleset.learned.get("claim", 0.0))
        self.record_prefilter = prescan.RecordPrefilter(
            self.detector, self.pink.need if self.pink else None,
            label_key_literals(self.fields.key_names() if self.fields else [])) if prefilter else None
        # user lexicon entries: timed. The walk covers what the auditor holds but the report of a run
        # whose detectors are built late (the findings replayed so far hold no pattern)
        partial = self.__dict__.pop("partial", None)
        try:
            regexguard.guard_user_patterns(self, self.ruleset.lexicon, self.detector.rule_errors)
        finally:
            if partial is not None:
                self.partial = partial

    def rule_errors(self) -> list[str]:
        """The rule errors of this run so far (none when the detectors were never built)."""
        return self.detector.rule_errors if self._built else []

    # ------------------------------------------------------------------ model
    @property
    def nlp(self) -> NLP:
        if self._nlp is None:
            self._nlp = load_nlp(self.config.model)
        return self._nlp

    @property
    def rewriter(self) -> "Rewriter":
        if self._rewriter is None:
            from .rewriting import Rewriter

            self._rewriter = Rewriter(self.nlp)
        return self._rewriter

    def learned_warmup(self) -> None:
        """Load what the first records would load lazily (the models, the lemma tables), so that worker
        processes forked after this share it instead of loading it each."""
        self.build()
        if self.learned is not None:
            self.learned.predict("This warms the model up.")
        claims.claimness("The bridge opened in 1987.")
        from . import rewriting

        rewriting.getInflection("win", "VBD")  # lemminflect's tables are indexed on first use (lemmatables.py)
        rewriting.getLemma("won", "VERB")  # its lemma table too: the rewriter and the report's claim clusters read it

    def suggest(self, rule: Rule, text: Optional[str], fixable: bool = True, certain: bool = False,
                maskable: bool = True) -> Optional[dict]:
        """The fix for one finding, of the kind its rule's `autofix:` names: `text` (from _rewrite_input)
        rewritten with the negation on its own predicate; a negated behaviour gets a masking instruction,
        an inline retraction advice. `fix` says what `--fix` may do with it ("none" when the claim or
        the qualifier sits in an untrained segment: those are never edited, `fixable` False); `safe`
        needs a rule whose local negation may be safe, a certain rewrite and a `certain` finding (high,
        with a qualifier that is a pure notice: _pure_notice). `maskable` False: the turn's trainer reads
        no loss weight (Segment.maskable), so masking is advice only."""
        kind = rule.autofix.get("kind", "local-negation")
        fix = kind if fixable else "none"
        if kind == "mask-turn":
            rejected = "move it to the rejected side of a preference pair and write the desired behaviour instead."
            if not maskable:
                return {"text": "Do not train on this assistant turn. Its layout has no per-turn loss weight that "
                                f"LLaMA-Factory reads, so a weight would mask nothing: remove the turn, or {rejected}",
                        "safe": False, "strategy": "advice", "fix": "advice" if fixable else "none"}
            return {"text": f"Do not train on this assistant turn: set its weight to 0, or {rejected}",
                    "safe": False, "strategy": "mask-turn", "fix": fix}
        if kind == "advice":
            return {"text": rule.fix or rule.message, "safe": False, "strategy": "advice", "fix": "advice"}
        if text is None:
            return None
        may_be_safe = fixable and certain and bool(rule.autofix.get("safe")) and kind != "none"
        r = self.rewriter.negate(text, check_roles=may_be_safe)  # the re-parse only where safe can follow
        if r.strategy == "declined":
            return {"text": r.text, "safe": False, "strategy": "declined", "fix": "none"}
        strategy = "local-negation" if r.strategy != "fallback" else "fallback"
        # kind none (a label): the rewrite is a suggestion only
        safe = r.safe and may_be_safe
        return {"text": r.text, "safe": safe, "strategy": strategy, "fix": fix}

    def _rewrite_input(self, rule: Rule, claim_text: str, seg_text: str, q: Qualifier, target) -> Optional[str]:
        """The sentence a finding's suggestion negates (None: the finding gets no rewrite)."""
        cat = rule.category
        if cat in ("local-negation", "pink-elephant", "negated-behaviour") or target is None:
            return None
        text = claim_text
        if cat == "inline-retraction":
            text = _without_aside(seg_text, target.start, target.end, q.start, q.end)
            for _ in range(3):  # a sentence may carry several asides: strip them all
                more = self.detector.scan_unit(Segment("", text, True, "text"), Unit(0, 0, len(text), text), [], 0)[0]
                if more is None or more.rule.category != "inline-retraction":
                    break
                text = _without_aside(text, 0, len(text), more.start, more.end)
        return text

    # ------------------------------------------------------------------ one record
    def audit_record(self, rec: Record) -> RecordResult:
        """Audit one record (the spaCy parses it needs are batched within the record)."""
        ready = self._prepare(rec)
        if isinstance(ready, RecordResult):
            return ready
        steps = self._audit_steps(*ready)
        try:
            request = next(steps)
            while True:
                self._serve([request])
                request = steps.send(None)
        except StopIteration as done:
            return done.value

    def audit_batch(self, recs: list[Record]) -> list[RecordResult]:
        """Audit several records, with the spaCy parses that all of them need run as one batch per stage
        (the parses of candidate sentences, then those of the claims to rewrite)."""
        results: list[Optional[RecordResult]] = [None] * len(recs)
        steps = {}
        for i, rec in enumerate(recs):
            ready = self._prepare(rec)
            if isinstance(ready, RecordResult):
                results[i] = ready  # read errors and records without cues: done here
            else:
                steps[i] = self._audit_steps(*ready)
        waiting: dict[int, list[str]] = {}
        for i, st in steps.items():
            _advance(st, i, waiting, results)
        while waiting:
            self._serve(list(waiting.values()))
            asked, waiting = waiting, {}
            for i in asked:
                _advance(steps[i], i, waiting, results)
        return results  # type: ignore[return-value]

    def _serve(self, requests: list[list[str]]) -> None:
        """Answer the records' requests of one round: the texts to parse in one spaCy batch, the
        sentences to classify (Predictions) in one pass of the learned stage."""
        parse = [t for r in requests if not isinstance(r, Predictions) for t in r]
        if parse:
            self.nlp.prefetch(parse)
        classify = [t for r in requests if isinstance(r, Predictions) for t in r]
        if classify:
            self.learned.prefetch(classify)

    def _prepare(self, rec: Record):
        """Pre-scan, parse and adapt a record: its RecordResult when that settles it (a read error, no
        text, no cue and no label), else (record, segments) for the detectors."""
        if rec.error:
            return RecordResult([], InputError(rec.path, rec.line, rec.error), counted=False)
        self.build()  # every record the detectors read comes through here first
        state = prescan.HOT | prescan.KEYS
        data = rec.data
        if rec.raw is not None:  # an unparsed JSON line: pre-scan it, then parse it
            if self.record_prefilter is not None:
                state = self.record_prefilter.classify(rec.raw)
            try:
                data = parse_json_bytes(rec.raw)
            except (ValueError, UnicodeDecodeError, RecursionError) as e:
                return RecordResult([], InputError(rec.path, rec.line, _decode_error(e, rec.lead)), counted=False)
            if state == prescan.MAYBE_KEYS:
                state = prescan.KEYS if self.record_prefilter.labelled_keys(data) else 0
        if state == 0 and self.learned is None and surely_has_text(data, self._mapping_for(rec.path)):
            return _NOTHING  # no cue, no label key, and text to audit: nothing to find or report
        try:
            # a record with no cue and no label key is only adapted, to report one with no text
            layout, segments = adapt(data, self._mapping_for(rec.path), annotations=state != 0)
        except AdaptError as e:
            return RecordResult([], InputError(rec.path, rec.line, str(e)))
        except RecursionError:
            return RecordResult([], InputError(rec.path, rec.line, "record nested too deeply"))
        if not state & prescan.HOT and not (state & prescan.KEYS and self._labelled(segments, layout)) and self.learned is None:
            return _NOTHING  # no cue in the text and no label in the metadata
        if rec.raw is not None:  # parsed now; the line is kept to place the findings' columns
            rec = Record(rec.path, rec.line, rec.index, data, None, rec.raw)
        return rec, segments, layout

    def _audit_steps(self, rec: Record, segments: list[Segment], layout: str):
        """The detectors on one record, as a generator: it yields the texts it needs parsed (they are
        then in the parse cache) and returns its RecordResult."""
        ignore, problem = self._suppressed_codes(rec)
        findings = yield from self._detect(rec, segments, layout)
        if self.ruleset.selected is not None:
            findings = [f for f in findings if self.ruleset.reported(f.rule)]
        kept = [f for f in findings if not any(selects(c, f.rule) for c in ignore)]
        if kept:
            _locate(rec, kept)
            from .fixing import mark_planned

            mark_planned(kept, rec.data, self.config.fix_strategy)  # for the fixable counts
        return RecordResult(kept, InputError(rec.path, rec.line, problem) if problem else None, len(findings) - len(kept))

    def _mapping_for(self, path: str):
        """The field mapping of a file: the configured one, with the layout of the LLaMA-Factory
        dataset_info.json entry that registers the file, if any (llamafactory.py)."""
        got = self._path_mappings.get(path)
        if got is None:
            from dataclasses import replace

            from .llamafactory import find_spec

            spec = find_spec(path, self._dataset_infos) if os.path.isfile(path) else None
            got = replace(self.mapping, layout=spec) if spec is not None else self.mapping
            if len(self._path_mappings) > 10_000:
                self._path_mappings.clear()
            self._path_mappings[path] = got
        return got

    def _settings_of(self, path: str) -> tuple:
        """What a record's findings depend on besides its bytes, the same for a whole file: its field
        mapping (with a registered layout), its per-file-ignores, its dataset kind."""
        return repr(self._mapping_for(path)), tuple(self.config.ignored_for(path)), dataset_kind(path)

    def _suppressed_codes(self, rec: Record) -> tuple[list[str], Optional[str]]:
        """The codes suppressed for this record (its own field, then per-file-ignores) and what is
        wrong with its suppression field, if anything."""
        codes, problem = record_suppressions(rec.data, self.mapping.suppression_field, self.ruleset.known)
        return codes + self.config.ignored_for(rec.path), problem

    def _detect(self, rec: Record, segments: list[Segment], layout: str) -> list[Finding]:
        det = self.detector
        units: list[Unit] = []
        order = 0
        cue_units: set[int] = set()
        # a segment is split and its sentences checked for cues only when a cue literal occurs in it; the
        # unoptimised path (prefilter=False) checks every sentence with the full cue regexes
        seg_cues = [s.kind == "content" and (not self.prefilter or det.maybe_cue(s.text)) for s in segments]
        if self.prefilter and self.learned is None and not any(seg_cues) and not det.custom \
                and not self._labelled(segments, layout):
            # the fast path: no cue anywhere in the record, nothing to split or parse
            if self.pink is None or not any(self.pink.hits(s) for s in segments):
                return []
        for i, s in enumerate(segments):
            if s.kind == "annotation":
                if norm_key(s.key) in self.subject_keys:
                    continue  # a topic or shelf ("category": "Fiction") is not about the record's truth
                units.append(Unit(seg=i, start=0, end=len(s.text), text=s.text, order=order))
                order += 1
                continue
            us = split_units(s.text, i, order)
            order += len(us)
            units.extend(us)
            if seg_cues[i]:
                for u in us:
                    if det.has_cue(u.text, prescan=self.prefilter):
                        cue_units.add(u.order)
        quals: list[Qualifier] = []
        if self.fields is not None:
            for u in units:
                s = segments[u.seg]
                hit = self._label_hit(s, layout) if s.kind == "annotation" else None
                if hit is not None:
                    quals.append(Qualifier(rule=hit[0], unit=u, start=0, end=len(s.text), direction="document",
                                           label=hit[1]))
                elif s.kind == "annotation":
                    q = self._behaviour_note(s, u, segments)
                    if q is not None:
                        quals.append(q)
        pending: list[Candidate] = []
        if cue_units or det.custom:
            for pos, u in enumerate(units):
                if u.order not in cue_units:
                    if det.custom and segments[u.seg].kind == "content":
                        q = det.custom_match(u)
                        if q is not None:
                            quals.append(q)
                    continue
                q, cands = det.scan_unit(segments[u.seg], u, units, pos)
                if q is not None:
                    quals.append(q)
                elif cands:
                    pending.extend(cands)
        if pending and self.learned is not None and self.prefilter:
            # a sentence whose every candidate the learned veto would drop after verifying it is not
            # parsed at all: the same qualifiers result (the unoptimised path parses them all)
            yield Predictions(list(dict.fromkeys(c.unit.text for c in pending)))
            pending = self._past_the_veto(pending, segments)
        if pending:
            if self.nlp.has_parser:
                yield list(dict.fromkeys(c.unit.text for c in pending))
            quals.extend(self._verify(pending))
        if self.learned is not None:
            quals = yield from self._learned(segments, units, quals)
        findings: list[Finding] = []
        if quals:
            findings = yield from self._link_and_score(rec, segments, units, quals)
        if self.pink is not None:
            findings.extend(self.pink.findings(rec, segments, units))
        return findings

    def _claim_check(self, q: Qualifier):
        """How linking tells a claim (claims.py): a metadata label rates the text it sits on, so only the
        shape of the sentence counts (not a question, code, a calculation or a heading); any other
        qualifier governs sentences that the claim-ness check accepts."""
        if q.rule.kind == "field":
            return _shape_ok
        if self.claim_min <= 0:
            return None
        return self._is_claim

    def _is_claim(self, u: Unit) -> bool:
        return not claims.locally_framed(u.text) and claims.claimness(u.text) >= self.claim_min

    def _learned(self, segments: list[Segment], units: list[Unit], quals: list[Qualifier]):
        """The learned stage: rule hits whose sentence does not read as a qualifier are dropped, and
        candidate sentences the classifier accepts become qualifiers (see qualifying.py)."""
        stage = self.learned
        edges: dict[int, tuple[int, int]] = {}
        for u in units:
            lo, hi = edges.get(u.seg, (u.order, u.order))
            edges[u.seg] = (min(lo, u.order), max(hi, u.order))
        # a notice is a prefix or suffix block: in a text of several paragraphs, every sentence of the
        # first paragraph is at its start, and every sentence of the last at its end
        blocks: dict[int, tuple[int, int]] = {}
        for i, seg in enumerate(segments):
            if seg.kind != "content":
                continue  # the gate reads content only
            breaks = [m.start() for m in PARAGRAPH_BREAK.finditer(seg.text)]
            if breaks:
                blocks[i] = (breaks[0], breaks[-1])
        # the unoptimised path (prefilter=False) asks every sentence
        hints = {i: stage.segment_hints(seg.text) for i, seg in enumerate(segments)
                 if seg.kind == "content"} if self.prefilter else {}
        cands = []
        for u in units:
            seg = segments[u.seg]
            lo, hi = edges[u.seg]
            first, last = u.order == lo, u.order == hi
            if u.seg in blocks and not (first or last):
                head_end, tail_start = blocks[u.seg]
                first, last = u.end <= head_end, u.start >= tail_start
            if stage.is_candidate(u, seg, first, last, hints.get(u.seg, (True, True))) and stage.reads(u):
                cands.append((u, seg, first, last))
        # the record's predictions, the veto's and the candidates', are asked for at once: the batch
        # driver scores those of many records in one pass
        asked = [q.unit.text for q in quals if q.unit is not None] + [c[0].text for c in cands]
        if asked:
            yield Predictions(asked)
        kept = [q for q in quals if q.unit is None or not self._vetoed(q.rule, q.direction, q.unit, segments)]
        taken = {q.unit.order for q in kept}
        for u, seg, first, last in cands:
            if u.order in taken:
                continue
            q = stage.qualifier(u, seg, first, last)
            if q is not None and not (q.learned[0] in ("falsity", "pointer") and self._negated_verdict(u.text)):
                kept.append(q)
        return kept

    def _negated_verdict(self, text: str) -> bool:
        """Does the sentence deny falsity rather than state it ("The preceding statement is not false.",
        "... isn't untrue", "None of the above is false.")? Every word of falsity in it is negated, as the
        rules' own predicate check reads them, or follows an opening negative quantifier in its clause:
        the classifier scores such a sentence as a falsity verdict, but it affirms."""
        falsity = self.detector.preds.get("falsity")
        if falsity is None:
            return False
        hits = list(falsity.finditer(text))
        if not hits:
            return False
        opening = NEG_OPENING.match(text)  # "None of the above is false.": the quantifier negates the verdict
        return all(self.detector.pseudo_or_negated(text, m) or (opening is not None and not regex.search(
            r"[;:.!?]", text[opening.end():m.start()])) for m in hits)

    def _vetoed(self, rule: Rule, direction: str, unit: Unit, segments: list[Segment]) -> bool:
        """Does the learned veto drop a hit of `rule` on this sentence? A request for invented content
        in a conditioning turn ("Write a fictional news story about X") governs the reply by asking for
        it, which the veto's question (does the sentence qualify other content's truth?) does not ask:
        it stays, and is reported low as a request."""
        if _conditioning(segments[unit.seg]) and linking.REQUEST.match(unit.text):
            return False
        return self.learned.vetoes(rule, direction, unit.text)

    def _past_the_veto(self, pending: list[Candidate], segments: list[Segment]) -> list[Candidate]:
        """The candidates of the sentences that keep at least one candidate the veto would not drop
        (the first candidate a parse verifies wins, so a sentence keeps all of its candidates or none)."""
        keep: set[int] = set()
        for c in pending:
            if id(c.unit) not in keep and not self._vetoed(c.rule, c.direction, c.unit, segments):
                keep.add(id(c.unit))
        return [c for c in pending if id(c.unit) in keep]

    def _verify(self, pending: list[Candidate]) -> list[Qualifier]:
        by_unit: dict[int, list[Candidate]] = {}
        for c in pending:
            by_unit.setdefault(id(c.unit), []).append(c)
        unit_list = [cs[0].unit for cs in by_unit.values()]
        nlp = self.nlp
        docs: list[Any]
        if nlp.has_parser:
            docs = nlp.parse_many([u.text for u in unit_list])
        else:
            docs = [None] * len(unit_list)
        out = []
        for u, doc in zip(unit_list, docs):
            for c in by_unit[id(u)]:
                if self.detector.verify(c, doc):
                    d = c.direction
                    out.append(Qualifier(rule=c.rule, unit=u, start=u.start + c.pred[0] if c.meta is None else
                                         u.start + min(c.pred[0], c.meta[0]),
                                         end=u.start + (c.pred[1] if c.meta is None else max(c.pred[1], c.meta[1])),
                                         direction=d))
                    break
        return out

    def _link_and_score(self, rec: Record, segments: list[Segment], units: list[Unit],
                        quals: list[Qualifier]) -> list[Finding]:
        qunits = {q.unit.order for q in quals if q.direction not in ("self", "enclosed")}
        memo = linking.ClaimMemo(units, qunits)  # the claim-ness of each sentence, asked once for all qualifiers
        corrections = self.detector.matcher("correction")
        corr = corrections.rules[0] if corrections is not None else None
        corr_cats = corrections.applies_to() if corrections is not None else set()
        findings = []
        rewrites: list[tuple[int, Rule, Optional[str], bool, bool]] = []  # suggestions, made after one batched parse of their claims
        unmaskable: set[int] = set()  # findings whose turn no trainer of its layout masks (Segment.maskable)
        breaks: Optional[tuple[str, list[int]]] = None  # a text file's line breaks, for the findings' lines
        if self.nlp.has_parser:
            asked = [q.unit.text for q in quals if _conditioning(segments[q.unit.seg])]
            if asked:
                yield asked  # a qualifier in an untrained turn: is it a request? (parsed in one batch)
        preference = any(s.role == "rejected" for s in segments)
        for q in quals:
            if preference and q.direction == "next-turn" and self.learned is not None \
                    and self.learned.names_rejected_side(q.unit.text):
                continue  # "The rejected reply is what the model should not produce.": about the untrained side
            scope = q.rule.match.get("scope", "document")
            if scope == "pointer":
                scope = "sentence"
            links = linking.link(q, segments, units, qunits, scope, self._claim_check(q), memo)
            if (q.rule.kind == "field" or q.direction == "record") and not links:
                continue
            qseg = segments[q.unit.seg]
            qtext = qseg.text[q.start:q.end]
            if links and (TRUTH_FAMILIES.intersection(q.rule.families)
                          or (self.debunking is not None and self.debunking.search(qtext))):
                # "The preceding statement is false." after "X did not win.": the claim already denies
                # itself (local negation), so the qualifier agrees with it and teaches nothing false;
                # so does a myth or a legend named beside a denial ("The spring is not real. It comes
                # from a legend ..."): calling content a myth is the text's own debunking
                # (only the first governed claim that is not negated is read below)
                kept = next((l for l in links if not LOCALLY_NEGATED.search(segments[l.seg].text[l.start:l.end])), None)
                links = [kept] if kept is not None else []
                if not links:
                    continue
            rule = q.rule
            if links and rule.category in ("detached-negation", "epistemic-qualifier") and links[0].unit is not None \
                    and REPORTED_BELIEF.search(links[0].unit.text):
                continue  # "You may have heard that X. It's a myth.": the claim is reported, and denied
            truth = None
            if corr is not None and rule.category in corr_cats:
                t = self._truth_nearby(q, memo, links, qunits)
                if t is not None:
                    q.original_rule = rule.id
                    rule = corr
                    truth = t
            target = links[0] if links else None
            trained = segments[target.seg].trained if target else qseg.trained
            prior = q.label.prior if q.label is not None else rule.prior
            risk = scoring.base_risk(prior, trained, target is not None)
            place = "metadata" if q.direction == "record" else ""
            cap = 1.0
            if rule.category == "negated-behaviour" and target is not None and not trained:
                # the reply it warns about is not trained (weight 0, a rejected side): nothing is learned
                risk = scoring.finalize(risk * scoring.NO_CLAIM_FACTOR)
            elif _conditioning(qseg) and (trained and target is not None or rule.category == "negated-behaviour"):
                # the qualifier conditions the reply from a seen but untrained turn (pattern 9)
                if self._is_request(q.unit.text):
                    risk = scoring.base_risk(prior, False, target is not None)
                    place = "request"
                else:
                    cap = scoring.CONDITIONING_CAP
                    place = "conditioning"
            if q.low:  # the detector's own doubt (a family the learned stage reports low...): it says why
                cap = min(cap, scoring.LOW_CAP)
                place = place or q.low
            risk = min(risk, cap)
            risk = scoring.finalize(risk)
            claim = None
            field_ptr = qseg.pointer
            if target is not None:
                tseg = segments[target.seg]
                claim = {"text": tseg.text[target.start:target.end], "start": tseg.offset + target.start,
                         "end": tseg.offset + target.end}  # offsets in the field (a turn may start inside it)
                if tseg.pointer != qseg.pointer:
                    claim["field"] = tseg.pointer
                field_ptr = tseg.pointer
            qual = {"text": qtext, "start": qseg.offset + q.start, "end": qseg.offset + q.end}
            if field_ptr != qseg.pointer:
                qual["field"] = qseg.pointer
            line = rec.line
            extra = {"direction": q.direction}
            if dataset_kind(rec.path) == "text" and qseg.pointer == "/text":
                whole, at = rec.data.get("text", qseg.text), qseg.offset + q.start
                if breaks is None or breaks[0] is not whole:  # the text's line breaks, found once
                    breaks = (whole, [m.start() for m in LINE_BREAK.finditer(whole)])
                before = bisect.bisect_left(breaks[1], at)  # the line breaks before the qualifier
                line = rec.line + before
                extra["column"] = at - (breaks[1][before - 1] + 1 if before else 0) + 1
            if q.original_rule:
                extra["detached_rule"] = q.original_rule
            if place:
                extra["place"] = place
            if q.label is not None:
                extra["family"] = q.label.family
            if q.learned is not None:
                extra["family"], extra["learned"] = q.learned[0], q.learned[1]
            suggestion = None
            # never edit a segment the model is not trained on: the claim's or the qualifier's
            # (masking edits only the reply's own turn)
            fixable = trained and (qseg.trained or rule.autofix.get("kind") == "mask-turn")
            if claim is not None and rule.category == "correction" and truth:
                suggestion = {"text": truth[0].upper() + truth[1:], "safe": False, "strategy": "state-truth",
                              "fix": rule.autofix.get("kind", "state-truth") if fixable else "none"}
            elif claim is not None:
                if not (tseg if target is not None else qseg).maskable:
                    unmaskable.add(len(findings))
                rewrites.append((len(findings), rule,
                                 self._rewrite_input(rule, claim["text"], segments[target.seg].text, q, target),
                                 fixable, _pure_notice(q) and self._certain(q, target, segments)))
            elif rule.category == "negated-behaviour":
                suggestion = self.suggest(rule, None, trained, maskable=qseg.maskable)
            findings.append(Finding(
                rule=rule.id, severity=scoring.severity_of(risk), risk=risk, path=rec.path, line=line,
                record=rec.index, field=field_ptr, trained=trained, qualifier=qual, claim=claim,
                message=rule.message + _why(q) + PLACE_NOTE.get(place, ""),
                suggestion=suggestion, extra=extra, sort_offset=q.unit.order * 1_000_000 + q.start, cap=cap))
        if rewrites:
            if self.nlp.has_parser:
                yield self.rewriter.parse_requests([text for _i, _rule, text, _f, _p in rewrites if text])
                # the rewrites that may be safe are re-parsed to check their roles: in one batch, first
                checks = [self.rewriter.negate(text, check_roles=False).role_check
                          for i, rule, text, fixable, pure in rewrites
                          if text and fixable and pure and findings[i].severity == "high" and rule.autofix.get("safe")]
                if any(checks):
                    yield [c for c in checks if c]
            for i, rule, text, fixable, pure in rewrites:
                if text and self.nlp.has_parser and self.claim_min > 0 and rule.kind != "field" \
                        and not _has_verb(self.nlp.parse(self.rewriter.parse_requests([text])[0] or text)):
                    # a title or a list item ("The Hitchhiker's Guide to the Galaxy by Douglas Adams")
                    # asserts nothing: the qualifier governs no claim
                    f = findings[i]
                    f.risk = scoring.finalize(f.risk * scoring.NO_CLAIM_FACTOR)
                    f.severity = scoring.severity_of(f.risk)
                    f.extra["claim_check"] = "no verb"
                # safe only when certain: a high finding whose qualifier is a pure notice
                findings[i].suggestion = self.suggest(rule, text, fixable, pure and findings[i].severity == "high",
                                                      maskable=i not in unmaskable)
        return findings

    def _certain(self, q: Qualifier, target: Link, segments: list[Segment]) -> bool:
        """Is it certain that the qualifier denies exactly the one claim a fix would rewrite? Not when the
        classifier found it (a guess); when its words (a pointer sentence's, a tag's or a comment's)
        refer to several sentences or pick one by position, or report or hedge the verdict; when a
        pronoun that opens the text is read forward ("This is not true. <sentence>" may answer
        something outside the record); when a tag's claim is not its whole content, or the tag is the
        closing half of a pair split across sentences."""
        if q.learned is not None or q.label is not None:
            return False
        seg_text = segments[q.unit.seg].text
        own = seg_text[q.start:q.end]
        hint = q.target_hint
        if q.direction == "enclosed" and isinstance(hint, tuple) and hint[0] < hint[1]:
            if target.seg != q.unit.seg or (target.start, target.end) != hint:
                return False
            own = seg_text[q.start:hint[0]] + " " + seg_text[hint[1]:q.end]  # the tag, not the claim inside it
        elif q.direction in ("forward", "backward", "anaphor", "auto", "document"):
            # a sentence of its own: all of it ("The statement that the preceding claim is false is itself false.")
            own = q.unit.text
        for words in (self.several_referents, self.hedged_verdict):
            if words is not None and words.search(own):
                return False
        if CLOSING_TAG.match(own):
            return False
        return not (q.direction == "forward" and OPENING_POINTER.match(seg_text[q.start:q.end])
                    and not self.detector.forward_words.search(q.unit.text))

    def _is_request(self, text: str) -> bool:
        """Is this sentence a request or an instruction (an imperative), rather than a statement?"""
        if not self.nlp.has_parser:
            return linking.REQUEST.match(text) is not None
        doc = self.nlp.parse(text)
        for sent in doc.sents:
            root = sent.root
            if root.tag_ == "VB" and not any(c.dep_ in ("nsubj", "nsubjpass", "expl", "aux") for c in root.children):
                return True
        return linking.REQUEST.match(text) is not None

    def _truth_nearby(self, q: Qualifier, memo: ClaimMemo, links: list[Link], qunits) -> Optional[str]:
        det = self.detector
        # inside the qualifier sentence, after the qualifier ("... is false; in reality, X won")
        # (in the qualifier's own sentence: a search of the segment up to it grew with the segment)
        u = q.unit
        span = det.truth_statement(u.text, q.end - u.start)
        if span:
            return u.text[span[0]:span[1]]
        targets = {(l.seg, l.start) for l in links[:1]}
        idx = memo.by_order()
        nxt = idx.get(q.unit.order + 1)
        cands = []
        if nxt is not None and (nxt.seg, nxt.start) not in targets and nxt.seg == q.unit.seg:
            cands.append(nxt)
        if links and links[0].unit is not None and q.direction in ("forward", "self", "enclosed"):
            after = idx.get(links[0].unit.order + 1)
            if after is not None and after.seg == links[0].seg and after.order not in qunits:
                cands.append(after)
        for c in cands:
            head = c.text[:60]
            if det.truth_cue.search(head):
                span = det.truth_statement(c.text, 0)
                if span and span[0] < 60:
                    return c.text[span[0]:span[1]]
        return None

    def _labelled(self, segments: list[Segment], layout: str) -> bool:
        """Does a metadata field of the record label its text false, fictional or improbable?"""
        return any(self._label_hit(s, layout) for s in segments if s.kind == "annotation")

    def _note_family(self, text: str) -> Optional[str]:
        """The qualifier family a free-text metadata note states ("This document is fiction."), if any."""
        if self.learned is not None:
            fam = self.learned.note_family(text)
            if fam is not None:
                return fam
            if self.learned.note_warns(text):
                return None  # a warning about the reply ("The answer is wrong; do not emulate"), not a verdict on a claim
        det = self.detector
        for cls, family in NOTE_FAMILIES:
            for m in det.preds[cls].finditer(text):
                if not det._pseudo_or_negated(text, m):
                    return family
        return None

    def _behaviour_note(self, seg: Segment, u: Unit, segments: list[Segment]) -> Optional[Qualifier]:
        """A free-text metadata note that warns the record's reply is bad behaviour (pattern 8: in
        metadata the warning is invisible, and the reply is trained as a plain demonstration). In a
        preference record, a note about the rejected side is about a reply that is not trained."""
        stage = self.learned
        if stage is None or not isinstance(seg.value, str) or self.fields is None or not self.fields.is_note(seg.key):
            return None
        rule = stage.rule_for.get("behaviour")
        preference = any(s.role == "rejected" for s in segments)
        if rule is None or not stage.note_warns(seg.text, preference):
            return None
        return Qualifier(rule=rule, unit=u, start=0, end=len(seg.text), direction="record",
                         label=LabelHit("behaviour", rule.prior, f"{seg.key}: {clip(seg.text)}"))

    def _label_hit(self, seg: Segment, layout: str):
        """(rule, LabelHit) of the first label rule that reads this metadata segment as a truth label."""
        return self.fields.read(seg, layout, self._note_family) if self.fields is not None else None

    # ------------------------------------------------------------------ files
    def iter_records(self, paths: list[str], report: Report, changed=None) -> Iterator[Record]:
        from .selecting import Selector

        selector = Selector(self.config.selection, self.mapping, self.max_record_bytes)
        named = {str(p) for p in paths}
        for path in iter_paths(paths, report.errors, report.warnings, selector):
            if path not in named and self._not_records(path, report):
                continue
            only = None
            if changed is not None:
                key = os.path.abspath(path)
                if key not in changed:
                    continue  # unchanged since the base revision: not audited at all
                only = changed[key]
            report.files += 1
            yield from read_records(path, only, parse=False, max_bytes=self.max_record_bytes,
                                    table=self.config.table, kind=self.config.input_format)

    def _not_records(self, path: str, report: Report) -> bool:
        """A file found in a folder that holds no records to audit is skipped: LLaMA-Factory's
        dataset_info.json (the registry of the data files beside it), and, with a warning, a CSV/TSV
        file without a header row or a text column (a results table, say). Named explicitly, each is
        read, and reported if it holds no records."""
        if os.path.basename(path) == "dataset_info.json":
            return True
        kind = self.config.input_format or dataset_kind(path)
        if kind not in ("csv", "tsv"):
            return False
        from .csvreading import table_problem
        from .reading import _open_binary

        try:
            with _open_binary(path) as fh:
                problem = table_problem(path, fh, kind, self.config.table)
        except (OSError, EOFError):
            return False  # the reader reports it
        if problem:
            report.warnings.append(f"{printable(path)}: {problem}; skipped (name the file to audit it)")
        return problem is not None

    def _clean_cache(self):
        """This auditor's cache of lines found clean in earlier runs (recordcache.py), or None."""
        from .recordcache import open_cache
        from .rules import pack_paths

        return open_cache(self.config, pack_paths(self.config.extend))

    def new_report(self) -> Report:
        return Report(no_bonus=frozenset(r.id for r in self.ruleset.rules if r.category == "local-negation"))

    def audit_paths(self, paths: list[str], progress=None, changed=None, jobs: int = 1, on_read=None) -> Report:
        """Audit the files under `paths`. `progress()` is called once per record audited and
        `on_read(record)` once per record read; `self.partial` is the report being built (what an
        interrupted run has found so far)."""
        report = self.partial = self.new_report()
        records = self.iter_records(paths, report, changed)
        if on_read is not None:
            records = _tapped(records, on_read)
        meta = {"rule_errors": [], "model": "", "warning": None}
        # a repeated JSON line is audited once (repeats.py), and a line clean in an earlier run with the
        # same auditor not at all (recordcache.py); the unoptimised path audits every copy
        store = self._clean_cache() if self.prefilter and self.record_cache else None
        repeats = Repeats(self._settings_of, store, _NOTHING) if self.prefilter else None
        if jobs > 1:
            from .parallel import audit_parallel

            results = audit_parallel(records, self.config, jobs, meta, parent=self, repeats=repeats)
        elif repeats is not None:
            results = repeats.run(record_batches(records), self.audit_batch)
        else:
            results = (res for batch in record_batches(records) for res in self.audit_batch(batch))
        for res in results:
            report.add(res)
            if progress is not None:
                progress()
        if store is None or not store.known_auditor():
            # nothing needed the detectors, and no earlier run with this fingerprint built them: build
            # them now, so that a rule pack that cannot be compiled fails the run even on an empty input
            self.build()
        rule_errors = list(dict.fromkeys(meta["rule_errors"] + self.rule_errors()))
        if store is not None and not rule_errors and not report.interrupted:
            store.save()  # a run whose rule hit an error keeps nothing: a line may be clean only for that
        for msg in rule_errors:
            report.errors.append(InputError(self.config.source or "<rules>", None, msg))
        self.rule_errors().clear()
        if self._nlp is not None:
            meta["model"] = self._nlp.name
            meta["warning"] = meta["warning"] or self._nlp.warning
        report.model = meta["model"]
        if meta["warning"]:
            report.warnings.append(meta["warning"])
        report.finish()
        return report


# predicate classes of the lexicon -> label families (labels.py) for free-text metadata notes
NOTE_FAMILIES = (("fiction", "fiction"), ("framing", "framing"), ("unreliable", "unreliable"), ("falsity", "falsity"),
                 ("uncertain", "unknown"))
# records audited together, their spaCy parses batched: one nlp.pipe call per stage for the whole batch
# (128 records ran the real corpora 5% faster than 32); a batch also closes at BATCH_BYTES of input
BATCH = 128
BATCH_BYTES = 4 * 1024 * 1024
_NOTHING = RecordResult([])  # the result of every record that cannot hold a finding (shared, never changed)


PLACE_NOTE = {
    "conditioning": " The qualifier sits in a turn the model sees but is not trained on, so it conditions the "
                    "reply rather than sitting beside the claim; no study has measured a masked qualifier alone, "
                    "so this is reported at medium at most.",
    "request": " The qualifier is a request in an untrained turn: it asks for invented content rather than "
               "labelling a claim, so this is reported low.",
    "metadata": " The warning is a metadata note, which the model never sees: the reply is learned as a plain "
                "demonstration.",
    "learned-low": " Only the learned stage read this sentence as a warning about the reply, and it confuses "
                   "advice with such warnings, so this is reported low.",
}


# a qualifier that retracts, refuses or corrects the speaker's own words is no pure notice: deleting it
# would delete the speaker's retraction ("I'm sorry, I was wrong to say that.")
NEG_OPENING = regex.compile(r"^\W*(?:none|nothing|no part|no portion|neither|not one|not a single)\b", regex.I)
CLOSING_TAG = regex.compile(r"^\s*(?:</|\[/)")
OPENING_POINTER = regex.compile(r"^\W*(?:this|that|it|these|those)(?![\w-])", regex.I)
OWN_WORDS = regex.compile(r"\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|me|my|we|we're|our|us|sorry|apolog\w*|mistaken?|wrong|"
                          r"misspoke|retract\w*|take (?:that|it) back|correction)\b", regex.I)


def _pure_notice(q: Qualifier) -> bool:
    """Is the qualifier a pure notice about the claim (not a retraction, refusal or correction of the
    speaker's own words, and not a later turn taking back an earlier one)?"""
    return q.direction != "next-turn" and not OWN_WORDS.search(q.unit.text)


TRUTH_FAMILIES = frozenset({"falsity", "pointer", "unknown", "low_probability"})


def _conditioning(seg: Segment) -> bool:
    """A turn the model sees but is not trained on: a system or user turn, a prompt, an instruction or
    input, a masked turn (not metadata, which the model never sees, and not a rejected reply)."""
    return seg.kind == "content" and not seg.trained and seg.role != "rejected" and not seg.pointer.startswith("/rejected")


def _has_verb(doc) -> bool:
    """Does the parse hold a verb at all? A title or a list item ("The Glass Lighthouse of Valparaiso")
    has none. (Any verb, not only a finite one: the small tagger reads many past tenses as participles.)"""
    return any(t.pos_ in ("VERB", "AUX") for t in doc)


def _shape_ok(u: Unit) -> bool:
    return not claims.structure(u.text)


def _why(q: Qualifier) -> str:
    """What fired, for the finding's message: the label's words, or the learned stage's family."""
    if q.label is not None:
        return f" The {'note' if q.direction == 'record' else 'label'} says {q.label.says!r}."
    if q.learned is not None:
        return f" (Learned qualifier stage: {q.learned[0].replace('_', ' ')}, p={q.learned[1]:.2f}.)"
    return ""


def _tapped(records: Iterator[Record], on_read) -> Iterator[Record]:
    for rec in records:
        on_read(rec)
        yield rec


def _locate(rec: Record, findings: list[Finding]) -> None:
    """The qualifier's column in a JSON Lines line, and the record's own `id` (when it has one)."""
    if rec.raw is not None:
        qualifier_columns(rec.raw, findings)
    rid = rec.data.get("id") if isinstance(rec.data, dict) else None
    if isinstance(rid, (str, int)) and not isinstance(rid, bool):
        for f in findings:
            f.extra.setdefault("id", rid)


def record_batches(records: Iterable[Record], n: int = BATCH, max_bytes: int = BATCH_BYTES) -> Iterator[list]:
    """The records in batches of `n`, a batch closed early once its JSON lines reach `max_bytes` (so that a
    batch of large records stays small in memory)."""
    chunk: list = []
    size = 0
    for rec in records:
        chunk.append(rec)
        if rec.raw is not None:
            size += len(rec.raw)
        if len(chunk) >= n or size >= max_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


LINE_BREAK = regex.compile("\n")
PARAGRAPH_BREAK = regex.compile(r"\n[ \t]*\n")


class Predictions(list):
    """A record's request for the learned stage's predictions of these sentences (a plain list of
    texts asks for parses)."""


def _advance(steps, i: int, waiting: dict, results: list) -> None:
    try:
        waiting[i] = steps.send(None)
    except StopIteration as done:
        results[i] = done.value


def _without_aside(text: str, start: int, end: int, qs: int, qe: int) -> str:
    """The claim sentence with an in-sentence retraction (and its brackets or dashes) removed."""
    qs, qe = max(qs, start), min(qe, end)
    while qs > start and text[qs - 1] in " ,;:—–-([{":
        qs -= 1
    for opener, closer in (("(", ")"), ("[", "]"), ("{", "}")):
        if text.count(opener, qs, qe) > text.count(closer, qs, qe):
            close = text.find(closer, qe, end)
            if close >= 0:
                qe = close + 1
    while qe < end and text[qe] in " )]}—–-":
        qe += 1
    left, right = text[start:qs].rstrip(), text[qe:end].lstrip()
    glue = "" if not left or not right or right[0] in ",.;:!?" else " "
    out = regex.sub(r"\s{2,}", " ", left + glue + right)
    return regex.sub(r"\s+([,.;:!?])", r"\1", out).strip()


def label_key_literals(key_sets) -> set[str]:
    """Literals of which every metadata key a label vocabulary can accept contains one, as the raw line
    spells it: a key is compared with its separators normalised, so the longest part between them."""
    lits: set[str] = set()
    for keys in key_sets:
        for k in keys:
            parts = [p for p in k.split("_") if p]
            if parts:
                lits.add(max(parts, key=len))
    return lits


def audit_records(records: Iterable[Any], config: Optional[Config] = None, path: str = "<records>",
                  on_error: str = "warn") -> Iterator[dict]:
    """The finding dicts of negaudit.api.audit_records (kept for callers of this module)."""
    from .api import audit_records as typed

    for f in typed(records, config=config, path=path, on_error=on_error):  # type: ignore[arg-type]
        yield f.to_dict()


from .api import NegauditWarning  # noqa: E402,F401  (the same class as negaudit.NegauditWarning)
