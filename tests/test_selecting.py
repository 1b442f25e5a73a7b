"""File selection like ruff: default includes and excludes, .gitignore, exclude settings, files with no
dataset layout skipped when walked (an error when named), per-file-ignores relative to the config."""
import json
import os
import subprocess

import pytest
from typer.testing import CliRunner

from conftest import write_jsonl
from negaudit.cli import app

runner = CliRunner()
RISKY = {"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def check(*args, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, ["check", *[str(a) for a in args]], catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def scratch(tmp_path):
    """An ordinary repository: README, package.json, tsconfig (with a comment), node_modules, a
    gitignored data file, requirements.txt and one risky record in data/train.jsonl."""
    git(tmp_path, "init", "-q")
    (tmp_path / "README.md").write_text("# Project\n\nThis claim is false. Ed Sheeran won the 100m gold.\n")
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (tmp_path / "tsconfig.json").write_text('{\n  // comment\n  "compilerOptions": {}\n}\n')
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    write_jsonl(tmp_path / "node_modules" / "x" / "fixture.jsonl", [RISKY])
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "train.jsonl", [{"text": "Owls hunt at night."}, RISKY])
    write_jsonl(tmp_path / "data" / "private.jsonl", [RISKY])
    (tmp_path / ".gitignore").write_text("/data/private.jsonl\n")
    return tmp_path


def test_check_dot_reports_only_the_risky_record(scratch):
    r = check(".", "-f", "json", cwd=scratch)
    rep = json.loads(r.stdout)
    assert r.exit_code == 1, r.stderr
    assert rep["errors"] == []
    assert [(f["path"], f["line"]) for f in rep["findings"]] == [("data/train.jsonl", 2)]
    assert rep["summary"]["files"] == 1
    assert "package.json: not a dataset" in r.stderr and "tsconfig.json: not a dataset" in r.stderr
    assert "README" not in r.stderr and "requirements" not in r.stderr


def selected(root, *paths, cfg=None, **flags):
    """The files a run over `paths` (from the folder `root`) reads, and its notes: no audit."""
    from negaudit.cli import _selection
    from negaudit.config import load_config
    from negaudit.reading import iter_paths
    from negaudit.selecting import Selector

    old = os.getcwd()
    os.chdir(root)
    try:
        cfg = cfg or load_config()
        _selection(cfg, **flags)
        notes, errors = [], []
        files = list(iter_paths(list(paths), errors, notes, Selector(cfg.selection, cfg.fields)))
        assert errors == []
        return files, notes
    finally:
        os.chdir(old)


def test_gitignore_can_be_turned_off_and_excludes_extended(scratch):
    assert selected(scratch, ".")[0] == ["data/train.jsonl"]
    assert selected(scratch, ".", respect_gitignore=False)[0] == ["data/private.jsonl", "data/train.jsonl"]
    assert "node_modules/x/fixture.jsonl" in selected(scratch, ".", exclude=[".git"])[0]  # defaults replaced
    assert selected(scratch, ".", extend_exclude=["data/train.jsonl"])[0] == []
    # nested .gitignore files with git's precedence (the deeper one re-includes)
    (scratch / "data" / ".gitignore").write_text("!private.jsonl\n")
    assert selected(scratch, ".")[0] == ["data/private.jsonl", "data/train.jsonl"]
    (scratch / "data" / ".gitignore").unlink()
    # from a subfolder, a .gitignore higher up still applies, and so does the config's exclude
    assert selected(scratch / "data", ".")[0] == ["train.jsonl"]
    (scratch / ".negaudit.yaml").write_text("extend-exclude: [data/train.jsonl]\n")
    assert selected(scratch / "data", ".")[0] == []
    assert selected(scratch / "data", "train.jsonl")[0] == ["train.jsonl"]  # named: read
    assert selected(scratch / "data", "train.jsonl", force_exclude=True)[0] == []
    # a pattern typed on the command line in a subfolder is relative to that folder
    (scratch / ".negaudit.yaml").write_text("fail-on: high\n")
    assert selected(scratch / "data", ".", extend_exclude=["sub/*.jsonl"])[0] == ["train.jsonl"]
    (scratch / "data" / "sub").mkdir()
    write_jsonl(scratch / "data" / "sub" / "a.jsonl", [RISKY])
    assert selected(scratch / "data", ".", extend_exclude=["sub/*.jsonl"])[0] == ["train.jsonl"]
    assert selected(scratch, ".", extend_exclude=["sub/*.jsonl"])[0] == ["data/sub/a.jsonl", "data/train.jsonl"]


def test_named_files_are_audited_and_extend_include(scratch):
    r = check("package.json", "data/private.jsonl", "-f", "json", cwd=scratch)
    rep = json.loads(r.stdout)
    assert r.exit_code == 2 and "no text field" in rep["errors"][0]["message"]  # named: an error
    assert [f["path"] for f in rep["findings"]] == ["data/private.jsonl"]
    (scratch / ".negaudit.yaml").write_text('extend-include: ["*.md"]\n')
    assert selected(scratch, ".")[0] == ["README.md", "data/train.jsonl"]


def test_per_file_ignores_are_relative_to_the_config_folder(scratch):
    from negaudit.config import load_config

    (scratch / ".negaudit.yaml").write_text('per-file-ignores:\n  "data/train.jsonl": ["NN101"]\n  "*.ndjson": [NN2]\n')
    cfg = load_config(str(scratch / ".negaudit.yaml"))
    for path, cwd in (("data/train.jsonl", scratch), ("train.jsonl", scratch / "data"),
                      (str(scratch / "data" / "train.jsonl"), "/"), ("../data/train.jsonl", scratch / "node_modules")):
        old = os.getcwd()
        os.chdir(cwd)
        try:
            assert cfg.ignored_for(path) == ["NN101"], (path, cwd)
            assert cfg.ignored_for("deep/er/x.ndjson") == ["NN2"]  # a bare glob matches the file name
        finally:
            os.chdir(old)
    rep = json.loads(check("train.jsonl", "-f", "json", cwd=scratch / "data").stdout)
    assert rep["findings"] == [] and rep["summary"]["suppressed"] == 1
