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
    """A corpus's records; gold claim sentences come from the record's `claims` or from
    claims/<corpus name>.jsonl beside the corpus."""
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    gold = os.path.join(os.path.dirname(path), "claims", os.path.basename(path))
    if os.path.exists(gold):
        with open(gold, encoding="utf-8") as fh:
            claims = {g["id"]: g["claims"] for g in map(json.loads, filter(str.strip, fh))}
        for r in rows:
            if r["id"] in claims:
                r["claims"] = claims[r["id"]]
    return rows


_WORD = None


def _words(text):
    import regex

    global _WORD
    _WORD = _WORD or regex.compile(r"[\p{L}\d]+")
    return [w.lower() for w in _WORD.findall(text)]


def claim_matches(found, gold):
    """Does a finding's claim text name one of the gold claim sentences? Containment either way after
    normalising to words, or most words of the shorter shared."""
    fw = _words(found)
    if not fw:
        return False
    fs = " ".join(fw)
    for g in gold:
        gw = _words(g)
        if not gw:
            continue
        gs = " ".join(gw)
        if gs in fs or fs in gs:
            return True
        short, other = (fw, set(gw)) if len(fw) <= len(gw) else (gw, set(fw))
        if sum(w in other for w in short) >= 0.8 * len(short) and len(short) >= 4:
            return True
    return False


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
        # 2 with a report: some records could not be read (a layout with no text field negaudit knows);
        # they are scored as a user would see them, unflagged, and counted in the summary
        if out.returncode not in (0, 1, 2) or not out.stdout.strip():
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
        gold = r.get("claims") if r["risky"] else None
        named = [claim_matches(f["claim"]["text"], gold) if f["claim"] else False for f in fs] if gold else None
        rows.append({"id": r["id"], "label": r["pattern"], "risky": r["risky"], "flagged": bool(fs), "claims_named": named,
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
    named = [ok for r in rows if r.get("claims_named") for ok in r["claims_named"]]
    return {"records": len(rows), "risky": len(risky), "safe": len(safe), "recall": recall, "fpr": fpr,
            "per_pattern": per, "claim_accuracy": (sum(named) / len(named)) if named else None,
            "claim_findings": len(named)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--misses", action="store_true", help="list missed risky and flagged safe records")
    ap.add_argument("--claims", action="store_true", help="list findings whose claim is not a gold claim sentence")
    ap.add_argument("--model", default=None)
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    a = ap.parse_args(argv)
    corpus = [r for p in a.corpus for r in load(p)]
    report = audit(corpus, a.model)
    rows = evaluate(corpus, report)
    s = summarise(rows)
    s["unread"] = len(report.get("errors") or [])
    if a.json:
        print(json.dumps(s, indent=2))
    else:
        print(f"records {s['records']} (risky {s['risky']}, safe {s['safe']})"
              + (f"; {s['unread']} that negaudit could not read (no text field it knows), scored unflagged"
                 if s["unread"] else ""))
        print(f"recall on risky records: {s['recall']:.3f}   false-positive rate on safe records: {s['fpr']:.3f}")
        if s["claim_accuracy"] is not None:
            print(f"high/medium findings in risky records that name a gold claim sentence: {s['claim_accuracy']:.3f} "
                  f"(of {s['claim_findings']})")
        print(f"{'label':16} {'n':>4} {'flagged':>8} {'rate':>6} {'kind precision':>18}")
        for lab, v in s["per_pattern"].items():
            pp = "-" if v["pattern_precision"] is None else f"{v['pattern_precision']:.2f}"
            kind = "risky" if v["risky"] else "safe"
            print(f"{lab:16} {v['n']:>4} {v['flagged']:>8} {v['rate']:>6.2f} {pp:>18}  ({kind}: rate is {'recall' if v['risky'] else 'FP rate'})")
    if a.claims:
        for r, c in zip(rows, corpus):
            fs = [f for f in r["all"] if f["severity"] in FLAG]
            for f, ok in zip(fs, r.get("claims_named") or []):
                if not ok:
                    print("\n--- wrong claim", r["id"], r["label"], f["rule"], "qualifier:", repr(f["qualifier"]["text"][:80]))
                    print("    named:", repr((f["claim"] or {}).get("text", "")[:160]))
                    print("    gold: ", [g[:80] for g in c.get("claims", [])][:3])
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
