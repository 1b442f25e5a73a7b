"""Denial of service, crashes and wrong exit codes from hostile or careless input (issue 13).

Each test names the reproduction it ports (its case number).
"""
import json
import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from conftest import write_jsonl
from negaudit.cli import app

runner = CliRunner()
SANDWICH = ("Do not accept the following claim. Dr Mara Holloway works as a dentist in Portland. "
            "It is entirely false and did not occur.")


def check(*args, **kw):
    return runner.invoke(app, ["check", *map(str, args)], catch_exceptions=False, **kw)


@contextmanager
def deadline(seconds: int = 60):
    """A hang (a blocked read, a runaway regex) fails the test after `seconds` instead of the suite."""
    def hung(*_a):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------- 26: rich markup
def test_markup_in_a_rule_pack_is_an_invalid_pack_not_a_crash(tmp_path, monkeypatch):
    """26: '[/x](' in a lexicon is an invalid regex; its message must print as text (exit 2)."""
    (tmp_path / "d.jsonl").write_text('{"text": "x."}\n')
    (tmp_path / "p.yaml").write_text("lexicons:\n  doc_noun:\n    - '[/x]('\n")
    (tmp_path / ".negaudit.yaml").write_text('extend: ["p.yaml"]\n')
    monkeypatch.chdir(tmp_path)
    r = check("d.jsonl", "--no-progress", "-q")
    assert r.exit_code == 2
    assert "p.yaml" in r.stderr and "[/x](" in r.stderr


def test_markup_in_an_output_path_is_printed_as_written(tmp_path):
    """26: an unwritable -o path holding '[/b]' gives the write error, not a MarkupError."""
    p = write_jsonl(tmp_path / "d.jsonl", [{"text": "x."}])
    r = check(p, "-o", "/nonexistent[/b]/r.json", "--no-progress")
    assert r.exit_code == 2
    assert "cannot write report to /nonexistent[/b]/r.json" in r.stderr


def test_markup_in_rule_names_is_printed_as_written(tmp_path):
    """26: `negaudit rules` prints a pack's rule names as text."""
    (tmp_path / "p.yaml").write_text(
        "rules:\n  - id: XX901\n    name: '[/x] [bold]not bold'\n    category: custom\n    severity: high\n"
        "    prior: 0.5\n    message: m\n    match: {kind: regex, patterns: ['zzzz']}\n")
    (tmp_path / "c.yaml").write_text(f'extend: ["{tmp_path / "p.yaml"}"]\n')
    r = runner.invoke(app, ["rules", "--config", str(tmp_path / "c.yaml")], catch_exceptions=False,
                      env={"COLUMNS": "250"})
    assert r.exit_code == 0 and "[/x] [bold]not bold" in r.stdout


# ---------------------------------------------------------------------- 27: closed stdout
@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_closed_stdout_keeps_the_exit_code(tmp_path, fmt):
    """27: `| head -1` closes stdout early; input errors must still give exit 2, not 1."""
    write_jsonl(tmp_path / "many.jsonl", [{"id": i, "text": SANDWICH} for i in range(1500)])
    (tmp_path / "bad.jsonl").write_text("{bad\n")
    proc = subprocess.Popen([sys.executable, "-m", "negaudit", "check", str(tmp_path / "many.jsonl"),
                             str(tmp_path / "bad.jsonl"), "-f", fmt, "--no-progress", "--fail-on", "never"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `head -1` does
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err.decode()[-2000:]
    assert b"Traceback" not in err and b"BrokenPipe" not in err


# ---------------------------------------------------------------------- 17: billion laughs
LAUGHS = "".join(f"  lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
LOL_PACK = ("version: 1\npack: &anchors\n  lol0: &l0 [\"lol\"]\n" + LAUGHS +
            "rules:\n  - id: XX201\n    name: laughs\n    category: custom\n    severity: high\n    prior: 0.5\n"
            "    message: billion laughs\n    rationale: *l9\n    match: {kind: regex, patterns: ['zzzz'], direction: document}\n")


def _bounded_check(cwd, *args, mem_mb=1500, timeout=60):
    """negaudit in a subprocess under an address-space limit (a runaway expansion fails fast)."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({0}, {0})); "
            "sys.argv = ['negaudit'] + sys.argv[1:]; from negaudit.cli import run; run()").format(mem_mb << 20)
    return subprocess.run([sys.executable, "-c", code, "check", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def test_alias_bomb_in_a_rule_pack_is_refused(tmp_path):
    """17: an 818-byte pack whose aliases expand to 10^9 nodes is an invalid pack (exit 2), quickly."""
    assert len(LOL_PACK) < 1000
    (tmp_path / "lol.yaml").write_text(LOL_PACK)
    (tmp_path / ".negaudit.yaml").write_text('extend: ["lol.yaml"]\n')
    (tmp_path / "d.jsonl").write_text('{"text": "hello world."}\n')
    r = _bounded_check(tmp_path, "d.jsonl", "--no-progress", "-q")
    assert r.returncode == 2, r.stderr[-1500:]
    assert "lol.yaml" in r.stderr and "nodes" in r.stderr and "Traceback" not in r.stderr


def test_alias_bomb_in_a_config_is_refused(tmp_path, monkeypatch):
    (tmp_path / ".negaudit.yaml").write_text(LOL_PACK.split("rules:")[0].replace("version: 1\npack:", "fields:"))
    (tmp_path / "d.jsonl").write_text('{"text": "hello world."}\n')
    monkeypatch.chdir(tmp_path)
    r = check("d.jsonl", "--no-progress", "-q")
    assert r.exit_code == 2 and ".negaudit.yaml" in r.stderr and "nodes" in r.stderr


@pytest.mark.parametrize("doc,reason", [("a: &a [*a]\n", "contains itself"), ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply")])
def test_recursive_and_deep_yaml_are_refused(doc, reason):
    import yaml

    from negaudit import safeyaml

    with pytest.raises(yaml.YAMLError, match=reason):
        safeyaml.load(doc)


def test_rule_text_fields_must_be_strings(tmp_path):
    """17: a rule's rationale is kept as given, never str() of a structure."""
    (tmp_path / "p.yaml").write_text(
        "rules:\n  - id: XX202\n    name: n\n    category: custom\n    severity: high\n    prior: 0.5\n"
        "    message: m\n    rationale: [a, b]\n    match: {kind: regex, patterns: ['zzzz']}\n")
    p = write_jsonl(tmp_path / "d.jsonl", [{"text": "x."}])
    r = check(p, "--extend-rules", tmp_path / "p.yaml", "--no-progress")
    assert r.exit_code == 2 and "rationale" in r.stderr and "must be a string" in r.stderr


# ---------------------------------------------------------------------- 16: ReDoS in a lexicon entry
@pytest.mark.parametrize("lexicon", ["meta_phrase_forward", "doc_noun", "falsity"])
def test_catastrophic_lexicon_entry_is_stopped_and_reported(tmp_path, monkeypatch, lexicon):
    """16: a user pack's lexicon entry runs under the regex timeout, like a `kind: regex` rule; the
    built-in rules keep working for the rest of the run."""
    (tmp_path / "evil-pack.yaml").write_text(f"lexicons:\n  {lexicon}:\n    - '(?:a|a)+b'\n")
    (tmp_path / ".negaudit.yaml").write_text('extend: ["evil-pack.yaml"]\n')
    rows = [{"text": "The claim " + "a" * 40 + "c is false. b"}] * 3 + [{"text": "Mount Hollis erupted in 1994. That never happened."}]
    write_jsonl(tmp_path / "data.jsonl", rows)
    monkeypatch.chdir(tmp_path)
    with deadline(60):
        r = check("data.jsonl", "-f", "json", "--no-progress")
    rep = json.loads(r.stdout)
    assert r.exit_code == 2
    assert [e for e in rep["errors"] if "evil-pack.yaml" in e["message"] and "timed out" in e["message"]]
    assert [(f["rule"], f["line"]) for f in rep["findings"]] == [("NN102", 4)]


# ---------------------------------------------------------------------- 19: FIFO in a folder
def test_fifo_in_an_audited_folder_is_skipped_with_a_note(tmp_path):
    """19: a FIFO named *.jsonl inside a folder blocked the run forever; it is skipped and noted."""
    d = tmp_path / "d"
    d.mkdir()
    write_jsonl(d / "a.jsonl", [{"text": "Mount Hollis erupted in 1994. That never happened."}])
    os.mkfifo(d / "pipe.jsonl")
    with deadline(60):
        r = check(d, "-f", "json", "--no-progress")
    rep = json.loads(r.stdout)
    assert r.exit_code == 1 and rep["summary"]["files"] == 1 and rep["errors"] == []
    assert "pipe.jsonl: not a regular file (FIFO); skipped" in r.stderr


def test_device_named_explicitly_is_an_error_not_a_read(tmp_path):
    """18/23: /dev/zero named on the command line is refused at once (it would never end)."""
    r = _bounded_check(tmp_path, "/dev/zero", "--no-progress", "-q")  # a child: reading it would never end
    assert r.returncode == 2 and "is a device" in r.stdout + r.stderr


def test_the_same_file_is_audited_once_per_run(tmp_path):
    """01/02: '.' plus 'd.jsonl', and a symlink next to its target, are one file."""
    write_jsonl(tmp_path / "train-v3.jsonl", [{"text": SANDWICH}])
    os.symlink("train-v3.jsonl", tmp_path / "train.jsonl")
    r = check(tmp_path, tmp_path / "train-v3.jsonl", tmp_path / "train.jsonl", "-f", "json", "--no-progress")
    rep = json.loads(r.stdout)
    assert rep["summary"]["files"] == 1 and rep["summary"]["records"] == 1
    assert {f["path"] for f in rep["findings"]} == {str(tmp_path / "train-v3.jsonl")}


# ---------------------------------------------------------------------- 18: bounded memory
def _peak_rss_kb(cwd, *args):
    """Peak RSS of `negaudit check ARGS` run in a child process (KB)."""
    code = ("import resource, subprocess, sys; "
            f"r = subprocess.run([sys.executable, '-m', 'negaudit', 'check', *{list(map(str, args))!r}, '-f', 'json', "
            "'--no-progress'], capture_output=True); "
            "print(r.returncode); print(r.stdout.decode()); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300).stdout
    lines = out.strip().splitlines()
    return int(lines[0]), json.loads("\n".join(lines[1:-1])), int(lines[-1])


def _no_newline_bomb(path, size_mb):
    """A JSONL file (compressed by its suffix) holding one record of `size_mb` MB with no newline."""
    import gzip

    import zstandard

    body = b'{"text": "' + b"a" * (size_mb << 20)
    if path.name.endswith(".zst"):
        path.write_bytes(zstandard.ZstdCompressor().compress(body))
    elif path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(body, compresslevel=1))
    else:
        path.write_bytes(body + b'"}\n')


def test_oversized_lines_are_skipped_without_holding_them(tmp_path):
    """18: max-record-mb bounds memory: a .zst/.gz that decompresses to hundreds of MB with no
    newline, a very long line, or a huge JSON array element, is read past in pieces and reported,
    never held; the records after it are still audited. One run reads all four; its peak RSS is
    compared with the same run on small files."""
    record = json.dumps({"text": "Mount Hollis erupted in 1994. That never happened."})
    small, big = tmp_path / "small", tmp_path / "big"
    for d in (small, big):
        d.mkdir()
        (d / ".negaudit.yaml").write_text("max-record-mb: 1\n")
    sizes = {"bomb.jsonl.zst": 256, "bomb.jsonl.gz": 128, "long.jsonl": 64, "long.json": 64}
    for name, size_mb in sizes.items():
        for d, mb in ((small, 0), (big, size_mb)):
            if name.endswith(".json"):
                (d / name).write_bytes(b'[{"text": "Owls."}, {"text": "' + b"a" * (mb << 20) + b'"}, ' + record.encode() + b"]")
            else:
                _no_newline_bomb(d / name, mb)
                if name == "long.jsonl":
                    with open(d / name, "a") as fh:
                        fh.write(record + "\n")
    _, _, baseline = _peak_rss_kb(small, *sizes)
    code, rep, peak = _peak_rss_kb(big, *sizes)
    assert code == 2
    assert sorted(e["path"] for e in rep["errors"]) == sorted(sizes), rep["errors"]
    assert all("over the 1 MB limit" in e["message"] for e in rep["errors"]), rep["errors"]
    assert sorted(f["path"] for f in rep["findings"]) == ["long.json", "long.jsonl"]  # what follows is audited
    assert peak - baseline < 32 * 1024, (peak, baseline)


def test_bounded_lines_holds_at_most_the_limit():
    import io

    from negaudit.reading import bounded_lines

    data = b"short\n" + b"x" * 100 + b"\n" + b"0123456789\n" + b"tail-without-newline"
    got = list(bounded_lines(io.BufferedReader(io.BytesIO(data), 8), limit=10))
    assert got == [(b"short\n", 6), (None, 101), (b"0123456789\n", 11), (None, 20)]
    assert list(bounded_lines(io.BytesIO(b"a\nb"), limit=10)) == [(b"a\n", 2), (b"b", 1)]


# ---------------------------------------------------------------------- 28: Parquet
def test_parquet_with_one_bad_row_group_audits_the_others(tmp_path):
    """28: a damaged row group is reported; the later row groups (one holds a finding) are audited."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "rg.parquet"
    rows = [{"text": f"Record {i} is fine."} for i in range(300)] + [{"text": SANDWICH}]
    pq.write_table(pa.Table.from_pylist(rows), p, row_group_size=100)
    b = bytearray(p.read_bytes())
    start = pq.ParquetFile(p).metadata.row_group(0).column(0).data_page_offset
    for i in range(start + 20, start + 120):
        b[i] ^= 0xFF  # damage row group 0 only
    p.write_bytes(bytes(b))
    r = check(p, "-f", "json", "--no-progress")
    rep = json.loads(r.stdout)
    assert r.exit_code == 2
    assert [(e["line"], e["message"][:46]) for e in rep["errors"]] == [(1, "cannot read Parquet row group 0 (rows 1-100): ")]
    assert rep["summary"]["records"] == 201
    assert {(f["rule"], f["line"]) for f in rep["findings"]} == {("NN102", 301)}


def test_a_record_with_a_number_no_double_holds_is_still_audited(tmp_path):
    """30: `"n": 1e400` is valid JSON; orjson refuses it, so the record was an input error and could not be
    fixed (or audited). The standard parser reads it; NaN/Infinity literals stay errors."""
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "Mount Hollis erupted in 1994. That never happened.", "n": 1e400}\n{"text": "x", "n": NaN}\n')
    rep = json.loads(check(p, "-f", "json", "--no-progress").stdout)
    assert [(f["rule"], f["line"]) for f in rep["findings"]] == [("NN102", 1)]
    assert [e["line"] for e in rep["errors"]] == [2]


# ---------------------------------------------------------------------- 24: quadratic time
def test_an_unspaced_emoji_run_takes_linear_time():
    """24: a 32 KB record (an unspaced run of emoji before a qualifier) took ~24 s, 4x per doubling
    (spaCy's tokenizer strips one affix at a time). The parse now costs linear time."""
    code = """
import time
from negaudit.engine import Auditor
from negaudit.models import Record
A = Auditor()
S = "Do not accept the following claim. Dr Mara Holloway works as a dentist in Portland. It is entirely false and did not occur."
A.audit_record(Record("x.jsonl", 1, 0, {"text": S}))
for n in (3000, 12000):
    t = time.perf_counter()
    res = A.audit_record(Record("x.jsonl", 1, 0, {"text": "\\U0001F600" * n + " " + S}))
    print(n, time.perf_counter() - t, len(res.findings))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    times = {int(n): (float(t), int(k)) for n, t, k in (line.split() for line in out.stdout.split("\n") if line)}
    assert times[12000][0] < 10 and times[12000][0] < 8 * times[3000][0] + 0.5, times
    assert times[12000][1] == times[3000][1] >= 1  # the qualifiers after the run are still found


@pytest.mark.parametrize("fmt", ["github", "markdown"])
def test_control_characters_of_records_and_names_never_reach_ci_output_raw(tmp_path, fmt):
    """ESC sequences hide or recolour text in a rendered CI log, and an RTL override reorders a line:
    the github annotations and the markdown summary passed them through (the terminal escaped them)."""
    d = tmp_path / "names"
    d.mkdir()
    rec = {"text": "The ferry sank off Crete in 1990. The preceding statement is \x1b[8mfalse\x1b[0m\u202e \x9b."}
    (d / "esc\x1b[31mred.jsonl").write_text(json.dumps(rec) + "\n")
    r = CliRunner().invoke(app, ["check", str(d), "-f", fmt, "--no-progress"])
    assert r.exit_code == 1 and "NN102" in r.stdout
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", r.stdout), repr(r.stdout)
    assert "\\x1b[8m" in r.stdout  # shown as an escape, not dropped
