"""CI report formats: SARIF 2.1.0, GitHub workflow-command annotations, and a Markdown PR summary."""
from __future__ import annotations

import hashlib
import heapq
import os
from pathlib import Path
from urllib.parse import quote

import regex

from . import __version__
from .engine import INTERRUPTED, Report
from .models import Finding
from .reading import _CONTROL, printable
from .rules import RuleSet

SARIF_LEVEL = {"high": "error", "medium": "warning", "low": "note", "info": "none"}
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_WS = regex.compile(r"\s+")
INFORMATION_URI = "https://github.com/negaudit/negaudit"  # the project's home: README, rules, releases


def fingerprint(f: Finding) -> str:
    """Stable across line moves and unrelated edits: rule + the record's qualifier and claim text + field."""
    norm = lambda t: _WS.sub(" ", t or "").strip().lower()  # noqa: E731
    claim = f.claim["text"] if f.claim else ""
    key = "\x1f".join([f.rule, f.field.split("/")[1] if "/" in f.field else f.field, norm(f.qualifier["text"]), norm(claim)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _occurrence(seen: dict, f: Finding) -> str:
    """The finding's fingerprint, with ":N" for its Nth identical finding in the same file (a repeated
    record): code scanning merges results that share a fingerprint, so a duplicate would vanish."""
    fp = fingerprint(f)
    n = seen[(f.path, fp)] = seen.get((f.path, fp), 0) + 1
    return fp if n == 1 else f"{fp}:{n}"


def artifact_uri(path: str) -> str:
    """A SARIF artifactLocation.uri: a relative URI reference, or file:// for an absolute path, with
    everything but unreserved characters and '/' percent-encoded ('#', '%', ' ' and the rest)."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    while path.startswith("./"):
        path = path[2:]
    return quote(os.fsencode(path.replace(os.sep, "/")), safe="/")


def _shipped(rule) -> bool:
    from .rules import builtin_rules_dir

    try:
        return Path(rule.pack).resolve().parent == builtin_rules_dir().resolve()
    except Exception:
        return False


def _column(f: Finding) -> int:
    """1-based column of the qualifier in its line (text files) or 1 (JSON Lines: the record line)."""
    return int(f.extra.get("column", 1))


def sarif(report: Report, ruleset: RuleSet) -> dict:
    used = sorted({f.rule for f in report.findings})
    rules = []
    index = {}
    for code in used:
        r = ruleset.by_id(code)
        if r is None:
            continue
        index[code] = len(rules)
        help_ = {"text": f"{r.rationale}\n\nExample: {r.example.get('bad', '')}\nInstead: {r.example.get('good', '')}\n"
                         f"Fix: {r.fix}"}
        if _shipped(r):  # a pack from the audited tree gets plain text only: its Markdown is not ours to render
            help_["markdown"] = (f"**{r.id} {r.name}**\n\n{r.rationale}\n\n*Example:* `{r.example.get('bad', '')}`"
                                 f"\n\n*Fix:* {r.fix}")
        rules.append({
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.message},
            "fullDescription": {"text": r.rationale or r.message},
            "help": help_,
            "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
            "properties": {"category": r.category, "prior": r.prior, "research": r.prior_source,
                           "pattern": r.pattern},
        })
    results = []
    seen: dict[tuple[str, str], int] = {}
    for f in report.findings:
        res = {
            "ruleId": f.rule,
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message} Qualifier: \"{f.qualifier['text'][:200]}\""
                                + (f" Claim: \"{f.claim['text'][:200]}\"" if f.claim else "")},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(f.path)},
                "region": {"startLine": max(1, f.line or 1), "startColumn": _column(f)}}}],
            "partialFingerprints": {"negaudit/v1": _occurrence(seen, f)},
            "properties": {"risk": f.risk, "severity": f.severity, "record": f.record, "field": f.field,
                           "trained": f.trained},
        }
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        if f.suggestion:
            res["properties"]["suggestion"] = f.suggestion["text"]
        results.append(res)
    invocation: dict = {"executionSuccessful": not report.errors and not report.interrupted}
    if report.interrupted:
        invocation["exitCode"] = 130
        invocation["exitCodeDescription"] = INTERRUPTED
    if report.errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": e.message},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(e.path)},
                                                 **({"region": {"startLine": e.line}} if e.line else {})}}]}
            for e in report.errors]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "negaudit", "version": __version__, "informationUri":
                                INFORMATION_URI, "rules": rules}},
            "invocations": [invocation],
            "results": results,
        }],
    }


def _shown(s: str) -> str:
    """Record text and file names with their control characters (ESC, C1, NUL, bidi overrides) shown
    as escapes, as the terminal report shows them: a CI log renders ESC sequences (hidden text,
    colours) and an RTL override reorders a line. Line breaks are left to the format's own escape."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in "\r\n" else printable(m.group()), s)


def _gh_escape(s: str, prop: bool = False) -> str:
    s = _shown(s)
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def github(report: Report) -> str:
    """GitHub Actions workflow commands: one ::error/::warning/::notice per finding."""
    kind = {"high": "error", "medium": "warning", "low": "notice", "info": "notice"}
    out = []
    for f in report.findings:
        title = f"{f.rule} {f.severity} (risk {f.risk:.2f})"
        msg = f.message + f" Qualifier: {f.qualifier['text'][:160]}"
        if f.suggestion:
            msg += f" Suggested rewrite: {f.suggestion['text'][:160]}"
        out.append(f"::{kind[f.severity]} file={_gh_escape(f.path, True)},line={f.line},col={_column(f)},"
                   f"title={_gh_escape(title, True)}::"
                   f"{_gh_escape(msg)}")
    for e in report.errors:
        loc = f"file={_gh_escape(e.path, True)}" + (f",line={e.line}" if e.line else "")
        out.append(f"::error {loc},title=negaudit input error::{_gh_escape(e.message)}")
    return "\n".join(out) + ("\n" if out else "")


def md_code(text: str, in_table: bool = True) -> str:
    """`text` as one Markdown code span: nothing in it becomes a link, an image, HTML or emphasis.
    The fence is longer than any run of backticks inside; in a table, pipes are escaped (GFM)."""
    text = _shown(regex.sub(r"[\r\n\u2028\u2029]+", " ", text))
    if not text:
        return ""
    if in_table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in regex.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(report: Report, top: int = 10) -> str:
    """A pull-request comment / $GITHUB_STEP_SUMMARY: counts by severity and rule, top findings with rewrites."""
    s = report.summary()
    lines = ["## negaudit: Negation Neglect audit", ""]
    if not report.findings and not report.errors:
        lines.append(f"No findings in {s['records']} records ({s['files']} files).")
        return "\n".join(lines) + "\n"
    sev = " · ".join(f"**{n}** {k}" for k, n in s["by_severity"].items()) or "no findings"
    lines.append(f"{s['files']} files, {s['records']} records: {s['findings']} findings ({sev}), {s['errors']} errors"
                 + (f", {s['suppressed']} suppressed" if s.get("suppressed") else "") + ".")
    if s.get("interrupted"):
        lines += ["", f"**{INTERRUPTED}.**"]
    if s.get("baselined"):
        lines += ["", f"Against the baseline: **{s['baselined']}** known findings are not shown; the clusters and "
                      "findings below are new or grown since."]
    lines += _cluster_lines(report, top)
    lines += ["", "| rule | findings |", "|---|---|"]
    lines += [f"| {r} | {n} |" for r, n in s["by_rule"].items()]
    ranked = heapq.nsmallest(top, report.findings, key=lambda f: (-f.risk, f.path, f.line))
    if ranked:
        lines += ["", f"### Top {len(ranked)} findings", "", "| where | rule | risk | qualifier | suggested rewrite |",
                  "|---|---|---|---|---|"]
        for f in ranked:
            # record text and file names are the PR author's: code spans, so no link or image renders
            sug = md_code(f.suggestion["text"][:140]) if f.suggestion else ""
            lines.append(f"| {md_code(f'{f.path}:{f.line}')} | {f.rule} ({f.severity}) | {f.risk:.2f} | "
                         f"{md_code(f.qualifier['text'][:140])} | {sug} |")
    if report.errors:
        lines += ["", "### Input errors", ""]
        lines += [f"- {md_code(e.path + (':' + str(e.line) if e.line else ''), False)}: {md_code(e.message, False)}"
                  for e in report.errors[:20]]
    return "\n".join(lines) + "\n"


def _cluster_lines(report: Report, top: int) -> list[str]:
    """The top claim clusters: which claims the corpus teaches, in how many records."""
    from .clustering import clusters_of
    from .reporting import cluster_label

    clusters = clusters_of(report)
    if not len(clusters):
        return []
    out = ["", f"### Top claim clusters ({min(top, len(clusters))} of {len(clusters)})", "",
           "| cluster | records | findings | risk | rules | claim |", "|---|---|---|---|---|---|"]
    for c in clusters.to_dicts(top):
        out.append(f"| {c['id']} | {c['records']} | {c['findings']} | {c['risk']:.2f} ({c['severity']}) | "
                   f"{', '.join(c['rules'])} | {md_code(cluster_label(c, 140))} |")
    st = clusters.stats()
    if st["dropped"]:
        out += ["", f"{st['dropped']} rarely repeated clusters were dropped to bound memory; record counts may be "
                    f"low by at most {st['undercount_bound']}."]
    return out


# ---------------------------------------------------------------------- baseline
BASELINE_VERSION = 1


def baseline_dict(report: Report) -> dict:
    counts: dict[str, int] = {}
    entries = []
    for f in report.findings:
        fp = fingerprint(f)
        counts[fp] = counts.get(fp, 0) + 1
        entries.append({"fingerprint": fp, "rule": f.rule, "path": f.path, "line": f.line,
                        "qualifier": f.qualifier["text"][:120]})
    return {"tool": "negaudit", "version": BASELINE_VERSION, "fingerprints": dict(sorted(counts.items())),
            "findings": entries}


def apply_baseline(report: Report, baseline: dict) -> int:
    """Drop findings already in the baseline (as a multiset); returns how many were dropped."""
    from .store import FindingStore

    left = dict(baseline.get("fingerprints", {}))
    kept = FindingStore()
    dropped = 0
    for f in report.findings:
        fp = fingerprint(f)
        if left.get(fp, 0) > 0:
            left[fp] -= 1
            dropped += 1
        else:
            kept.append(f)
    report.findings = kept
    return dropped
