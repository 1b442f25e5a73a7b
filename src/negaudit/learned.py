"""The learned stages: linear classifiers over hashed word features of one sentence.

Two models ship: the qualifier model (below) and the claim-ness model, which tells a factual claim
("The bridge opened in 1987.") from an instruction, question, calculation, classification output,
refusal, opinion or filler. Both use the same features and the same training procedure.

The qualifier model

It answers one question per candidate sentence: is this a qualifier about *other* content, and of
which family (falsity, pointer, fiction, unreliable, unknown, low_probability, framing, behaviour), or
is it a sentence that carries its own negation (local) or no qualifier at all (none)?

The model is a softmax regression over hashed features (words, word pairs, word beginnings, the first
words, and the shape of the line: a header colon, brackets, capitals, numbers). It needs no spaCy, so
it is cheap enough to run on every candidate sentence. It is trained by `scripts/train_models.py`
from the hand-written banks in `training/` and ships as `data/qualifier.npz` (`data/claimness.npz` for
claim-ness); rebuilding them is one deterministic command, `python scripts/train_models.py`. A wrong or missing model file is an error, not a silent
fallback: the package ships it.
"""
from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import regex

from .models import FAMILIES, LABELS  # the model's labels (kept there: a rule pack's check reads them without numpy)
FEATURE_VERSION = 3
# lexicon lists (rules/lexicon.yaml) whose words are features of the qualifier model: the rules'
# linguistic classes (meta-references, predicates, pseudo cues) as evidence the model weighs. A list
# counts as present when the literal words of one of its phrases occur in the sentence (the
# pre-scan's test, cheaper than running the phrase's regex). A rule pack that extends a list extends
# what the model sees.
LEXICON_FEATURES = ("doc_noun", "claim_noun", "referent_noun", "forward_modifier", "backward_modifier",
                    "forward_locator", "backward_locator", "document_locator", "meta_participle",
                    "meta_phrase_forward", "meta_phrase_backward", "meta_phrase_document", "pointer", "falsity",
                    "fiction", "unreliable", "uncertain", "framing", "probability_noun", "truth_target",
                    "probability_verdict", "truth_cue", "pseudo", "label_value", "behaviour_warning",
                    "candidate_meta", "negative_evaluation")
DIMENSIONS = 2 ** 16
MODEL_PATH = Path(__file__).resolve().parent / "data" / "qualifier.npz"
CLAIM_LABELS = ("other", "claim")
CLAIM_MODEL_PATH = Path(__file__).resolve().parent / "data" / "claimness.npz"

TOKEN = regex.compile(r"[\p{L}\p{N}]+(?:['’]\p{L}+)?|[^\s\p{L}\p{N}]")
DIGITS = regex.compile(r"^\p{N}+$")
ASCII_DIGIT = regex.compile(r"[0-9]")
HEADER = regex.compile(r"^[^.!?:\n]{1,50}:")


def features(text: str, lexicon=None) -> list[str]:
    """The feature strings of one sentence (the same function at training and at run time).
    `lexicon` (LexiconFeatures): each list whose words occur adds `lex:name`."""
    head = text[:600]
    if head.isascii():
        # lower-casing ASCII text moves no token boundary, and an ASCII token is all digits exactly
        # when str.isdigit says so: the same tokens as below, with one lower() for the sentence
        toks = ["#num" if t.isdigit() else t for t in TOKEN.findall(head.lower())]
    else:
        toks = []
        for t in TOKEN.findall(head):
            t = t.lower()
            toks.append("#num" if (t.isdigit() if t.isascii() else DIGITS.match(t)) else t)
    out = ["w:" + t for t in toks]
    out += ["b:" + a + "_" + b for a, b in zip(toks, toks[1:])]
    out += ["s:" + t[:5] for t in toks if len(t) > 5 and t[0].isalpha()]
    out += [f"p{i}:" + t for i, t in enumerate(toks[:3])]
    if toks:
        out.append("last:" + toks[-1])
    stripped = text.strip()
    if HEADER.match(stripped):
        out.append("shape:header")
    if stripped[:1] in "[(<{":
        out.append("shape:bracket")
    if (ASCII_DIGIT.search(stripped) is not None) if stripped.isascii() else any(c.isdigit() for c in stripped):
        out.append("shape:number")
    if "%" in stripped:
        out.append("shape:percent")
    words = len([t for t in toks if t[:1].isalnum()])
    out.append("len:" + str(min(words // 4, 8)))
    if len([w for w in stripped.split() if len(w) > 2 and w.isupper()]) >= 2:
        out.append("shape:caps")
    if lexicon:
        out += ["lex:" + name for name in lexicon.present(text)]
    return out


class LexiconFeatures:
    """Which of the named lexicon lists have the literal words of one of their phrases in a text: one
    Aho-Corasick pass over the text for all the lists, then one walk over the literals found, which
    answers every list's clause index at once (and, for a list with alternatives that have no literal,
    those alternatives' regex)."""

    def __init__(self, lexicon, names: Sequence[str]) -> None:
        from .triggers import ClauseIndex, Literals

        self._met = ClauseIndex.clauses_met
        self.lists = [(n, lexicon.compile(n)) for n in names if n in lexicon.lists]
        self.literals = Literals({w for _n, g in self.lists for w in g.index.literals.words}, shared=True)
        # first literal of a clause -> (list number, that literal's clauses in the list's index): the
        # lists' indexes merged, so that a literal found is looked up once rather than once per list
        self._first: dict[str, list[tuple]] = {}
        for pos, (_n, g) in enumerate(self.lists):
            for lit, clauses in g.index.first_clauses():
                self._first.setdefault(lit, []).append((pos, clauses))
        self._first_set = frozenset(self._first)
        self._regex_lists = [pos for pos, (_n, g) in enumerate(self.lists) if g.always]
        self._memo: dict[str, list[str]] = {}

    def _satisfied(self, text: str) -> set[int]:
        """The numbers of the lists that have a phrase's literals in `text` (each list's any_satisfied)."""
        low = text.lower()
        found = self.literals.present(low)
        hit: set[int] = set()
        present: dict[tuple, bool] = {}
        met = self._met
        for lit in self._first_set.intersection(found):
            for pos, clauses in self._first[lit]:
                if pos not in hit and met(clauses, found, low, present):
                    hit.add(pos)
        return hit

    def present(self, text: str) -> list[str]:
        out = self._memo.get(text)
        if out is None:
            hit = self._satisfied(text)
            for pos in self._regex_lists:
                if pos not in hit and self.lists[pos][1].always_search(text):
                    hit.add(pos)
            out = [name for pos, (name, _g) in enumerate(self.lists) if pos in hit]
            if len(self._memo) > 8192:
                self._memo.clear()
            self._memo[text] = out  # the gate asks first, then the features of the same sentence
        return out

    def __iter__(self):  # the lists, as (name, compiled) pairs
        return iter(self.lists)

    def __bool__(self) -> bool:
        return bool(self.lists)


def lexicon_digest(lexicon, names: Sequence[str] = LEXICON_FEATURES) -> str:
    """A hash of the lexicon lists the qualifier model reads as features: the shipped model holds the
    one it was trained with, so a changed list shows that the model needs a rebuild."""
    import hashlib

    h = hashlib.sha256()
    for n in names:
        if n in lexicon.lists:
            h.update(n.encode() + b"\0" + lexicon.source(n).encode() + b"\0")
    return h.hexdigest()


def compile_lexicon(lexicon, names: Sequence[str]) -> LexiconFeatures:
    """The lexicon-feature lists of a rules.Lexicon (lists it lacks are skipped)."""
    return LexiconFeatures(lexicon, names)


def hash_rows(feature_lists: Sequence[Sequence[str]], dims: int = DIMENSIONS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature strings of many texts -> (row, column, value) arrays, sorted by row then column: each
    text's unique hashed columns with log-count values, L2-normalised per row. One vectorised pass
    (at training and at run time); a row of only numpy calls per text costs more than its arithmetic."""
    sizes = np.fromiter((len(f) for f in feature_lists), dtype=np.int64, count=len(feature_lists))
    cols = np.fromiter((zlib.crc32(x.encode("utf-8")) % dims for f in feature_lists for x in f), dtype=np.int64,
                       count=int(sizes.sum()))
    rows = np.repeat(np.arange(len(feature_lists), dtype=np.int64), sizes)
    keys, counts = np.unique(rows * dims + cols, return_counts=True)
    rows, cols = keys // dims, keys % dims
    vals = np.log1p(counts.astype(np.float64))
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(feature_lists)))[rows]
    return rows, cols, vals / np.where(norms > 0, norms, 1.0)


@dataclass
class Prediction:
    """Class probabilities of one sentence."""

    probs: np.ndarray  # over LABELS

    @property
    def qualifier(self) -> float:
        """Probability that the sentence qualifies other content (any family)."""
        return float(self.probs[2:].sum())

    @property
    def family(self) -> str:
        """The most probable qualifier family."""
        return FAMILIES[int(np.argmax(self.probs[2:]))]

    @property
    def label(self) -> str:
        return LABELS[int(np.argmax(self.probs))]

    def of(self, families: Sequence[str]) -> float:
        return float(sum(self.probs[LABELS.index(f)] for f in families))


class LinearModel:
    """A shipped classifier: weights per hashed feature column and class."""

    expected: tuple = ()

    def __init__(self, weights: np.ndarray, bias: np.ndarray, dims: int, labels: Sequence[str],
                 lexicon_lists: Sequence[str] = ()) -> None:
        if tuple(labels) != self.expected or weights.shape != (dims, len(self.expected)):
            raise ValueError(f"{type(self).__name__} does not match this version of negaudit; rebuild it with "
                             "scripts/train_models.py")
        self.weights = weights
        self.bias = bias
        self.dims = dims
        self.lexicon_lists = tuple(lexicon_lists)
        self._lexicon = None
        self._bound = not self.lexicon_lists
        self._cache: dict[str, np.ndarray] = {}

    def view(self, lexicon) -> "LinearModel":
        """A copy that shares the weights and reads its lexicon features from `lexicon`."""
        other = copy.copy(self)
        other._cache = {}
        other.bind(lexicon)
        return other

    def bind(self, lexicon) -> None:
        """Use this rules.Lexicon for the lexicon features (the built-in one unless a run extends it)."""
        self._lexicon = compile_lexicon(lexicon, self.lexicon_lists)
        self._bound = True
        self._cache.clear()

    def lexicon_present(self, text: str) -> list[str]:
        """The lexicon lists whose words occur in `text` (the model's lexicon features)."""
        if not self._bound:
            from .rules import load_rules

            self.bind(load_rules().lexicon)
        return self._lexicon.present(text) if self._lexicon else []

    @classmethod
    def load(cls, path: Path):
        with np.load(path, allow_pickle=False) as z:
            if int(z["feature_version"]) != FEATURE_VERSION:
                raise ValueError(f"{path.name} was built with other features; rebuild it with scripts/train_models.py")
            dims = int(z["dims"])
            w = np.zeros((dims, len(cls.expected)), dtype=np.float32)
            w[z["rows"]] = z["values"].astype(np.float32)
            return cls(w, z["bias"].astype(np.float32), dims, [str(x) for x in z["labels"]],
                       [str(x) for x in z["lexicon_lists"]])

    def probs(self, text: str) -> np.ndarray:
        p = self._cache.get(text)
        if p is None:
            self.prefetch([text])
            p = self._cache[text]
        return p

    def prefetch(self, texts: Sequence[str]) -> None:
        """Score the texts not yet cached, all in one vectorised pass, and cache them: one sentence at a
        time, the fixed cost of numpy's small calls is most of a prediction. `probs` goes through here
        too, so a probability never depends on which texts shared its pass."""
        if not self._bound:
            from .rules import load_rules

            self.bind(load_rules().lexicon)
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if not todo:
            return
        if len(self._cache) + len(todo) > 8192:
            self._cache.clear()
        rows, cols, vals = hash_rows([features(t, self._lexicon) for t in todo], self.dims)
        # every text has a feature ("len:"), so each row's run of entries is non-empty
        starts = np.searchsorted(rows, np.arange(len(todo)))
        z = np.add.reduceat(vals.astype(np.float32)[:, None] * self.weights[cols], starts, axis=0) + self.bias
        z = np.exp(z - z.max(axis=1, keepdims=True))
        z /= z.sum(axis=1, keepdims=True)
        for t, p in zip(todo, z):
            self._cache[t] = p


class QualifierModel(LinearModel):
    expected = LABELS

    def predict(self, text: str) -> Prediction:
        return Prediction(self.probs(text))


class ClaimModel(LinearModel):
    expected = CLAIM_LABELS

    def claim(self, text: str) -> float:
        """Probability that the sentence is a factual claim."""
        return float(self.probs(text)[1])


_MODELS: dict[str, LinearModel] = {}


def model() -> QualifierModel:
    """The shipped qualifier model, loaded once per process."""
    if "q" not in _MODELS:
        _MODELS["q"] = QualifierModel.load(MODEL_PATH)
    return _MODELS["q"]  # type: ignore[return-value]


def claim_model() -> ClaimModel:
    """The shipped claim-ness model, loaded once per process."""
    if "c" not in _MODELS:
        _MODELS["c"] = ClaimModel.load(CLAIM_MODEL_PATH)
    return _MODELS["c"]  # type: ignore[return-value]


__all__ = ["LABELS", "FAMILIES", "CLAIM_LABELS", "features", "hash_rows", "QualifierModel", "ClaimModel",
           "Prediction", "model", "claim_model"]
