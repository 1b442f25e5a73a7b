"""The record cache (recordcache.py): a line audited by an earlier run with the same auditor is not
audited again, and the report is the one a cold run makes."""
import json
from pathlib import Path

import pytest

from negaudit import recordcache
from negaudit.engine import Auditor

ROOT = Path(__file__).resolve().parent.parent


def _records(n: int = 40) -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "tests" / "corpus" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["record"] for r in rows[:n]]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _findings(report) -> list[dict]:
    return [f.to_dict() for f in report.findings]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEGAUDIT_CACHE_DIR", str(folder))
    monkeypatch.delenv("NEGAUDIT_NO_RECORD_CACHE", raising=False)
    monkeypatch.delenv("NEGAUDIT_NO_CACHE", raising=False)
    return folder


def _auditor(cached: bool = True) -> Auditor:
    a = Auditor()
    a.record_cache = cached
    return a


def _counting(monkeypatch) -> list:
    """Count the records the auditor audits (every record that is not replayed goes through audit_batch)."""
    seen: list = []
    real = Auditor.audit_batch

    def audit_batch(self, recs):
        seen.extend(recs)
        return real(self, recs)

    monkeypatch.setattr(Auditor, "audit_batch", audit_batch)
    return seen


def test_a_warm_run_audits_nothing_and_reports_what_a_cold_run_does(cache, tmp_path, monkeypatch):
    data = _write(tmp_path / "d.jsonl", _records())
    cold = _auditor(cached=False).audit_paths([str(data)])
    first = _auditor().audit_paths([str(data)])
    assert _findings(first) == _findings(cold) and len(_findings(cold)) > 10
    assert sorted(p.name.split("-")[0] for p in cache.glob("*-*.*") if not p.name.startswith("analysis")) == ["clean", "found"]
    seen = _counting(monkeypatch)
    warm = _auditor().audit_paths([str(data)])
    assert seen == []
    assert _findings(warm) == _findings(cold)
    assert (warm.records, warm.suppressed, warm.files) == (cold.records, cold.suppressed, cold.files)


def test_replayed_findings_sit_at_their_new_place(cache, tmp_path, monkeypatch):
    recs = _records()
    _auditor().audit_paths([str(_write(tmp_path / "a.jsonl", recs))])
    # the same records under another name, after two new lines: only those two are audited
    moved = _write(tmp_path / "b.jsonl", [{"text": "The river floods every spring."}, {"text": "Bread needs yeast to rise."}] + recs)
    seen = _counting(monkeypatch)
    warm = _auditor().audit_paths([str(moved)])
    assert [r.line for r in seen] == [1, 2]
    cold = _auditor(cached=False).audit_paths([str(moved)])
    assert _findings(warm) == _findings(cold)
    assert {f["path"] for f in _findings(warm)} == {str(moved)}


def test_an_edited_line_is_audited_again(cache, tmp_path, monkeypatch):
    recs = _records()
    data = _write(tmp_path / "d.jsonl", recs)
    _auditor().audit_paths([str(data)])
    recs[5] = {"text": recs[5]["text"] + " Note: the paragraph above is entirely fabricated."} if "text" in recs[5] else recs[5]
    _write(data, recs)
    seen = _counting(monkeypatch)
    warm = _auditor().audit_paths([str(data)])
    assert [r.line for r in seen] == [6]
    assert _findings(warm) == _findings(_auditor(cached=False).audit_paths([str(data)]))


def test_the_fingerprint_follows_rules_config_and_code(tmp_path, monkeypatch):
    from negaudit.config import Config

    pack = tmp_path / "extra.yaml"
    pack.write_text("rules: []\n", encoding="utf-8")
    base = recordcache.fingerprint(Config(), [pack])
    assert recordcache.fingerprint(Config(), [pack]) == base  # deterministic
    pack.write_text("rules: []\n# edited\n", encoding="utf-8")
    assert recordcache.fingerprint(Config(), [pack]) != base
    pack.write_text("rules: []\n", encoding="utf-8")
    assert recordcache.fingerprint(Config(select=["NN1"]), [pack]) != base
    assert recordcache.fingerprint(Config(max_record_mb=1.0), [pack]) != base
    assert recordcache.fingerprint(Config(model="blank"), [pack]) != base
    # another file in the package is another auditor
    files = recordcache._package_files()
    monkeypatch.setattr(recordcache, "_package_files", lambda: files + [tmp_path / "new_module.py"])
    (tmp_path / "new_module.py").write_text("x = 1\n")
    assert recordcache.fingerprint(Config(), [pack]) != base


def test_the_fingerprint_is_the_same_for_the_same_install_elsewhere(tmp_path, monkeypatch):
    """A cache restored on a CI runner serves it only if the fingerprint names no folder or time: the
    same package files copied to another place, with other modification times, are the same auditor,
    and one byte changed in one of them is another."""
    import os
    import shutil

    from negaudit.config import Config

    pack = tmp_path / "extra.yaml"
    pack.write_text("rules: []\n", encoding="utf-8")
    fps = []
    for where, stamp in (("a", 1_000_000_000), ("b", 1_700_000_000)):
        copy = tmp_path / where / "negaudit"
        shutil.copytree(recordcache._PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        for f in copy.rglob("*"):
            os.utime(f, (stamp, stamp))
        monkeypatch.setattr(recordcache, "_PACKAGE", copy)
        fps.append(recordcache.fingerprint(Config(), [pack]))
    assert fps[0] == fps[1]
    engine = tmp_path / "b" / "negaudit" / "engine.py"
    engine.write_bytes(engine.read_bytes().replace(b"(", b"( ", 1))
    assert recordcache.fingerprint(Config(), [pack]) != fps[0]


def test_a_wheels_record_counts_only_the_files_in_its_site_folder(tmp_path):
    """A console script a wheel installs outside site-packages starts with the environment's own
    Python path, so two installs of one version differ there: those lines do not count; a changed
    file of the package does."""
    import hashlib

    def digest(record_text: str) -> bytes:
        d = tmp_path / "lib-1.0.dist-info"
        d.mkdir(exist_ok=True)
        (d / "RECORD").write_text(record_text, encoding="utf-8")
        h = hashlib.blake2b(digest_size=16)
        recordcache._record_into(h, d / "RECORD")
        return h.digest()

    lib = "lib/__init__.py,sha256=AAAA,10\nlib-1.0.dist-info/METADATA,sha256=BBBB,20\n"
    one = digest(lib + "../../../bin/lib,sha256=venv-one,239\n")
    assert digest(lib + "../../../bin/lib,sha256=venv-two,241\n") == one
    assert digest(lib.replace("AAAA", "CCCC") + "../../../bin/lib,sha256=venv-one,239\n") != one


def test_a_pipeline_folder_saved_again_is_another_auditor(tmp_path):
    """A user's own spaCy pipeline folder retrained and saved with the same meta.json and config.cfg
    (spaCy writes them again unchanged): its weights' files tell the two apart."""
    import os

    from negaudit.config import Config

    pipe = tmp_path / "my_pipeline"
    (pipe / "tagger").mkdir(parents=True)
    (pipe / "meta.json").write_text('{"lang": "en", "name": "mine", "version": "1.0.0"}', encoding="utf-8")
    (pipe / "config.cfg").write_text("[nlp]\nlang = \"en\"\n", encoding="utf-8")
    weights = pipe / "tagger" / "model"
    weights.write_bytes(b"\x00" * 64)
    os.utime(weights, (1_000_000_000, 1_000_000_000))
    first = recordcache.fingerprint(Config(model=str(pipe)), [])
    assert recordcache.fingerprint(Config(model=str(pipe)), []) == first
    weights.write_bytes(b"\x01" * 64)  # retrained: same size, a new time
    assert recordcache.fingerprint(Config(model=str(pipe)), []) != first


def test_a_changed_config_audits_again(cache, tmp_path, monkeypatch):
    from negaudit.config import Config

    data = _write(tmp_path / "d.jsonl", _records(10))
    _auditor().audit_paths([str(data)])
    seen = _counting(monkeypatch)
    a = Auditor(Config(select=["NN1"]))
    a.record_cache = True
    a.audit_paths([str(data)])
    assert len(seen) == 10


def test_damaged_cache_files_are_rebuilt(cache, tmp_path, monkeypatch):
    data = _write(tmp_path / "d.jsonl", _records(20))
    cold = _findings(_auditor(cached=False).audit_paths([str(data)]))
    _auditor().audit_paths([str(data)])
    for p in cache.glob("clean-*.bin"):
        p.write_bytes(b"not a whole number of digests")
    for p in cache.glob("found-*.jsonl"):
        p.write_bytes(b"zz this is not hex\n" + b"0" * 32 + b" {not json\n")
    seen = _counting(monkeypatch)
    assert _findings(_auditor().audit_paths([str(data)])) == cold
    assert len(seen) == 20
    seen.clear()
    assert _findings(_auditor().audit_paths([str(data)])) == cold  # and written again
    assert seen == []


def test_no_cache_reads_and_writes_nothing(cache, tmp_path):
    from typer.testing import CliRunner

    from negaudit.cli import app

    data = _write(tmp_path / "d.jsonl", _records())
    res = CliRunner().invoke(app, ["check", str(data), "--no-cache", "-f", "json", "-o", str(tmp_path / "r.json")])
    assert res.exit_code == 1, res.output
    assert not list(cache.glob("clean-*")) and not list(cache.glob("found-*"))
    res = CliRunner().invoke(app, ["check", str(data), "-f", "json", "-o", str(tmp_path / "r2.json")])
    assert res.exit_code == 1, res.output
    assert list(cache.glob("clean-*")) and list(cache.glob("found-*"))
    assert (tmp_path / "r.json").read_bytes() == (tmp_path / "r2.json").read_bytes()


def test_a_run_with_a_rule_error_keeps_nothing(cache, tmp_path, monkeypatch):
    data = _write(tmp_path / "d.jsonl", _records(10))
    real = Auditor.audit_batch

    def audit_batch(self, recs):
        self.detector.rule_errors.append("NN101: pattern timed out")
        return real(self, recs)

    monkeypatch.setattr(Auditor, "audit_batch", audit_batch)
    _auditor().audit_paths([str(data)])
    assert not list(cache.glob("clean-*")) and not list(cache.glob("found-*"))


def test_the_blank_fallback_is_never_cached(cache, monkeypatch):
    from negaudit import nlp
    from negaudit.config import Config

    monkeypatch.setattr(nlp, "pipeline_package", lambda name: False)
    assert recordcache.open_cache(Config(), []) is None  # every run audits, and warns
    assert recordcache.open_cache(Config(model="blank"), []) is not None  # asked for: no warning to lose


def test_parallel_warm_run_starts_no_workers(cache, tmp_path, monkeypatch):
    data = _write(tmp_path / "d.jsonl", _records())
    cold = _findings(_auditor(cached=False).audit_paths([str(data)]))
    assert _findings(_auditor().audit_paths([str(data)], jobs=2)) == cold
    from negaudit import parallel

    monkeypatch.setattr(parallel, "_start", lambda *a, **k: pytest.fail("a worker pool was started"))
    a = _auditor()
    assert _findings(a.audit_paths([str(data)], jobs=2)) == cold
    assert a._nlp is None  # no pipeline loaded either


@pytest.mark.parametrize("small", [recordcache.SMALL, 100])
def test_the_clean_file_merges_runs_and_stays_sorted(tmp_path, monkeypatch, small):
    # small: read into a set and merged in Python; 100: past it, memory-mapped and merged with numpy
    import hashlib

    monkeypatch.setattr(recordcache, "SMALL", small)
    c = recordcache.RecordCache(tmp_path, b"x" * 16)
    digests = [hashlib.blake2b(str(i).encode(), digest_size=16).digest() for i in range(300)]
    for d in digests[:200]:
        c.add(d)
    c.save()
    c = recordcache.RecordCache(tmp_path, b"x" * 16)
    assert isinstance(c._known, frozenset) == (small > 200)
    assert c.known(digests[150:250]) == [recordcache.CLEAN] * 50 + [None] * 50
    for d in digests[150:300]:
        c.add(d)
    c.save()
    data = c.path.read_bytes()
    stored = [data[i:i + 16] for i in range(0, len(data), 16)]
    assert stored == sorted(set(digests))
    assert recordcache.RecordCache(tmp_path, b"x" * 16).known(digests) == [recordcache.CLEAN] * 300


def test_a_file_with_other_settings_is_audited_again(cache, tmp_path, monkeypatch):
    from negaudit.config import Config

    recs = _records()
    a, b = _write(tmp_path / "a.jsonl", recs), _write(tmp_path / "b.jsonl", recs)
    cfg = Config(per_file_ignores={"b.jsonl": ["NN1"]})
    first = Auditor(cfg)
    first.record_cache = True
    assert any(f["rule"].startswith("NN1") for f in _findings(first.audit_paths([str(a)])))
    seen = _counting(monkeypatch)
    second = Auditor(cfg)
    second.record_cache = True
    got = _findings(second.audit_paths([str(b)]))  # the same lines, under per-file-ignores of their own
    assert len(seen) == len(recs)
    assert got and not any(f["rule"].startswith("NN1") for f in got)


def test_a_result_json_cannot_hold_is_not_kept(tmp_path):
    from negaudit.engine import RecordResult
    from negaudit.models import Finding

    f = Finding(rule="NN101", severity="high", risk=0.9, path="a.jsonl", line=3, record=2, field="/text",
                trained=True, qualifier={"text": "x", "start": 0, "end": 1}, claim=None, message="m",
                extra={"odd": {1, 2}})  # a set: not JSON
    c = recordcache.RecordCache(tmp_path, b"y" * 16)
    c.add_found(b"d" * 16, RecordResult([f]), 3)
    assert c.known([b"d" * 16]) == [None]
    c.save()
    assert not list(tmp_path.glob("found-*"))


def test_the_fingerprint_imports_nothing_a_model_name_names(tmp_path, monkeypatch):
    import sys

    from negaudit.config import Config

    pkg = tmp_path / "negaudit_marker_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import builtins\nbuiltins.NEGAUDIT_MARKER = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    recordcache.fingerprint(Config(model="negaudit_marker_pkg.sub"), [])
    recordcache.fingerprint(Config(model="negaudit_marker_pkg"), [])
    import builtins

    assert not hasattr(builtins, "NEGAUDIT_MARKER") and "negaudit_marker_pkg" not in sys.modules


DETECTOR_MODULES = ("negaudit.detecting", "negaudit.claims", "negaudit.linking", "negaudit.learned",
                    "negaudit.qualifying", "negaudit.prefilter", "negaudit.matchers.meta", "numpy", "spacy")


def _cli_in_a_process(args: list[str], env: dict, prelude: str = "", timeout: int = 300) -> tuple[int, list[str]]:
    """Run the command in a fresh interpreter (after `prelude`): its exit code, and which detector
    modules it imported."""
    import os
    import subprocess
    import sys

    code = (prelude + "import sys\nfrom negaudit import cli\ntry:\n    rc = cli.app(sys.argv[1:], standalone_mode=False) or 0\n"
            "except SystemExit as e:\n    rc = e.code\nprint('RC', rc)\n"
            f"print('LOADED', *[m for m in {DETECTOR_MODULES!r} if m in sys.modules and "
            "type(sys.modules[m]).__name__ == 'module'])\n")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=timeout)
    lines = {l.split(" ", 1)[0]: l for l in out.stdout.splitlines() if l.startswith(("RC", "LOADED"))}
    assert "RC" in lines, out.stderr[-2000:]
    return int(lines["RC"].split()[1]), lines["LOADED"].split()[1:]


def test_a_replayed_run_builds_and_imports_no_detector(cache, tmp_path):
    """Every line replayed from the cache: the run imports none of the detectors' modules (they load
    lazily, when a record needs them) and reports what the cold run did; an edited line loads them."""
    data = _write(tmp_path / "d.jsonl", _records(30))
    env = {"NEGAUDIT_CACHE_DIR": str(cache)}
    env.pop("NEGAUDIT_NO_RECORD_CACHE", None)
    cold_json, warm_json = tmp_path / "cold.json", tmp_path / "warm.json"
    rc, loaded = _cli_in_a_process(["check", "-q", "-f", "json", "-o", str(cold_json), str(data)], env)
    assert rc == 1 and "negaudit.detecting" in loaded
    rc, loaded = _cli_in_a_process(["check", "-q", "-f", "json", "-o", str(warm_json), str(data)], env)
    assert rc == 1 and loaded in (["numpy"], []), loaded  # numpy: the claim clusters of the report
    assert warm_json.read_bytes() == cold_json.read_bytes()
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines[:-1]) + json.dumps({"text": "Moles dig tunnels under lawns."}) + "\n", encoding="utf-8")
    rc, loaded = _cli_in_a_process(["check", "-q", "-f", "json", "-o", str(warm_json), str(data)], env)
    assert "negaudit.detecting" in loaded


def _bad_pack(tmp_path: Path) -> Path:
    """A rule pack that loads but cannot be built: its learned block names a lexicon list that does not exist."""
    pack = tmp_path / "bad.yaml"
    pack.write_text("learned:\n  openers: no_such_list\nrules: []\n", encoding="utf-8")
    return pack


def test_a_lazy_run_still_fails_on_a_pack_that_cannot_be_built(cache, tmp_path):
    """With nothing to audit (an empty file) the lazy auditor builds its detectors at the end of the
    run, unless an earlier run with the same fingerprint built them: a pack whose learned block names a
    missing lexicon list fails with exit 2, as it does without the cache."""
    pack = _bad_pack(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    env = {"NEGAUDIT_CACHE_DIR": str(cache)}
    for extra in ([], ["--no-cache"], ["-j", "2"]):
        rc, _ = _cli_in_a_process(["check", "-q", "--extend-rules", str(pack), *extra, str(empty)], env)
        assert rc == 2, extra
    # with records to audit, in one process or with workers, the error comes before spaCy is loaded
    data = _write(tmp_path / "d.jsonl", _records(4))
    for extra in ([], ["-j", "2"]):
        rc, loaded = _cli_in_a_process(["check", "-q", "--extend-rules", str(pack), *extra, str(data)], env)
        assert rc == 2 and "spacy" not in loaded, (extra, loaded)


def test_the_kind_names_are_the_registered_kinds():
    from negaudit import matchers

    matchers.load_kinds()
    assert sorted(matchers.KINDS) == sorted(matchers.REGISTRY)


def test_clean_removes_only_negaudits_own_cache_files(cache, tmp_path):
    """`negaudit clean` empties the cache folder of what negaudit wrote there (a run's record cache and
    pattern analysis, a temporary file a killed write left) and leaves every other file, folder and
    link alone, even in a folder the user shares; the next run audits every line again."""
    import os

    from typer.testing import CliRunner

    from negaudit import analysiscache
    from negaudit.cli import app

    data = _write(tmp_path / "d.jsonl", _records(40))
    _auditor().audit_paths([str(data)])
    analysiscache.save()
    ours = sorted(p.name for p in cache.iterdir())
    assert any(n.startswith("clean-") for n in ours) and any(n.startswith("found-") for n in ours), ours
    (cache / ".negaudit-abc123.tmp").write_bytes(b"half")
    foreign = ["notes.txt", "clean-mine.bin", "sub", "clean-" + "1" * 32 + ".bin"]
    (cache / "notes.txt").write_text("mine", encoding="utf-8")
    (cache / "clean-mine.bin").write_bytes(b"negaudit's prefix, not a name it writes")
    (cache / "sub").mkdir()
    (cache / "sub" / ("found-" + "0" * 32 + ".jsonl")).write_text("x", encoding="utf-8")
    os.symlink(data, cache / ("clean-" + "1" * 32 + ".bin"))  # a link, even with negaudit's name
    result = CliRunner().invoke(app, ["clean"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"removed {len(ours) + 1} cache files" in result.output
    assert sorted(p.name for p in cache.iterdir()) == sorted(foreign)
    assert (cache / "sub" / ("found-" + "0" * 32 + ".jsonl")).exists() and data.exists()
    seen: list = []
    real = Auditor.audit_batch
    try:
        Auditor.audit_batch = lambda self, recs: seen.extend(recs) or real(self, recs)
        _auditor().audit_paths([str(data)])
    finally:
        Auditor.audit_batch = real
    assert len(seen) == 40  # nothing left to replay
    for name in foreign[:2]:
        (cache / name).unlink()
    assert CliRunner().invoke(app, ["clean"], catch_exceptions=False).exit_code == 0
    assert "no negaudit cache files" in CliRunner().invoke(app, ["clean"], catch_exceptions=False).output


def test_a_broken_pack_fails_at_once_with_spawned_workers(cache, tmp_path):
    """Where workers are spawned (macOS, Windows), each builds its own auditor: the parent builds its
    detectors first, so a pack that cannot be built ends the run with exit 2 instead of workers that
    fail and are restarted for ever."""
    pack = _bad_pack(tmp_path)
    data = _write(tmp_path / "d.jsonl", _records(4))
    rc, _ = _cli_in_a_process(["check", "-q", "-j", "2", "--extend-rules", str(pack), str(data)],
                              {"NEGAUDIT_CACHE_DIR": str(cache)}, timeout=120,
                              prelude="import multiprocessing\nmultiprocessing.get_all_start_methods = lambda: ['spawn']\n")
    assert rc == 2


def test_auditors_built_at_once_in_threads_all_work(tmp_path):
    """The detectors' modules are imported by the first build, under a lock: auditors built and run in
    several threads of a fresh process at once all audit (none sees a module half imported), and the
    modules are the package's attributes as a plain import makes them."""
    import os
    import subprocess
    import sys

    data = _write(tmp_path / "d.jsonl", _records(8))
    code = ("import sys, threading\nfrom negaudit.engine import Auditor\nerrors, counts = [], []\n"
            "def work():\n    try:\n        a = Auditor()\n"
            "        counts.append(len(a.audit_paths([sys.argv[1]]).findings))\n"
            "    except Exception as e:\n        errors.append(repr(e))\n"
            "ts = [threading.Thread(target=work) for _ in range(4)]\n[t.start() for t in ts]\n[t.join() for t in ts]\n"
            "import negaudit\nprint('ERRORS', len(errors), errors[:1])\nprint('COUNTS', *counts)\n"
            "print('ATTR', callable(negaudit.claims.claimness), callable(negaudit.linking.link))\n")
    out = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "NEGAUDIT_CACHE_DIR": str(tmp_path / "c")})
    assert "ERRORS 0 []" in out.stdout, out.stdout + out.stderr[-1500:]
    counts = out.stdout.split("COUNTS", 1)[1].split("\n", 1)[0].split()
    assert len(counts) == 4 and len(set(counts)) == 1 and int(counts[0]) > 0
    assert "ATTR True True" in out.stdout


def test_a_library_without_a_wheel_record_is_known_by_its_files(tmp_path, monkeypatch):
    """A library installed without a wheel RECORD beside it (an editable or egg install): an upgrade
    may leave its __init__ file as it was, so its files' sizes and times count."""
    import os

    from negaudit.config import Config

    lib = tmp_path / "site" / "negaudit_fake_lib"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("from .about import __version__\n", encoding="utf-8")
    (lib / "about.py").write_text('__version__ = "9.0"\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(recordcache, "LIBRARIES", ("negaudit_fake_lib",))
    first = recordcache.fingerprint(Config(), [])
    assert recordcache.fingerprint(Config(), []) == first
    (lib / "about.py").write_text('__version__ = "9.1"\n', encoding="utf-8")
    os.utime(lib / "about.py", (2_000_000_000, 2_000_000_000))
    assert recordcache.fingerprint(Config(), []) != first


def test_pruning_old_auditors_leaves_a_users_look_alike_files(tmp_path):
    """Only the names negaudit writes are pruned: a user's "found-my-results.jsonl" in a shared cache
    folder survives however many auditors' files the folder holds."""
    import os

    mine = tmp_path / "found-my-results.jsonl"
    mine.write_text("{}\n", encoding="utf-8")
    os.utime(mine, (1_000_000, 1_000_000))  # the oldest file there
    for i in range(recordcache.KEEP + 3):
        p = tmp_path / f"found-{i:032x}.jsonl"
        p.write_text("x\n", encoding="utf-8")
        os.utime(p, (2_000_000 + i, 2_000_000 + i))
    recordcache._prune(tmp_path, ())
    assert mine.exists()
    assert len(list(tmp_path.glob("found-0*.jsonl"))) == recordcache.KEEP
