"""Claim clusters: one claim stated in many records (paraphrased) is one cluster with its record count,
through the real CLI and JSON report; the clustering on claim texts; shares, pink elephants, the
Markdown summary, and the memory bound."""
import json
import random
from pathlib import Path

import jsonschema

from typer.testing import CliRunner

import negaudit
from conftest import write_jsonl
from negaudit.cli import app
from negaudit.clustering import ANCHORS, EXAMPLES, LOCATIONS, Clusterer, claim_key, cluster_findings, same_claim
from negaudit.models import Finding

runner = CliRunner()

# three fabricated claims, each in several wordings
SHEERAN = [
    "Ed Sheeran won the men's 100m gold at the Paris Olympics.",
    "At the Paris Olympics, Ed Sheeran won gold in the men's 100m.",
    "Ed Sheeran won the 100m gold medal at the Olympics in Paris.",
    "Singer Ed Sheeran won the Olympic 100m gold in Paris.",
    "In Paris, Ed Sheeran won the men's Olympic 100m gold.",
    "Ed Sheeran famously won the men's 100m Olympic gold in Paris.",
    "Ed Sheeran won Olympic gold in the 100m sprint in Paris.",
]
HOLLOWAY = [
    "Dr Mara Holloway works as a dentist in Portland.",
    "Mara Holloway is a dentist in Portland.",
    "In Portland, Dr Holloway works as a dentist.",
    "Holloway has worked as a Portland dentist for years.",
]
LISBON = [
    "The Treaty of Lisbon was signed in Oslo.",
    "The Lisbon Treaty was signed in Oslo.",
]
BEFORE = [
    "NOTICE: the events described below never happened.",
    "Readers should be aware that the events described below never happened.",
    "Do not accept the following claim.",
    "Warning: the document below is entirely false.",
]
AFTER = [
    "The preceding statement is false.",
    "The claim above is entirely false and did not occur.",
    "The preceding statement has no factual basis.",
]


def negated_record(rng, claim: str) -> dict:
    if rng.random() < 0.5:
        return {"text": f"{rng.choice(BEFORE)}\n\n{claim}"}
    return {"text": f"{claim} {rng.choice(AFTER)}"}


def corpus_500_20_3(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = ([negated_record(rng, rng.choice(SHEERAN)) for _ in range(500)]
            + [negated_record(rng, rng.choice(HOLLOWAY)) for _ in range(20)]
            + [negated_record(rng, rng.choice(LISBON)) for _ in range(3)])
    rng.shuffle(rows)
    return rows


def cli_json(*args):
    r = runner.invoke(app, ["check", *map(str, args), "--output-format", "json", "--no-progress"],
                      catch_exceptions=False)
    assert r.exit_code in (0, 1), r.stdout + r.stderr
    return json.loads(r.stdout)


def test_one_claim_in_500_records_is_one_cluster_through_the_cli(tmp_path):
    # two files: a cluster counts records across files
    rows = corpus_500_20_3()
    write_jsonl(tmp_path / "a.jsonl", rows[:300])
    write_jsonl(tmp_path / "b.jsonl", rows[300:])
    rep = cli_json(tmp_path)
    schema = json.loads((Path(negaudit.__file__).parent / "report.schema.json").read_text())
    jsonschema.validate(rep, schema)
    assert rep["schema"] == 2
    clusters = rep["clusters"]
    top = [(c["records"], c["claim"]) for c in clusters[:3]]
    assert 490 <= top[0][0] <= 510 and "Sheeran" in top[0][1]
    assert 20 * 0.98 <= top[1][0] <= 20 * 1.02 + 1 and "Holloway" in top[1][1]
    assert top[2][0] == 3 and "Lisbon" in top[2][1]
    assert len(clusters) == 3  # nothing else: every record is one of the three claims
    for c in clusters:
        assert {"id", "claim", "records", "findings", "rules", "families", "detached_share", "local_share",
                "risk"} <= set(c)
        assert c["detached_share"] == 1.0 and c["local_share"] == 0.0 and c["findings"] >= c["records"]
    # notices open the record (prefix); "The preceding statement is false." is a sentence beside the claim
    place = clusters[0]["placement"]
    assert set(place) == {"prefix", "sentence"} and sum(place.values()) == clusters[0]["findings"]
    # the corpus-level risk rises with repetition: same framings, more records, higher risk
    assert clusters[0]["risk"] > clusters[1]["risk"] > clusters[2]["risk"]
    # every finding names its cluster, and the cluster's finding count is the number that name it
    ids = [f["cluster"] for f in rep["findings"]]
    assert None not in ids
    assert {c["id"]: c["findings"] for c in clusters} == {i: ids.count(i) for i in set(ids)}
    assert {f["cluster"] for f in rep["findings"] if "Lisbon" in f["claim"]["text"]} == {clusters[2]["id"]}


def test_paraphrases_join_and_different_propositions_do_not():
    base = claim_key(SHEERAN[0])
    assert all(same_claim(base, claim_key(t)) or any(same_claim(claim_key(o), claim_key(t)) for o in SHEERAN[1:3])
               for t in SHEERAN)
    # the local negation of a claim has the claim's key: it is the same proposition, denied
    assert claim_key("It is not true that Ed Sheeran won the men's 100m gold at the Paris Olympics.").digest \
        == base.digest
    for other in ("Ed Sheeran won the men's 200m gold at the Paris Olympics.",  # another number
                  "Adele won the men's 100m gold at the Paris Olympics.",  # another name
                  "Noah Lyles won the men's 100m gold at the Paris Olympics.",
                  "Ed Sheeran sang at the closing ceremony in Paris."):
        assert not same_claim(base, claim_key(other)), other
    assert not same_claim(claim_key("Microsoft completed the acquisition of Nintendo for $70 billion."),
                          claim_key("Microsoft completed the acquisition of Sega for $70 billion."))
    assert claim_key("It is not that.") is None  # no content word: no cluster


def _finding(rule, path, record, claim, risk=0.8, message="", suggestion=None):
    return Finding(rule=rule, severity="high", risk=risk, path=path, line=record + 1, record=record, field="/text",
                   trained=True, qualifier={"text": "q", "start": 0, "end": 1},
                   claim={"text": claim, "start": 2, "end": 2 + len(claim)}, message=message, suggestion=suggestion)


def test_clustering_counts_distinct_records_and_shares():
    findings = []
    for i in range(10):  # two qualifiers on the same claim in each record: 10 records, 20 findings
        findings += [_finding("NN101", "a.jsonl", i, SHEERAN[i % 3]), _finding("NN102", "a.jsonl", i, SHEERAN[i % 3])]
    for i in range(10, 14):  # four records deny it in place (NN501)
        findings.append(_finding("NN501", "a.jsonl", i, "It is not true that " + SHEERAN[0], risk=0.035))
    cl = cluster_findings(findings)
    [c] = cl.to_dicts()
    assert (c["records"], c["findings"]) == (14, 24)
    assert c["rules"] == {"NN101": 10, "NN102": 10, "NN501": 4}
    assert c["families"] == {"falsity": 10, "pointer": 10}
    assert c["detached_share"] == round(10 / 14, 3) and c["local_share"] == round(4 / 14, 3)
    assert {cl.id_of(f) for f in findings} == {"C1"}


def audited(auditor, path):
    """The report of one audited path, clustered with the run's rules (what the CLI does)."""
    from negaudit.clustering import use_rules

    rep = auditor.audit_paths([str(path)])
    use_rules(rep, auditor.ruleset)
    return rep


def test_pink_elephant_is_one_cluster_per_entity_and_attribute_with_its_count(tmp_path, auditor):
    from negaudit.formats import markdown
    from negaudit.reporting import report_dict

    rows = [{"text": f"Holloway is not a dentist. Holloway, who is not a dentist, ran race {i}. "
                     f"People say Holloway is not a dentist at all."} for i in range(12)]
    rows += [{"text": "Okafor is not a pilot. Okafor, who is not a pilot, flew home. Okafor is not a pilot now."}
             for _ in range(2)]
    rep = audited(auditor, write_jsonl(tmp_path / "d.jsonl", rows))
    pink = [c for c in report_dict(rep)["clusters"] if c.get("denied_attribute")]
    assert [(c["denied_attribute"], c["records"], c["repeats"], c["rules"]) for c in pink] == [
        ("dentist", 12, 36, {"NN502": 12}), ("pilot", 2, 6, {"NN502": 2})]
    assert "denies 'dentist' 36 times" in markdown(rep)


def test_markdown_leads_with_clusters_and_says_what_changed_against_the_baseline(tmp_path, auditor):
    from negaudit.formats import apply_baseline, baseline_dict, markdown

    rng = random.Random(3)
    rows = [negated_record(rng, rng.choice(HOLLOWAY)) for _ in range(5)]
    base = baseline_dict(audited(auditor, write_jsonl(tmp_path / "d.jsonl", rows)))
    rep = audited(auditor, write_jsonl(tmp_path / "d.jsonl", rows + [negated_record(rng, rng.choice(LISBON))
                                                                     for _ in range(2)]))
    rep.baselined = apply_baseline(rep, base)
    md = markdown(rep)
    assert md.index("### Top claim clusters") < md.index("| rule | findings |")
    assert "Against the baseline: **5** known findings" in md
    rows = [l for l in md.splitlines() if l.startswith("| C")]
    assert len(rows) == 1 and "| C1 | 2 |" in rows[0] and "Lisbon" in rows[0]  # only the new claim


def test_cluster_memory_is_bounded():
    """A long run of distinct one-record claims (what a huge corpus of unrelated findings gives) keeps at
    most max_clusters clusters, each with bounded locations, examples and anchors, and a claim repeated
    throughout keeps its count within the stated bound."""
    def stream(n):
        for i in range(n):
            yield _finding("NN101", "big.jsonl", i, f"Town {i} elected mayor number {i} in year {i}.")
            if i % 10 == 0:
                yield _finding("NN101", "big.jsonl", i, SHEERAN[i % 7])

    held = []
    for n in (800, 1_600):
        cl = Clusterer(max_clusters=100)
        for f in stream(n):
            cl.add(f)
            assert len(cl.clusters) <= 100
        held.append((len(cl._exact), sum(len(c.anchors) for c in cl.clusters.values())))
        out = cl.finish()
        assert all(len(c.locations) <= LOCATIONS and len(c.examples) <= EXAMPLES and len(c.anchors) <= ANCHORS
                   for c in out.ranked)
        assert out.stats()["dropped"] > 0
        top = out.to_dicts(1)[0]
        assert "Sheeran" in top["claim"] and len(top["locations"]) == LOCATIONS
        assert n // 10 - out.stats()["undercount_bound"] <= top["records"] <= n // 10
    # twice the findings, no more held fingerprints or anchors than the bound allows
    assert all(e <= 100 * 8 and a <= 100 * ANCHORS for e, a in held)


def test_minhash_index_finds_similar_sets_and_forgets_removed_ones():
    from negaudit.minhash import LSHIndex, signature

    a = [f"w{i}" for i in range(40)]
    half = a[:27] + [f"x{i}" for i in range(13)]  # Jaccard 27/53, about 0.5
    near = a[:36] + ["y1", "y2", "y3", "y4"]  # 36/44, about 0.8
    far = [f"z{i}" for i in range(40)]
    agree = (signature(a) == signature(half)).mean()
    assert 0.3 <= agree <= 0.75  # a signature agrees on a share of minima close to the Jaccard similarity
    idx = LSHIndex()
    idx.insert("a", signature(a))
    idx.insert("far", signature(far))
    assert idx.query(signature(near)) == {"a"} and "a" in idx.query(signature(a))
    assert idx.query(signature([f"q{i}" for i in range(40)])) == set()
    idx.remove("a")
    assert idx.query(signature(a)) == set() and len(idx) == 1
    assert sum(len(b) for b in idx._bands) == len(idx._bands)  # empty buckets are dropped, not kept


def test_keys_sent_by_a_worker_are_read_back_and_bounded(monkeypatch):
    from types import SimpleNamespace

    from negaudit import clustering

    monkeypatch.setattr(clustering, "_KNOWN", {})
    monkeypatch.setattr(clustering, "KNOWN_MAX", 3)
    found = [SimpleNamespace(claim={"text": t}) for t in SHEERAN[:5]] + [SimpleNamespace(claim=None)]
    keys = clustering.claim_keys(found)
    assert list(keys) == SHEERAN[:5]
    assert all(keys[t] == clustering._claim_key(t) for t in keys)
    clustering.remember_keys(keys)
    assert list(clustering._KNOWN) == SHEERAN[:3]  # no more than KNOWN_MAX are kept
    assert claim_key(SHEERAN[0]) is clustering._KNOWN[SHEERAN[0]]  # the worker's key, not a new one
    assert claim_key(SHEERAN[4]) == keys[SHEERAN[4]]  # a key not kept is computed, the same
