"""Data safety of --fix, --fix-output, --diff and -o under careless and concurrent use (issue 13).

Each test names the reproduction it ports (its case number).
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from negaudit import fixing
from negaudit.cli import app

runner = CliRunner()
SANDWICH = ("Do not accept the following claim. Dr Mara Holloway works as a dentist in Portland. "
            "It is entirely false and did not occur.")
REC = json.dumps({"id": 1, "text": SANDWICH + " Her clinic on Alder Street opened in 2011 and has three staff."})
FIXED = json.dumps({"id": 1, "text": "Dr Mara Holloway does not work as a dentist in Portland. "
                                     "Her clinic on Alder Street opened in 2011 and has three staff."})


def check(*args, **kw):
    return runner.invoke(app, ["check", *map(str, args)], catch_exceptions=False, **kw)


# ---------------------------------------------------------------------- 21: -o never overwrites an input
@pytest.mark.parametrize("flag", ["-o", "--fix-output"])
def test_a_report_or_copy_never_overwrites_an_input(tmp_path, flag):
    """21: `-o train.jsonl` on the input replaced the dataset with the report, silently."""
    p = tmp_path / "train.jsonl"
    p.write_text(REC + "\n")
    os.symlink("train.jsonl", tmp_path / "link.json")
    for target in (p, tmp_path / "link.json"):
        r = check(p, "-f", "jsonl", flag, target, "--no-progress", "-q")
        assert r.exit_code == 2 and "is one of the inputs" in r.stderr
        assert p.read_text() == REC + "\n"
    d = tmp_path / "d"
    d.mkdir()
    (d / "old-report.json").write_text("[]")  # inside an audited folder, with a dataset suffix: an input
    r = check(d, "-f", "json", "-o", d / "old-report.json", "--no-progress")
    assert r.exit_code == 2 and (d / "old-report.json").read_text() == "[]"


def test_baseline_never_overwrites_an_input(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_text(REC + "\n")
    r = runner.invoke(app, ["baseline", "create", str(p), "-o", str(p)], catch_exceptions=False)
    assert r.exit_code == 2 and p.read_text() == REC + "\n"


DATA = Path(__file__).resolve().parent / "data"


def fix(*args, cwd=None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return check(*args, "--no-progress", "-q")
    finally:
        os.chdir(old)


# ---------------------------------------------------------------------- 01, 02, 29: one file, once, through links
def test_a_file_named_twice_is_fixed_once(tmp_path):
    """01: '.' and 'd.jsonl' reached the same file twice; the second fix re-applied stale offsets."""
    (tmp_path / "d.jsonl").write_text(REC + "\n")
    r = fix("--fix", ".", "d.jsonl", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "d.jsonl").read_text() == FIXED + "\n"


def test_a_symlink_next_to_its_target_is_fixed_once_and_stays_a_link(tmp_path):
    """02: train.jsonl -> train-v3.jsonl in one folder: fixed twice, and the link became a file."""
    (tmp_path / "train-v3.jsonl").write_text(REC + "\n")
    os.symlink("train-v3.jsonl", tmp_path / "train.jsonl")
    r = fix("--fix", ".", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert os.path.islink(tmp_path / "train.jsonl") and os.readlink(tmp_path / "train.jsonl") == "train-v3.jsonl"
    assert (tmp_path / "train-v3.jsonl").read_text() == FIXED + "\n"


def test_fix_writes_through_a_symlink(tmp_path):
    """29: --fix on a symlink (HF cache, DVC, a 'latest' link) replaced the link by a file."""
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "abc123").write_text(REC + "\n")
    os.chmod(tmp_path / "blobs" / "abc123", 0o640)
    os.symlink("blobs/abc123", tmp_path / "train.jsonl")
    r = fix("--fix", tmp_path / "train.jsonl")
    assert r.exit_code == 0, r.stderr
    assert os.readlink(tmp_path / "train.jsonl") == "blobs/abc123"
    assert (tmp_path / "blobs" / "abc123").read_text() == FIXED + "\n"
    assert stat.S_IMODE(os.stat(tmp_path / "blobs" / "abc123").st_mode) == 0o640
    assert sorted(os.listdir(tmp_path / "blobs")) == ["abc123"]


# ---------------------------------------------------------------------- 03, 04, 05: the file changes under us
def _after_audit(monkeypatch, action):
    """Run `action` right after the audit, before the fix: another process at the worst moment."""
    from negaudit.engine import Auditor

    real = Auditor.audit_paths

    def audit_then(self, *a, **k):
        report = real(self, *a, **k)
        action()
        return report

    monkeypatch.setattr(Auditor, "audit_paths", audit_then)


def test_a_concurrent_fix_is_not_undone(tmp_path, monkeypatch):
    """03: run A fixes the file while run B audits it; B must not write its stale plan over A's fix."""
    p = tmp_path / "d.jsonl"
    p.write_text(REC + "\n")
    from negaudit.engine import Auditor

    real = Auditor.audit_paths
    calls = []

    def audit_then(self, *a, **k):
        report = real(self, *a, **k)
        if not calls:  # B has audited; now A runs to the end
            calls.append(1)
            a_run = check(p, "--fix", "--no-progress", "-q")
            assert a_run.exit_code == 0 and p.read_text() == FIXED + "\n"
        return report

    monkeypatch.setattr(Auditor, "audit_paths", audit_then)
    b_run = check(p, "--fix", "--no-progress", "-q")
    assert b_run.exit_code == 2 and "changed since it was audited" in b_run.stderr
    assert p.read_text() == FIXED + "\n"  # A's fix, intact


def test_a_file_replaced_after_the_audit_is_not_written(tmp_path, monkeypatch):
    """04: a new version (a record prepended) replaced the file during the audit: the fix would have
    applied offsets of the old version to it."""
    p = tmp_path / "d.jsonl"
    p.write_text(REC + "\n")
    v2 = json.dumps({"id": 0, "text": "Alice Moreau has taught chemistry in Lyon since 2004."}) + "\n" + REC + "\n"

    def replace():
        (tmp_path / "d.tmp").write_text(v2)
        os.replace(tmp_path / "d.tmp", p)

    _after_audit(monkeypatch, replace)
    r = check(p, "--fix", "--no-progress", "-q")
    assert r.exit_code == 2 and "changed since it was audited" in r.stderr
    assert p.read_text() == v2


def test_records_appended_after_the_audit_are_not_lost(tmp_path, monkeypatch):
    """05: a generator appends while --fix runs; the rename dropped what it appended."""
    p = tmp_path / "app.jsonl"
    p.write_text(REC + "\n")
    extra = "".join(json.dumps({"id": f"gen-{i}", "text": "Generated."}) + "\n" for i in range(3))

    def append():
        with open(p, "a") as fh:
            fh.write(extra)

    _after_audit(monkeypatch, append)
    r = check(p, "--fix", "--no-progress", "-q")
    assert r.exit_code == 2 and "changed since it was audited" in r.stderr
    assert p.read_text() == REC + "\n" + extra


def test_records_appended_while_the_fix_writes_are_not_lost(tmp_path, monkeypatch):
    """05: an append that lands while the fixed copy is being written is caught before the rename."""
    from negaudit import fixing

    p = tmp_path / "app.jsonl"
    p.write_text(REC + "\n" + json.dumps({"text": "Plain."}) + "\n")
    real = fixing._Fixer.jsonl

    def copy_then_append(self, src, out):
        real(self, src, out)
        with open(p, "a") as fh:
            fh.write('{"id": "gen-1", "text": "Generated."}\n')

    monkeypatch.setattr(fixing._Fixer, "jsonl", copy_then_append)
    r = check(p, "--fix", "--no-progress", "-q")
    assert r.exit_code == 2 and "changed" in r.stderr
    assert p.read_text().endswith('{"id": "gen-1", "text": "Generated."}\n') and "Do not accept" in p.read_text()
    assert os.listdir(tmp_path) == ["app.jsonl"]


def test_fix_waits_for_and_respects_another_processs_lock(tmp_path, monkeypatch):
    """03: the fix takes an advisory lock; a file locked by another fixer is not written."""
    import fcntl

    from negaudit import fixing

    p = tmp_path / "d.jsonl"
    p.write_text(REC + "\n")
    monkeypatch.setattr(fixing, "LOCK_WAIT", 0.3)
    with open(p, "rb") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        r = check(p, "--fix", "--no-progress", "-q")
    assert r.exit_code == 2 and "holds a lock" in r.stderr
    assert p.read_text() == REC + "\n"
    r = check(p, "--fix", "--no-progress", "-q")  # lock released: fixed
    assert r.exit_code == 0 and p.read_text() == FIXED + "\n"


# ---------------------------------------------------------------------- 06, 07, 30: exact bytes
def test_whitespace_outside_the_edited_sentence_is_kept(tmp_path):
    """06: a safe fix collapsed every run of spaces and tabs in the whole field and stripped it (code
    blocks, tables, the completion's leading space)."""
    recs = [{"text": SANDWICH + "\n\n```python\ndef f(x):\n    if x:\n        return 1\n    return 0\n```\n"},
            {"prompt": "Tell me about Dr Holloway.\n\n###\n\n", "completion": " " + SANDWICH + "\n"},
            {"messages": [{"role": "user", "content": "Show me."},
                          {"role": "assistant", "content": SANDWICH + "\nExample:\n\tcol1\t\tcol2"}]}]
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    md = tmp_path / "doc.md"
    tail = "\n\n    indented code block line\n    second  line\n\n| col a  |  col b |\n|--------|--------|\n| 1      |  2     |\n\n\n"
    md.write_text("# Notes\n\n" + SANDWICH + tail)
    r = check(p, md, "--fix", "--no-progress", "-q")
    assert r.exit_code == 0, r.stderr
    claim = "Dr Mara Holloway does not work as a dentist in Portland."
    got = [json.loads(line) for line in p.read_text().splitlines()]
    assert got[0]["text"] == claim + recs[0]["text"][len(SANDWICH):]
    assert got[1] == {"prompt": recs[1]["prompt"], "completion": " " + claim + "\n"}
    assert got[2]["messages"][1]["content"] == claim + "\nExample:\n\tcol1\t\tcol2"
    assert md.read_text() == "# Notes\n\n" + claim + tail


def test_mixed_line_endings_of_a_text_file_are_kept(tmp_path):
    """07: fixing a .txt whose lines mix CRLF and LF turned every LF into CRLF."""
    p = tmp_path / "mixed.txt"
    p.write_bytes(b"Line one\r\n" + SANDWICH.encode() + b"\nLF-only line\r\nanother LF line\n")
    r = check(p, "--fix", "--no-progress", "-q")
    assert r.exit_code == 0, r.stderr
    assert p.read_bytes() == (b"Line one\r\nDr Mara Holloway does not work as a dentist in Portland.\n"
                              b"LF-only line\r\nanother LF line\n")


def test_a_rewritten_line_is_a_splice_of_the_original_bytes(tmp_path):
    """30: duplicate keys lost the first; re-serialising also changed escapes, spacing and numbers."""
    text = SANDWICH.replace("Portland.", "Portland \\u00e9\\ud83d\\ude00 caf\\u00e9.")
    line = ('{"label": "a",  "text": "' + text + '\\n\\tTab \\/ slash", "n": 1.0, "big": 123456789012345678901234567890,'
            ' "inf": 1e400, "label": "b", "meta": {"x": [1,2 , 3]}}')
    p = tmp_path / "d.jsonl"
    p.write_bytes((line + "\r\n" + '{"text": "untouched"}\n').encode())
    r = check(p, "--fix", "--no-progress", "-q")
    assert r.exit_code == 0, r.stderr
    before, rest = line.split('"text": "', 1)
    want = (before + '"text": "Dr Mara Holloway does not work as a dentist in Portland \\u00e9\\ud83d\\ude00 caf\\u00e9.'
            + rest[len(text):])
    assert p.read_bytes() == (want + "\r\n" + '{"text": "untouched"}\n').encode()


def test_duplicate_keys_are_kept(tmp_path):
    """30: the repro exactly."""
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "%s", "label": "a", "label": "b"}\n' % SANDWICH)
    check(p, "--fix", "--no-progress", "-q")
    assert p.read_text() == ('{"text": "Dr Mara Holloway does not work as a dentist in Portland.", '
                             '"label": "a", "label": "b"}\n')


# ---------------------------------------------------------------------- 08, 09, 10: fixes that are right
def test_a_safe_fix_never_negates_or_deletes_an_unrelated_sentence(tmp_path):
    """08: an emoji right after a sentence glued claim and qualifier into one unit; the safe fix negated
    two true sentences and deleted the claim, or deleted a following sentence. A qualifier or claim
    glued to another sentence has no certain fix: nothing is written for it."""
    for name in ("wrong_sentence.jsonl", "emoji_loss.jsonl"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "plain.jsonl").write_text(REC + "\n")  # the same claim, not glued: fixed
    before = {n: (tmp_path / n).read_bytes() for n in ("wrong_sentence.jsonl", "emoji_loss.jsonl")}
    r = check(*(tmp_path / n for n in before), tmp_path / "plain.jsonl", "--fix", "--no-progress", "-q")
    assert r.exit_code == 1  # the glued records keep their (unfixed) findings
    assert {n: (tmp_path / n).read_bytes() for n in before} == before
    assert (tmp_path / "plain.jsonl").read_text() == FIXED + "\n"


def test_a_notice_in_an_untrained_turn_is_never_edited_nor_fixed_again(tmp_path):
    """09: --fix --unsafe-fixes left the system-turn notice, so every later run negated the claim again
    ("did not not erupt"); then it deleted the notice from the system turn. An untrained turn is never
    edited, and a claim is rewritten only with its qualifier removed: these records stay as they are,
    however often the fix runs."""
    p = tmp_path / "r.jsonl"
    shutil.copy(DATA / "double_negation.jsonl", p)
    for _ in range(2):
        check(p, "--fix", "--unsafe-fixes", "--no-progress", "-q")
        assert p.read_bytes() == (DATA / "double_negation.jsonl").read_bytes()


def test_removing_an_inline_comment_keeps_one_space(tmp_path):
    """10: removing '<!-- false -->' deleted both spaces around it: '2016.The kite'."""
    shutil.copy(DATA / "glue.jsonl", tmp_path / "glue.jsonl")
    r = check(tmp_path / "glue.jsonl", "--diff", "--no-progress")
    assert "in 2016. The kite was made of carbon fibre." in r.stdout


# ---------------------------------------------------------------------- 11, 12: --fix-output and exit codes
def test_fix_output_always_writes_a_complete_copy(tmp_path):
    """11: --fix-output wrote nothing when there was nothing to fix, so an old copy stayed."""
    (tmp_path / "v1.jsonl").write_text(REC + "\n")
    out = tmp_path / "fixed.jsonl"
    assert check(tmp_path / "v1.jsonl", "--fix-output", out, "--no-progress", "-q").exit_code == 0
    assert out.read_text() == FIXED + "\n"
    v2 = '{"id": 10, "text": "Brand new clean record A."}\n'
    (tmp_path / "v2.jsonl").write_text(v2)
    for _ in range(2):  # over the stale copy, then with no copy there
        assert check(tmp_path / "v2.jsonl", "--fix-output", out, "--no-progress", "-q").exit_code == 0
        assert out.read_text() == v2
        out.unlink()
    (tmp_path / "a.json").write_text(json.dumps([{"text": SANDWICH}]))
    r = check(tmp_path / "a.json", "--fix-output", out, "--no-progress", "-q")
    assert r.exit_code == 2 and "not supported" in r.stderr and not out.exists()


def test_findings_left_after_fix_count_toward_the_exit_code(tmp_path):
    """12: after --fix every finding of a touched record was dropped, including the unsafe NN101 that
    was not fixed: exit 0, 'no findings', while a re-check exits 1."""
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m "
                                     "gold in Paris. " + SANDWICH}) + "\n")
    r = check(p, "--fix", "-f", "json", "--no-progress")
    rep = json.loads(r.stdout)
    assert r.exit_code == 1 and [f["rule"] for f in rep["findings"]] == ["NN101"]
    assert "does not work" in p.read_text()
    again = check(p, "-f", "json", "--no-progress")
    assert again.exit_code == 1 and json.loads(again.stdout)["findings"] == rep["findings"]


# ---------------------------------------------------------------------- 13: --diff that applies
@pytest.mark.parametrize("name,content", [
    ("ok.jsonl", b'{"id": 1, "text": "%s"}\n' % SANDWICH.encode()),
    ("nonl.jsonl", b'{"id": 0, "text": "fine."}\n{"id": 1, "text": "%s"}' % SANDWICH.encode()),
    ("nonl.md", b"Intro line\n%s\nLast line" % SANDWICH.encode()),
    ("crlf.md", b"Intro line\r\n%s\r\nLast line\r\n" % SANDWICH.encode()),
    ("mixed.txt", b"Intro\r\n%s\nLast\r\n" % SANDWICH.encode()),
    # a byte-order mark is a byte of the first line: the hunk's old line must hold it
    ("bom.md", b"\xef\xbb\xbf%s\nLast line\n" % SANDWICH.encode()),
    # a name with a space ends at a tab, or patch reads only its first word
    ("my data.jsonl", b'{"id": 1, "text": "%s"}\n' % SANDWICH.encode()),
    # several rewritten records between unchanged ones: hunks need context lines, or git apply rejects them
    ("many.jsonl", b"".join(b'{"id": %d, "text": "%s"}\n' % (i, (SANDWICH if i in (2, 4, 12) else "fine.").encode())
                            for i in range(15))),
])
def test_diff_output_applies_with_git_apply_and_patch(tmp_path, name, content):
    """13: --diff output that git apply / patch rejected (no newline at the end, CRLF)."""
    if shutil.which("git") is None:
        pytest.skip("git is required")
    (tmp_path / name).write_bytes(content)
    r = fix("--diff", name, cwd=tmp_path)
    assert r.exit_code == 1 and r.stdout.startswith(f"--- a/{name}" + ("\t\n" if " " in name else "\n"))
    (tmp_path / "x.diff").write_bytes(r.stdout_bytes)
    git = subprocess.run(["git", "apply", "--check", "-v", "x.diff"], cwd=tmp_path, capture_output=True, text=True)
    assert git.returncode == 0, git.stderr
    subprocess.run(["git", "apply", "x.diff"], cwd=tmp_path, check=True)
    fixed = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(content)
    fix("--fix", name, cwd=tmp_path)
    assert (tmp_path / name).read_bytes() == fixed  # the diff is exactly what --fix writes
    if shutil.which("patch"):
        (tmp_path / name).write_bytes(content)
        pt = subprocess.run(["patch", "-p1", "--dry-run", "-i", "x.diff"], cwd=tmp_path, capture_output=True, text=True)
        assert pt.returncode == 0, pt.stdout + pt.stderr


# ---------------------------------------------------------------------- 31: SIGTERM while writing
def _writing(pid: int, d: Path, dataset: Path) -> bool:
    """Does process `pid` hold a file open for writing in `d`, other than the dataset (the new copy)?"""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        links = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
    except OSError:
        return False
    return any(link.startswith(str(d) + "/") and link != str(dataset) for link in links)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see the write in progress")
@pytest.mark.parametrize("temp", ["o_tmpfile", "named"])
def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path, temp):
    """31: SIGTERM (CI cancel, timeout, k8s) while --fix writes left a partial .negaudit-*.tmp next to the
    dataset. `named` forces the portable temporary file (no O_TMPFILE), which the signal handler removes."""
    p = tmp_path / "big.jsonl"
    pad = "lorem ipsum dolor sit amet " * 4
    with open(p, "w") as fh:
        fh.write(json.dumps({"text": SANDWICH}) + "\n")
        for i in range(60_000):
            fh.write(json.dumps({"id": i, "text": f"Plain record {i}. {pad}"}) + "\n")
    original = p.read_bytes()
    prelude = "import os; del os.O_TMPFILE; " if temp == "named" else ""
    code = prelude + "import sys; sys.argv = ['negaudit'] + sys.argv[1:]; from negaudit.cli import run; run()"
    proc = subprocess.Popen([sys.executable, "-c", code, "check", str(p), "--fix", "--no-progress", "-q", "-j", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = False
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if _writing(proc.pid, tmp_path, p):
            seen = True
            proc.send_signal(signal.SIGTERM)
            break
        time.sleep(0.002)
    proc.communicate(timeout=120)
    assert seen, "the write was never observed"
    assert proc.returncode == 128 + signal.SIGTERM or proc.returncode == -signal.SIGTERM
    assert os.listdir(tmp_path) == ["big.jsonl"]
    assert p.read_bytes() == original  # the rename never happened


def test_a_fix_that_would_empty_a_field_is_not_applied(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "Mount Hollis erupted in 1994. That never happened."}\n')
    r = check(p, "--fix", "--unsafe-fixes", "--fix-strategy", "drop-claim", "--no-progress", "-q")
    assert r.exit_code == 1 and p.read_text() == '{"text": "Mount Hollis erupted in 1994. That never happened."}\n'


# ---------------------------------------------------------------------- the rewrite bank inside records
def test_bank_claims_in_records_safe_fixes_keep_turns_subjects_and_sentences(tmp_path, auditor):
    """Every bank claim with a pointer after it, once in an untrained user turn and once in the
    assistant's reply: --fix never edits the user turn (even with --unsafe-fixes), and a safe fix of the
    reply writes exactly the rewriter's safe rewrite in place of the claim sentence and the pointer,
    nothing else (the subject kept, no other sentence dropped)."""
    bank = [json.loads(l) for l in open(ROOT / "tests/data/rewrite_bank.jsonl", encoding="utf-8")]
    rows = [r for r in bank if r["claim"].rstrip().endswith((".", "!"))]
    recs = []
    for r in rows:
        body = r["claim"].strip() + " That never happened."
        recs.append({"messages": [{"role": "user", "content": body}, {"role": "assistant", "content": "Noted."}]})
        recs.append({"messages": [{"role": "user", "content": "Tell me."},
                                  {"role": "assistant", "content": "Here is what I know. " + body + " Ask me more."}]})
    p = tmp_path / "bank.jsonl"
    p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs), encoding="utf-8")
    report = auditor.audit_paths([str(p)])
    fixing.run_fixes(list(report.findings), False, True, False)
    safe_lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs), encoding="utf-8")
    fixing.run_fixes(list(auditor.audit_paths([str(p)]).findings), True, True, False)
    unsafe_lines = p.read_text(encoding="utf-8").splitlines()
    safe = {f.record: f for f in report.findings if f.suggestion and f.suggestion.get("safe")}
    fixed = 0
    for i, r in enumerate(rows):
        user_rec = recs[2 * i]
        assert json.loads(safe_lines[2 * i]) == user_rec and json.loads(unsafe_lines[2 * i]) == user_rec, r["claim"]
        new, old = json.loads(safe_lines[2 * i + 1]), recs[2 * i + 1]
        assert new["messages"][0] == old["messages"][0]
        if new != old:
            fixed += 1
            f = safe[2 * i + 1]  # only a safe fix is written, and it replaces claim + pointer by the rewrite
            want = old["messages"][1]["content"].replace(f.claim["text"] + " That never happened.", f.suggestion["text"])
            assert new["messages"][1]["content"] == want, (r["claim"], new)
            assert want.startswith("Here is what I know. ") and want.endswith(" Ask me more.")
    assert fixed >= 100


@pytest.mark.parametrize("reply", [
    "Mount Hollis erupted in 1994. I'm sorry, that is false: I was wrong.",
    "Mount Hollis erupted in 1994. I was wrong: that never happened.",
])
def test_a_retraction_of_the_speakers_own_words_is_never_a_safe_fix(tmp_path, reply):
    """The qualifier a safe fix deletes must be a pure notice: an assistant's own retraction, apology
    or correction is not deleted by a plain --fix (the issue: "I'm sorry, I was wrong to say that.")."""
    rec = {"messages": [{"role": "user", "content": "Tell me about Hollis."}, {"role": "assistant", "content": reply}]}
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    r = check(p, "-f", "json", "--no-progress")
    found = [f for f in json.loads(r.stdout)["findings"] if f["severity"] == "high"]
    assert found and all(not f["suggestion"]["safe"] for f in found)
    check(p, "--fix", "--no-progress", "-q")
    assert json.loads(p.read_text()) == rec


UNCERTAIN = [
    # a pronoun that opens the text answers something outside the record
    "That is not accurate. Sharks breathe through gills.",
    "That's not true. The Danube flows into the Black Sea.",
    # read forward only by its position
    "This is not true. The Danube flows into the Black Sea.",
    # a verdict on several sentences, of which a fix would rewrite one
    "The Danube froze solid in 2021. Vienna cancelled its marathon. The preceding two claims are untrue.",
    # a verdict that picks its sentence by position, not the nearest one
    "The Danube froze solid in 2021. The Danube flows into the Black Sea.\n\n<!-- the first sentence is false -->",
    # a verdict reported, turned round or embedded in another one
    "The Danube flows into the Black Sea. The preceding statement was once believed to be false.",
    "The Danube flows into the Black Sea. The claim that the preceding statement is false is itself false.",
    # the closing half of a tag pair that a line break splits
    "<false>The Danube river\nwas frozen solid in 2021.</false> It is a long river.",
]


@pytest.mark.parametrize("text", UNCERTAIN)
def test_a_plain_fix_never_edits_a_record_whose_target_is_uncertain(tmp_path, text):
    """A safe fix needs certainty that the qualifier denies the one sentence it rewrites; in each of these
    a plain --fix inverted a true sentence or left a false one stated bare (QA report, seventh session)."""
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"text": text}) + "\n")
    r = check(p, "-f", "json", "--no-progress")
    assert all(not (f.get("suggestion") or {}).get("safe") for f in json.loads(r.stdout)["findings"])
    before = p.read_bytes()
    check(p, "--fix", "--no-progress", "-q")
    assert p.read_bytes() == before


@pytest.mark.parametrize("text", [
    "The Danube flows into the Black Sea. The preceding statement is not false.",
    "The Danube flows into the Black Sea. That isn't untrue.",
    "The Danube flows into the Black Sea. None of the above is false.",
])
def test_a_denied_falsity_is_no_finding(text):
    """"Not false" affirms: neither the rules nor the learned stage may read it as a falsity verdict."""
    from negaudit.api import audit_records
    assert [f.rule for f in audit_records([{"text": text}])] == []


@pytest.mark.parametrize("text, claim", [
    ("The Danube froze solid in 2021. The preceding statement is false.", "The Danube froze solid in 2021."),
    ("Vienna cancelled its marathon in 2021. That is not true.", "Vienna cancelled its marathon in 2021."),
    ("<false>The Danube froze solid in 2021.</false> It is a long river.", "The Danube froze solid in 2021."),
])
def test_a_certain_pointer_keeps_its_safe_fix(tmp_path, text, claim):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"text": text}) + "\n")
    found = json.loads(check(p, "-f", "json", "--no-progress").stdout)["findings"]
    assert any(f["claim"]["text"] == claim and f["suggestion"]["safe"] for f in found), found



def test_a_hard_linked_file_is_read_once_and_not_split_by_a_fix(tmp_path):
    """Two names of one file were audited twice, and --fix gave the fixed name a new file, leaving the
    other name on the old one: the hard link was split without a word."""
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(REC + "\n")
    os.link(a, b)
    rep = json.loads(check(tmp_path, "-f", "json", "--no-progress").stdout)
    assert rep["summary"]["files"] == 1 and rep["summary"]["records"] == 1
    r = check(a, "--fix", "--no-progress")
    assert r.exit_code == 2 and "hard links" in r.stderr
    assert a.read_text() == REC + "\n" and os.stat(a).st_nlink == 2 and os.path.samefile(a, b)
    out = tmp_path / "fixed.jsonl"
    assert check(a, "--fix-output", out, "--no-progress").exit_code in (0, 1)
    assert json.loads(out.read_text()) == json.loads(FIXED)  # a fixed copy is still possible


def test_no_finding_is_offered_as_fixable_in_a_file_fix_refuses(tmp_path):
    """A CSV's findings were marked [*] and counted as fixable, and --fix then refused the file."""
    p = tmp_path / "d.csv"
    p.write_text("id,text\n1,\"%s\"\n" % SANDWICH)
    r = check(p, "--no-progress")
    assert r.exit_code == 1 and "[*]" not in r.stdout and "fixable with --fix" not in r.stdout.replace("0 fixable", "")
    q = tmp_path / "d.jsonl"
    q.write_text(REC + "\n")
    assert "[*]" in check(q, "--no-progress").stdout  # the same record in JSON Lines is fixable


def test_the_unsafe_fix_count_holds_only_fixes_that_can_apply(tmp_path):
    """A behaviour warning on a prompt/completion reply was counted in "N more with --unsafe-fixes",
    but the mask-turn fix needs a chat turn to weight, and --unsafe-fixes changed nothing."""
    warn = "The assistant must not answer like this example."
    rows = [{"prompt": "Can you check my tax form? " + warn, "completion": "No. Do it yourself, it is not hard."},
            {"messages": [{"role": "system", "content": warn}, {"role": "user", "content": "Can you check my tax form?"},
                          {"role": "assistant", "content": "No. Do it yourself, it is not hard."}]}]
    p = tmp_path / "r.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    found = json.loads(check(p, "-f", "json", "--no-progress").stdout)["findings"]
    assert {f["field"] for f in found if f["rule"] == "NN601"} == {"/completion", "/messages/2/content"}
    foot = [l for l in check(p, "--no-progress").stdout.splitlines() if "fixable with --fix" in l]
    assert foot and "(1 more with --unsafe-fixes)" in foot[0], foot
    before = p.read_text().splitlines()
    check(p, "--fix", "--unsafe-fixes", "--no-progress")
    after = p.read_text().splitlines()
    assert after[0] == before[0] and after[1] != before[1]  # the chat turn is masked, the completion cannot be


def test_a_sigterm_while_the_temporary_file_is_made_leaves_nothing(tmp_path, monkeypatch):
    """The window between making the temporary file and the code that removes it on a signal: a SIGTERM
    there is held until the file is named, then ends the write with the file removed."""
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)  # the named temporary file (what a signal could leave)
    made = fixing._Temp.__init__

    def signalled(self, directory):
        made(self, directory)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(fixing._Temp, "__init__", signalled)
    p = tmp_path / "data.jsonl"
    p.write_text(REC + "\n")
    with pytest.raises(SystemExit) as e:
        fixing.atomic_write(str(p), b"replaced\n")
    assert e.value.code == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == ["data.jsonl"] and p.read_text() == REC + "\n"


def test_a_sigterm_that_another_thread_takes_is_held_as_well(tmp_path, monkeypatch):
    """A signal sent to the process goes to any thread that does not block it, and Python then runs its
    handler in the main thread at once. A signal mask holds only the thread that sets it, so with another
    thread alive (a progress display, a user's program) the handler used to run inside the window,
    before the temporary file was named, and left it beside the data. Sent here to the other thread
    directly, as the kernel may."""
    import threading

    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    made = fixing._Temp.__init__

    def signalled(self, directory):
        made(self, directory)
        signal.pthread_kill(other.ident, signal.SIGTERM)
        time.sleep(0.05)  # the main thread runs Python's handler as soon as it can

    monkeypatch.setattr(fixing._Temp, "__init__", signalled)
    p = tmp_path / "data.jsonl"
    p.write_text(REC + "\n")
    try:
        with pytest.raises(SystemExit) as e:
            fixing.atomic_write(str(p), b"replaced\n")
    finally:
        stop.set()
        other.join()
    assert e.value.code == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == ["data.jsonl"] and p.read_text() == REC + "\n"


def test_a_hangup_that_the_process_ignores_does_not_stop_the_write(tmp_path, monkeypatch):
    """`nohup negaudit --fix`: SIGHUP is ignored from the start, and a closed terminal then must not end
    the write (it used to: the write's own handler replaced the ignore)."""
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    made = fixing._Temp.__init__

    def hung_up(self, directory):
        made(self, directory)
        os.kill(os.getpid(), signal.SIGHUP)

    monkeypatch.setattr(fixing._Temp, "__init__", hung_up)
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        p = tmp_path / "data.jsonl"
        p.write_text(REC + "\n")
        fixing.atomic_write(str(p), b"replaced\n")
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert os.listdir(tmp_path) == ["data.jsonl"] and p.read_text() == "replaced\n"
