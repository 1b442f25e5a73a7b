"""Labelled development corpus: recall on risky records and false-positive rate on safe records.

The corpora are real text written for these tests (tests/corpus/*.jsonl); records are audited through
the real command line, the same way the held-out corpus is scored (scripts/evaluate.py).
"""
import pytest

import evaluate

THRESHOLDS = {
    # corpus: (min recall on risky, max false-positive rate on safe, min per-pattern recall)
    # dev was written first and tuned on; blind, holdout and final were each scored unseen first
    # (see README "Accuracy") and then used to widen the lexicons by linguistic class.
    "tests/corpus/dev.jsonl": (0.95, 0.02, 0.85),
    "tests/corpus/blind.jsonl": (0.93, 0.03, 0.75),
    "tests/corpus/holdout.jsonl": (0.93, 0.03, 0.75),
    "tests/corpus/final.jsonl": (0.93, 0.03, 0.75),
    "tests/corpus/final2.jsonl": (0.93, 0.03, 0.75),
    "tests/corpus/final3.jsonl": (0.93, 0.03, 0.75),
    # registers.jsonl was written by a helper in 33 registers none of the others use; it scored
    # 0.547 / 0.103 unseen (before the learned stage) and is development data since: a floor only
    "tests/corpus/registers.jsonl": (0.50, 0.08, 0.0),
}


@pytest.fixture(scope="module", params=sorted(THRESHOLDS))
def scored(request):
    from conftest import ROOT

    corpus = evaluate.load(ROOT / request.param)
    rows = evaluate.evaluate(corpus, evaluate.audit(corpus))
    return request.param, evaluate.summarise(rows), rows


def test_corpus_is_substantial(scored):
    name, s, _ = scored
    assert s["records"] >= 150
    assert s["risky"] >= 80 and s["safe"] >= 60


def test_recall_and_false_positive_rate(scored):
    name, s, _ = scored
    min_recall, max_fpr, _ = THRESHOLDS[name]
    assert s["recall"] >= min_recall, s
    assert s["fpr"] <= max_fpr, s


def test_findings_name_the_governed_claim(scored):
    """Gold claim sentences (tests/corpus/claims/, or a record's own `claims`) were annotated by
    helpers who did not see the detector: at least 90% of high/medium findings in risky records name
    one of them."""
    name, s, _ = scored
    assert s["claim_accuracy"] is not None and s["claim_accuracy"] >= 0.9, (name, s["claim_accuracy"])


def test_per_pattern_recall_and_precision(scored):
    name, s, _ = scored
    _, _, min_pattern_recall = THRESHOLDS[name]
    for label, v in s["per_pattern"].items():
        if v["risky"]:
            assert v["rate"] >= min_pattern_recall, (label, v)
            # the top finding of a flagged record names this pattern more often than not
            if v["pattern_precision"] is not None:
                assert v["pattern_precision"] >= 0.5, (label, v)
        else:
            assert v["rate"] <= 0.13, (label, v)


def test_local_negation_is_never_high(scored):
    _, _, rows = scored
    for r in rows:
        if r["label"] == "p7":
            assert all(f["severity"] not in ("high", "medium") for f in r["all"]), r


def test_every_finding_names_a_claim_in_risky_records(scored):
    _, _, rows = scored
    with_claim = [f for r in rows if r["risky"] for f in r["all"] if f["severity"] in ("high", "medium")]
    assert with_claim
    share = sum(f["claim"] is not None for f in with_claim) / len(with_claim)
    assert share >= 0.95
