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


def test_a_miss_is_not_remembered_and_the_table_reads_like_a_dict():
    lazy = lemmatables.LazyTable(config.lemma_lu_fn, lemmatables._lemma_entry)
    for i in range(1000):
        assert lazy.get(f"qx{i}zv") is None
    assert lazy._entries == {}  # misses are unbounded (a corpus's unknown words): none is kept
    assert "won" in lazy and "qxzv" not in lazy and 3 not in lazy
    assert lazy["won"] == {"VERB": ("win",)}
    with pytest.raises(KeyError):
        lazy["qxzv"]
    assert list(lazy._entries) == ["won"]


def _fresh(code: str) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_negaudit_installs_the_tables_itself_but_keeps_tables_lemminflect_loaded():
    tables = ("from lemminflect.core.Lemmatizer import Lemmatizer; from lemminflect.core.Inflections import Inflections; "
              "print(type(getattr(Lemmatizer(), 'lemma_dict', None)).__name__, "
              "type(getattr(Inflections(), 'infl_dict', None)).__name__)")
    # the rewriter's import installs both; the claim clusters install them on their first lemma
    assert _fresh("import negaudit.rewriting; " + tables) == ["LazyTable", "_InflectionTable"]
    assert _fresh("from negaudit import clustering; clustering._lemma('sank'); " + tables) == \
        ["LazyTable", "_InflectionTable"]
    # a program that used lemminflect first keeps the table it loaded, and its answers
    assert _fresh("import lemminflect; lemminflect.getAllLemmas('won'); import negaudit.rewriting; "
                  "print(lemminflect.getAllLemmas('sank', 'VERB')['VERB'][0]); " + tables) == \
        ["sink", "dict", "_InflectionTable"]
