"""lemminflect's two word tables, read lazily: an entry is decoded when a word is first looked up.

On its first lookup lemminflect decodes each table whole, in Python: 70,000 lemma entries and 34,000
inflection entries, about 0.3 s, which is a fifth of a small audit that makes one suggestion. Here a
table's decompressed lines are only indexed by their first field (about 40 ms a table, on its first
lookup), and a word's lines are decoded by lemminflect's own codec when that word is asked for, merged
as lemminflect's loader merges them. Every answer is the one the eager table gives (a test compares all
of both tables).

lemminflect reads a table only through `.get(word, default)` on the object its `_getLemmaDict` or
`_getInflDict` returns, which it keeps in an attribute it sets once. `install` puts a lazy table in
that attribute, and does so only for the lemminflect version this was checked against: any other
version loads its tables as it always has.
"""
from __future__ import annotations

import gzip
from functools import lru_cache
from typing import Callable, Optional

CHECKED_VERSION = "0.2.3"


class LazyTable:
    """A read-only mapping from a word to its table entry, decoded on first use: `get`, `in` and `[]`
    (lemminflect itself uses only `get`; the table cannot be listed without decoding it whole)."""

    def __init__(self, path: str, decode: Callable[[list[str]], dict]) -> None:
        self._path = path
        self._decode = decode
        self._lines: Optional[dict[str, object]] = None  # word -> its line, or a list of its lines
        self._entries: dict[str, dict] = {}  # the words decoded so far

    def _index(self) -> dict[str, object]:
        lines: dict[str, object] = {}
        with gzip.open(self._path, "rb") as fh:
            text = fh.read().decode()
        for line in text.split("\n"):
            if not line:
                continue
            word = line.strip().split(",", 1)[0]  # the codecs' first field
            seen = lines.get(word)
            if seen is None:
                lines[word] = line
            elif isinstance(seen, list):
                seen.append(line)
            else:
                lines[word] = [seen, line]
        return lines

    def get(self, word: str, default=None):
        entry = self._entries.get(word)
        if entry is None:
            if self._lines is None:
                self._lines = self._index()
            found = self._lines.get(word)  # (kept: a thread decoding the same word at once must find them)
            if found is None:
                return default  # not in the table (a miss is not remembered: misses are unbounded)
            entry = self._entries[word] = self._decode(found if isinstance(found, list) else [found])
        return entry

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __getitem__(self, word: str) -> dict:
        entry = self.get(word)
        if entry is None:
            raise KeyError(word)
        return entry


def _lemma_entry(lines: list[str]) -> dict:
    """LemmaLUCodec.load's entry for one word's lines."""
    from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
    from lemminflect.core.LexicalUtils import categoryToUPos

    entry: dict = {}
    for line in lines:
        _word, category, forms = LemmaLUCodec.fromString(line)
        entry[categoryToUPos(category)] = forms
    return entry


def _inflection_entry(lines: list[str]) -> dict:
    """InflectionLUCodec.load's entry for one word's lines (before its auxiliary and modal overrides)."""
    from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec

    entry: dict = {}
    for line in lines:
        entry.update(InflectionLUCodec.fromString(line)[2])
    return entry


class _InflectionTable(LazyTable):
    """The inflection table, with the entries lemminflect hard-codes for auxiliaries and modals, which
    replace what the file says of those words."""

    def __init__(self, path: str) -> None:
        from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec

        super().__init__(path, _inflection_entry)
        self._entries.update(InflectionLUCodec.updateForAuxMod({}))


@lru_cache(maxsize=None)
def install() -> bool:
    """Give lemminflect lazy tables, unless it already loaded its own or is not the checked version.
    True when the lazy tables are in place. Done once per process."""
    try:
        from importlib.metadata import version

        if version("lemminflect") != CHECKED_VERSION:
            return False
        from lemminflect import config
        from lemminflect.core.Inflections import Inflections
        from lemminflect.core.Lemmatizer import Lemmatizer
    except Exception:
        return False
    lemmatizer, inflections = Lemmatizer(), Inflections()
    if not hasattr(lemmatizer, "lemma_dict") and lemmatizer.lemma_lu_fn == config.lemma_lu_fn:
        lemmatizer.lemma_dict = LazyTable(config.lemma_lu_fn, _lemma_entry)
    if not hasattr(inflections, "infl_dict") and inflections.infl_lu_fn == config.inflection_lu_fn:
        inflections.infl_dict = _InflectionTable(config.inflection_lu_fn)
    return isinstance(getattr(lemmatizer, "lemma_dict", None), LazyTable) and \
        isinstance(getattr(inflections, "infl_dict", None), LazyTable)
