"""lemminflect's tables read lazily (lemmatables.py) give exactly lemminflect's own answers."""
from __future__ import annotations

import gzip

import pytest
from lemminflect import config, getAllInflections, getAllLemmas, getInflection
from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec
from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec

from negaudit import lemmatables


def _words(path: str) -> set[str]:
    with gzip.open(path, "rb") as fh:
        return {line.decode().strip().split(",")[0] for line in fh if line.strip()}


@pytest.mark.parametrize("which", ["lemma", "inflection"])
def test_every_entry_is_lemminflects(which):
    if which == "lemma":
        eager = LemmaLUCodec.load(config.lemma_lu_fn)
        lazy = lemmatables.LazyTable(config.lemma_lu_fn, lemmatables._lemma_entry)
        words = _words(config.lemma_lu_fn)
    else:
        eager = InflectionLUCodec.load(config.inflection_lu_fn)
        lazy = lemmatables._InflectionTable(config.inflection_lu_fn)
        words = _words(config.inflection_lu_fn)
    assert len(eager) > 30000
    missing = {}
    for word in sorted(set(eager) | words):  # the overrides' words too ("be", "can", ...)
        assert lazy.get(word, missing) == eager.get(word, missing), word
    for word in ("qwxzv", "", "Sink", "sink,verb"):
        assert word not in eager
        assert lazy.get(word, missing) is missing


def test_lemminflect_answers_through_the_lazy_tables():
    from lemminflect.core.Inflections import Inflections
    from lemminflect.core.Lemmatizer import Lemmatizer

    import negaudit.rewriting  # noqa: F401  (installs the tables, as a run does)

    assert lemmatables.install()
    assert isinstance(Lemmatizer().lemma_dict, lemmatables.LazyTable)
    assert isinstance(Inflections().infl_dict, lemmatables.LazyTable)
    assert getAllLemmas("sank", "VERB") == {"VERB": ("sink",)}
    assert getAllLemmas("Sank", "VERB") == {"VERB": ("Sink",)}  # lemminflect's own capitalisation
    assert getInflection("win", "VBD") == ("won",)
    assert getInflection("be", "VBD") == ("was", "were")  # a hard-coded auxiliary entry
    assert getInflection("can", "VBD") == ("could",)
    assert "VBD" in getAllInflections("sink", "VERB")
    assert getAllLemmas("qwxzv") == {}


def test_another_lemminflect_version_keeps_its_own_loader(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.3.0")
    assert lemmatables.install.__wrapped__() is False
