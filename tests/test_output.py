"""Output like ruff/semgrep: one unwrapped `path:line:col: CODE [severity] message` line per finding
outside a terminal, the field and record id, the [*] fix marker and footer, --statistics,
--exit-zero, stdin, -o in the chosen format with the normal umask, several outputs from one audit."""
import json
import os
import stat

import pytest
from typer.testing import CliRunner

from conftest import ROOT, write_jsonl
from negaudit.cli import app

runner = CliRunner()
NOTICE = {"id": "doc-7", "text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}
SANDWICH = {"text": "Mount Hollis erupted in 1994. That never happened."}


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deep = tmp_path / "data" / ("a-long-folder-name-that-pushes-the-line-past-eighty-columns" * 2)
    deep.mkdir(parents=True)
    write_jsonl(deep / "train.jsonl", [{"text": "Owls hunt at night."}, NOTICE, SANDWICH])
    return deep.relative_to(tmp_path) / "train.jsonl"


def test_one_line_per_finding_with_column_field_id_and_fix_marker(data):
    r = runner.invoke(app, ["check", "data"])
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    notice = f'{data}:2:26: NN101 [high] Document-level notice says the content is false'
    sandwich = f'{data}:3:41: NN102 [high] [*] A separate sentence negates a neighbouring claim'
    assert any(l.startswith(notice) for l in lines), r.stdout  # unwrapped, although far over 80 columns
    assert any(l.startswith(sandwich) for l in lines), r.stdout
    assert "  qualifier in /text (record 1, id doc-7, risk 0.89): NOTICE: the events described below never happened" in lines
    assert "[*] 1 fixable with --fix (1 more with --unsafe-fixes)" in lines


def test_the_fix_suggestion_and_advice_labels_keep_a_space_before_the_text(data):
    r = runner.invoke(app, ["check", "data"])
    rows = [l for l in r.stdout.splitlines() if l.startswith(("  fix:", "  suggestion:", "  advice:"))]
    assert rows, r.stdout
    for l in rows:  # every label is followed by a space, and the texts start in one column
        label, _, rest = l[2:].partition(":")
        assert rest.startswith(" ") and not rest.strip() == "", l
        assert len(l) - len(l[14:]) == 14 and l[13] == " " and l[14] != " ", l


def test_one_audit_writes_every_output(data, tmp_path):
    os.umask(0o022)
    r = runner.invoke(app, ["check", "data", "-o", "report.txt", "--sarif-output", "out/../r.sarif",
                            "--markdown-output", "summary.md", "--json-output", "r.json", "--annotations"])
    assert r.exit_code == 1, r.stderr
    text = (tmp_path / "report.txt").read_text()  # -o writes the chosen format: text, from the suffix
    assert f"{data}:2:26: NN101 [high]" in text and not text.startswith("{")
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    assert {x["ruleId"] for x in sarif["runs"][0]["results"]} == {"NN101", "NN102"}
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["findings"] == 2
    assert "| NN101 | 1 |" in (tmp_path / "summary.md").read_text()
    for name in ("report.txt", "r.sarif", "r.json", "summary.md"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o644, name
    ann = [l for l in r.stdout.splitlines() if l.startswith("::")]
    assert len(ann) == 2 and ann[0].startswith(f"::error file={data},line=2,col=26,title=NN101 high")
    assert "2 findings (2 high)" in r.stdout  # the terminal summary too, from the same audit


def test_stdin_statistics_and_exit_zero():
    body = "\n".join(json.dumps(x) for x in (NOTICE, SANDWICH, SANDWICH)) + "\n"
    r = runner.invoke(app, ["check", "-", "--stdin-filename", "corpus.jsonl", "--statistics", "--exit-zero"], input=body)
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "2  NN102  [*] detached-sentence-negation"
    assert lines[1].startswith("1  NN101      detached-")
    r = runner.invoke(app, ["check", "-", "-f", "jsonl"], input=body)
    assert r.exit_code == 1 and [json.loads(l)["path"] for l in r.stdout.splitlines()] == ["-", "-", "-"]


def test_the_sarif_home_is_the_project_url():
    import tomllib

    from negaudit.formats import INFORMATION_URI

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["urls"]["Homepage"] == INFORMATION_URI


def test_reports_validate_against_the_shipped_schema(tmp_path):
    import jsonschema

    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join(json.dumps(x) for x in (NOTICE, SANDWICH, {"foo": 1})) + "\n{bad\n")
    (tmp_path / "doc.md").write_text("# T\n\nMount Hollis erupted in 1994. That never happened.\n")
    r = runner.invoke(app, ["check", str(p), str(tmp_path / "doc.md"), "-f", "json"])
    rep = json.loads(r.stdout)
    assert r.exit_code == 2 and len(rep["errors"]) == 2 and len(rep["findings"]) == 3
    jsonschema.validate(rep, schema)
    for line in runner.invoke(app, ["check", str(p), "-f", "jsonl"]).stdout.splitlines():
        jsonschema.validate(json.loads(line), {**schema["$defs"]["finding"], "$defs": schema["$defs"]})


def test_the_column_is_the_qualifiers_own_when_it_sits_in_another_field(tmp_path):
    """A label (or a notice in another turn) governs a claim in another field: the column points at the
    qualifier, as the docs say, not at the same offset in the claim's field."""
    line = '{"id": "3872.json", "label": "false", "text": "The bridge over the Avon opened in 1987."}'
    p = tmp_path / "liar.jsonl"
    p.write_text(line + "\n")
    r = runner.invoke(app, ["check", str(p), "-f", "json", "--no-progress"])
    [f] = json.loads(r.stdout)["findings"]
    assert f["qualifier"]["field"] == "/label" and f["field"] == "/text"
    assert line[f["column"] - 1:].startswith("false")



def test_the_terminal_names_the_qualifiers_own_field_and_counts_baselined(tmp_path):
    p = tmp_path / "l.jsonl"
    p.write_text(json.dumps({"text": "Lake Vostra lies on the island of Jersey.", "label": "false"}) + "\n")
    r = runner.invoke(app, ["check", str(p)])
    assert any(l.startswith("  qualifier in /label (") for l in r.stdout.splitlines()), r.stdout
    base = tmp_path / "base.json"
    assert runner.invoke(app, ["baseline", "create", str(p), "--output", str(base)]).exit_code == 0
    r = runner.invoke(app, ["check", str(p), "--baseline", str(base)])
    assert r.exit_code == 0 and "1 baselined" in r.stdout, r.stdout


def test_columns_of_many_findings_in_one_escaped_field_are_each_qualifiers_own(tmp_path):
    """A long record's columns are placed in one pass over the field (each finding decoded the line up to
    itself); every column must still be where its qualifier starts in the raw line, escapes counted."""
    parts = []
    for i in range(30):
        parts.append(f"Caf\u00e9 n\u00ba{i} opened on the pier in {1900 + i}, \U0001F600 said the \"guide\".\n"
                     "The preceding statement is false.")
    text = "\n\n".join(parts)
    line = json.dumps({"id": 1, "text": text})  # ASCII escapes: \u00e9, a surrogate pair, \n, \"
    p = tmp_path / "many.jsonl"
    p.write_text(line + "\n")
    found = json.loads(runner.invoke(app, ["check", str(p), "-f", "json"]).stdout)["findings"]
    assert len(found) >= 20
    head = line.index('"text": "') + len('"text": "')
    for f in found:
        k = f["qualifier"]["start"]
        assert text[k:f["qualifier"]["end"]] == f["qualifier"]["text"]
        assert f["column"] == head + len(json.dumps(text[:k])) - 2 + 1


def test_sarif_fingerprints_differ_for_a_repeated_record(tmp_path):
    # code scanning merges results that share a partial fingerprint: a duplicated record's finding
    # must stay a separate alert, and the first one keeps the fingerprint it had before the copy
    once, twice = tmp_path / "once.jsonl", tmp_path / "twice.jsonl"
    once.write_text(json.dumps(SANDWICH) + "\n")
    twice.write_text(json.dumps(SANDWICH) + "\n" + json.dumps(SANDWICH) + "\n")

    def prints(p):
        run = json.loads(runner.invoke(app, ["check", str(p), "-f", "sarif"]).stdout)["runs"][0]
        return [r["partialFingerprints"]["negaudit/v1"] for r in run["results"]]

    first, both = prints(once), prints(twice)
    assert len(first) == 1 and len(both) == 2
    assert both[0] == first[0] and both[1] == first[0] + ":2"


def test_annotations_beside_a_machine_report_on_stdout_go_to_stderr(tmp_path):
    # `-f json --annotations` with no -o: the JSON on stdout must stay parseable
    data = write_jsonl(tmp_path / "d.jsonl", [NOTICE, SANDWICH])
    r = runner.invoke(app, ["check", str(data), "-f", "json", "--annotations"])
    assert r.exit_code == 1
    assert len(json.loads(r.stdout)["findings"]) == 2
    assert [l for l in r.stderr.splitlines() if l.startswith("::error ")][0].startswith(f"::error file={data},line=")
    r = runner.invoke(app, ["check", str(data), "-f", "github", "--annotations"])  # not printed twice
    assert len([l for l in r.stdout.splitlines() if l.startswith("::")]) == 2
