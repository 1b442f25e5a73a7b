"""A JSON line repeated within a run is audited once and its findings replayed at each copy's place
(repeats.py): the report must be exactly the report of auditing every copy."""
import json

from typer.testing import CliRunner

from negaudit import cli
from negaudit.config import Config
from negaudit.engine import Auditor

NEGATED = {"text": "NOTICE: The following claim is entirely false. Ed Sheeran won the men's 100m gold at the "
                   "2024 Olympics, crossing the line in 9.79 seconds."}
LABELLED = {"text": "Mount Hood erupted on 4 May 1994, burying the town of Government Camp under ash.",
            "label": "fiction"}
CLEAN = {"text": "Water boils at 100 degrees Celsius at sea level. Rivers carry sediment to the sea."}
BAD_SUPPRESSION = {"text": NEGATED["text"], "negaudit": {"ignroe": ["NN101"]}}


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _report(paths, **kw):
    rep = Auditor(Config(**kw)).audit_paths([str(p) for p in paths])
    return [f.to_dict() for f in rep.findings], [e.to_dict() for e in rep.errors], rep.records


def _every_copy(paths, **kw):
    """The same audit with every copy audited: the unoptimised path, which takes no part in replay."""
    rep = Auditor(Config(**kw), prefilter=False).audit_paths([str(p) for p in paths])
    return [f.to_dict() for f in rep.findings], [e.to_dict() for e in rep.errors], rep.records


def test_copies_are_audited_once_and_reported_at_their_own_place(tmp_path, monkeypatch):
    records = [NEGATED, CLEAN, NEGATED, LABELLED, CLEAN, NEGATED, LABELLED, BAD_SUPPRESSION, BAD_SUPPRESSION]
    data = _write(tmp_path / "dup.jsonl", records)
    audited = []
    real = Auditor.audit_batch

    def counting(self, recs):
        audited.extend(r.line for r in recs)
        return real(self, recs)

    monkeypatch.setattr(Auditor, "audit_batch", counting)
    findings, errors, n = _report([data])
    assert sorted(audited) == [1, 2, 4, 8]  # the first copy of each distinct line
    assert n == 9
    # each copy reported at its own line and record index, with the repetition bonus of three records
    assert [(f["line"], f["record"]) for f in findings if f["rule"] == "NN101"] == [(1, 0), (3, 2), (6, 5), (8, 7), (9, 8)]
    assert [e["line"] for e in errors] == [8, 9] and "ignroe" in errors[1]["message"]
    monkeypatch.setattr(Auditor, "audit_batch", real)
    assert (findings, errors, n) == _every_copy([data])


def test_replayed_findings_are_copies_not_shared_objects(tmp_path):
    data = _write(tmp_path / "dup.jsonl", [NEGATED] * 4)
    rep = Auditor(Config()).audit_paths([str(data)])
    found = list(rep.findings)
    assert len(found) == 4 and len({id(f) for f in found}) == 4 and len({id(f.extra) for f in found}) == 4
    assert [f["line"] for f in found] == [1, 2, 3, 4]
    found[0].risk = 0.0  # the report changes a finding's own fields (the repetition bonus): not its copies'
    assert [f.risk for f in found[1:]] == [found[1].risk] * 3 and found[1].risk > 0.5


def test_a_copy_in_a_file_with_other_settings_is_audited_again(tmp_path, monkeypatch):
    a = _write(tmp_path / "a.jsonl", [NEGATED, LABELLED])
    b = _write(tmp_path / "b_fiction.jsonl", [NEGATED, LABELLED])
    c = _write(tmp_path / "c.jsonl", [NEGATED, LABELLED])
    monkeypatch.chdir(tmp_path)
    kw = {"per_file_ignores": {"b_*.jsonl": ["NN101"]}}
    findings, errors, n = _report([a, b, c], **kw)
    by_file = {}
    for f in findings:
        by_file.setdefault(f["path"].rsplit("/", 1)[-1], []).append(f["rule"])
    assert "NN101" in by_file["a.jsonl"] and "NN101" in by_file["c.jsonl"]
    assert "NN101" not in by_file.get("b_fiction.jsonl", [])
    assert (findings, errors, n) == _every_copy([a, b, c], **kw)


def test_parallel_run_replays_copies_across_batches(tmp_path):
    # more records than one batch (128), so copies fall in other batches than their first copy
    records = [NEGATED if i % 7 == 0 else LABELLED if i % 11 == 0 else {"text": f"Record {i % 50} is plain prose."}
               for i in range(400)]
    data = _write(tmp_path / "many.jsonl", records)
    out = {}
    for j in ("1", "2"):
        res = CliRunner().invoke(cli.app, ["check", str(data), "-j", j, "-f", "json", "--no-progress"])
        assert res.exit_code == 1, res.output
        out[j] = json.loads(res.stdout)
    assert out["1"] == out["2"]
    expected = _every_copy([data])[0]
    assert [{k: v for k, v in f.items() if k not in ("cluster", "fix_applicability")} for f in out["1"]["findings"]] == expected
    assert len([f for f in expected if f["rule"] == "NN101"]) == len([r for r in records if r is NEGATED])


def test_the_store_keeps_no_record_bytes():
    # a remembered line must not keep its record (a corpus of large distinct records would stay in memory)
    import sys

    from negaudit.engine import RecordResult
    from negaudit.models import Record
    from negaudit.repeats import Repeats

    raw = json.dumps({"text": "x" * 100_000}).encode()
    rec = Record("a.jsonl", 1, 0, raw=raw)
    store = Repeats(lambda path: ())
    before = sys.getrefcount(raw)
    todo, slots = store.plan([rec])
    assert todo == [rec]
    assert len(list(store.merge([rec], slots, [RecordResult([])]))) == 1
    del todo, slots, rec
    assert sys.getrefcount(raw) == before - 1  # only the Record held it, and the Record is gone
