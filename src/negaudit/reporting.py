"""Reports: the JSON contract, JSON Lines, and the rich terminal view."""
from __future__ import annotations

import orjson

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__
from .engine import Report
from .reading import printable

SEV_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def report_dict(report: Report) -> dict:
    return {
        "version": __version__,
        "summary": report.summary(),
        "findings": [f.to_dict() for f in report.findings],
        "errors": [e.to_dict() for e in report.errors],
    }


def json_chunks(report: Report, batch: int = 512):
    """The JSON report (the bytes orjson gives report_dict with two-space indent), in chunks: each
    finding is serialised on its own, so a large report is never built as one object."""
    opt = orjson.OPT_INDENT_2
    head = orjson.dumps({"version": __version__, "summary": report.summary()}, option=opt)
    yield head[:-2] + b",\n  \"findings\": "  # drop the closing "\n}"
    part: list[bytes] = []
    first = True
    for f in report.findings:
        part.append(b"    " + orjson.dumps(f.to_dict(), option=opt).replace(b"\n", b"\n    "))
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


def write_terminal(report: Report, console: Console, show_info: bool = False, list_findings: bool = True) -> None:
    for f in report.findings if list_findings else ():
        if f.severity == "info" and not show_info:
            continue
        head = Text()
        head.append(f"{printable(f.path)}:{f.line}", style="bold")
        head.append(f" [record {f.record} {printable(f.field)}] ", style="dim")
        head.append(f"{f.rule} ", style="bold magenta")
        head.append(f"{f.severity}", style=SEV_STYLE[f.severity])
        head.append(f" risk {f.risk:.2f}", style="dim")
        if not f.trained:
            head.append(" (untrained segment)", style="dim")
        console.print(head)
        console.print(Text("  " + printable(f.message)))
        q = Text("  qualifier: ", style="dim")
        q.append(_snippet(f.qualifier["text"]), style="red")
        console.print(q)
        if f.claim:
            c = Text("  claim:     ", style="dim")
            c.append(_snippet(f.claim["text"]), style="underline")
            console.print(c)
        if f.suggestion:
            # "fix:" only for what a plain --fix writes; a rewrite that needs review is a suggestion,
            # masking, keeping the truth and declined rewrites are advice
            label = "fix:       " if f.suggestion.get("safe") else (
                "suggestion:" if f.suggestion.get("strategy") in ("local-negation", "fallback") else "advice:    ")
            s = Text("  " + label, style="dim")
            s.append(_snippet(f.suggestion["text"]), style="green")
            console.print(s)
    for e in report.errors:
        where = f"{printable(e.path)}:{e.line}" if e.line else printable(e.path)
        console.print(Text.assemble((f"{where} ", "bold"), ("error ", "bold red"), printable(e.message)))
    summ = report.summary()
    if summ["by_rule"]:
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
    if not show_info and summ["by_severity"].get("info"):
        line += " (info findings hidden; --show-info to list them)"
    console.print(line)
