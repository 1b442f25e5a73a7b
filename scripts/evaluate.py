#!/usr/bin/env python3
"""Score negaudit on a labelled corpus: recall on risky records, false-positive rate on safe ones.

Corpus lines: {"id", "pattern", "risky", "record": {...}}. The records are written to a temporary
JSONL file and audited through the real command line (`negaudit check --output-format json`), the
same way a held-out corpus is scored. A record is flagged when it has at least one finding of
severity high or medium.

    python scripts/evaluate.py tests/corpus/dev.jsonl [--misses] [--model NAME]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

FLAG = {"high", "medium"}


def load(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def audit(records, model=None):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "corpus.jsonl")
        with open(p, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r["record"], ensure_ascii=False) + "\n")
        cmd = [sys.executable, "-m", "negaudit", "check", p, "--output-format", "json", "--fail-on", "never"]
        if model:
            cmd += ["--model", model]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            sys.exit(f"negaudit failed ({out.returncode}): {out.stderr}")
        return json.loads(out.stdout)


# research patterns grouped by the kind of qualifier (pattern 1 and 2 are both detached negations and
# differ only in where the notice sits; the precision check asks whether the finding's kind is right)
PATTERN_GROUP = {"p1": "detached", "p2": "detached", "p3": "epistemic", "p4": "annotation", "p5": "correction",
                 "p6": "inline", "p7": "local", "p8": "behaviour"}


def rule_patterns():
    from negaudit.rules import load_rules

    return {r.id: r.pattern for r in load_rules().rules}


def evaluate(corpus, report):
    pats = rule_patterns()
    by_rec = defaultdict(list)
    for f in report["findings"]:
        by_rec[f["record"]].append(f)
    rows = []
    for i, r in enumerate(corpus):
        fs = [f for f in by_rec.get(i, []) if f["severity"] in FLAG]
        top = max(fs, key=lambda f: f["risk"]) if fs else None
        rows.append({"id": r["id"], "label": r["pattern"], "risky": r["risky"], "flagged": bool(fs),
                     "pred": f"p{pats.get(top['rule'])}" if top else None, "rules": sorted({f["rule"] for f in fs}),
                     "all": by_rec.get(i, [])})
    return rows


def summarise(rows):
    risky = [r for r in rows if r["risky"]]
    safe = [r for r in rows if not r["risky"]]
    recall = sum(r["flagged"] for r in risky) / max(1, len(risky))
    fpr = sum(r["flagged"] for r in safe) / max(1, len(safe))
    per = {}
    for lab in sorted({r["label"] for r in rows}):
        grp = [r for r in rows if r["label"] == lab]
        flagged = sum(r["flagged"] for r in grp)
        group = PATTERN_GROUP.get(lab)
        predicted = [r for r in rows if r["pred"] and PATTERN_GROUP.get(r["pred"]) == group] if group else []
        prec = (sum(PATTERN_GROUP.get(r["label"]) == group for r in predicted) / len(predicted)) if predicted else None
        per[lab] = {"n": len(grp), "risky": grp[0]["risky"], "flagged": flagged,
                    "rate": flagged / len(grp), "pattern_precision": prec}
    return {"records": len(rows), "risky": len(risky), "safe": len(safe), "recall": recall, "fpr": fpr,
            "per_pattern": per}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--misses", action="store_true", help="list missed risky and flagged safe records")
    ap.add_argument("--model", default=None)
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    a = ap.parse_args(argv)
    corpus = [r for p in a.corpus for r in load(p)]
    rows = evaluate(corpus, audit(corpus, a.model))
    s = summarise(rows)
    if a.json:
        print(json.dumps(s, indent=2))
    else:
        print(f"records {s['records']} (risky {s['risky']}, safe {s['safe']})")
        print(f"recall on risky records: {s['recall']:.3f}   false-positive rate on safe records: {s['fpr']:.3f}")
        print(f"{'label':16} {'n':>4} {'flagged':>8} {'rate':>6} {'kind precision':>18}")
        for lab, v in s["per_pattern"].items():
            pp = "-" if v["pattern_precision"] is None else f"{v['pattern_precision']:.2f}"
            kind = "risky" if v["risky"] else "safe"
            print(f"{lab:16} {v['n']:>4} {v['flagged']:>8} {v['rate']:>6.2f} {pp:>18}  ({kind}: rate is {'recall' if v['risky'] else 'FP rate'})")
    if a.misses:
        for r, c in zip(rows, corpus):
            if r["risky"] != r["flagged"]:
                print("\n---", r["id"], r["label"], "MISSED" if r["risky"] else "FALSE POSITIVE", r["rules"])
                print(json.dumps(c["record"], ensure_ascii=False)[:700])
                for f in r["all"]:
                    print("   ", f["rule"], f["severity"], repr(f["qualifier"]["text"][:100]))
    return s


if __name__ == "__main__":
    main()
