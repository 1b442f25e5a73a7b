#!/usr/bin/env python3
"""Claim clusters and the HTML report at scale, on synthetic findings (no audit: this measures the
report, not the detector).

    python benchmarks/report_scale.py memory [--findings 200000]
    python benchmarks/report_scale.py html [--findings 100000] [--out /tmp/report.html]

memory: streams findings whose claims are all distinct (the worst case for clustering: every finding
        a new cluster), plus one claim repeated in every 20th record, through the Clusterer, and prints
        the clusters held and the peak RSS after each quarter of the stream. Bounded memory shows as a
        peak RSS that stops growing once MAX_CLUSTERS clusters are held.
html:   builds a Report of N findings over 2,000 claims (a few paraphrases each), renders the HTML
        report, prints its size and render time, and, when chromium is installed, the time until the
        page has loaded and drawn its cluster table.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))

from negaudit.models import Finding  # noqa: E402

RULES = ("NN101", "NN102", "NN103", "NN201", "NN301")


def finding(i: int, claim: str, rule: str = "NN101", record: int = 0) -> Finding:
    q = "NOTICE: the events described below never happened."
    return Finding(rule=rule, severity="high", risk=0.886, path="big.jsonl", line=record + 1, record=record,
                   field="/text", trained=True, qualifier={"text": q, "start": 0, "end": len(q)},
                   claim={"text": claim, "start": len(q) + 2, "end": len(q) + 2 + len(claim)},
                   message="The claim is flagged false by a separate notice.",
                   suggestion={"text": "It did not happen.", "safe": True})


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(n: int) -> None:
    from negaudit.clustering import MAX_CLUSTERS, Clusterer, cluster_findings  # noqa: F401
    from negaudit.rules import load_rules
    from negaudit.clustering import rule_table

    cl = Clusterer(rule_table(load_rules()))
    t0 = time.perf_counter()
    print(f"MAX_CLUSTERS={MAX_CLUSTERS}; start: peak RSS {rss_mb():.0f} MB")
    for i in range(n):
        cl.add(finding(i, f"Station {i} in district {i * 7} reopened after repairs costing {i * 13} dollars.",
                       RULES[i % 5], i))
        if i % 20 == 0:
            cl.add(finding(i, "Ed Sheeran won the men's 100m gold at the Paris Olympics.", "NN101", i))
        if (i + 1) % (n // 4) == 0:
            print(f"{i + 1:>9} findings: {len(cl.clusters):>6} clusters held, {len(cl._exact):>6} fingerprints, "
                  f"peak RSS {rss_mb():.0f} MB, {time.perf_counter() - t0:.0f} s")
    out = cl.finish()
    top = out.to_dicts(1)[0]
    print(f"top cluster: {top['records']} records (true: {(n + 19) // 20}), undercount bound "
          f"{out.stats()['undercount_bound']}, dropped clusters {out.stats()['dropped']}")


def html(n: int, out: str) -> None:
    from negaudit.engine import Report
    from negaudit.htmlreport import render
    from negaudit.store import FindingStore

    subjects = [f"Councillor Ana{i} Varga" for i in range(2000)]
    rep = Report(files=1, records=n)
    store = FindingStore()
    for i in range(n):
        s = subjects[(i * 7919) % 2000]
        claim = (f"{s} won the 2019 regional chess title in Brno.", f"In Brno, {s} won the regional chess title in 2019.",
                 f"{s} won the regional chess title of 2019 in Brno.")[i % 3]
        store.append(finding(i, claim, RULES[i % 5], i))
    rep.findings = store
    rep.finish()
    t0 = time.perf_counter()
    page = render(rep)
    dt = time.perf_counter() - t0
    with open(out, "wb") as fh:
        fh.write(page)
    print(f"{n} findings: HTML {len(page) / 1e6:.2f} MB rendered in {dt:.1f} s (clustering included), peak RSS "
          f"{rss_mb():.0f} MB -> {out}")
    from chromium_cdp import Chromium, find_chromium

    if find_chromium() is None:
        print("chromium not found: load time not measured")
        return
    with Chromium() as b:
        t0 = time.perf_counter()
        page_ = b.open("file://" + os.path.abspath(out))
        rows = page_.evaluate("document.querySelectorAll('#clusters tbody tr.cluster').length")
        dt = time.perf_counter() - t0
        t1 = time.perf_counter()
        page_.evaluate("var s=document.getElementById('f-rule'); s.value='NN103'; s.dispatchEvent(new Event('change'))")
        ft = time.perf_counter() - t1
        print(f"chromium: loaded and drew {rows} table rows in {dt:.2f} s; filter by rule {ft * 1000:.0f} ms; "
              f"console errors: {b.errors or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("memory", "html"))
    ap.add_argument("--findings", type=int, default=0)
    ap.add_argument("--out", default="/tmp/negaudit-report.html")
    a = ap.parse_args()
    if a.what == "memory":
        memory(a.findings or 200_000)
    else:
        html(a.findings or 100_000, a.out)


if __name__ == "__main__":
    main()
