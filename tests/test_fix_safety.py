"""Data safety of --fix, --fix-output, --diff and -o under careless and concurrent use (issue 13).

Each test names the reproduction it ports (its case number).
"""
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import write_jsonl
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
