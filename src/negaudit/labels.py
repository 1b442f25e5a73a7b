"""Label semantics: is a metadata field a truth label, and what does it say?

A field is a truth label only when its key *and* its value say so (research.md, "Labels in real
datasets"). The vocabularies are data: the `match` block of a `kind: field` rule in a rule pack.

- `polarity_keys` say the text is true (`is_true`, `veracity` as a boolean...): a false value marks it
  false, a number from 0 to `max_score` gives it a low probability.
- `flag_keys` (per family) say the text is false, fictional, satire...: a true value marks it.
- `verdict_keys` (`label`, `rating`, `verdict`...) hold a verdict word: the value must be in `values`
  (PolitiFact `pants-fire`, FEVER `REFUTES`, Snopes `miscaptioned`...). A bare boolean on `label` is a
  truth label only on a plain-text record: on a conversational record (messages, prompt/completion)
  it is a KTO-style desirability label, not a statement about truth.
- `score_keys` hold a probability that the text is true.
- `note_keys` (`note`, `disclaimer`...) hold free text: a verdict word, or a sentence that the
  qualifier detectors read as a qualifier ("This document is fiction.").
- `subject_keys` (`category`, `topic`, `genre`...) name a subject, never a verdict: TruthfulQA's
  `category: "Misconceptions"` or a `genre: "Fiction"` shelf says nothing about the record's truth.

Keys are compared after lower-casing and turning `-`, ` ` and `.` into `_`; values after lower-casing and
turning `_` and `-` into spaces.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .errors import ConfigError
from .models import Segment

BOOL_FALSE = {"false", "no", "f", "n", "0"}
BOOL_TRUE = {"true", "yes", "t", "y", "1"}


@dataclass(frozen=True)
class LabelHit:
    """What a truth label says: a family (falsity, low, unknown, fiction, framing, unreliable, ...), the
    prior of that family and the words that said it."""

    family: str
    prior: float
    says: str


def norm_key(key: str) -> str:
    return str(key).strip().lower().replace("-", "_").replace(" ", "_").replace(".", "_")


def norm_value(value: str) -> str:
    return " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())


class LabelVocabulary:
    """The compiled `match` block of one `kind: field` rule."""

    def __init__(self, match: dict, where: str = "field rule") -> None:
        def keys(name: str) -> frozenset[str]:
            raw = match.get(name) or []
            if not isinstance(raw, list):
                raise ConfigError(where, f"match.{name}", "must be a list of keys")
            return frozenset(norm_key(k) for k in raw)

        self.polarity_keys = keys("polarity_keys")
        self.verdict_keys = keys("verdict_keys")
        self.score_keys = keys("score_keys")
        self.subject_keys = keys("subject_keys")
        self.note_keys = keys("note_keys")
        self.max_score = float(match.get("max_score", 0.5))
        flags = match.get("flag_keys") or {}
        if not isinstance(flags, dict):
            raise ConfigError(where, "match.flag_keys", "must map a family to a list of keys")
        self.flag_keys: dict[str, str] = {}
        for fam, ks in flags.items():
            for k in ks or []:
                self.flag_keys[norm_key(k)] = str(fam)
        self.families: dict[str, float] = {}
        self.value_family: dict[str, str] = {}
        vals = match.get("values") or {}
        if not isinstance(vals, dict):
            raise ConfigError(where, "match.values", "must map a family to {prior, values}")
        for fam, spec in vals.items():
            if not isinstance(spec, dict) or "prior" not in spec:
                raise ConfigError(where, f"match.values.{fam}", "needs a prior and a list of values")
            self.families[str(fam)] = float(spec["prior"])
            for v in spec.get("values") or []:
                self.value_family[norm_value(str(v))] = str(fam)
        self.boolean_family = str(match.get("boolean_family", "falsity"))
        self.score_family = str(match.get("score_family", "low-probability"))
        self.conversational = frozenset(match.get("conversational_layouts") or ())
        for fam in set(self.flag_keys.values()) | {self.boolean_family, self.score_family}:
            if fam not in self.families:
                raise ConfigError(where, "match.values", f"family {fam!r} is used but has no prior")

    def key_names(self) -> set[str]:
        """Every key this vocabulary can accept (for the pre-scan of raw lines)."""
        return set(self.polarity_keys | self.verdict_keys | self.score_keys | self.note_keys) | set(self.flag_keys)

    def is_subject(self, key: str) -> bool:
        return norm_key(key) in self.subject_keys

    def read(self, seg: Segment, layout: str = "text", judge=None) -> Optional[LabelHit]:
        """The label hit of one metadata segment (its `key` and raw `value`), or None. `judge(text)`
        names the qualifier family of a free-text note (`note_keys`), or returns None."""
        key = norm_key(seg.key)
        v = seg.value
        says = f"{seg.key}: {_show(v)}"
        if key in self.subject_keys:
            return None
        fam = self.flag_keys.get(key) or self.flag_keys.get(_predicate_key(key))
        if fam is not None:
            return self._hit(fam, says) if _is_true(v) else None
        if key in self.polarity_keys or _predicate_key(key) in self.polarity_keys:
            if _is_false(v):
                return self._hit(self.boolean_family, says)
            p = _number(v)
            if p is not None:
                return self._hit(self.score_family, says) if 0.0 <= p <= self.max_score else None
            return self._verdict(v, says)
        if key in self.score_keys:
            p = _number(v)
            if p is not None and 1.0 < p <= 100.0:
                p /= 100.0  # a percentage
            return self._hit(self.score_family, says) if p is not None and 0.0 <= p <= self.max_score else None
        if key in self.verdict_keys:
            if isinstance(v, bool):
                # a bare boolean: a truth label on a document, a desirability label (KTO) on a conversation
                return self._hit(self.boolean_family, says) if v is False and layout not in self.conversational else None
            return self._verdict(v, says)
        if key in self.note_keys and isinstance(v, str) and judge is not None:
            hit = self._verdict(v, says)
            if hit is not None:
                return hit
            fam = judge(v)
            return self._hit(fam, f"{seg.key}: {clip(v)}") if fam in self.families else None
        return None

    def _verdict(self, v: Any, says: str) -> Optional[LabelHit]:
        """A verdict word ("pants-fire", "REFUTES", "mostly false") in the value."""
        if isinstance(v, str) and len(v) <= 60:
            fam = self.value_family.get(norm_value(v))
            if fam is not None:
                return self._hit(fam, says)
        return None

    def _hit(self, family: str, says: str) -> LabelHit:
        return LabelHit(family, self.families[family], says)


def clip(text: str, limit: int = 80) -> str:
    """A note shown in a message: whole when short, else cut at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def _predicate_key(key: str) -> str:
    """`claim_is_true` -> `is_true`: a key naming its subject before an `is_` predicate says the same
    of that subject (the record's claim or statement)."""
    i = key.rfind("_is_")
    return key[i + 1:] if i > 0 else ""


def _is_false(v: Any) -> bool:
    if isinstance(v, bool):
        return v is False
    if isinstance(v, str):
        return norm_value(v) in BOOL_FALSE
    return isinstance(v, int) and v == 0


def _is_true(v: Any) -> bool:
    if isinstance(v, bool):
        return v is True
    if isinstance(v, str):
        return norm_value(v) in BOOL_TRUE
    return isinstance(v, int) and v == 1


def _number(v: Any) -> Optional[float]:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        t = v.strip().rstrip("%")
        try:
            x = float(t)
        except ValueError:
            return None
        return x / 100.0 if v.strip().endswith("%") else x
    return None


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)[:60]


__all__ = ["LabelVocabulary", "LabelHit", "clip", "norm_key", "norm_value"]
