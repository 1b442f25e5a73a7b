"""The local-negation rewriter against the rewrite bank (tests/data/rewrite_bank.jsonl: 170 constructed
sentences, and 162 in the shapes real corpora have, with `expected: null` where no safe rewrite exists)."""
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from negaudit.nlp import lemma, load_nlp
from negaudit.rewriting import Rewriter, fallback, getLemma

BANK = [json.loads(line) for line in open(ROOT / "tests/data/rewrite_bank.jsonl", encoding="utf-8")]
NEGATION = ("not ", "cannot", "n't", "never", "No,", "No —", "It is not true that")


@pytest.fixture(scope="module")
def rewriter():
    return Rewriter(load_nlp())


def _scores(rewriter):
    """Exact-match score per family: a row with an expected rewrite must produce it (or an alternative);
    a row whose `expected` is null has no safe rewrite: the rewriter must decline or mark it unsafe."""
    ok, total = Counter(), Counter()
    for row in BANK:
        r = rewriter.negate(row["claim"])
        if row["expected"] is None:
            good = not r.safe
        else:
            good = r.text == row["expected"] or r.text in row.get("alternatives", [])
        total[row["family"]] += 1
        ok[row["family"]] += good
    return ok, total


def test_bank_accuracy(rewriter):
    ok, total = _scores(rewriter)
    assert len(BANK) >= 320
    assert sum(ok.values()) / len(BANK) >= 0.95, dict(ok)
    for family in total:  # every construction and corpus shape is handled, not only the easy ones
        assert ok[family] / total[family] >= 0.90, (family, ok[family], total[family])


def test_every_rewrite_negates_and_changes_the_sentence(rewriter):
    for row in BANK:
        r = rewriter.negate(row["claim"])
        if row["expected"] is None or r.strategy == "declined":
            continue
        assert r.text.strip() and r.text != row["claim"]
        assert any(n in r.text for n in NEGATION), r.text


@pytest.mark.parametrize("claim,expected", [
    ("Ed Sheeran won the 100m gold.", "Ed Sheeran did not win the 100m gold."),
    ("He writes the column.", "He does not write the column."),
    ("They own the island.", "They do not own the island."),
    ("She has won the race.", "She has not won the race."),
    ("The trophy was won by Sheeran.", "The trophy was not won by Sheeran."),
    ("Holloway is a dentist in Portland.", "Holloway is not a dentist in Portland."),
    ("The team can win the cup.", "The team cannot win the cup."),
    ("In 2021, the senate passed the law.", "In 2021, the senate did not pass the law."),
    ("Records confirm that Sheeran won the race.", "Sheeran did not win the race."),
])
def test_core_constructions(rewriter, claim, expected):
    assert rewriter.negate(claim).text == expected


def test_simple_rewrites_are_safe_and_fallbacks_are_not(rewriter):
    assert rewriter.negate("Ed Sheeran won the 100m gold.").safe
    fb = rewriter.negate("Sheeran wins gold in stunning upset")
    assert fb.text.startswith("It is not true that") and not fb.safe
    no_verb = rewriter.negate("Gold for Sheeran in stunning upset")  # a headline without a verb asserts nothing
    assert no_verb.strategy == "declined" and not no_verb.safe and "without a verb" in no_verb.text


def test_fallback_keeps_proper_nouns_capitalised():
    assert fallback("Sheeran has never lost a race.", proper=True).text == "It is not true that Sheeran has never lost a race."
    assert fallback("Both twins were fencers.").text == "It is not true that both twins were fencers."


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_never_raises_or_empties(text):
    r = Rewriter(load_nlp()).negate(text)
    assert isinstance(r.text, str)
    if text.strip():
        assert r.text.strip()


DECLINED_FAMILIES = ("question", "code", "imperative")


def test_declined_rewrites_name_the_problem(rewriter):
    """Questions, code and instructions get a suggestion that says why, never "It is not true that <code>"."""
    for row in BANK:
        if row["family"] in DECLINED_FAMILIES and row["expected"] is None:
            r = rewriter.negate(row["claim"])
            assert r.strategy == "declined" and not r.safe, (row["claim"], r)
            assert "state the negation on the claim's verb" in r.text and "It is not true that" not in r.text
            assert row["claim"].strip() not in r.text


def test_safe_rewrites_keep_subject_and_sentences(rewriter):
    """A safe rewrite in the bank edits the verb group only: the subject is spelled as before, the
    sentence count and every word of the original are kept, and only negation words are added."""
    nlp = rewriter.nlp
    safe = 0
    for row in BANK:
        r = rewriter.negate(row["claim"])
        if not r.safe:
            continue
        safe += 1
        old, new = nlp.parse(rewriter._split(row["claim"])[2]), nlp.parse(rewriter._split(r.text)[2])  # list markers aside
        assert len(list(old.sents)) == len(list(new.sents)), (row["claim"], r.text)
        subj = [old[c.left_edge.i:c.right_edge.i + 1].text for c in list(old.sents)[0].root.children if c.dep_.startswith("nsubj")]
        assert all(s in r.text for s in subj), (row["claim"], r.text)
        old_words, new_words = row["claim"].split(), r.text.split()
        added = [w for w in new_words if w not in old_words]
        lemmas = {lemma(t) for t in old} | {x for t in old for x in getLemma(t.lower_, "VERB")}  # do-support puts the verb in its base form: "won" -> "did not win"
        assert {w.strip(".,!?").lower() for w in added} <= {"not", "do", "does", "did", "cannot"} | lemmas, (row["claim"], r.text)
    assert safe >= 150
