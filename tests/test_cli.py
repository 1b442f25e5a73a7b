"""The command line through typer's runner: the JSON contract, exit codes, config errors, rule pages."""
import json

import pytest

from typer.testing import CliRunner

from conftest import ROOT, write_jsonl
from negaudit.cli import app

runner = CliRunner()
NEGATED = {"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}
CLEAN = {"text": "Bats are not blind. Most species see well."}


def run(args, cwd=None):
    return runner.invoke(app, args, catch_exceptions=False)


def test_json_report_follows_the_contract(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [CLEAN, NEGATED])
    r = run(["check", str(p), "--output-format", "json"])
    assert r.exit_code == 1
    rep = json.loads(r.stdout)
    assert set(rep) == {"version", "schema", "summary", "cluster_stats", "clusters", "findings", "errors"}
    assert {"files", "records", "findings", "errors", "by_rule", "by_severity"} <= set(rep["summary"])
    assert rep["summary"]["records"] == 2 and rep["summary"]["files"] == 1
    f = rep["findings"][0]
    for key in ("rule", "severity", "risk", "path", "line", "record", "field", "trained", "qualifier", "claim",
                "message", "suggestion"):
        assert key in f
    assert f["rule"] == "NN101" and f["line"] == 2 and f["record"] == 1 and f["field"] == "/text"
    assert 0 <= f["risk"] <= 1 and f["severity"] == "high" and f["trained"] is True
    text = NEGATED["text"]
    assert text[f["qualifier"]["start"]:f["qualifier"]["end"]] == f["qualifier"]["text"]
    assert text[f["claim"]["start"]:f["claim"]["end"]] == f["claim"]["text"] == "Ed Sheeran won the 100m gold in Paris."
    assert f["suggestion"] == {"text": "Ed Sheeran did not win the 100m gold in Paris.", "safe": False,
                               "strategy": "local-negation", "fix": "local-negation"}  # NN101: never safe


def test_jsonl_streams_finding_objects(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [NEGATED, NEGATED])
    r = run(["check", str(p), "--output-format", "jsonl"])
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert [l["record"] for l in lines] == [0, 1]


def test_exit_codes_and_fail_on(tmp_path):
    clean = write_jsonl(tmp_path / "c.jsonl", [CLEAN])
    bad = write_jsonl(tmp_path / "b.jsonl", [NEGATED])
    assert run(["check", str(clean)]).exit_code == 0
    assert run(["check", str(bad)]).exit_code == 1
    assert run(["check", str(bad), "--fail-on", "never"]).exit_code == 0
    corr = write_jsonl(tmp_path / "m.jsonl", [{"text": "Ed Sheeran won the 100m gold. The preceding claim is false; in reality, Noah Lyles won the race."}])
    assert run(["check", str(corr), "--fail-on", "high"]).exit_code == 0
    assert run(["check", str(corr), "--fail-on", "medium"]).exit_code == 1


def test_bad_input_is_reported_and_the_rest_audited(tmp_path):
    p = tmp_path / "mixed.jsonl"
    p.write_bytes(b'{"text": "ok"}\n{not json\n{"foo": 1}\n\xff\n' + json.dumps(NEGATED).encode() + b"\n")
    r = run(["check", str(p), "--output-format", "json"])
    assert r.exit_code == 2
    rep = json.loads(r.stdout)
    assert [e["line"] for e in rep["errors"]] == [2, 3, 4]
    assert all(e["path"] == str(p) for e in rep["errors"])
    assert "no text field" in rep["errors"][1]["message"]
    assert [f["line"] for f in rep["findings"]] == [5]


def test_missing_path_is_exit_2(tmp_path):
    r = run(["check", str(tmp_path / "nope.jsonl"), "--output-format", "json"])
    assert r.exit_code == 2 and "no such file" in json.loads(r.stdout)["errors"][0]["message"]


def test_select_and_ignore(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [NEGATED])
    assert run(["check", str(p), "--ignore", "NN101"]).exit_code == 0
    rep = json.loads(run(["check", str(p), "--select", "NN1", "--output-format", "json"]).stdout)
    assert {f["rule"] for f in rep["findings"]} <= {"NN101", "NN102", "NN103", "NN104", "NN105", "NN106", "NN107"}


POINTED = {"text": "The Danube froze solid in 2021. The preceding statement is false."}


@pytest.mark.parametrize("args", [["--ignore", "NN102"], ["--select", "NN2"], ["--ignore", "ALL"],
                                  ["--select", "NN5", "--ignore", "NN501"]])
def test_a_deselected_rule_leaves_no_finding_under_another_rule(tmp_path, args):
    """Deselecting the rule that explains a sentence drops its finding; it must not hand the sentence
    to another rule (it was reported as NN205, a numbered pointer, and failed the gate)."""
    p = write_jsonl(tmp_path / "d.jsonl", [POINTED])
    assert [f["rule"] for f in json.loads(run(["check", str(p), "-f", "json"]).stdout)["findings"]] == ["NN102"]
    r = run(["check", str(p), "-f", "json", *args])
    assert r.exit_code == 0 and json.loads(r.stdout)["findings"] == [], r.stdout


def test_all_suppresses_every_rule_in_a_record_and_per_file(tmp_path, monkeypatch):
    p = write_jsonl(tmp_path / "d.jsonl", [dict(POINTED, negaudit={"ignore": ["ALL"]})])
    rep = json.loads(run(["check", str(p), "-f", "json"]).stdout)
    assert rep["findings"] == [] and rep["summary"]["suppressed"] == 1
    q = write_jsonl(tmp_path / "e.jsonl", [POINTED])
    (tmp_path / "pyproject.toml").write_text('[tool.negaudit]\nper-file-ignores = {"e.jsonl" = ["ALL"]}\n')
    monkeypatch.chdir(tmp_path)
    rep = json.loads(run(["check", "e.jsonl", "-f", "json"]).stdout)
    assert rep["findings"] == [] and rep["summary"]["suppressed"] == 1


def test_a_found_pyproject_that_is_not_valid_toml_is_an_error(tmp_path, monkeypatch):
    """A broken pyproject.toml holding [tool.negaudit] was skipped in the search, so the run went on
    with the defaults (a CI gate lost its fail-on, select and ignore) and no message."""
    p = write_jsonl(tmp_path / "d.jsonl", [NEGATED])
    (tmp_path / "pyproject.toml").write_text('[tool.negaudit]\nfail-on = "never"\n[broken\n')
    monkeypatch.chdir(tmp_path)
    r = run(["check", str(p)])
    assert r.exit_code == 2 and "pyproject.toml" in r.stderr and "invalid TOML" in r.stderr
    (tmp_path / "pyproject.toml").write_text('[project\nname = "other"\n')  # not ours: still skipped
    assert run(["check", str(p)]).exit_code == 1


def test_record_suppression_is_counted(tmp_path):
    rec = dict(NEGATED, negaudit={"ignore": ["NN101"]})
    p = write_jsonl(tmp_path / "d.jsonl", [rec])
    r = run(["check", str(p), "--output-format", "json"])
    rep = json.loads(r.stdout)
    assert r.exit_code == 0 and rep["findings"] == [] and rep["summary"]["suppressed"] == 1


def test_pyproject_config_and_invalid_key(tmp_path, monkeypatch):
    p = write_jsonl(tmp_path / "d.jsonl", [NEGATED])
    (tmp_path / "pyproject.toml").write_text('[tool.negaudit]\nignore = ["NN101"]\nfail-on = "high"\n')
    monkeypatch.chdir(tmp_path)
    assert run(["check", str(p)]).exit_code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.negaudit]\nfail_onn = "high"\n')
    r = run(["check", str(p)])
    assert r.exit_code == 2
    assert "pyproject.toml" in r.stderr and "fail_onn" in r.stderr and "unknown key" in r.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.negaudit]\nfail-on = "sometimes"\n')
    r = run(["check", str(p)])
    assert r.exit_code == 2 and "fail-on" in r.stderr


def test_yaml_config_and_extra_rule_pack(tmp_path, monkeypatch):
    pack = tmp_path / "house.yaml"
    pack.write_text(
        "rules:\n"
        "  - id: HX101\n    name: house-retraction\n    category: custom\n    severity: high\n    prior: 0.9\n"
        "    message: House style retraction marker.\n"
        "    match:\n      kind: regex\n      patterns: ['\\bRETRACTED BY DESK\\b']\n      direction: backward\n")
    (tmp_path / ".negaudit.yaml").write_text("extend: [house.yaml]\n")
    p = write_jsonl(tmp_path / "d.jsonl", [{"text": "The dam burst in 1998. RETRACTED BY DESK."}])
    monkeypatch.chdir(tmp_path)
    rep = json.loads(run(["check", str(p), "--output-format", "json"]).stdout)
    assert [f["rule"] for f in rep["findings"]] == ["HX101"]
    assert rep["findings"][0]["claim"]["text"] == "The dam burst in 1998."


def test_invalid_rule_pack_names_file_and_key(tmp_path):
    pack = tmp_path / "bad.yaml"
    pack.write_text("rules:\n  - id: HX1\n    name: x\n")
    p = write_jsonl(tmp_path / "d.jsonl", [CLEAN])
    r = run(["check", str(p), "--extend-rules", str(pack)])
    assert r.exit_code == 2 and "bad.yaml" in r.stderr and "id" in r.stderr


def test_rules_and_rule_pages():
    r = run(["rules", "--output-format", "json"])
    codes = [x["id"] for x in json.loads(r.stdout)]
    assert "NN101" in codes and len(codes) == len(set(codes))
    for code in codes:
        page = run(["rule", code]).stdout
        for part in ("## What it finds", "## Why it matters", "## Example", "## Fix", "Prior risk", "Automatic fix:"):
            assert part in page, (code, part)
    assert "88.6%" in run(["rule", "NN101"]).stdout
    assert run(["rule", "XX999"]).exit_code == 2


def test_blank_pipeline_fallback_warns(tmp_path, monkeypatch):
    import negaudit.nlp as nlp

    monkeypatch.setattr(nlp, "DEFAULT_MODELS", ("no_such_pipeline_xyz",))
    monkeypatch.setattr(nlp, "_CACHE", {})
    p = write_jsonl(tmp_path / "d.jsonl", [{"text": "Mount Hood erupted in 1994. That never happened."}])
    r = run(["check", str(p), "--output-format", "json"])
    assert "blank English pipeline" in r.stderr
    assert json.loads(r.stdout)["findings"][0]["rule"] == "NN102"


def test_unknown_model_is_a_clear_error(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"text": "Mount Hood erupted in 1994. That never happened."}])
    r = run(["check", str(p), "--model", "no_such_pipeline_xyz"])
    assert r.exit_code == 2 and "no_such_pipeline_xyz" in r.stderr


def test_examples_directory(tmp_path):
    # a directory is walked for dataset files (JSON Lines, JSON, Parquet); a Markdown document is
    # audited when named (or matched by extend-include)
    r = run(["check", str(ROOT / "examples"), str(ROOT / "examples" / "press_release.md"), "--output-format", "json"])
    rep = json.loads(r.stdout)
    assert r.exit_code == 1 and rep["summary"]["files"] == 4
    clean = [f for f in rep["findings"] if f["path"].endswith("clean.jsonl")]
    assert clean == []


def test_api_audit_records():
    import negaudit

    out = list(negaudit.audit_records([CLEAN, NEGATED]))
    assert [f["record"] for f in out] == [1] and out[0]["rule"] == "NN101"


def test_api_audit_records_reports_records_it_cannot_audit():
    import negaudit
    from negaudit.engine import NegauditWarning

    bad = {"id": 7, "label": "x"}  # no text field
    with pytest.warns(NegauditWarning, match="record 1 of <records>: record has no text field"):
        out = list(negaudit.audit_records([CLEAN, bad, NEGATED]))
    assert [f["record"] for f in out] == [2]
    with pytest.raises(ValueError, match="record 0"):
        list(negaudit.audit_records([bad], on_error="raise"))


def test_api_audit_records_reads_merged_arrow_rows():
    # Arrow-based readers (Ray, Spark, HF datasets) fill the keys a record lacks with None
    import negaudit

    row = {**NEGATED, "chosen": None, "rejected": None, "messages": None, "completion": None, "label": None}
    out = list(negaudit.audit_records([row], on_error="raise"))
    assert [f["rule"] for f in out] == ["NN101"]


def test_progress_bar_goes_to_stderr_only(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [CLEAN] * 450)
    r = run(["check", str(p), "--progress", "--output-format", "json"])
    rep = json.loads(r.stdout)  # stdout stays pure JSON with a progress bar running
    assert rep["summary"]["records"] == 450 and r.exit_code == 0


def test_dask_refuses_reader_options_it_would_ignore(tmp_path, monkeypatch):
    # the Dask readers take a file's kind from its suffix: a forced --format, or CSV options, would be
    # silently ignored there, so the run stops before anything is read
    p = tmp_path / "rows.txt"
    p.write_text("text;label\nEd Sheeran won the 100m gold.;false\n")
    r = run(["check", str(p), "--format", "csv", "--dask", "local"])
    assert r.exit_code == 2 and "--dask reads every file by its suffix" in " ".join(r.stderr.split())
    (tmp_path / "pyproject.toml").write_text('[tool.negaudit.csv]\ndelimiter = ";"\n')
    monkeypatch.chdir(tmp_path)
    q = tmp_path / "rows.csv"
    q.write_text("text;label\nEd Sheeran won the 100m gold.;false\n")
    r = run(["check", str(q), "--dask", "local"])
    assert r.exit_code == 2 and "cannot be used with it" in " ".join(r.stderr.split())
    assert run(["check", str(q), "--no-progress"]).exit_code in (0, 1)  # without --dask the options apply


def test_input_and_config_errors_speak_json_and_one_line(tmp_path, monkeypatch):
    """Python's type names ("JSON NoneType") and a YAML error's own line breaks (printed as a literal
    \\n) made two error messages hard to read."""
    p = tmp_path / "t.jsonl"
    p.write_text("null\n[1]\n3\ntrue\n")
    r = run(["check", str(p), "-f", "json"])
    assert [e["message"] for e in json.loads(r.stdout)["errors"]] == [
        f"record is a JSON {t}, expected an object" for t in ("null", "array", "number", "boolean")]
    (tmp_path / ".negaudit.yaml").write_text("select: [NN1\nignore: x\n")
    monkeypatch.chdir(tmp_path)
    r = run(["check", str(p)])
    assert r.exit_code == 2 and "\\n" not in r.stderr and "line 2, column" in r.stderr and "invalid YAML" in r.stderr
