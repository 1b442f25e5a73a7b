"""Findings in bounded memory: a report whose findings spill to disk is the report kept in memory."""
import gc
import json
import os
import pickle
import tempfile
import tracemalloc

import pytest

from conftest import ROOT, write_jsonl
from negaudit import store
from negaudit.engine import Auditor
from negaudit.models import Finding
from negaudit.reporting import json_chunks

CLAIM = "The Eiffel Tower was moved to Rome in 1999."


@pytest.fixture(scope="module")
def auditor():
    return Auditor()


@pytest.fixture
def corpus(tmp_path):
    # the same claim, flagged false, in five records: the repetition bonus (pattern 10) must survive a spill
    rows = [{"text": f"Note {i}: the following claim is false. {CLAIM}"} for i in range(5)]
    rows.append({"text": "Owls hunt at night."})
    paths = [str(write_jsonl(tmp_path / "repeated.jsonl", rows))]
    for name in ("dev", "holdout", "final2"):
        labelled = (json.loads(line)["record"] for line in open(ROOT / "tests" / "corpus" / f"{name}.jsonl"))
        paths.append(str(write_jsonl(tmp_path / f"{name}.jsonl", labelled)))
    return paths


def test_spilled_report_equals_the_in_memory_report(auditor, corpus, monkeypatch):
    whole = auditor.audit_paths(corpus)
    assert not whole.findings.spilled and len(whole.findings) > 200
    monkeypatch.setattr(store, "LIMIT", 16)
    spilled = auditor.audit_paths(corpus)
    assert spilled.findings.spilled
    assert [f.to_dict() for f in spilled.findings] == [f.to_dict() for f in whole.findings]
    assert spilled.summary() == whole.summary()
    assert b"".join(json_chunks(spilled)) == b"".join(json_chunks(whole))
    repeated = [f for f in spilled.findings if f.claim and f.claim["text"] == CLAIM]
    assert len(repeated) == 5


def test_repetition_bonus_counts_distinct_records(auditor, tmp_path):
    one = write_jsonl(tmp_path / "one.jsonl", [{"text": f"The following claim is false. {CLAIM}"}])
    five = write_jsonl(tmp_path / "five.jsonl", [{"text": f"Note {i}: the following claim is false. {CLAIM}"}
                                                 for i in range(5)])
    single = [f.risk for f in auditor.audit_paths([str(one)]).findings if f.claim and f.claim["text"] == CLAIM]
    many = [f.risk for f in auditor.audit_paths([str(five)]).findings if f.claim and f.claim["text"] == CLAIM]
    assert len(single) == 1 and len(many) == 5
    assert all(r > single[0] for r in many)


def _findings(n: int):
    for i in range(n):
        yield Finding(rule="NN101", severity="high", risk=0.9, path="big.jsonl", line=n - i, record=n - i - 1,
                      field="/text", trained=True, qualifier={"text": "The claim below is false. " * 8, "start": 0},
                      claim={"text": f"Claim number {i} is stated here at some length. " * 4}, message="m" * 80)


def _peak(limit: int, n: int) -> int:
    tracemalloc.start()
    s = store.FindingStore(_findings(n), limit=limit)
    s.sort()
    count = sum(1 for _ in s)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    s.close()
    assert count == n
    return peak


def test_memory_does_not_grow_with_the_number_of_findings():
    small, large = _peak(500, 4000), _peak(500, 16000)
    in_memory = _peak(10 ** 9, 16000)
    assert large < 1.5 * small  # 4x the findings, about the same peak
    assert large < in_memory / 4


def test_spilled_order_is_a_stable_sort_and_files_are_removed():
    fs = list(_findings(3000))
    for i, f in enumerate(fs):
        f.line = f.record = i % 7  # many equal keys: they must keep the order they were added in
        f.message = str(i)
    s = store.FindingStore(fs, limit=100)
    assert s.spilled and len(s) == 3000
    assert [f.message for f in s] == [f.message for f in sorted(fs, key=Finding.sort_key)]
    tmp = s._dir
    assert os.path.isdir(tmp) and os.path.dirname(tmp) == tempfile.gettempdir()
    del s
    gc.collect()
    assert not os.path.exists(tmp)


def test_a_failed_spill_keeps_the_findings_in_memory_and_warns(monkeypatch, tmp_path):
    import errno

    fs = list(_findings(1000))
    want = [f.message + str(f.line) for f in sorted(fs, key=Finding.sort_key)]

    def full_disk(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    # no temporary directory at all
    monkeypatch.setattr(tempfile, "mkdtemp", full_disk)
    s = store.FindingStore(fs, limit=100)
    assert not s.spilled and len(s) == 1000 and "No space left on device" in s.warning
    s.sort()
    assert [f.message + str(f.line) for f in s] == want
    monkeypatch.undo()

    # the disk fills up during the third run: what was written stays readable, nothing is half-written
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dumps = {"n": 0}
    real_dump = pickle.dump

    def filling(obj, fh, **k):
        dumps["n"] += 1
        if dumps["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_dump(obj, fh, **k)

    monkeypatch.setattr(pickle, "dump", filling)
    s = store.FindingStore(fs, limit=200)
    assert s.spilled and s.warning and len(s) == 1000
    assert [f.message + str(f.line) for f in s] == want
    assert len(os.listdir(s._dir)) == len(s._runs) == 2  # the partial run file was removed

    # and the report says so
    from negaudit.engine import Report

    report = Report(findings=s)
    report.finish()
    assert report.warnings == [s.warning] and "No space left on device" in s.warning
