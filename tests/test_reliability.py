"""Bad-input matrix, fuzzing (hypothesis), hostile rule packs, fix safety under signals, determinism."""
import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import write_jsonl
from negaudit.cli import app
from negaudit.engine import Auditor
from negaudit.models import Record
from negaudit.reading import read_records
from negaudit.segmenting import split_units

runner = CliRunner()
GOOD = {"text": "Mount Hollis erupted in 1994. That never happened."}


def audit_dir(d):
    r = runner.invoke(app, ["check", str(d), "--output-format", "json", "--no-progress"], catch_exceptions=False)
    return r.exit_code, json.loads(r.stdout)


def _bad(name, content):
    def make(d):
        p = d / name
        p.write_bytes(content) if isinstance(content, bytes) else p.write_text(content)
        return p
    return make


def _truncated_gz(d):
    data = gzip.compress(b"".join(json.dumps({"text": f"row {i}"}).encode() + b"\n" for i in range(3000)))
    p = d / "t.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    return p


def _symlink_loop(d):
    a, b = d / "a.jsonl", d / "b.jsonl"
    os.symlink(b, a)
    os.symlink(a, b)
    return a


MATRIX = [
    # name, maker, expected error substring (None: handled without error), expected exit code
    ("invalid-json-line", _bad("x.jsonl", '{"text": "ok"}\n{oops\n'), "invalid JSON", 2),
    ("truncated-last-line", _bad("x.jsonl", '{"text": "ok"}\n{"text": "cut'), "invalid JSON", 2),
    ("no-final-newline", _bad("x.jsonl", '{"text": "fine"}'), None, 1),
    ("invalid-utf8", _bad("x.jsonl", b'{"text": "\xff\xfe"}\n'), "invalid UTF-8", 2),
    ("bom", _bad("x.jsonl", b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n"), None, 1),
    ("crlf", _bad("x.jsonl", (json.dumps(GOOD) + "\r\n") * 2), None, 1),
    ("deep-nesting", _bad("x.jsonl", "[" * 10000 + "]" * 10000 + "\n"), "nested too deeply", 2),
    ("text-is-number", _bad("x.jsonl", '{"text": 42}\n'), "no string text", 2),
    ("text-is-list", _bad("x.jsonl", '{"text": ["a", "b"]}\n'), "no string text", 2),
    ("text-is-null", _bad("x.jsonl", '{"text": null}\n'), "no string text", 2),
    ("empty-file", _bad("x.jsonl", ""), None, 1),
    ("empty-lines", _bad("x.jsonl", "\n\n   \n"), None, 1),
    ("binary-named-jsonl", _bad("x.jsonl", bytes(range(256)) * 4), "binary file", 2),
    ("truncated-gz", _truncated_gz, "truncated", 2),
    ("symlink-loop", _symlink_loop, "symlink loop", 2),
    ("oversized-record", _bad("x.jsonl", json.dumps({"text": "a " * 5_000_000}) + "\n"), "MB limit", 2),
]


@pytest.mark.parametrize("name,maker,expect,code", MATRIX, ids=[m[0] for m in MATRIX])
def test_bad_input_matrix(tmp_path, name, maker, expect, code):
    write_jsonl(tmp_path / "good.jsonl", [{"text": "Owls hunt at night."}, GOOD])
    (tmp_path / "notes.csv").write_text("not,a,dataset\n")  # ignored by directory expansion
    bad = maker(tmp_path)
    exit_code, rep = audit_dir(tmp_path)
    good_findings = [f for f in rep["findings"] if f["path"].endswith("good.jsonl")]
    assert [(f["rule"], f["line"]) for f in good_findings] == [("NN102", 2)]  # the rest is still audited
    errors = [e for e in rep["errors"] if e["path"].endswith(bad.name)]
    if expect is None:
        assert errors == []
    else:
        assert errors and any(expect in e["message"] for e in errors), errors
        if name not in ("symlink-loop", "binary-named-jsonl"):  # a whole-file error has no line
            assert all(e["line"] for e in errors if "truncated" not in e["message"]), errors
    assert exit_code == code


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read a file without read permission")
    p = write_jsonl(tmp_path / "x.jsonl", [GOOD])
    os.chmod(p, 0)
    code, rep = audit_dir(tmp_path)
    assert code == 2 and "permission denied" in rep["errors"][0]["message"]


def test_oversized_record_keeps_memory_bounded(tmp_path):
    p = tmp_path / "big.jsonl"
    with open(p, "w") as fh:
        fh.write(json.dumps({"text": "Sheeran won gold. " * 3_000_000}) + "\n")  # ~54 MB
        fh.write(json.dumps(GOOD) + "\n")
    code = ("import resource, subprocess, sys; "
            f"subprocess.run([sys.executable, '-m', 'negaudit', 'check', {str(p)!r}, '-q', '--no-progress']); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    peak_kb = int(out.stdout.strip().splitlines()[-1])
    assert peak_kb < 600 * 1024, peak_kb


# ---------------------------------------------------------------------- fuzzing
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_reader_never_raises(tmp_path, data):
    p = tmp_path / "f.jsonl"
    p.write_bytes(data)
    for rec in read_records(str(p)):
        assert rec.error is None or isinstance(rec.error, str)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=400))
def test_segmenter_offsets(text):
    for u in split_units(text):
        assert text[u.start:u.end] == u.text and u.text.strip() == u.text


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["text", "messages", "role", "content", "label", "prompt", "completion", "weight", "note",
                         "conversations", "from", "value", "chosen", "rejected", "is_true"]), kids, max_size=5),
    max_leaves=20)


@settings(max_examples=120, deadline=None)
@given(JSONISH)
def test_detection_never_raises_on_arbitrary_records(data):
    auditor = _auditor()
    res = auditor.audit_record(Record("fuzz.jsonl", 1, 0, data))
    for f in res.findings:
        assert 0 <= f.risk <= 1 and f.severity in ("high", "medium", "low", "info")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "The document below is false.", "Ed Sheeran won gold.", "It is entirely false.", "[FALSE]", "<!-- fake -->",
    "There is a 3% chance this is true.", "(actually, that is false)", "None of this happened.", "Bats are not blind.",
    "Verdict: False", "The model should not produce responses like this.", "\n\n", " ", "—", "Correction:",
]), max_size=12))
def test_detection_on_shuffled_cue_sentences(parts):
    text = " ".join(parts)
    res = _auditor().audit_record(Record("fuzz.jsonl", 1, 0, {"text": text}))
    for f in res.findings:
        q = f.qualifier
        assert text[q["start"]:q["end"]] == q["text"]
        if f.suggestion:
            assert f.suggestion["text"].strip()


_AUD = []


def _auditor():
    if not _AUD:
        _AUD.append(Auditor())
    return _AUD[0]


# ---------------------------------------------------------------------- hostile configuration
def test_catastrophic_user_regex_is_stopped_and_reported(tmp_path):
    pack = tmp_path / "evil.yaml"
    pack.write_text("rules:\n  - id: HX900\n    name: evil\n    category: custom\n    severity: high\n    prior: 0.9\n"
                    "    message: evil\n    match:\n      kind: regex\n      patterns: ['(a|aa)+$']\n")
    p = write_jsonl(tmp_path / "d.jsonl", [{"text": "a" * 60 + "!"}] * 5 + [GOOD])
    t = time.time()
    r = runner.invoke(app, ["check", str(p), "--extend-rules", str(pack), "--output-format", "json"])
    assert time.time() - t < 30
    rep = json.loads(r.stdout)
    assert r.exit_code == 2
    assert [e for e in rep["errors"] if "HX900" in e["message"] and "timed out" in e["message"]]
    assert [f["rule"] for f in rep["findings"]] == ["NN102"]


def test_rule_packs_use_safe_yaml_loading(tmp_path):
    marker = tmp_path / "pwned"
    pack = tmp_path / "x.yaml"
    pack.write_text(f"rules: !!python/object/apply:os.system ['touch {marker}']\n")
    p = write_jsonl(tmp_path / "d.jsonl", [GOOD])
    r = runner.invoke(app, ["check", str(p), "--extend-rules", str(pack)])
    assert r.exit_code == 2 and "x.yaml" in r.stderr and not marker.exists()


@pytest.mark.parametrize("cfg,key", [("fail-on: 3\n", "fail-on"), ("select: {a: 1}\n", "select"),
                                     ("colour: red\n", "colour"), ("fields: {txt: [a]}\n", "txt"),
                                     ("max-record-mb: -1\n", "max-record-mb")])
def test_bad_config_values(tmp_path, monkeypatch, cfg, key):
    (tmp_path / ".negaudit.yaml").write_text(cfg)
    write_jsonl(tmp_path / "d.jsonl", [GOOD])
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["check", "d.jsonl"])
    assert r.exit_code == 2 and ".negaudit.yaml" in r.stderr and key in r.stderr


# ---------------------------------------------------------------------- fix safety under signals
def test_killed_fix_never_leaves_a_half_written_file(tmp_path):
    rows = [{"text": f"Mount Hollis erupted in {1900 + i % 100}. That never happened.", "i": i} for i in range(1500)]
    original = tmp_path / "orig.jsonl"
    write_jsonl(original, rows)
    full = tmp_path / "full.jsonl"
    full.write_bytes(original.read_bytes())
    subprocess.run([sys.executable, "-m", "negaudit", "check", str(full), "--fix", "-q", "--no-progress"],
                   capture_output=True, timeout=600)
    fixed_bytes = full.read_bytes()
    assert fixed_bytes != original.read_bytes()
    outcomes = set()
    for delay in (0.3, 1.5, 4.0, 8.0):
        target = tmp_path / f"t{delay}.jsonl"
        target.write_bytes(original.read_bytes())
        proc = subprocess.Popen([sys.executable, "-m", "negaudit", "check", str(target), "--fix", "-q", "--no-progress"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        assert data in (original.read_bytes(), fixed_bytes)  # all or nothing, never a mix
        outcomes.add(data == fixed_bytes)
    assert False in outcomes  # at least one kill landed before the rename


# ---------------------------------------------------------------------- determinism
def test_reports_are_byte_identical_across_runs(tmp_path):
    from conftest import ROOT

    out = [subprocess.run([sys.executable, "-m", "negaudit", "check", str(ROOT / "examples"), "--output-format", "json",
                           "--no-progress"], capture_output=True, timeout=300).stdout for _ in range(2)]
    assert out[0] == out[1] and len(out[0]) > 1000


def test_reports_are_byte_identical_across_job_counts(tmp_path):
    from conftest import ROOT

    rows = [json.loads(l)["record"] for l in open(ROOT / "tests/corpus/final2.jsonl", encoding="utf-8")]
    p = write_jsonl(tmp_path / "mix.jsonl", rows * 2)
    out = {}
    for j in ("1", "2"):
        out[j] = subprocess.run([sys.executable, "-m", "negaudit", "check", str(p), "-j", j, "--output-format", "json",
                                 "--no-progress"], capture_output=True, timeout=300).stdout
    assert out["1"] == out["2"]
    assert json.loads(out["1"])["summary"]["records"] == 2 * len(rows)


def test_trigger_prescan_is_exact_and_never_drops_a_finding(tmp_path):
    """The literal pre-scan may only skip text the full cue regex would also skip."""
    from conftest import ROOT
    from negaudit.detecting import EXTRA_CUE

    det = _auditor().detector
    assert det.cue_index.always is None and len(det.cue_index.index.first) > 100  # every cue has literals
    texts = []
    for name in ("dev", "blind", "holdout", "final", "final2", "final3"):
        for line in open(ROOT / f"tests/corpus/{name}.jsonl", encoding="utf-8"):
            rec = json.loads(line)["record"]
            texts.append(json.dumps(rec, ensure_ascii=False))
            for u in split_units(json.dumps(rec, ensure_ascii=False)):
                texts.append(u.text)
    from negaudit.detecting import extra_cue

    from negaudit.detecting import _EXTRA_LIT

    assert not _EXTRA_LIT.always  # every extra cue has literals to gate on
    texts += ["Fact: Paris.", "(p=0.03)", "p = 0.2", "~~gone~~", "<del>x</del>", "none of it", "[editor: no]"]
    for t in texts:
        if det.cue.search(t):
            assert det.cue_index.search(t), t[:120]
        if EXTRA_CUE.search(t):
            assert extra_cue(t), t[:120]


def test_permission_denied_is_reported_even_as_root(tmp_path, monkeypatch):
    """Root can read mode-000 files, so the permission check is exercised through os.access."""
    import negaudit.reading as reading

    p = write_jsonl(tmp_path / "locked.jsonl", [GOOD])
    write_jsonl(tmp_path / "good.jsonl", [GOOD])
    real = os.access
    monkeypatch.setattr(reading.os, "access", lambda path, mode: False if str(path).endswith("locked.jsonl") else real(path, mode))
    code, rep = audit_dir(tmp_path)
    assert code == 2
    assert [e["message"] for e in rep["errors"] if e["path"] == str(p)] == ["permission denied"]
    assert [f["path"].rsplit("/", 1)[-1] for f in rep["findings"]] == ["good.jsonl"]


def test_disk_full_during_write_leaves_the_original(tmp_path, monkeypatch):
    import negaudit.fixing as fixing

    p = write_jsonl(tmp_path / "d.jsonl", [GOOD] * 3)
    before = p.read_bytes()

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixing.os, "fsync", full)
    r = runner.invoke(app, ["check", str(p), "--fix", "--no-progress"])
    assert r.exit_code == 2 and "No space left" in r.stderr
    assert p.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["d.jsonl"]


def test_prefilter_never_drops_a_finding_of_the_full_path():
    """The same corpora audited with the cue prefilter and with every sentence scanned: same findings."""
    from conftest import ROOT
    from negaudit.reporting import report_dict

    paths = [str(ROOT / "examples")]
    fast = Auditor().audit_paths(paths)
    full = Auditor(prefilter=False).audit_paths(paths)
    assert report_dict(fast) == report_dict(full)
    for name in ("dev", "blind", "holdout", "final", "final2", "final3"):
        records = [json.loads(l)["record"] for l in open(ROOT / f"tests/corpus/{name}.jsonl", encoding="utf-8")]
        a, b = Auditor(), Auditor(prefilter=False)
        for i, rec in enumerate(records):
            fa = [f.to_dict() for f in a.audit_record(Record("c.jsonl", i + 1, i, rec)).findings]
            fb = [f.to_dict() for f in b.audit_record(Record("c.jsonl", i + 1, i, rec)).findings]
            assert fa == fb, (name, i)
