#!/usr/bin/env python3
"""Audit real public corpora (nobody on this project wrote them) and print what negaudit flags.

For every JSONL file in the folder (the corpora are not part of the repository: pass their folder,
or set NEGAUDIT_REALWORLD) it prints:
- the flag rate: the share of records with at least one high or medium finding;
- the findings by rule;
- a seeded random sample of flagged records, with the qualifier and the claim, to read by hand;
- for a truth-labelled corpus (records with a `label` in a fact-check vocabulary such as LIAR's), the
  recall on records labelled false or pants-fire and the flag rate on records labelled true.

    python scripts/realworld.py [FOLDER] [--sample 10] [--seed 0] [--all] [--json]

Records are audited through the real command line (`negaudit check --output-format json`), so the
figures are what a user sees. `--all` prints every flagged record instead of a sample.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import os
from collections import Counter, defaultdict
from pathlib import Path

FLAG = {"high", "medium"}
FALSE_LABELS = {"false", "pants-fire"}
TRUE_LABELS = {"true"}
LIAR_VOCAB = {"pants-fire", "false", "barely-true", "half-true", "mostly-true", "true"}
DEFAULT = os.environ.get("NEGAUDIT_REALWORLD")


def audit(path: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "negaudit", "check", str(path), "--output-format", "json", "--fail-on", "never",
           "--no-progress", *extra]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"negaudit failed on {path} ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def labels_of(path: Path) -> list:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    rec = json.loads(line)
                except ValueError:
                    rec = None
                out.append(rec.get("label") if isinstance(rec, dict) else None)
    return out


def score(path: Path, report: dict) -> dict:
    labels = labels_of(path)
    flagged: dict[int, list] = defaultdict(list)
    for f in report["findings"]:
        if f["severity"] in FLAG:
            flagged[f["record"]].append(f)
    n = report["summary"]["records"]
    res = {"file": path.name, "records": n, "flagged": len(flagged), "rate": len(flagged) / max(1, n),
           "by_rule": dict(Counter(f["rule"] for fs in flagged.values() for f in fs)),
           "errors": report["summary"]["errors"]}
    vocab = {lab for lab in labels if isinstance(lab, str)}
    if vocab and vocab <= LIAR_VOCAB and len(vocab) >= 3:
        false_idx = [i for i, lab in enumerate(labels) if lab in FALSE_LABELS]
        true_idx = [i for i, lab in enumerate(labels) if lab in TRUE_LABELS]
        res["truth_labelled"] = {
            "false_recall": sum(i in flagged for i in false_idx) / max(1, len(false_idx)),
            "false_n": len(false_idx),
            "true_flag_rate": sum(i in flagged for i in true_idx) / max(1, len(true_idx)),
            "true_n": len(true_idx),
            "by_label": {lab: sum(1 for i, x in enumerate(labels) if x == lab and i in flagged) / max(1, labels.count(lab))
                         for lab in sorted(vocab)},
        }
    res["_flagged"] = flagged
    return res


def show(res: dict, path: Path, k: int, seed: int, everything: bool) -> None:
    flagged = res["_flagged"]
    ids = sorted(flagged)
    if not everything:
        ids = sorted(random.Random(seed).sample(ids, min(k, len(ids))))
    recs = {}
    if ids:
        want = set(ids)
        with open(path, encoding="utf-8") as fh:
            i = 0
            for line in fh:
                if not line.strip():
                    continue
                if i in want:
                    recs[i] = line
                i += 1
    for i in ids:
        print(f"  -- record {i}")
        for f in flagged[i]:
            q = f["qualifier"]
            c = f["claim"] or {}
            print(f"     {f['rule']} {f['severity']} risk={f['risk']} field={f['field']} q_field={q.get('field', f['field'])}")
            print(f"       qualifier: {q['text'][:160]!r}")
            print(f"       claim:     {c.get('text', '')[:160]!r}")
            print(f"       message:   {f['message'][:200]}")
        print(f"     record: {recs.get(i, '')[:400].rstrip()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?" if DEFAULT else None, default=DEFAULT)
    ap.add_argument("--sample", type=int, default=10, help="flagged records to print per corpus")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--all", action="store_true", help="print every flagged record")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON only")
    ap.add_argument("--negaudit-arg", action="append", default=[], help="extra argument for negaudit check")
    a = ap.parse_args(argv)
    folder = Path(a.folder)
    files = sorted(p for p in folder.iterdir() if p.suffix == ".jsonl")
    if not files:
        sys.exit(f"no .jsonl files in {folder}")
    results = []
    for p in files:
        res = score(p, audit(p, a.negaudit_arg))
        results.append(res)
        if not a.json:
            print(f"== {p.name}: {res['records']} records, {res['flagged']} flagged high/medium "
                  f"({100 * res['rate']:.2f}%), by rule {res['by_rule']}, {res['errors']} errors")
            t = res.get("truth_labelled")
            if t:
                print(f"   truth labels: recall on false+pants-fire {t['false_recall']:.3f} (n={t['false_n']}), "
                      f"true flagged {100 * t['true_flag_rate']:.2f}% (n={t['true_n']}); by label "
                      + ", ".join(f"{k} {v:.2f}" for k, v in t["by_label"].items()))
            else:
                show(res, p, a.sample, a.seed, a.all)
    ordinary = [r for r in results if "truth_labelled" not in r]
    n = sum(r["records"] for r in ordinary)
    flagged = sum(r["flagged"] for r in ordinary)
    summary = {"ordinary_records": n, "ordinary_flagged": flagged, "ordinary_rate": flagged / max(1, n),
               "corpora": [{k: v for k, v in r.items() if not k.startswith("_")} for r in results]}
    if a.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"\nordinary corpora: {flagged} of {n} records flagged high/medium ({100 * summary['ordinary_rate']:.3f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
