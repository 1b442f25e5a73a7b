"""Start-up: nothing heavy is loaded or compiled before a record needs it, and the literal analysis is
kept between runs (analysiscache.py) without ever changing an answer."""
import json
import os
import subprocess
import sys

from negaudit import analysiscache, triggers
from negaudit.triggers import LazyPattern

CLEAN = [{"text": "The museum opened in 1990 and holds about two thousand paintings."},
         {"instruction": "Add 12 and 30.", "output": "12 + 30 = 42."}]


def test_a_clean_file_is_audited_without_loading_spacy(tmp_path):
    p = tmp_path / "clean.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in CLEAN))
    code = ("import sys; from negaudit.engine import Auditor; a = Auditor(); r = a.audit_paths([sys.argv[1]]); "
            "print(len(r.findings), r.records, 'spacy' in sys.modules, 'lemminflect' in sys.modules)")
    env = dict(os.environ, NEGAUDIT_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["0", "2", "False", "False"]
    assert list((tmp_path / "cache").glob("analysis-*.json")), "the first run writes the analysis cache"


def test_cached_requirements_equal_the_analysis(tmp_path, monkeypatch):
    patterns = [r"(?<!\w)(?:entirely\s+)?(?:false|untrue|made[- ]up)(?!\w)", r"p\s*=\s*0?\.\d+", r"\bnever\s+happened\b",
                r"(?:this|the)\s+(?:story|article)\s+(?:is|was)\s+(?:fiction|satire)"]
    fresh = [triggers._requirements(p, 2, 2) for p in patterns]
    monkeypatch.setenv("NEGAUDIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(analysiscache, "_memo", None)
    monkeypatch.setattr(analysiscache, "_added", False)
    first = [triggers.requirements(p, 2) for p in patterns]
    analysiscache.save()
    monkeypatch.setattr(analysiscache, "_memo", None)  # a new process: the table is read from the file
    again = [triggers.requirements(p, 2) for p in patterns]
    assert first == fresh and again == fresh
    assert fresh[0] is not None and fresh[2] is not None and fresh[1] is None  # "p = .03" has no literal of 3+


def test_a_damaged_cache_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("NEGAUDIT_CACHE_DIR", str(tmp_path))
    path = analysiscache._cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"req\\u00002\\u00002\\u0000false": [[["tru')  # cut short
    monkeypatch.setattr(analysiscache, "_memo", None)
    assert triggers.requirements("false", 2) == triggers._requirements("false", 2, 2)


def test_no_cache_when_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("NEGAUDIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NEGAUDIT_NO_CACHE", "1")
    monkeypatch.setattr(analysiscache, "_memo", None)
    monkeypatch.setattr(analysiscache, "_added", False)
    triggers.requirements(r"\bhoax\b", 2)
    analysiscache.save()
    assert not list(tmp_path.iterdir())


def test_a_lazy_pattern_compiles_once_on_first_use():
    calls = []

    def compile_fn(p, f):
        calls.append(p)
        import regex

        return regex.compile(p, f)

    rx = LazyPattern(compile_fn, r"\bmyth\b", 2)
    assert rx.pattern == r"\bmyth\b" and calls == []
    assert rx.search("That is a Myth.").group() == "Myth" and rx.search("mythical") is None
    assert calls == [r"\bmyth\b"]
