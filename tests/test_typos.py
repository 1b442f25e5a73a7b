"""Typos fail loudly: unknown rule selectors, config keys, enum values and suppression keys exit 2 (or
are a record error) naming the file, the key and the closest valid value, before any model load."""
import pytest
from typer.testing import CliRunner

from conftest import write_jsonl
from negaudit.cli import app
from negaudit.config import from_mapping
from negaudit.errors import ConfigError
from negaudit.models import Record
from negaudit.rules import unknown_selector

runner = CliRunner()
IDS = ["NN101", "NN102", "NN201", "NN601"]
RISKY = {"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}


def test_selectors_are_codes_prefixes_or_all():
    assert unknown_selector("NN1", IDS) is None and unknown_selector("nn101", IDS) is None
    assert unknown_selector("ALL", IDS) is None
    assert "did you mean 'NN101'" in unknown_selector("NN1O1", IDS)
    assert "'XYZ'" in unknown_selector("XYZ", IDS) and "negaudit rules" in unknown_selector("XYZ", IDS)


@pytest.mark.parametrize("data, key, hint", [
    ({"selct": ["NN1"]}, "selct", "did you mean 'select'"),
    ({"fail-on": "hihg"}, "fail-on", "did you mean 'high'"),
    ({"train-on": "response"}, "train-on", "did you mean 'responses'"),
    ({"fields": {"txt": ["body"]}}, "fields.txt", "did you mean 'text'"),
    ({"respect-gitignore": "no"}, "respect-gitignore", "true or false"),
])
def test_config_typos_name_the_key_and_the_closest_value(data, key, hint):
    with pytest.raises(ConfigError) as e:
        from_mapping(data, "/repo/.negaudit.yaml")
    assert e.value.path == "/repo/.negaudit.yaml" and e.value.key == key and hint in e.value.reason


def test_unknown_selector_on_the_command_line_and_in_the_config(tmp_path, monkeypatch):
    p = write_jsonl(tmp_path / "d.jsonl", [RISKY])
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["check", str(p), "--select", "XYZ"])
    assert r.exit_code == 2 and "--select: unknown rule selector 'XYZ'" in r.stderr
    assert r.stdout == ""  # nothing audited
    (tmp_path / ".negaudit.yaml").write_text("ignore: [NN1O1]\n")
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 2
    assert f"{tmp_path / '.negaudit.yaml'}: ignore: unknown rule selector 'NN1O1' (did you mean 'NN101'?)" in r.stderr


def test_a_misspelt_suppression_key_is_a_record_error(auditor):
    res = auditor.audit_record(Record("t.jsonl", 3, 2, {**RISKY, "negaudit": {"ignroe": ["NN101"]}}))
    assert [f.rule for f in res.findings] == ["NN101"]  # not suppressed
    assert res.error.line == 3 and "unknown suppression key 'ignroe' (did you mean 'ignore'?)" in res.error.message
    res = auditor.audit_record(Record("t.jsonl", 1, 0, {**RISKY, "negaudit": {"ignore": "NN1O1"}}))
    assert "did you mean 'NN101'" in res.error.message
    res = auditor.audit_record(Record("t.jsonl", 1, 0, {**RISKY, "negaudit": {"ignore": ["NN101"]}}))
    assert res.error is None and res.findings == [] and res.suppressed == 1
