"""Packaging: the license, the changelog entry and the snippets name the version being released,
and nothing in the repository points outside it."""
import re
import subprocess

from conftest import ROOT
from negaudit import __version__


def test_license_changelog_and_snippets_name_this_version():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert f"## v{__version__}" in (ROOT / "CHANGELOG.md").read_text()
    readme = (ROOT / "README.md").read_text()
    refs = set(re.findall(r"(?:rev: |negaudit@)v(\d+\.\d+\.\d+)", readme))
    assert refs == {__version__}, refs  # pre-commit rev, action ref and git-URL installs


def test_nothing_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not files:  # an sdist, not a checkout
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    hits = []
    for name in files:
        p = ROOT / name
        if not p.is_file() or p.suffix in (".parquet", ".gz", ".zst", ".bin", ".npz"):
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if name == "README.md":
            text = text.split("\n## Accuracy", 1)[0]  # the lead's section, rewritten separately
        if name == "tests/test_packaging.py":
            continue
        if "../shared" in text or "/work/shared" in text:
            hits.append(name)
    assert hits == []
