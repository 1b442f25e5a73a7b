"""Applying fixes to datasets: plan edits from findings, write files atomically, print diffs.

Data safety rules:
* a record changes only where a fix applies. A JSON line is edited in place (jsonsplice): outside the
  replaced part of one string value the line is byte-identical (whitespace, escapes, key order,
  number spelling, duplicate keys); every other line is copied byte for byte. A text file keeps its
  bytes, its mixed CRLF/LF line endings included, outside the edited sentences;
* whitespace is only touched where a sentence is removed (one space or line break at the seam), never
  collapsed elsewhere;
* a fix is all or nothing for its finding: a claim is rewritten only with the qualifiers that made it
  detached removed, and a safe fix of a detached sentence needs the claim next to its qualifier;
* a segment the model is not trained on (a user or system turn, a prompt) is never edited: such a
  finding carries no fix (the engine sets its suggestion's "fix" to "none"); a plain --fix writes only
  a fix the engine marked safe, and never deletes a sentence other than the qualifier it makes redundant;
* each file is fixed once per run, through symlinks (the link stays a link), under an advisory lock
  (fcntl.flock), and only if it is still the file that was audited: its size, mtime, inode and
  SHA-256 are checked against a snapshot taken before the audit read it, before the rename. A file
  that changed is not written: an error, exit 2;
* the new file is written in the same directory (an unnamed O_TMPFILE on Linux, so even SIGKILL leaves
  nothing behind; a named temporary file elsewhere, removed on SIGTERM/SIGHUP), fsynced, given the
  original permissions and owner, and renamed over the target (atomic). .gz and .zst inputs are
  written back in the same compression.
"""
from __future__ import annotations

import bisect
import copy
import difflib
import gzip
import hashlib
import itertools
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Iterable, Optional

import regex

from .adapters import resolve_pointer
from .jsonsplice import SpliceError, pointer_of, set_member, splice_string, value_spans
from .models import Finding
from .reading import BOM, bounded_lines, dataset_kind, parse_json_bytes
from .rules import FIX_KINDS
from .segmenting import blank_from, split_units

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no advisory locks
    fcntl = None

# What a finding's fix is comes from its rule's `autofix:` (rules/*.yaml), carried by the finding's
# suggestion as "fix" (local-negation, state-truth, mask-turn; advice and none are never written), and
# whether it is safe as "safe" (decided by the engine: a certain rewrite of a high finding in trained
# text whose qualifier is a pure notice). No rule code is named here.
FIXABLE_SEVERITIES = {"high", "medium"}  # findings below these neither get fixed nor keep a claim from being fixed
# links that rest on an explicit marker or on the whole document; every other detached sentence ("the
# following claim", "the preceding statement", "It is false") points at a neighbour
MARKED_LINKS = ("self", "enclosed", "pointer", "footnote", "next-turn", "document")
LOCK_WAIT = 30.0  # seconds to wait for another process's lock on a file
WORD = regex.compile(r"[\p{L}\p{N}]")
SENTENCE_END = regex.compile(r"[.!?…]+[\"'”’)\]]*")


@dataclass
class FieldEdit:
    start: int
    end: int
    text: str


@dataclass
class RecordPlan:
    record: int
    line: int
    edits: dict[str, list[FieldEdit]] = field(default_factory=dict)  # JSON pointer -> edits
    mask_turns: list[str] = field(default_factory=list)  # JSON pointers of messages to set weight 0
    safe: bool = True
    rules: set = field(default_factory=set)
    applied: list = field(default_factory=list)  # the findings whose fixes the plan makes


STRATEGIES = ("auto", "local-negation", "drop-claim")
# the fixes of a suggestion ("fix") that --fix can write: a rule's fix kinds but advice and none
WRITTEN_FIXES = frozenset(FIX_KINDS) - {"advice", "none"}


# the fields of chat turns, the only segments the mask-turn fix can weight
TURN_FIELDS = ("/messages/", "/conversations/")
# files --fix does not write (their suggestions stand; convert to JSON Lines to fix them)
UNFIXABLE_KINDS = ("json", "parquet", "csv", "tsv")


def finding_fix(f: Finding, strategy: str = "auto") -> Optional[tuple[bool, str]]:
    """(safe, kind) for a finding, or None when negaudit has no automatic fix for it.

    kinds: rewrite (negate the claim in place), drop (delete the claim sentence), state-truth (delete
    the false claim, keep the correction), mask-turn (weight 0 on a chat turn). Only a rewrite can be
    safe: the others delete or hide content."""
    fix = (f.suggestion or {}).get("fix")
    if fix not in WRITTEN_FIXES or f.severity not in FIXABLE_SEVERITIES:
        return None
    if dataset_kind(f.path) in UNFIXABLE_KINDS:
        return None  # fix_file refuses these files: no finding in them is fixable
    if fix == "mask-turn":
        # only a chat turn has a weight to set (_propose): a prompt/completion or Alpaca reply has none
        return (False, "mask-turn") if f.field.startswith(TURN_FIELDS) else None
    if f.claim is None:
        return None
    if strategy == "drop-claim":
        return (False, "drop")  # removes content: never applied without --unsafe-fixes
    if fix == "state-truth" and strategy == "auto":
        return (False, "state-truth")  # deletes the false claim sentence: never under the default flags
    if fix == "state-truth":
        return None  # --fix-strategy local-negation: the suggestion is the truth, not a rewrite of the claim
    return (bool(f.suggestion.get("safe")), "rewrite")


def _claim_key(f: Finding) -> tuple:
    return (f.claim.get("field", f.field), f.claim["start"], f.claim["end"])


def _plan_basis(findings: list[Finding], strategy: str) -> int:
    """What a record's plan depends on besides its text: the strategy, and each finding's place, fix
    and whether its severity is fixed (the repetition bonus can raise a low finding to medium)."""
    basis = repr([strategy] + sorted((f.rule, f.field, str(f.qualifier.get("start")), f.severity in FIXABLE_SEVERITIES,
                                      str((f.suggestion or {}).get("fix")), bool((f.suggestion or {}).get("safe")))
                                     for f in findings))  # in any order: the report sorts them
    # the same number in every process (a worker's marks are read by the parent; hash() is salted)
    return int.from_bytes(hashlib.blake2b(basis.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def mark_planned(findings: list[Finding], data, strategy: str = "auto") -> None:
    """Plan the fixes of one record's findings on its text, as `--fix` and `--unsafe-fixes` would, and
    mark each finding with the outcome (Finding.planned): the count of fixable findings then agrees
    with what the fixer writes, text checks included (no word between a claim and its qualifier, a
    qualifier that can be removed cleanly, no overlapping edits)."""
    if not any(finding_fix(f, strategy) is not None for f in findings):
        return
    units = _Units()
    safe = plan_record(findings, data, False, strategy, units)
    unsafe = plan_record(findings, data, True, strategy, units)
    fixed = {id(f) for f in safe.applied} if safe else set()
    some = {id(f) for f in unsafe.applied} if unsafe else set()
    basis = _plan_basis(findings, strategy)
    for f in findings:
        f.planned = "safe" if id(f) in fixed else "unsafe" if id(f) in some else ""
        f.plan_basis = basis


def planned_fixes(findings: Iterable[Finding], strategy: str = "auto"):
    """(finding, finding_fix or None) for findings in the contract's order (a record's findings
    adjacent): the fix `--fix` (safe) or `--unsafe-fixes` makes for each, so that a count of fixable
    findings agrees with what the fixer writes. A record planned at audit time (mark_planned) gives
    the plan's outcome, when its findings are still those the plan saw. Otherwise the record planner's
    claim rule (plan_record) is applied without the text: a claim is rewritten only when every
    qualifier of it goes, so when one has no fix (or only a mask) the others on that claim have none,
    and when one needs `--unsafe-fixes` the others do too (the checks on the text are not made)."""
    for _key, group in itertools.groupby(findings, key=lambda f: (f.path, f.record)):
        fs = list(group)
        pairs = [(f, finding_fix(f, strategy)) for f in fs]
        if all(f.planned is not None for f in fs) and len({f.plan_basis for f in fs}) == 1 \
                and fs[0].plan_basis == _plan_basis(fs, strategy):
            for f, fx in pairs:
                yield f, (None if fx is None or not f.planned else (f.planned == "safe", fx[1]))
            continue
        level: dict[tuple, int] = {}  # claim -> 0: a qualifier of it stays, 1: goes only unsafe, 2: goes
        for f, fx in pairs:
            if f.claim is not None and f.severity in FIXABLE_SEVERITIES:
                key = _claim_key(f)
                level[key] = min(level.get(key, 2), 0 if fx is None or fx[1] == "mask-turn" else 2 if fx[0] else 1)
        for f, fx in pairs:
            if fx is not None and fx[1] != "mask-turn" and f.claim is not None:
                lv = level.get(_claim_key(f), 2)
                fx = None if lv == 0 else (False, fx[1]) if lv == 1 else fx
            yield f, fx


def _field_text(data, ptr: str) -> Optional[str]:
    if isinstance(data, str):
        return data
    v = resolve_pointer(data, ptr)
    return v if isinstance(v, str) else None


# ---------------------------------------------------------------------- planning
@dataclass
class _Proposal:
    """The edits that fix one finding, applied together or not at all."""

    finding: Finding
    safe: bool
    claim: Optional[tuple] = None  # (field, start, end) of the claim it rewrites or drops
    edits: list[tuple[str, FieldEdit]] = field(default_factory=list)
    mask: Optional[str] = None
    gap: Optional[tuple[str, int, int]] = None  # text between claim and detached qualifier (field, start, end)


def removal(text: str, s: int, e: int) -> FieldEdit:
    """Delete text[s:e] (a sentence, tag or label) and mend the seam: the space after it when it had
    space (or a line start) before it, else the space before it when a line end or punctuation follows;
    a line that becomes empty goes with its line break (and with the blank lines after it when it was a
    paragraph). Nothing else is touched."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    left = s
    while left > 0 and text[left - 1] in " \t":
        left -= 1
    right = e
    while right < len(text) and text[right] in " \t":
        right += 1
    line_start = left == 0 or text[left - 1] == "\n"
    line_end = right == len(text) or text[right] in "\r\n"
    if line_start and line_end:
        end = right
        if text.startswith("\r\n", end):
            end += 2
        elif end < len(text):
            end += 1
        if blank_from(text, end):  # the last content of the text: the line breaks before it go instead
            start = left
            while start > 0 and text[start - 1] in "\r\n":
                start -= 1
            return FieldEdit(start, right, "")
        if left == 0 or text[max(0, left - 2):left].replace("\r", "") in ("\n\n",) or \
                text[max(0, left - 4):left] == "\r\n\r\n":
            while end < len(text) and text[end] in "\r\n":
                end += 1  # a paragraph of its own (or the first line): the blank lines after it too
        return FieldEdit(left, end, "")
    if right > e and (left < s or line_start):
        return FieldEdit(s, right, "")
    if left < s and (line_end or text[e] in ".,;:!?)]}"):
        return FieldEdit(left, e, "")
    return FieldEdit(s, e, "")


def _glued(text: str, s: int, e: int) -> bool:
    """Does text[s:e] hold more than one sentence (a full stop followed by more words: sentences the
    splitter kept together, e.g. with an emoji or no space after the stop)?"""
    return any(WORD.search(text[m.end():e]) and WORD.search(text[s:m.start()]) for m in SENTENCE_END.finditer(text, s, e))


class _Units:
    """The sentence units of the texts of one record, split once each: a record's plan removes many
    qualifiers from the same text, and splitting a long document for each would cost its length
    times their number."""

    def __init__(self) -> None:
        self._of: dict[int, tuple[str, list, list[int]]] = {}

    def at(self, text: str, pos: int) -> list:
        """The units of `text` that may hold offset `pos` (the one that does, if any)."""
        got = self._of.get(id(text))
        if got is None or got[0] is not text:
            units = split_units(text)
            got = self._of[id(text)] = (text, units, [u.start for u in units])
        _text, units, starts = got
        i = bisect.bisect_right(starts, pos) - 1
        return units[i:i + 1] if i >= 0 else []


def _qualifier_removal(text: str, qs: int, qe: int, claims=(), strict: bool = True,
                       units: Optional[_Units] = None) -> Optional[FieldEdit]:
    """What to delete for a detached qualifier: its sentence; the qualifier span alone when the
    sentence is the claim's (a tag or label in it). When sentences are glued into one unit (no space
    after a full stop, an emoji), only the qualifier's own sentence, and only when not `strict`: the
    link of a qualifier glued to another sentence is a guess, which a safe fix must not act on."""
    for u in (units or _Units()).at(text, qs):
        if not u.start <= qs < u.end:
            continue
        if any(u.start <= cs < u.end or u.start < ce <= u.end for cs, ce in claims):
            end = min(qe, u.end)
            while end < u.end and text[end] in ":;,—–-":
                end += 1
            return removal(text, qs, end)
        before = [m.end() for m in SENTENCE_END.finditer(text, u.start, qs) if WORD.search(text[u.start:m.start()])]
        m = SENTENCE_END.search(text, qe, u.end)
        if not before and not (m and WORD.search(text[m.end():u.end])):
            # one sentence: the qualifier's, up to its full stop, on its own lines (what trails the stop
            # in the unit, on another line, is not part of it)
            start = max(u.start, text.rfind("\n", u.start, qs) + 1)
            end = m.end() if m else u.end
            nl = text.find("\n", qe, end)
            return removal(text, start, end if nl < 0 else nl)
        if strict:
            return None
        sub_start = before[-1] if before else u.start
        sub_end = m.end() if m else u.end
        return removal(text, qs if not WORD.search(text[sub_start:qs]) else sub_start, sub_end)
    return None


def _propose(f: Finding, data, kind: str, safe: bool, unsafe: bool, strategy: str,
             units: Optional[_Units] = None) -> Optional[_Proposal]:
    if kind == "mask-turn":
        # the turn itself (/messages/3), also when the text is one of its content parts
        ptr = "/".join(f.field.split("/")[:3]) if f.field.startswith(TURN_FIELDS) else None
        return _Proposal(f, safe, mask=ptr) if ptr else None
    claim_field = f.claim.get("field", f.field)
    qual_field = f.qualifier.get("field", f.field)
    text, qtext = _field_text(data, claim_field), _field_text(data, qual_field)
    cs, ce = f.claim["start"], f.claim["end"]
    qs, qe = f.qualifier["start"], f.qualifier["end"]
    if text is None or qtext is None or text[cs:ce] != f.claim["text"] or qtext[qs:qe] != f.qualifier["text"]:
        return None  # the record is not the one the finding was made on
    if _glued(text, cs, ce):  # the claim "sentence" holds another one: a rewrite would touch both
        if not unsafe:
            return None
        safe = False
    p = _Proposal(f, safe, claim=(claim_field, cs, ce))
    replacement = f.suggestion["text"] if kind == "rewrite" else ""
    correction = f.suggestion.get("fix") == "state-truth"
    truth_sentence = correction and qtext[qs:qe].rstrip().endswith((".", "!", "?", "…"))
    if truth_sentence and strategy == "auto":
        replacement = ""  # the record states the truth in a sentence of its own: the false claim goes
    same = qual_field == claim_field
    if same and qs <= cs and ce <= qe:
        # markup around the claim (<false>claim</false>): replace the whole tag by the rewrite
        p.edits.append((claim_field, FieldEdit(qs, qe, replacement) if replacement else removal(text, qs, qe)))
        return p
    p.edits.append((claim_field, FieldEdit(cs, ce, replacement) if replacement else removal(text, cs, ce)))
    if same and qs >= cs and qe <= ce:
        return p  # the qualifier is inside the claim sentence, which is replaced
    if correction:
        # a correction: drop the pointer ("The preceding claim is false;", "Myth:") and keep the truth it
        # states; a qualifier that is a whole sentence states the truth itself ("Fact: X."): it stays
        if not truth_sentence:
            end = qe
            while end < len(qtext) and qtext[end] in " ;:,—–-":
                end += 1
            rest = qtext[end:end + 1]
            if same and cs <= end < ce:  # a label on the claim itself: it goes with the claim
                p.edits.append((qual_field, removal(qtext, qs, end)))
            else:
                p.edits.append((qual_field, FieldEdit(qs, end + (1 if rest else 0), rest.upper())))
    else:
        # a safe fix must remove nothing but the qualifier; an unsafe one takes the qualifier's sentence
        rem = _qualifier_removal(qtext, qs, qe, [(cs, ce)] if same else (), units=units)
        if rem is None and unsafe:
            rem, p.safe = _qualifier_removal(qtext, qs, qe, [(cs, ce)] if same else (), strict=False, units=units), False
        if rem is None:
            return None  # the qualifier cannot be removed cleanly: no safe fix
        p.edits.append((qual_field, rem))
    if same and f.extra.get("direction") not in MARKED_LINKS:
        p.gap = (claim_field, min(ce, qe), max(cs, qs))
    return p


class _Edits:
    """One field's edits in a plan, sorted by start, so that the edits near a span are found by
    bisection rather than by reading them all (a long document can have thousands)."""

    __slots__ = ("items", "starts", "span")

    def __init__(self) -> None:
        self.items: list[FieldEdit] = []
        self.starts: list[int] = []
        self.span = 0  # the longest edit's length: no edit starting before s - span reaches s

    def copy(self) -> "_Edits":
        c = _Edits()
        c.items, c.starts, c.span = self.items[:], self.starts[:], self.span
        return c

    def near(self, s: int, e: int) -> list[FieldEdit]:
        """The edits that may overlap or touch [s, e] (a superset: every one that does)."""
        return self.items[bisect.bisect_left(self.starts, s - self.span):bisect.bisect_right(self.starts, e)]

    def add(self, e: FieldEdit) -> None:
        i = bisect.bisect_right(self.starts, e.start)
        self.items.insert(i, e)
        self.starts.insert(i, e.start)
        self.span = max(self.span, e.end - e.start)

    def remove(self, e: FieldEdit) -> None:
        i = bisect.bisect_left(self.starts, e.start)
        while self.items[i] is not e:
            i += 1
        del self.items[i], self.starts[i]


def _removals(props: list[_Proposal]) -> dict[str, _Edits]:
    """The deletions of the proposals, by field."""
    removed: dict[str, _Edits] = {}
    for p in props:
        for ptr, e in p.edits:
            if not e.text:
                removed.setdefault(ptr, _Edits()).add(e)
    return removed


def _adjacent(p: _Proposal, data, removed: dict[str, _Edits]) -> bool:
    """No word stands between the claim and its detached qualifier once the record's removals are made
    (otherwise the sentence it points at is a guess: glued sentences, an emoji for a full stop)."""
    ptr, a, b = p.gap
    text = _field_text(data, ptr) or ""
    near = removed[ptr].near(a, b) if ptr in removed else []
    cut = sorted((max(a, e.start), min(b, e.end)) for e in near if e.start < b and e.end > a)
    pos, kept = a, []
    for s, e in cut:
        kept.append(text[pos:max(pos, s)])
        pos = max(pos, e)
    kept.append(text[pos:b])
    return not WORD.search("".join(kept))


def _conflicts(e: FieldEdit, edits: _Edits) -> bool:
    """Does `e` overlap an edit it cannot be merged with (two deletions merge; nothing else does)?"""
    return any(e.start < o.end and o.start < e.end and (e.text or o.text) and (e.start, e.end, e.text) != (o.start, o.end, o.text)
               for o in edits.near(e.start, e.end))


def _add_edit(edits: _Edits, e: FieldEdit, text: str) -> None:
    """Add `e`; overlapping or touching deletions become one, with its seam mended again."""
    near = edits.near(e.start, e.end)
    if any((o.start, o.end, o.text) == (e.start, e.end, e.text) for o in near):
        return
    if not e.text:
        merged = [o for o in near if not o.text and o.start <= e.end and e.start <= o.end]
        if merged:
            for o in merged:
                edits.remove(o)
            e = removal(text, min([e.start] + [o.start for o in merged]), max([e.end] + [o.end for o in merged]))
            return _add_edit(edits, e, text)
    edits.add(e)


def plan_record(findings: list[Finding], data, unsafe: bool, strategy: str = "auto",
                units: Optional[_Units] = None) -> Optional[RecordPlan]:
    """Edits for one record from its findings; None when nothing applicable. `units`: the record's
    texts already split (by another plan of the same record)."""
    if not findings or not isinstance(data, (dict, str)):
        return None
    props: list[_Proposal] = []
    units = units or _Units()
    for f in findings:
        fx = finding_fix(f, strategy)
        if fx is None or not (fx[0] or unsafe):
            continue
        p = _propose(f, data, fx[1], fx[0], unsafe, strategy, units)
        if p is not None:
            props.append(p)
    # a claim is rewritten only when every qualifier of it goes: one left behind would now contradict
    # the negated claim (a double negation)
    qualifiers_of: dict[tuple, list[int]] = {}  # claim -> its fixable findings
    for f in findings:
        if f.claim is not None and f.severity in FIXABLE_SEVERITIES:
            qualifiers_of.setdefault(_claim_key(f), []).append(id(f))
    while True:
        removed = _removals(props)
        keep = [p for p in props if unsafe or p.gap is None or _adjacent(p, data, removed)]
        covered: dict[tuple, set[int]] = {}
        for p in keep:
            if p.claim is not None:
                covered.setdefault(p.claim, set()).add(id(p.finding))
        left_alone = {c for c, ids in qualifiers_of.items() if not covered.get(c, set()).issuperset(ids)}
        keep = [p for p in keep if p.claim is None or p.claim not in left_alone]
        if len(keep) == len(props):
            break
        props = keep
    plan = RecordPlan(record=findings[0].record, line=findings[0].line)
    planned: dict[str, _Edits] = {}
    for p in props:
        trial = dict(planned)  # a field's edits are copied only when this proposal edits it
        for ptr, e in p.edits:
            if ptr not in trial or trial[ptr] is planned.get(ptr):
                trial[ptr] = trial[ptr].copy() if ptr in trial else _Edits()
            if _conflicts(e, trial[ptr]):
                break  # overlapping edits (of another fix, or its own): left as it is, never half-fixed
            _add_edit(trial[ptr], e, _field_text(data, ptr) or "")
        else:
            planned = trial
            if p.mask:
                plan.mask_turns.append(p.mask)
            plan.safe = plan.safe and p.safe
            plan.rules.add(p.finding.rule)
            plan.applied.append(p.finding)
    plan.edits = {ptr: edits.items for ptr, edits in planned.items() if edits.items}
    if any(not apply_text(_field_text(data, ptr) or "", edits).strip() for ptr, edits in plan.edits.items()):
        return None  # a fix that would leave a field empty is not applied
    if not plan.edits and not plan.mask_turns:
        return None
    return plan


def apply_text(text: str, edits: list[FieldEdit]) -> str:
    """The text with the edits (non-overlapping) made, and nothing else changed."""
    parts, pos = [], 0
    for e in sorted(edits, key=lambda e: e.start):  # in one pass: a long text with many edits stays linear
        parts += (text[pos:e.start], e.text)
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)


def apply_plan(data, plan: RecordPlan):
    """A new record (deep enough copy) with the plan applied; key order is preserved."""
    if isinstance(data, str):
        return apply_text(data, plan.edits.get("/text", []) or plan.edits.get("", []))
    new = copy.deepcopy(data)
    for ptr, edits in plan.edits.items():
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer_of(ptr).lstrip("/").split("/")]
        parent = new
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        key = int(parts[-1]) if isinstance(parent, list) else parts[-1]
        parent[key] = apply_text(parent[key], edits)
    for ptr in plan.mask_turns:
        msg = resolve_pointer(new, ptr)
        if isinstance(msg, dict):
            msg[mask_key(msg)] = 0
    return new


def mask_key(msg: dict) -> str:
    """The key that masks a turn's loss: the turn's own `loss_weight` when it has one and no `weight`
    (a second, conflicting key would leave the trainer reading the first), else `weight`."""
    return "loss_weight" if "loss_weight" in msg and "weight" not in msg else "weight"


def splice_record(body: bytes, data, plan: RecordPlan) -> bytes:
    """The JSON text `body` with the plan applied as in-place edits (see jsonsplice), checked: it must
    parse to exactly the record apply_plan gives."""
    spans = value_spans(body)
    changes = []  # (position, kind, pointer, payload), made from the end of the line backwards
    for ptr, edits in plan.edits.items():
        jp = "" if isinstance(data, str) else pointer_of(ptr)
        if jp not in spans:
            raise SpliceError(f"no value at {ptr}")
        changes.append((spans[jp][0], "string", jp, [(e.start, e.end, e.text) for e in edits]))
    for ptr in plan.mask_turns:
        if ptr not in spans:
            raise SpliceError(f"no message at {ptr}")
        msg = resolve_pointer(data, ptr)
        key = mask_key(msg) if isinstance(msg, dict) else "weight"
        where = spans.get(ptr + "/" + key, (spans[ptr][1] - 1,))[0]
        changes.append((where, "weight", ptr, key))
    for _pos, kind, ptr, payload in sorted(changes, key=lambda c: c[0], reverse=True):
        if kind == "string":
            body = splice_string(body, spans[ptr], payload)
        else:
            body = set_member(body, spans, ptr, payload, b"0")
    if parse_json_bytes(body) != apply_plan(data, plan):
        raise SpliceError("the edited line does not parse to the fixed record")
    return body


# ---------------------------------------------------------------------- snapshots and locks
@dataclass(frozen=True)
class Snapshot:
    """A file as the audit read it."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    sha256: str

    def same_file(self, st: os.stat_result) -> bool:
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == (self.dev, self.ino, self.size, self.mtime_ns)


def take_snapshot(path: str) -> Optional[Snapshot]:
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None
            h = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return Snapshot(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, h.hexdigest())


def take_snapshots(paths: Iterable[str]) -> dict[str, Snapshot]:
    """Real path -> snapshot of each dataset file the run will read (before the audit reads it)."""
    from .reading import iter_paths

    out = {}
    for p in iter_paths(list(paths), []):
        real = os.path.realpath(p)
        snap = take_snapshot(real)
        if snap is not None:
            out[real] = snap
    return out


class FixRefused(Exception):
    """The file cannot be fixed now (it changed, it is locked, it is not a regular file)."""


class _Hashing:
    """A binary file object that hashes what is read through it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        return data

    def readline(self, n: int = -1) -> bytes:
        data = self.fh.readline(n)
        self.sha.update(data)
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return self.sha.hexdigest()

    def __getattr__(self, name):
        return getattr(self.fh, name)


@contextmanager
def _locked(path: str, exclusive: bool):
    """The file open for reading, under an advisory lock (shared to read it, exclusive to replace it)."""
    fh = open(path, "rb")
    try:
        if fcntl is not None:
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fh.fileno(), (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise FixRefused("another process holds a lock on it (another negaudit --fix?)") from None
                    time.sleep(0.05)
        yield fh
    finally:
        fh.close()  # releases the lock


@contextmanager
def _signals_raise():
    """While a temporary file exists: SIGTERM and SIGHUP (CI cancel, timeout, a closed terminal) raise
    SystemExit, so that the cleanup below runs instead of the process dying with a file left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    old = _handle_stops(stop)
    try:
        yield
    finally:
        _handle_stops(old)


# the signals that stop a write (CI cancel, timeout, a closed terminal): its temporary file is removed
_STOP_SIGNALS = tuple(sig for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if sig is not None)


def _handle_stops(handler) -> dict:
    """Set `handler` (one callable, or a dict of them by signal, as this returns) for the stop signals;
    the handlers it replaced. A signal the process was started ignoring stays ignored (`nohup negaudit
    --fix`: a closed terminal does not stop the write)."""
    if isinstance(handler, dict):
        return {sig: signal.signal(sig, h) for sig, h in handler.items()}
    return {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS if signal.getsignal(sig) != signal.SIG_IGN}


@contextmanager
def _signals_held():
    """SIGTERM and SIGHUP held for the few lines that make a temporary file: one that comes then is
    taken when the block ends, once the file is named and its cleanup armed. The handlers defer rather
    than the signals being masked: a signal sent to the process goes to any thread that does not block
    it, and Python then runs its handler in the main thread at once, so a mask (which holds only the
    thread that sets it) let the handler run inside the window whenever another thread was alive."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def defer(signum, _frame):
        pending.append(signum)

    old = _handle_stops(defer)
    try:
        yield
    finally:
        _handle_stops(old)
        if pending and callable(old[pending[0]]):
            old[pending[0]](pending[0], None)  # _signals_raise's: the write ends, its file removed


class _Temp:
    """A new file in `directory` that replaces a target atomically. On Linux it is an unnamed O_TMPFILE
    that gets a name only just before the rename; elsewhere a named .negaudit-*.tmp file."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.name: Optional[str] = None
        fd = None
        if hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd"):
            try:
                fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
            except OSError:
                fd = None
        if fd is None:
            fd, self.name = tempfile.mkstemp(prefix=".negaudit-", suffix=".tmp", dir=directory)
        self.file = os.fdopen(fd, "wb")

    def commit(self, target: str, like: Optional[os.stat_result]) -> None:
        self.file.flush()
        fd = self.file.fileno()
        os.fsync(fd)
        if like is not None:
            os.fchmod(fd, stat.S_IMODE(like.st_mode))
            try:
                os.fchown(fd, like.st_uid, like.st_gid)
            except OSError:
                pass  # not ours to give away: the permissions are kept at least
        if self.name is None:
            name = os.path.join(self.directory, f".negaudit-{secrets.token_hex(8)}.tmp")
            try:
                os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
            except OSError:  # a file system that cannot link an O_TMPFILE: copy it to a named file
                with open(f"/proc/self/fd/{fd}", "rb") as src, open(name, "xb") as dst:
                    shutil.copyfileobj(src, dst)
                    dst.flush()
                    os.fsync(dst.fileno())
                if like is not None:
                    os.chmod(name, stat.S_IMODE(like.st_mode))
            self.name = name
        os.replace(self.name, target)
        self.name = None
        self.file.close()
        try:
            dfd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass
        if self.name is not None:
            try:
                os.unlink(self.name)
            except OSError:
                pass
            self.name = None


def _compressor(path: str, raw: IO[bytes]):
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    if lower.endswith(".zst"):
        import zstandard

        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
    return None


def _decompressor(path: str, raw):
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if lower.endswith(".zst"):
        import io

        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=False), 1 << 16)
    return raw


@contextmanager
def _replacing(target: str, like: Optional[os.stat_result]):
    """A writable stream (compressed by the target's suffix) that atomically becomes `target` when the
    block ends without error; on any error or signal nothing is left but the original."""
    temp = None
    # the handlers first: a SIGTERM between creating the temporary file and installing them killed the
    # process with the file left beside the dataset
    with _signals_raise():
        try:
            with _signals_held():  # a signal while the file is made is taken once `temp` names it
                temp = _Temp(os.path.dirname(target) or ".")
            comp = _compressor(target, temp.file)
            yield comp if comp is not None else temp.file
            if comp is not None:
                comp.close()
            temp.commit(target, like)
        except BaseException:
            if temp is not None:
                temp.discard()
            raise


def _writable(target: str) -> Optional[os.stat_result]:
    """The target's stat (None when it does not exist); PermissionError for a read-only one."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    if st.st_mode & 0o222 == 0 or not os.access(target, os.W_OK):
        raise PermissionError(13, "file is read-only", target)  # even root honours a cleared write bit
    return st


def atomic_write(path: str, data, like: Optional[str] = None) -> None:
    """Write data (bytes, or an iterable of byte chunks) to path via a temporary file in the same
    directory and an atomic rename; a symlink is written through (it stays a link).

    Compression follows the target's suffix (.gz, .zst); permissions follow `like` (or the target).
    A target that exists and is not a regular file (/dev/null, a FIFO, a terminal) is written in place:
    renaming over it would replace the device or pipe with a file."""
    from .outputs import write_in_place

    chunks = (data,) if isinstance(data, (bytes, bytearray)) else data
    if write_in_place(path, chunks):
        return
    target = os.path.realpath(path)
    st = _writable(target)
    ref = os.stat(like) if like and os.path.exists(like) else st
    with _replacing(target, ref) as out:
        for chunk in chunks:
            out.write(chunk)


# ---------------------------------------------------------------------- files
@dataclass
class FileResult:
    path: str
    changed: list[int] = field(default_factory=list)  # line numbers of rewritten records
    diff: str = ""
    error: Optional[str] = None  # the file was not written
    record_errors: list[tuple[int, str]] = field(default_factory=list)  # records left as they were
    new_records: list[tuple[int, int, object]] = field(default_factory=list)  # (line, record index, new data)


def _lines(text: str) -> list[str]:
    """Lines split at LF only, with their endings (str.splitlines also splits at \\r, \\x1c, \\u2028...)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _no_eol(lines: Iterable[str]) -> str:
    """Diff lines, with git's marker after a line that has no newline (the file's last)."""
    return "".join(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines)


def _patch_name(path: str) -> str:
    """A file name as a patch header gives it: relative to the current folder when inside it (a/ and
    b/ before an absolute path make "a//tmp/x", which git apply refuses), and ended by a tab when it
    holds a space (patch reads a name up to the first tab, else up to the first space)."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return path + "\t" if " " in path else path


CONTEXT = 3  # lines of context around each change in a --diff hunk, as diff -u and git diff give


def _diff(a: str, b: str, changes: dict[int, tuple[bytes, bytes]], context: dict[int, Optional[bytes]],
          whole: Optional[tuple[str, str]]) -> str:
    """A unified diff that `git apply` and `patch -p1` take: for JSONL, hunks of the rewritten records
    with up to three unchanged lines of context on each side (`context`: line -> bytes, None for a
    line that was too long to keep, which ends the context); for a text file, a file diff."""
    a, b = _patch_name(a), _patch_name(b)
    if whole is not None:
        return _no_eol(difflib.unified_diff(_lines(whole[0]), _lines(whole[1]), fromfile=f"a/{a}", tofile=f"b/{b}"))
    out = [f"--- a/{a}\n", f"+++ b/{b}\n"]
    groups: list[list[int]] = []
    for n in sorted(changes):
        prev = groups[-1][-1] if groups else None
        if prev is not None and n - prev <= 2 * CONTEXT + 1 and all(
                m in changes or context.get(m) is not None for m in range(prev + 1, n)):
            groups[-1].append(n)
        else:
            groups.append([n])
    text = lambda raw: raw.decode("utf-8", "replace")  # noqa: E731
    for g in groups:
        start, end = g[0], g[-1]
        while start > 1 and start > g[0] - CONTEXT and context.get(start - 1) is not None:
            start -= 1
        while end < g[-1] + CONTEXT and context.get(end + 1) is not None:
            end += 1
        size = end - start + 1  # every change replaces one line by one line
        out.append(f"@@ -{start},{size} +{start},{size} @@\n")
        for n in range(start, end + 1):
            if n in changes:
                out += ["-" + text(changes[n][0]), "+" + text(changes[n][1])]
            else:
                out.append(" " + text(context[n]))
    return _no_eol(out)


class _Fixer:
    """One file's fix: plan and splice the records that have findings, copy everything else."""

    def __init__(self, path: str, by_line: dict[int, list[Finding]], unsafe: bool, strategy: str,
                 res: FileResult, max_bytes: Optional[int] = None) -> None:
        self.path, self.by_line, self.unsafe, self.strategy, self.res = path, by_line, unsafe, strategy, res
        self.limit = None if max_bytes is None else max_bytes + 2  # a record plus its line ending
        self.changes: dict[int, tuple[bytes, bytes]] = {}  # line -> (old, new)
        self.context: dict[int, Optional[bytes]] = {}  # unchanged lines next to a change (for --diff)

    def jsonl(self, src: IO[bytes], out: IO[bytes]) -> None:
        from collections import deque

        line_no = 0
        before: deque = deque(maxlen=CONTEXT)  # the last lines read: context for a change that follows
        after = 0  # lines still wanted as context after the last change
        for raw, _size in bounded_lines(src, self.limit, spill=out.write):
            line_no += 1
            findings = self.by_line.get(line_no) if raw is not None else None  # an oversized line: copied by bounded_lines
            new = self._line(raw, line_no, findings) if findings else None
            if raw is not None:
                out.write(raw if new is None else new)
            if new is not None:
                self.context.update(before)
                after = CONTEXT
            elif after:
                self.context[line_no] = raw
                after -= 1
            before.append((line_no, raw))

    def _line(self, raw: bytes, line_no: int, findings: list[Finding]) -> Optional[bytes]:
        body = raw.rstrip(b"\r\n")
        ending = raw[len(body):]
        head = b""
        if line_no == 1 and body.startswith(BOM):
            head, body = body[:len(BOM)], body[len(BOM):]
        core = body.strip()
        lead = body[:len(body) - len(body.lstrip())]
        trail = body[len(lead) + len(core):]
        try:
            data = parse_json_bytes(core)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        plan = plan_record(findings, data, self.unsafe, self.strategy)
        if plan is None:
            return None
        try:
            new_core = splice_record(core, data, plan)
        except (SpliceError, UnicodeDecodeError, ValueError) as e:
            self.res.record_errors.append((line_no, f"not fixed (left as it was): {e}"))
            return None
        if new_core == core:
            return None
        new = head + lead + new_core + trail + ending
        self.res.changed.append(line_no)
        self.res.new_records.append((line_no, findings[0].record, parse_json_bytes(new_core)))
        self.changes[line_no] = (raw, new)
        return new

    def text(self, raw: bytes) -> tuple[bytes, Optional[tuple[str, str]]]:
        bom = BOM if raw.startswith(BOM) else b""
        text = raw[len(bom):].decode("utf-8")
        norm = text.replace("\r\n", "\n")  # what the audit read (offsets are in it)
        findings = [f for fs in self.by_line.values() for f in fs]
        plan = plan_record(findings, {"text": norm}, self.unsafe, self.strategy) if findings else None
        edits = plan.edits.get("/text", []) if plan else []
        if not edits:
            return raw, None
        crlf = [m.start() - i for i, m in enumerate(re.finditer("\r\n", text))]  # their "\n" in norm

        def orig(k: int) -> int:
            import bisect

            return k + bisect.bisect_left(crlf, k)

        out = text
        for e in sorted(edits, key=lambda e: e.start, reverse=True):
            s, t = orig(e.start), orig(e.end)
            line_end = out.find("\n", s)
            repl = e.text.replace("\n", "\r\n") if line_end > 0 and out[line_end - 1] == "\r" else e.text
            out = out[:s] + repl + out[t:]
        if out == text:
            return raw, None
        self.res.changed.append(1)
        self.res.new_records.append((1, 0, {"text": out.replace("\r\n", "\n")}))
        mark = bom.decode("utf-8")  # the diff's lines are the file's: with its byte-order mark
        return bom + out.encode("utf-8"), (mark + text, mark + out)


def fix_file(path: str, by_line: dict[int, list[Finding]], unsafe: bool, strategy: str = "auto",
             output: Optional[str] = None, write: bool = True, want_diff: bool = False,
             snapshot: Optional[Snapshot] = None, max_bytes: Optional[int] = None) -> FileResult:
    """Fix the records of `path` that have findings (keyed by 1-based line) and copy the rest byte for
    byte, into `path` itself (through a symlink) or into `output`. With a snapshot, the file must
    still be the one the audit read, checked again just before the rename."""
    res = FileResult(path)
    kind = dataset_kind(path)
    if kind in UNFIXABLE_KINDS:
        res.error = (f"fixing {kind.upper()} files is not supported; convert to JSON Lines or use the suggestions"
                     + ("; no copy written" if output else ""))
        return res
    real = os.path.realpath(path)
    target = os.path.realpath(output) if output else real
    fixer = _Fixer(path, by_line, unsafe, strategy, res, max_bytes)
    try:
        with _locked(real, exclusive=write and output is None) as src:
            st = os.fstat(src.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise FixRefused("not a regular file; it cannot be fixed in place")
            if write and output is None and st.st_nlink > 1:
                # the atomic rename gives this name a new file and leaves the other names on the old one
                raise FixRefused(f"has {st.st_nlink} hard links, which a rewrite in place would split; "
                                 "write a fixed copy with --fix-output, or break the links first")
            if snapshot is not None and not snapshot.same_file(st):
                raise FixRefused("changed since it was audited (size, time or inode); not written")
            hashing = _Hashing(src)
            dest_st = _writable(target) if write else None
            whole = None
            with _replacing(target, dest_st or st) if write else _discarding() as out:
                reader = _decompressor(path, hashing)
                if kind == "text" and by_line:  # one record: at most max-record-mb, or it has no finding
                    new, whole = fixer.text(reader.read())
                    out.write(new)
                elif kind == "text":
                    shutil.copyfileobj(reader, out, 1 << 20)
                else:
                    fixer.jsonl(reader, out)
                if snapshot is not None:
                    if hashing.drain() != snapshot.sha256:
                        raise FixRefused("changed since it was audited (contents); not written")
                    if not snapshot.same_file(os.stat(real)):
                        raise FixRefused("changed while it was being fixed; not written")
                if write and output is None and not res.changed:
                    raise _NothingToDo
    except _NothingToDo:
        pass
    except FixRefused as e:
        res.error, res.changed, res.new_records = str(e), [], []
        return res
    except (OSError, EOFError) as e:
        res.error = f"cannot write fixed file: {getattr(e, 'strerror', None) or e}; the original is unchanged"
        res.changed, res.new_records = [], []
        return res
    except (ValueError, UnicodeDecodeError) as e:  # undecodable text, a damaged compressed stream
        res.error = f"cannot read for fixing: {e}; the original is unchanged"
        res.changed, res.new_records = [], []
        return res
    if want_diff and res.changed:
        res.diff = _diff(path, output or path, fixer.changes, fixer.context, whole)
    return res


class _NothingToDo(Exception):
    """No record changed: the original is left as it is (no rename)."""


@contextmanager
def _discarding():
    class _Null:
        def write(self, b) -> int:
            return len(b)

    yield _Null()


@dataclass
class FixSummary:
    files: list[FileResult] = field(default_factory=list)
    fixed: set = field(default_factory=set)  # (path, record) pairs that were rewritten

    @property
    def records(self) -> int:
        return sum(len(f.changed) for f in self.files)


def run_fixes(findings, unsafe: bool, write: bool, want_diff: bool, output: Optional[str] = None,
              strategy: str = "auto", snapshots: Optional[dict[str, Snapshot]] = None,
              inputs: Iterable[str] = (), max_bytes: Optional[int] = None) -> FixSummary:
    """Plan and apply fixes file by file (each file once, streamed). `inputs` are files to process even
    without findings (the one input of --fix-output, which always gets a complete copy). `max_bytes`
    is the audit's max-record-mb: a longer line had no finding and is copied without being held."""
    wanted: set = set()
    for f in findings:
        fx = finding_fix(f, strategy)
        if fx is not None and (unsafe or fx[0]):
            wanted.add((f.path, f.record))
    by_file: dict[str, dict[int, list[Finding]]] = {p: {} for p in inputs}
    for f in findings:  # every finding of a record with a fix: the plan needs to see them all
        if (f.path, f.record) in wanted:
            line = f.line if dataset_kind(f.path) != "text" else 1
            by_file.setdefault(f.path, {}).setdefault(line, []).append(f)
    summary = FixSummary()
    for path, by_line in by_file.items():
        snap = snapshots.get(os.path.realpath(path)) if snapshots is not None else None
        if snapshots is not None and snap is None:
            summary.files.append(FileResult(path, error="not found among the files read by the audit; not written"))
            continue
        res = fix_file(path, by_line, unsafe, strategy, output, write, want_diff, snap, max_bytes)
        summary.files.append(res)
        for _line, idx, _data in res.new_records:
            summary.fixed.add((path, idx))
    return summary


def remaining_findings(auditor, findings, summary: FixSummary) -> list[Finding]:
    """The findings after the fixes: those of untouched records, and those that a new audit of each
    rewritten record still finds (an unfixed finding keeps counting toward the exit code)."""
    from .models import Record

    kept = [f for f in findings if (f.path, f.record) not in summary.fixed]
    records = [Record(res.path, line, idx, data) for res in summary.files for line, idx, data in res.new_records]
    for res in auditor.audit_batch(records) if records else ():
        kept.extend(res.findings)
    return sorted(kept, key=Finding.sort_key)
