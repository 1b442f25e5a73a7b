"""Reports: the JSON contract, JSON Lines, and the rich terminal view."""
from __future__ import annotations

from typing import Optional

import orjson

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__
from .clustering import SCHEMA_VERSION, clusters_of
from .engine import INTERRUPTED, Report
from .reading import printable

SEV_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def finding_dict(f, clusters, applicability: Optional[str] = None) -> dict:
    """A finding's JSON object: the contract's keys, its extensions, the id of its claim cluster, and
    what the fixer does to it (`fix_applicability`, see with_applicability)."""
    d = f.to_dict()
    d["cluster"] = clusters.id_of(f)
    if applicability is not None:
        d["fix_applicability"] = applicability
    return d


def with_applicability(findings, strategy: str = "auto"):
    """(finding, "safe" | "unsafe" | "none") in the findings' order: "safe" when `--fix` fixes it,
    "unsafe" when only `--fix --unsafe-fixes` does (the terminal's [*] and its footer's counts)."""
    from .fixing import planned_fixes

    for f, fx in planned_fixes(findings, strategy):
        yield f, "none" if fx is None else "safe" if fx[0] else "unsafe"


def _head(report: Report, clusters, applicability) -> dict:
    """The report's head; `applicability`: with_applicability's kinds of all the findings."""
    summary = report.summary()
    fixable = {"safe": 0, "unsafe": 0}
    for kind in applicability:
        if kind != "none":
            fixable[kind] += 1
    summary["fixable"] = fixable
    return {"version": __version__, "schema": SCHEMA_VERSION, "summary": summary,
            "cluster_stats": clusters.stats(), "clusters": clusters.to_dicts()}


def report_dict(report: Report, strategy: str = "auto") -> dict:
    clusters = clusters_of(report)
    pairs = list(with_applicability(report.findings, strategy))
    return {
        **_head(report, clusters, (kind for _f, kind in pairs)),
        "findings": [finding_dict(f, clusters, kind) for f, kind in pairs],
        "errors": [e.to_dict() for e in report.errors],
    }


def json_chunks(report: Report, batch: int = 512, strategy: str = "auto"):
    """The JSON report (the bytes orjson gives report_dict with two-space indent), in chunks: each
    finding is serialised on its own, so a large report is never built as one object."""
    opt = orjson.OPT_INDENT_2
    clusters = clusters_of(report)
    # the head's counts come first: a pass of their own over the findings, which are not held in memory
    head = orjson.dumps(_head(report, clusters, (kind for _f, kind in with_applicability(report.findings, strategy))),
                        option=opt)
    yield head[:-2] + b",\n  \"findings\": "  # drop the closing "\n}"
    part: list[bytes] = []
    first = True
    for f, kind in with_applicability(report.findings, strategy):
        part.append(b"    " + orjson.dumps(finding_dict(f, clusters, kind), option=opt).replace(b"\n", b"\n    "))
        if len(part) == batch:
            yield (b"[\n" if first else b",\n") + b",\n".join(part)
            part, first = [], False
    if part:
        yield (b"[\n" if first else b",\n") + b",\n".join(part)
        first = False
    yield b"[]" if first else b"\n  ]"
    errors = orjson.dumps([e.to_dict() for e in report.errors], option=opt).replace(b"\n", b"\n  ")
    yield b",\n  \"errors\": " + errors + b"\n}\n"


def _snippet(text: str, limit: int = 160) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cluster_label(c: dict, limit: int = 90) -> str:
    """A cluster's claim as one line; a pink elephant says which attribute is denied, how often."""
    text = _snippet(c["claim"], limit)
    if c.get("denied_attribute"):
        return f"denies '{printable(c['denied_attribute'])}' {c['repeats']} times: {text}"
    return text


def write_clusters(report: Report, console: Console, top: int = 10) -> None:
    """The claims the corpus teaches, most repeated first."""
    clusters = clusters_of(report)
    if not len(clusters):
        return
    t = Table(title=f"top claim clusters ({min(top, len(clusters))} of {len(clusters)})", show_lines=False)
    for col, just in (("id", "left"), ("records", "right"), ("findings", "right"), ("risk", "right"),
                      ("rules", "left")):
        t.add_column(col, justify=just, no_wrap=True)
    t.add_column("claim")
    width = max(24, min(100, console.width - 56))
    for c in clusters.to_dicts(top):
        t.add_row(c["id"], str(c["records"]), str(c["findings"]), Text(f"{c['risk']:.2f}", style=SEV_STYLE[c["severity"]]),
                  ",".join(c["rules"]), Text(cluster_label(c, width)))
    console.print(t)
    st = clusters.stats()
    if st["dropped"]:
        console.print(Text(f"{st['dropped']} rarely repeated clusters were dropped to bound memory; record counts "
                           f"may be low by at most {st['undercount_bound']}.", style="dim"))


def finding_line(f, fixable: str = "") -> Text:
    """`path:line:col: CODE [severity] [*] message`: one line, the way grep and problem matchers read it."""
    head = Text()
    head.append(f"{printable(f.path)}:{f.line or 1}:{int(f.extra.get('column', 1))}:", style="bold")
    head.append(f" {f.rule}", style="bold magenta")
    head.append(f" [{f.severity}]", style=SEV_STYLE[f.severity])
    if fixable == "safe":
        head.append(" [*]", style="bold green")
    head.append(" " + printable(" ".join(f.message.split())))
    return head


def write_terminal(report: Report, console: Console, show_info: bool = False, list_findings: bool = True,
                   strategy: str = "auto", statistics: bool = False, rule_names=None) -> None:
    """The terminal report. Every finding starts with its one-line location and rule (see finding_line);
    the indented lines under it give the qualifier (with its field, record and id), the claim and the
    suggested rewrite."""
    if not statistics:  # --statistics prints the counts per rule and nothing else above the summary
        write_clusters(report, console)
    fixes = {"safe": 0, "unsafe": 0}
    stats: dict[str, list[int]] = {}
    for f, applies in with_applicability(report.findings, strategy):
        # 'safe' when `--fix` applies a fix to this finding, 'unsafe' when only `--unsafe-fixes` does
        kind = "" if applies == "none" else applies
        if kind:
            fixes[kind] += 1
        st = stats.setdefault(f.rule, [0, 0])
        st[0] += 1
        st[1] += kind == "safe"
        if not list_findings or statistics or (f.severity == "info" and not show_info):
            continue
        console.print(finding_line(f, kind))
        where = [f"record {f.record}"]
        if "id" in f.extra:
            where.append(f"id {printable(str(f.extra['id']))}")
        where.append(f"risk {f.risk:.2f}")
        if not f.trained:
            where.append("untrained segment")
        q = Text(f"  qualifier in {printable(f.qualifier.get('field') or f.field)} ({', '.join(where)}): ", style="dim")
        q.append(_snippet(f.qualifier["text"]), style="red")
        console.print(q)
        if f.claim:
            c = Text("  claim: ", style="dim")
            c.append(_snippet(f.claim["text"]), style="underline")
            console.print(c)
        if f.suggestion:
            # "fix:" only for what a plain --fix writes (the [*] of the first line); a rewrite that
            # needs review is a suggestion, masking, keeping the truth and declined rewrites are advice
            label = "fix:" if kind == "safe" else (
                "suggestion:" if f.suggestion.get("strategy") in ("local-negation", "fallback") else "advice:")
            s = Text("  " + label.ljust(12), style="dim")
            s.append(_snippet(f.suggestion["text"]), style="green")
            console.print(s)
    if statistics:
        width = max((len(str(n)) for n, _ in stats.values()), default=1)
        for rule, (n, safe) in sorted(stats.items(), key=lambda kv: (-kv[1][0], kv[0])):
            name = (rule_names or {}).get(rule, "")
            console.print(Text(f"{n:>{width}}  {rule:<6} {'[*]' if safe else '   '} {name}".rstrip()))
    for e in report.errors:
        where = f"{printable(e.path)}:{e.line}" if e.line else printable(e.path)
        console.print(Text.assemble((f"{where} ", "bold"), ("error ", "bold red"), printable(e.message)))
    summ = report.summary()
    if summ["by_rule"] and not statistics:
        t = Table(title="negaudit summary", show_lines=False)
        t.add_column("rule")
        t.add_column("findings", justify="right")
        for rule, n in summ["by_rule"].items():
            t.add_row(rule, str(n))
        console.print(t)
    sev = ", ".join(f"{n} {k}" for k, n in summ["by_severity"].items()) or "no findings"
    line = (f"{summ['files']} files, {summ['records']} records: {summ['findings']} findings ({sev}), "
            f"{summ['errors']} errors")
    if summ["suppressed"]:
        line += f", {summ['suppressed']} suppressed"
    if summ.get("baselined"):
        line += f", {summ['baselined']} baselined"
    if not show_info and summ["by_severity"].get("info"):
        line += " (info findings hidden; --show-info to list them)"
    console.print(line)
    if summ.get("interrupted"):
        console.print(Text(INTERRUPTED, style="bold yellow"))
    if fixes["safe"] or fixes["unsafe"]:
        more = f" ({fixes['unsafe']} more with --unsafe-fixes)" if fixes["unsafe"] else ""
        console.print(Text(f"{'[*] ' if fixes['safe'] else ''}{fixes['safe']} fixable with --fix{more}"))
