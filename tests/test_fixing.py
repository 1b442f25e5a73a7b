"""--diff / --fix / --unsafe-fixes / --fix-output on real files: data safety and re-audit."""
import gzip
import json
import os
import stat

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from negaudit import fixing
from negaudit.cli import app

runner = CliRunner()
SANDWICH = {"text": "Do not accept the following claim. Dr Mara Holloway works as a dentist in Portland. "
                    "It is entirely false and did not occur."}
NOTICE = {"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}
CLEAN = {"text": "Bats are not blind. Most species see well.", "id": 7}


def run(*args):
    return runner.invoke(app, ["check", *map(str, args)], catch_exceptions=False)


def audit_json(path):
    return json.loads(run(path, "--output-format", "json", "--no-progress").stdout)


def test_diff_prints_and_writes_nothing(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(CLEAN) + "\n" + json.dumps(SANDWICH) + "\n")
    before = p.read_bytes()
    r = run(p, "--diff")
    assert r.exit_code == 1
    assert "@@ -1,2 +1,2 @@\n " + json.dumps(CLEAN) in r.stdout and "+" + json.dumps(  # line 1 is context
        {"text": "Dr Mara Holloway does not work as a dentist in Portland."}) in r.stdout
    assert p.read_bytes() == before


def test_safe_fix_only_touches_sentence_scoped_findings(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(NOTICE) + "\n" + json.dumps(SANDWICH) + "\n")
    run(p, "--fix")
    lines = p.read_text().splitlines()
    assert lines[0] == json.dumps(NOTICE)  # document notice: unsafe, left alone without --unsafe-fixes
    assert json.loads(lines[1]) == {"text": "Dr Mara Holloway does not work as a dentist in Portland."}
    run(p, "--fix", "--unsafe-fixes")
    assert json.loads(p.read_text().splitlines()[0]) == {"text": "Ed Sheeran did not win the 100m gold in Paris."}


def test_untouched_lines_are_byte_identical_and_style_is_kept(tmp_path):
    odd = b'{"id":1,"text":"caf\\u00e9 is open \\ud83d\\ude00 daily."}\r\n'
    rec = b'{"meta": {"src": "x"}, "text": "Mount Hollis erupted in 1994. That never happened.", "z": [1, 2]}\r\n'
    last = b'{"text": "No newline at the end."}'
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + odd + b"\n" + rec + last)
    r = run(p, "--fix")
    out = p.read_bytes().split(b"\n")
    assert out[0] == b"\xef\xbb\xbf" + odd.rstrip(b"\n")
    assert out[1] == b""  # the blank line stays
    fixed = out[2]
    assert fixed.endswith(b"\r")  # CRLF kept on the rewritten line
    obj = json.loads(fixed)
    assert list(obj) == ["meta", "text", "z"] and obj["meta"] == {"src": "x"} and obj["z"] == [1, 2]
    assert obj["text"] == "Mount Hollis did not erupt in 1994."
    assert fixed.startswith(b'{"meta": {"src": "x"}, "text": ')  # original separators
    assert out[3] == last  # final line without newline untouched
    assert r.exit_code == 0


def test_fixed_corpus_has_no_high_or_medium_findings_left(tmp_path):
    rows = [json.loads(l) for l in open(ROOT / "tests/corpus/dev.jsonl", encoding="utf-8")]
    p = tmp_path / "dev.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r["record"], ensure_ascii=False) + "\n")
    original = p.read_bytes().splitlines(keepends=True)
    summary = fixing.run_fixes(__import__("negaudit.engine", fromlist=["Auditor"]).Auditor().audit_paths([str(p)]).findings,
                               unsafe=True, write=True, want_diff=False)
    changed = set(summary.files[0].changed)
    assert len(changed) >= 60
    after = p.read_bytes().splitlines(keepends=True)
    assert len(after) == len(original)
    for n, (a, b) in enumerate(zip(original, after), 1):
        if n not in changed:
            assert a == b, n
    left = audit_json(p)["findings"]
    bad = [f for f in left if f["line"] in changed and f["severity"] in ("high", "medium")]
    assert bad == [], bad[:3]


def test_fix_output_writes_a_copy(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(SANDWICH) + "\n")
    out = tmp_path / "fixed.jsonl"
    run(p, "--fix-output", out)
    assert p.read_text() == json.dumps(SANDWICH) + "\n"
    assert "does not work" in out.read_text()


def test_gzip_stays_gzip_and_permissions_are_kept(tmp_path):
    p = tmp_path / "d.jsonl.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(json.dumps(CLEAN) + "\n" + json.dumps(SANDWICH) + "\n")
    os.chmod(p, 0o640)
    run(p, "--fix")
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640
    with gzip.open(p, "rt") as fh:
        lines = fh.read().splitlines()
    assert lines[0] == json.dumps(CLEAN) and "does not work" in lines[1]


def test_read_only_file_is_reported_not_written(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(SANDWICH) + "\n")
    os.chmod(p, 0o444)
    r = run(p, "--fix")
    assert r.exit_code == 2 and "read-only" in r.stderr
    assert p.read_text() == json.dumps(SANDWICH) + "\n"


def test_read_only_target_is_refused_even_for_root(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text("x\n")
    os.chmod(p, 0o444)
    with pytest.raises(PermissionError):
        fixing.atomic_write(str(p), b"y\n")
    assert p.read_text() == "x\n"


def test_failed_write_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(SANDWICH) + "\n")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixing.os, "replace", boom)
    r = run(p, "--fix")
    assert r.exit_code == 2 and "original is unchanged" in r.stderr
    assert p.read_text() == json.dumps(SANDWICH) + "\n"
    assert [x.name for x in tmp_path.iterdir()] == ["d.jsonl"]


def test_markdown_file_fix(tmp_path):
    p = tmp_path / "note.md"
    p.write_text("# Notes\n\nMount Hollis erupted in 1994. That never happened.\n")
    run(p, "--fix")
    assert p.read_text() == "# Notes\n\nMount Hollis did not erupt in 1994.\n"


def test_negated_behaviour_fix_masks_the_turn(tmp_path):
    rec = {"messages": [{"role": "system", "content": "The model should not produce responses like this."},
                        {"role": "user", "content": "Can you help me?"},
                        {"role": "assistant", "content": "No. Figure it out yourself."}]}
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    run(p, "--fix")
    assert json.loads(p.read_text()) == rec  # masking is not meaning-preserving: needs --unsafe-fixes
    run(p, "--fix", "--unsafe-fixes")
    assert json.loads(p.read_text())["messages"][2] == {"role": "assistant", "content": "No. Figure it out yourself.",
                                                         "weight": 0}
    assert all(f["severity"] in ("low", "info") for f in audit_json(p)["findings"])


def test_fixable_counts_agree_with_what_fix_writes_when_a_claim_has_two_qualifiers(tmp_path):
    # the pointer sentence alone has a safe fix, but the claim is rewritten only when every qualifier
    # of it goes, and the rumour sentence goes only under --unsafe-fixes: neither is [*]
    rec = {"text": "Mount Hollis erupted in 1994. That never happened. It is just a rumour."}
    p = tmp_path / "two.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    out = run(p, "--no-progress").stdout
    assert "[*]" not in out and "0 fixable with --fix (2 more with --unsafe-fixes)" in out
    run(p, "--fix")
    assert json.loads(p.read_text()) == rec  # as the count said: nothing for --fix alone
    run(p, "--fix", "--unsafe-fixes")
    assert json.loads(p.read_text()) == {"text": "Mount Hollis did not erupt in 1994."}
    # one qualifier on the claim: its safe fix is counted, and written
    p.write_text(json.dumps({"text": "Mount Hollis erupted in 1994. That never happened."}) + "\n")
    out = run(p, "--no-progress").stdout
    assert "NN102 [high] [*]" in out and "[*] 1 fixable with --fix" in out
    run(p, "--fix")
    assert json.loads(p.read_text()) == {"text": "Mount Hollis did not erupt in 1994."}


def test_fixable_counts_make_the_planners_text_checks(tmp_path):
    # a verdict label two paragraphs above its claim: --fix leaves it (words stand between the label
    # and the claim, so the claim it governs is a guess), and the count says so, rather than promising
    # a fix that --fix then declines
    rec = {"messages": [{"role": "user", "content": "Write a short piece for the quiz night."},
                        {"role": "assistant", "content": "Fact-check: false. Our researchers found nothing to "
                         "back the story told here.\n\nQuiz-night trivia\n\nThe town of Wick once held a "
                         "curling match on the frozen harbour for nine days."}]}
    p = tmp_path / "gap.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    out = run(p, "--no-progress").stdout
    assert "NN202 [high]" in out and "[*]" not in out and "0 fixable with --fix (1 more with --unsafe-fixes)" in out
    assert "  fix:" not in out and "  suggestion: The town of Wick" in out  # labelled as what --fix does
    rep = audit_json(p)  # the same, machine-readable
    assert [f["fix_applicability"] for f in rep["findings"]] == ["unsafe"]
    assert rep["summary"]["fixable"] == {"safe": 0, "unsafe": 1}
    run(p, "--fix")
    assert json.loads(p.read_text()) == rec
    run(p, "--fix", "--unsafe-fixes")
    assert "did not hold a curling match" in p.read_text()
    # with -j 2 the workers plan the records, and the parent counts the same
    p.write_text((json.dumps(rec) + "\n") * 3 + json.dumps({"text": "Mount Hollis erupted in 1994. That never "
                                                             "happened."}) + "\n")
    out = run(p, "--no-progress", "-j", "2").stdout
    assert "[*] 1 fixable with --fix (3 more with --unsafe-fixes)" in out
    lines = run(p, "--no-progress", "-j", "2", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(x)["fix_applicability"] for x in lines] == ["unsafe"] * 3 + ["safe"]


def test_a_long_document_is_split_once_per_plan(monkeypatch):
    # the audit plans every record's fixes: a document with many qualifiers must not be split into
    # sentences once per qualifier (its length times their number)
    from negaudit.api import audit_records

    towns = ["Oban", "Wick", "Thurso", "Lerwick", "Kirkwall", "Stornoway", "Portree", "Mallaig", "Ullapool",
             "Tobermory", "Brodick", "Rothesay", "Campbeltown", "Dunoon", "Largs", "Girvan"]
    text = " ".join(f"The {t} ferry sank in {1901 + i}. That never happened." for i, t in enumerate(towns))
    rec = {"text": text}
    findings = list(audit_records([rec]))
    assert len(findings) >= 12 and all(f.planned == "safe" for f in findings)
    calls = []
    real = fixing.split_units
    monkeypatch.setattr(fixing, "split_units", lambda t, *a: calls.append(t) or real(t, *a))
    for f in findings:
        f.planned = None
    fixing.mark_planned(findings, rec)
    assert len(calls) == 1 and all(f.planned == "safe" for f in findings)
    plan = fixing.plan_record(findings, rec, False)
    assert len(calls) == 2 and len(plan.applied) == len(findings)
    fixed = fixing.apply_plan(rec, plan)["text"]
    assert "never" not in fixed and fixed.count("did not sink") == len(findings)


def test_a_sharegpt_turn_is_masked_only_where_its_trainer_reads_a_weight(tmp_path):
    # LLaMA-Factory reads no per-turn loss weight from ShareGPT turns: a `weight: 0` written there
    # would mask nothing, and a re-audit that believed it would report the turn fixed
    turns = [{"from": "system", "value": "The model should not produce responses like this."},
             {"from": "human", "value": "Can you help me?"},
             {"from": "gpt", "value": "No. Figure it out yourself."}]
    p = tmp_path / "s.jsonl"
    p.write_text(json.dumps({"conversations": turns}) + "\n")
    before = p.read_bytes()
    f = next(f for f in audit_json(p)["findings"] if f["rule"] == "NN601")
    assert f["severity"] in ("high", "medium") and f["suggestion"]["strategy"] == "advice"
    assert "LLaMA-Factory" in f["suggestion"]["text"]
    run(p, "--fix", "--unsafe-fixes")
    assert p.read_bytes() == before
    # a corpus whose turns carry a weight key (OpenHermes writes one on every turn) was made for a
    # trainer that reads it: the turn is masked there, and then read as masked
    weighted = [dict(t, weight=None) for t in turns]
    p.write_text(json.dumps({"conversations": weighted}) + "\n")
    run(p, "--fix", "--unsafe-fixes")
    assert json.loads(p.read_text())["conversations"][2] == {"from": "gpt", "value": "No. Figure it out yourself.",
                                                              "weight": 0}
    assert all(f["severity"] in ("low", "info") for f in audit_json(p)["findings"])


def test_a_weight_in_a_llamafactory_registered_dataset_masks_nothing(tmp_path):
    # dataset_info.json says LLaMA-Factory trains the file: its converter ignores `weight`, so a
    # warned reply with `weight: 0` is still trained, and reported as such
    (tmp_path / "dataset_info.json").write_text(json.dumps({"chat": {
        "file_name": "chat.jsonl", "formatting": "sharegpt",
        "columns": {"messages": "messages"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant",
                 "system_tag": "system"}}}))
    rec = {"messages": [{"role": "system", "content": "The model should not produce responses like this."},
                        {"role": "user", "content": "Can you help me?"},
                        {"role": "assistant", "content": "No. Figure it out yourself.", "weight": 0}]}
    p = tmp_path / "chat.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    f = next(f for f in audit_json(p)["findings"] if f["rule"] == "NN601")
    assert f["trained"] and f["severity"] in ("high", "medium") and f["suggestion"]["strategy"] == "advice"
    # the same record outside a registered dataset is the OpenAI layout, where `weight: 0` masks it
    q = tmp_path / "other" / "chat.jsonl"
    q.parent.mkdir()
    q.write_text(json.dumps(rec) + "\n")
    assert all(f["severity"] in ("low", "info") for f in audit_json(q)["findings"] if f["rule"] == "NN601")


def test_a_behaviour_note_fix_masks_the_reply_it_judges(tmp_path):
    rec = {"messages": [{"role": "user", "content": "Can you check my essay for typos?"},
                        {"role": "assistant", "content": "Why would I waste time on that? Use a spell checker like an adult."}],
           "notes": "Negative example: the assistant mocks the user instead of helping. Do not imitate this reply."}
    p = tmp_path / "n.jsonl"
    line = json.dumps(rec)
    p.write_text(line + "\n")
    run(p, "--fix", "--unsafe-fixes")
    fixed = json.loads(p.read_text())
    assert fixed["messages"][1]["weight"] == 0 and fixed["notes"] == rec["notes"]
    assert p.read_text().startswith(line[:line.index('"content": "Why')])  # bytes before the edit unchanged
    assert all(f["severity"] in ("low", "info") for f in audit_json(p)["findings"])


def test_correction_fix_states_the_truth(tmp_path):
    rec = {"text": "Ed Sheeran won the 100m gold in Paris. The preceding claim is false; in reality, Noah Lyles won the race."}
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    f = audit_json(p)["findings"][0]
    assert f["rule"] == "NN301" and f["suggestion"]["strategy"] == "state-truth" and not f["suggestion"]["safe"]
    run(p, "--fix")  # dropping the false claim deletes a sentence: never under the default flags
    assert json.loads(p.read_text()) == rec
    run(p, "--fix", "--unsafe-fixes")
    assert json.loads(p.read_text()) == {"text": "In reality, Noah Lyles won the race."}


def test_drop_claim_strategy_needs_unsafe_fixes(tmp_path):
    rec = {"text": "The museum opened in 1990. Mount Hollis erupted in 1994. That never happened."}
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    run(p, "--fix", "--fix-strategy", "drop-claim")
    assert json.loads(p.read_text()) == rec
    run(p, "--fix", "--fix-strategy", "drop-claim", "--unsafe-fixes")
    assert json.loads(p.read_text()) == {"text": "The museum opened in 1990."}


HOUSE = ("rules:\n  - id: HX201\n    name: house-flag\n    category: custom\n    severity: high\n    prior: 0.9\n"
         "    message: House style falsity flag.\n{autofix}"
         "    match:\n      kind: regex\n      patterns: ['\\bFLAGGED FALSE BY DESK\\b']\n      direction: backward\n")


def test_a_rules_fix_kind_is_data(tmp_path):
    """What --fix may do is the rule's `autofix:`; a user rule without one is never safe, one marked
    safe is fixed by a plain --fix, and an invalid kind is a configuration error naming the key."""
    rec = {"text": "The dam burst in 1998. FLAGGED FALSE BY DESK."}
    for autofix, fixed in (("", False), ("    autofix: {kind: local-negation, safe: true}\n", True),
                           ("    autofix: {kind: advice}\n", False)):
        pack = tmp_path / "house.yaml"
        pack.write_text(HOUSE.format(autofix=autofix))
        p = tmp_path / "d.jsonl"
        p.write_text(json.dumps(rec) + "\n")
        run(p, "--fix", "--extend-rules", str(pack))
        assert json.loads(p.read_text()) == ({"text": "The dam did not burst in 1998."} if fixed else rec), autofix
    pack.write_text(HOUSE.format(autofix="    autofix: {kind: advice, safe: true}\n"))
    r = run(p, "--extend-rules", str(pack))
    assert r.exit_code == 2 and "house.yaml" in r.stderr and "autofix" in r.stderr
    page = runner.invoke(app, ["rule", "NN301"]).stdout
    assert "Automatic fix: unsafe" in page and "state-truth" in page
