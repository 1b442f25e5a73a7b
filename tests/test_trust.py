"""What a pull request can put in the audited tree: code, configs, rule packs, symlinks, file names.

Each test is a reproduction from issue 13 (case number in the name's docstring) turned into a check
of the behaviour negaudit promises in SECURITY.md.
"""
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from negaudit.cli import app

runner = CliRunner()


def one_line(s: str) -> str:
    """stderr with rich's line wrapping undone."""
    return " ".join(s.split())


SANDWICH = ("Do not accept the following claim. Dr Mara Holloway works as a dentist in Portland. "
            "It is entirely false and did not occur.")


def python_m(cwd, *args, timeout=300):
    """`python -m negaudit ...` run in `cwd`, as a CI job in a pull request's checkout would."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    return subprocess.run([sys.executable, "-m", "negaudit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


# ---------------------------------------------------------------------- 22: code from the checkout
def test_python_m_does_not_import_a_shadowing_module_from_the_checkout(tmp_path):
    """22 (b): a zstandard.py in the checkout must not run when a .zst file is audited."""
    (tmp_path / "zstandard.py").write_text(
        "import pathlib; pathlib.Path('PWNED_zst').write_text('x')\nraise ImportError('shadowed')\n")
    (tmp_path / "a.jsonl.zst").write_bytes(b"x")
    r = python_m(tmp_path, "check", "a.jsonl.zst", "--no-progress", "-q")
    assert not (tmp_path / "PWNED_zst").exists()
    assert r.returncode == 2 and "decompress" in r.stdout + r.stderr  # the real zstandard rejected the bytes


def _evil_model_package(d):
    (d / "evilpkg").mkdir()
    (d / "evilpkg" / "__init__.py").write_text(
        "import pathlib; pathlib.Path('PWNED_model').write_text('x')\ndef load(**kw): raise SystemExit('evilpkg')\n")
    (d / "evilpkg" / "meta.json").write_text("{}")  # looks like a pipeline package, too
    (d / "evilpkg-0.0.dist-info").mkdir()
    (d / "evilpkg-0.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: evilpkg\nVersion: 0.0\n")
    (d / "evilpkg-0.0.dist-info" / "RECORD").write_text("")
    (d / "d.jsonl").write_text(json.dumps({"text": SANDWICH}) + "\n")


def test_config_model_cannot_import_a_package_from_the_checkout(tmp_path):
    """22 (a): `model: evilpkg` in the checkout's .negaudit.yaml names a package the PR ships."""
    _evil_model_package(tmp_path)
    (tmp_path / ".negaudit.yaml").write_text("model: evilpkg\n")
    r = python_m(tmp_path, "check", "d.jsonl", "--no-progress", "-q")
    assert not (tmp_path / "PWNED_model").exists()
    assert r.returncode == 2 and "evilpkg" in r.stderr and "installed spaCy pipeline package" in one_line(r.stderr)
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("value", ["./evilpkg", "evilpkg/", "/tmp/model", "../models/x", "en_core_web_sm.evil"])
def test_config_model_may_not_be_a_path(tmp_path, monkeypatch, value):
    """22: a config file may only name an installed pipeline package, never a path."""
    _evil_model_package(tmp_path)
    (tmp_path / ".negaudit.yaml").write_text(f"model: {json.dumps(value)}\n")
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["check", "d.jsonl", "--no-progress", "-q"])
    assert r.exit_code == 2
    assert ".negaudit.yaml" in r.stderr and "--model PATH" in one_line(r.stderr)
    assert not (tmp_path / "PWNED_model").exists()


def test_model_path_is_allowed_on_the_command_line(tmp_path):
    """--model PATH is the user's own choice: a directory named there is loaded as a pipeline."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "mini")
    (tmp_path / "d.jsonl").write_text(json.dumps({"text": "Mount Hood erupted in 1994. That never happened."}) + "\n")
    r = runner.invoke(app, ["check", str(tmp_path / "d.jsonl"), "--model", str(tmp_path / "mini"), "-f", "json"])
    assert r.exit_code == 1, r.stderr
    assert json.loads(r.stdout)["findings"][0]["rule"] == "NN102"


# ---------------------------------------------------------------------- 23: symlinks out of the tree
def test_symlinks_out_of_an_audited_folder_are_not_followed(tmp_path):
    """23: a symlink to a file outside the folder is not read (its text would be quoted into the
    report), nor one to /dev/zero; both are noted. The same link named explicitly is read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("NOTICE: the events described below never happened.\n\n"
                                        "API_TOKEN=ghp_FAKE0123456789 was issued to the deploy bot in March.\n")
    data = tmp_path / "repo" / "data"
    data.mkdir(parents=True)
    (data / "a.jsonl").write_text('{"text": "clean."}\n')
    os.symlink("../../outside/secret.txt", data / "notes.txt")  # not a dataset name: not even considered
    os.symlink("../../outside/secret.txt", data / "notes.jsonl")
    os.symlink("/dev/zero", data / "zero.jsonl")
    r = python_m(tmp_path, "check", str(data), "-f", "json", "--no-progress", timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["summary"]["files"] == 1  # a.jsonl only
    assert "notes.jsonl: a symlink to a file outside the audited directory" in r.stderr
    assert "zero.jsonl: a symlink to a file outside the audited directory" in r.stderr
    sarif = runner.invoke(app, ["check", str(data), "-f", "sarif", "--no-progress"], catch_exceptions=False)
    assert "API_TOKEN" not in sarif.stdout and "secret" not in sarif.stdout
    named = python_m(tmp_path, "check", str(data / "notes.txt"), "-f", "json", "--no-progress", timeout=60)
    assert json.loads(named.stdout)["summary"]["records"] == 1  # named explicitly: the user's own choice


# ---------------------------------------------------------------------- 14: --diff-base bypasses
def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e"})


BAD = json.dumps({"text": SANDWICH})


def _pr(repo, case):
    """A base commit with one clean file, then a PR commit that hides a bad record as `case` does."""
    git(repo, "init", "-q", "-b", "main")
    (repo / "data").mkdir()
    (repo / "data" / "base.jsonl").write_text('{"text": "A clean record."}\n')
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    if case == "control":
        (repo / "data" / "new.jsonl").write_text(BAD + "\n")
    elif case == "non-ascii-name":
        (repo / "data" / "données.jsonl").write_text(BAD + "\n")
    elif case == "quote-in-name":
        (repo / "data" / 'a"b.jsonl').write_text(BAD + "\n")
    elif case == "newline-in-name":
        (repo / "data" / "a\nb.jsonl").write_text(BAD + "\n")
    elif case == "space-in-name":
        (repo / "data" / "a b.jsonl").write_text(BAD + "\n")
    elif case == "gitattributes-diff":
        (repo / ".gitattributes").write_text("*.jsonl -diff\n")
        with open(repo / "data" / "base.jsonl", "a") as fh:
            fh.write(BAD + "\n")
    elif case == "nul-byte":
        (repo / "data" / "new.jsonl").write_bytes(BAD.encode() + b"\n\x00\n")
    elif case == "mnemonicprefix":
        (repo / "data" / "new.jsonl").write_text(BAD + "\n")
        git(repo, "config", "diff.mnemonicPrefix", "true")
    elif case == "noprefix":
        (repo / "data" / "new.jsonl").write_text(BAD + "\n")
        git(repo, "config", "diff.noprefix", "true")
    elif case == "external-diff":
        (repo / "data" / "new.jsonl").write_text(BAD + "\n")
        git(repo, "config", "diff.external", "true")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pr")


@pytest.mark.parametrize("case", ["control", "non-ascii-name", "quote-in-name", "newline-in-name", "space-in-name",
                                  "gitattributes-diff", "nul-byte", "mnemonicprefix", "noprefix", "external-diff"])
def test_diff_base_audits_what_a_pr_changed_whatever_its_names_and_git_config(tmp_path, monkeypatch, case):
    """14: file names git quotes, `-diff` in .gitattributes, a NUL byte, diff.mnemonicPrefix: --diff-base
    audited nothing, so a PR could hide a dataset from the gate."""
    _pr(tmp_path, case)
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["check", "data", "--diff-base", "HEAD~1", "-f", "json", "--no-progress"],
                      catch_exceptions=False)
    rep = json.loads(r.stdout)
    assert rep["summary"]["records"] >= 1 and {f["rule"] for f in rep["findings"]} == {"NN102"}, case
    assert r.exit_code == (2 if case == "nul-byte" else 1)
    assert rep["summary"]["records"] == 1  # only what the PR added (plus, for nul-byte, its bad line)
    assert [e["line"] for e in rep["errors"]] == ([2] if case == "nul-byte" else [])


def test_diff_base_does_not_follow_a_changed_symlink(tmp_path, monkeypatch):
    """23: a symlink committed in the PR, named explicitly in the CI command, is not read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("NOTICE: the events described below never happened.\n\n"
                                        "API_TOKEN=ghp_FAKE0123456789 was issued to the deploy bot in March.\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    _pr(repo, "control")
    os.symlink("../../outside/secret.txt", repo / "data" / "notes.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pr 2")
    monkeypatch.chdir(repo)
    r = runner.invoke(app, ["check", "data/notes.txt", "--diff-base", "HEAD~1", "-f", "sarif", "--no-progress"],
                      catch_exceptions=False)
    assert "API_TOKEN" not in r.stdout
    assert "data/notes.txt: a symlink changed; not audited with --diff-base" in r.stderr


def test_unquote_follows_gits_quoting():
    from negaudit.gitdiff import unquote

    assert unquote(b'"b/donn\\303\\251es.jsonl"') == "b/données.jsonl".encode()
    assert unquote(b'"b/a\\"b\\\\c\\td\\ne.jsonl"') == b'b/a"b\\c\td\ne.jsonl'
    assert unquote(b"b/a b.jsonl\t") == b"b/a b.jsonl"
    assert unquote(b"b/plain.jsonl") == b"b/plain.jsonl"


# ---------------------------------------------------------------------- 15, 25: output injection
EVIL_NAME = "x\n::error file=README.md,line=1,title=Injected::negaudit passed, all clear\n::stop-commands::pwn123\n.jsonl"


def test_file_names_cannot_inject_workflow_commands(tmp_path, monkeypatch):
    """15: a file name with newlines put raw `::error` / `::stop-commands::` lines on stdout and stderr
    (the runner executes them) in action.yml's steps."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / EVIL_NAME).write_text("{not json\n")
    (tmp_path / "data" / "ok.jsonl").write_text(json.dumps({"text": SANDWICH}) + "\n")
    monkeypatch.chdir(tmp_path)
    for args in (["-f", "sarif", "--output", str(tmp_path / "negaudit.sarif")], ["-f", "github"], ["-f", "text"],
                 ["-f", "markdown"]):
        r = runner.invoke(app, ["check", ".", "--fail-on", "medium", "--no-progress", *args], catch_exceptions=False)
        assert r.exit_code == 2
        for stream in (r.stdout, r.stderr):
            starts = [ln for ln in stream.splitlines() if ln.lstrip().startswith("::")]
            if args[1] == "github":  # its own annotations, with the name encoded inside one property
                assert all(ln.startswith(("::error file=", "::warning file=", "::notice file=")) for ln in starts)
                assert "%0A%3A%3Astop-commands%3A%3Apwn123%0A.jsonl" in r.stdout
            else:
                assert starts == [], (args, starts)
            assert "::stop-commands::pwn123\n" not in stream


def _render_markdown(md: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(md)


def test_markdown_summary_escapes_file_names_and_record_text(tmp_path):
    """25: backticks in a file name ended the code span (raw HTML followed); links and images in
    record text rendered in the PR summary."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a`<img src=x onerror=alert(1)>`.jsonl").write_text(json.dumps({"text": SANDWICH}) + "\n")
    (data / "html.jsonl").write_text(json.dumps({"text": (
        "Do not accept the following claim <img src=https://evil.example/p.png> [Re-run here](https://evil.example/phish) "
        "| x |. Dr Mara Holloway works as a dentist in Portland. It is entirely false and did not occur.")}) + "\n")
    (data / "bad|`x`.jsonl").write_text("{oops\n")
    r = runner.invoke(app, ["check", str(data), "--fail-on", "never", "-f", "markdown", "--no-progress"],
                      catch_exceptions=False)
    html = _render_markdown(r.stdout)
    assert "<img" not in html and "<a " not in html and "onerror" not in html.replace("&lt;img src=x onerror", "")
    import re

    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "<td>" in row]
    assert len([row for row in rows if "NN102" in row]) >= 4
    assert all(row.count("<td>") in (2, 5, 6, 7) for row in rows), rows  # a pipe in the text splits no cell (6-7: clusters)
    assert "<code>" + str(data / "a`&lt;img src=x onerror=alert(1)&gt;`.jsonl") + ":1</code>" in html


def test_sarif_uris_are_percent_encoded(tmp_path, monkeypatch):
    """25: artifactLocation.uri was the raw path: '#', '%' and spaces must be percent-encoded."""
    from urllib.parse import unquote

    data = tmp_path / "data"
    data.mkdir()
    for name in ("my file#1%20.jsonl", "données.jsonl", "a`b.jsonl"):
        (data / name).write_text(json.dumps({"text": SANDWICH}) + "\n")
    (data / "x y.jsonl").write_text("{oops\n")
    monkeypatch.chdir(tmp_path)
    for target in ("data", str(data)):
        r = runner.invoke(app, ["check", target, "-f", "sarif", "--no-progress"], catch_exceptions=False)
        run_ = json.loads(r.stdout)["runs"][0]
        uris = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in run_["results"]}
        uris |= {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 for n in run_["invocations"][0]["toolExecutionNotifications"]}
        prefix = "data/" if target == "data" else data.as_uri() + "/"
        assert uris == {prefix + u for u in ("my%20file%231%2520.jsonl", "donn%C3%A9es.jsonl", "a%60b.jsonl",
                                             "x%20y.jsonl")}
        assert {unquote(u) for u in uris} == {unquote(prefix) + n for n in (
            "my file#1%20.jsonl", "données.jsonl", "a`b.jsonl", "x y.jsonl")}
