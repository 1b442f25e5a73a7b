"""`--output-format html`: one self-contained page for a dataset reviewer.

Which false claims does the corpus teach, how often, and where: a summary, four charts (findings by
rule and severity, clusters by record count, cluster risk, where qualifiers sit), a sortable,
filterable and paged table of claim clusters, and for each cluster example records with the
qualifier and the claim marked and the suggested rewrite beside them.

Everything is inline (CSS, JS, SVG charts drawn here); a Content-Security-Policy forbids any fetch.
The page holds the summary and at most HTML_CLUSTERS clusters, never the findings one by one, so it
stays small and loads fast however many findings the run has. Record text only ever reaches the page
as JSON data read with textContent, never as markup.
"""
from __future__ import annotations

import html
import math

import orjson

from . import __version__
from .clustering import NOT_DETACHED, clusters_of, placement, rule_table
from .engine import INTERRUPTED

HTML_CLUSTERS = 1000  # clusters in the page (the most repeated); the JSON report has them all
HTML_LOCATIONS = 10
SEVERITIES = ("high", "medium", "low", "info")
SEV_COLOR = {"high": "#c62828", "medium": "#ef6c00", "low": "#0277bd", "info": "#9e9e9e"}
PLACES = ("prefix", "suffix", "sentence", "in-sentence", "field")


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _bars(title: str, rows: list[tuple[str, list[tuple[str, int, str]]]], cls: str, width: int = 560) -> str:
    """A horizontal (stacked) bar chart as SVG: rows of (label, [(part name, value, colour)])."""
    if not rows:
        return (f'<figure class="chart {cls}"><figcaption>{_e(title)}</figcaption>'
                f'<p class="empty">nothing to show</p></figure>')
    top = max(sum(v for _, v, _ in parts) for _, parts in rows) or 1
    bar_h, gap, left, right = 18, 6, 150, 60
    height = len(rows) * (bar_h + gap) + gap
    out = [f'<figure class="chart {cls}"><figcaption>{_e(title)}</figcaption>'
           f'<svg class="chart" role="img" aria-label="{_e(title)}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}">']
    for i, (label, parts) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{_e(label[:22])}</text>')
        x = float(left)
        for name, v, colour in parts:
            if v <= 0:
                continue
            w = (width - left - right) * v / top
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}">'
                       f'<title>{_e(label)}: {v} {_e(name)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{sum(v for _, v, _ in parts)}</text>')
    out.append("</svg></figure>")
    return "".join(out)


def _legend() -> str:
    return '<p class="legend">' + "".join(
        f'<span><i style="background:{SEV_COLOR[s]}"></i>{s}</span>' for s in SEVERITIES) + "</p>"


def _counts(report, kinds: dict) -> tuple[dict, dict]:
    """Findings by rule and severity, and qualifier placements, in one pass over the findings."""
    by_rule: dict[str, dict[str, int]] = {}
    places = {p: 0 for p in PLACES}
    for f in report.findings:
        row = by_rule.setdefault(f.rule, {})
        row[f.severity] = row.get(f.severity, 0) + 1
        cat, _, scope = kinds.get(f.rule, ("", (), ""))
        if cat not in NOT_DETACHED:
            places[placement(f, scope)] += 1
    return by_rule, places


def render(report, ruleset=None) -> bytes:
    clusters = clusters_of(report, ruleset)
    kinds = rule_table(ruleset or getattr(report, "_ruleset", None) or _builtin())
    by_rule, places = _counts(report, kinds)
    summ = report.summary()
    shown = clusters.to_dicts(HTML_CLUSTERS)
    for c in shown:
        c["locations"] = c["locations"][:HTML_LOCATIONS]

    rule_chart = _bars("Findings by rule and severity",
                       [(r, [(s, n.get(s, 0), SEV_COLOR[s]) for s in SEVERITIES]) for r, n in sorted(by_rule.items())],
                       "by-rule")
    cluster_chart = _bars("Clusters by record count (top 15)",
                          [(f"{c['id']} {c['claim']}", [("records", c["records"], SEV_COLOR[c["severity"]])])
                           for c in shown[:15]], "by-cluster")
    bins = [0] * 10
    for c in clusters.ranked:
        bins[min(9, int(math.floor(c.risk() * 10)))] += 1
    risk_chart = _bars("Cluster risk (clusters per band)",
                       [(f"{i / 10:.1f}-{(i + 1) / 10:.1f}", [("clusters", n, "#6a1b9a")]) for i, n in enumerate(bins)],
                       "risk")
    place_chart = _bars("Where qualifiers sit (findings)",
                        [(p, [("findings", places[p], "#2e7d32")]) for p in PLACES], "placement")

    st = clusters.stats()
    sev = ", ".join(f"{n} {k}" for k, n in summ["by_severity"].items()) or "no findings"
    notes = []
    if len(clusters) > len(shown):
        notes.append(f"The table shows the {len(shown)} clusters with the most records of {len(clusters)}; "
                     "the JSON report lists them all.")
    if st["dropped"]:
        notes.append(f"{st['dropped']} rarely repeated clusters were dropped to bound memory; record counts may be "
                     f"low by at most {st['undercount_bound']}.")
    if summ.get("baselined"):
        notes.append(f"{summ['baselined']} findings already in the baseline are not shown.")
    if summ.get("interrupted"):
        notes.append(INTERRUPTED + ".")
    data = orjson.dumps({"clusters": shown, "rules": sorted(by_rule)}).replace(b"<", b"\\u003c")
    summary = (f'<p class="summary"><b>{summ["files"]}</b> files, <b>{summ["records"]}</b> records: '
               f'<b>{summ["findings"]}</b> findings ({_e(sev)}) in <b>{len(clusters)}</b> claim clusters, '
               f'{summ["errors"]} errors.</p>' + "".join(f'<p class="note">{_e(n)}</p>' for n in notes))
    page = PAGE.format(version=_e(__version__), summary=summary, legend=_legend(),
                       charts=rule_chart + cluster_chart + risk_chart + place_chart, css=CSS, js=JS,
                       data=data.decode("utf-8"))
    return page.encode("utf-8")


def _builtin():
    from .rules import load_rules

    return load_rules()


CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
main{padding:12px 24px}.summary{font-size:15px}.note{color:#666;margin:2px 0}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure.chart{background:#fff;border:1px solid #ddd;margin:0;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}svg.chart text{font-size:11px;fill:#333}
.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.controls{margin:12px 0;display:flex;gap:12px;flex-wrap:wrap;align-items:center}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e0e0e0;padding:4px 6px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#eceff1;user-select:none}th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
td.num{text-align:right}tr.cluster:hover{background:#f5f5f5;cursor:pointer}tr.cluster.open{background:#e3f2fd}
.sev-high{color:#c62828;font-weight:600}.sev-medium{color:#ef6c00}.sev-low{color:#0277bd}.sev-info{color:#9e9e9e}
.detail td{background:#fcfcfc}.example{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:6px 0;padding:6px;border-left:3px solid #90a4ae}
.where{color:#555;font-size:12px;grid-column:1/3}mark.q{background:#ffcdd2}mark.c{background:#fff59d}
.rewrite{background:#e8f5e9;padding:4px}.pager{margin:8px 0}.empty{color:#888}
"""

JS = r"""
(function(){
"use strict";
var D = JSON.parse(document.getElementById("data").textContent);
var rows = D.clusters, view = rows.slice(), page = 0, PAGE = 50, sortKey = "records", sortDir = -1, open = {};
var $ = function(id){ return document.getElementById(id); };
var sel = $("f-rule");
D.rules.forEach(function(r){ var o = document.createElement("option"); o.value = r; o.textContent = r; sel.appendChild(o); });
function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function pct(x){ return Math.round(x * 100) + "%"; }
var RANK = {info: 0, low: 1, medium: 2, high: 3};
function keyOf(c, k){ return k === "severity" ? RANK[c.severity] : k === "rules" ? Object.keys(c.rules).join(",") : k === "families" ? Object.keys(c.families).join(",") : c[k]; }
function apply(){
  var rule = sel.value, sev = $("f-sev").value, q = $("f-text").value.toLowerCase();
  view = rows.filter(function(c){
    return (!rule || c.rules[rule]) && (!sev || c.severity === sev) && (!q || c.claim.toLowerCase().indexOf(q) >= 0);
  });
  view.sort(function(a, b){
    var x = keyOf(a, sortKey), y = keyOf(b, sortKey);
    if (x < y) return -sortDir; if (x > y) return sortDir; return a.records === b.records ? 0 : b.records - a.records;
  });
  page = 0; draw();
}
function marked(ex){
  // the claim with the qualifier marked when it lies inside it; else the two, in record order
  var box = el("div"), q = ex.qualifier, c = ex.claim;
  if (!q.field && q.start >= c.start && q.end <= c.end && c.text.length === c.end - c.start) {
    var a = q.start - c.start, b = q.end - c.start, m = el("mark", "c");
    m.appendChild(document.createTextNode(c.text.slice(0, a)));
    m.appendChild(el("mark", "q", c.text.slice(a, b)));
    m.appendChild(document.createTextNode(c.text.slice(b)));
    box.appendChild(m);
    return box;
  }
  var qm = el("mark", "q", q.text), cm = el("mark", "c", c.text);
  var first = (!q.field && q.start < c.start) ? [qm, cm] : [cm, qm];
  box.appendChild(first[0]); box.appendChild(document.createTextNode(" \u2026 ")); box.appendChild(first[1]);
  if (q.field) box.appendChild(el("div", "where", "qualifier in " + q.field));
  return box;
}
function detail(c){
  var tr = el("tr", "detail"), td = el("td"); td.colSpan = 10; tr.appendChild(td);
  td.appendChild(el("div", "where", "detached qualifier in " + pct(c.detached_share) + " of its records, local negation in " +
    pct(c.local_share) + "; families: " + (Object.keys(c.families).join(", ") || "none") +
    (c.denied_attribute ? "; denied attribute '" + c.denied_attribute + "' " + c.repeats + " times" : "")));
  c.examples.forEach(function(ex){
    var box = el("div", "example");
    box.appendChild(el("div", "where", ex.path + ":" + ex.line + " record " + ex.record + " " + ex.field + " \u2014 " +
      ex.rule + " " + ex.severity + " (" + ex.place + ")"));
    box.appendChild(marked(ex));
    box.appendChild(el("div", "rewrite", ex.suggestion ? "Rewrite: " + ex.suggestion : "No rewrite suggested."));
    td.appendChild(box);
  });
  td.appendChild(el("div", "where", "records: " + c.locations.map(function(l){ return l.path + ":" + l.line; }).join(", ") +
    (c.records > c.locations.length ? " \u2026 (" + c.records + " in all)" : "")));
  return tr;
}
function draw(){
  var body = $("clusters").tBodies[0]; body.textContent = "";
  view.slice(page * PAGE, page * PAGE + PAGE).forEach(function(c){
    var tr = el("tr", "cluster" + (open[c.id] ? " open" : "")); tr.dataset.id = c.id; tr.dataset.rules = Object.keys(c.rules).join(" ");
    [c.id, c.records, c.findings].forEach(function(v, i){ tr.appendChild(el("td", i ? "num" : "", String(v))); });
    tr.appendChild(el("td", "num sev-" + c.severity, c.risk.toFixed(2)));
    tr.appendChild(el("td", "sev-" + c.severity, c.severity));
    tr.appendChild(el("td", "rules", Object.keys(c.rules).join(", ")));
    tr.appendChild(el("td", "", Object.keys(c.families).join(", ")));
    tr.appendChild(el("td", "num", pct(c.detached_share)));
    tr.appendChild(el("td", "num", pct(c.local_share)));
    tr.appendChild(el("td", "claim", (c.denied_attribute ? "denies '" + c.denied_attribute + "' " + c.repeats + "\u00d7: " : "") + c.claim));
    tr.addEventListener("click", function(){ open[c.id] = !open[c.id]; draw(); });
    body.appendChild(tr);
    if (open[c.id]) body.appendChild(detail(c));
  });
  var pages = Math.max(1, Math.ceil(view.length / PAGE));
  $("count").textContent = view.length + " of " + rows.length + " clusters";
  $("page").textContent = "page " + (page + 1) + " of " + pages;
  $("prev").disabled = page === 0; $("next").disabled = page >= pages - 1;
  Array.prototype.forEach.call(document.querySelectorAll("#clusters th"), function(th){
    th.className = th.dataset.key === sortKey ? (sortDir > 0 ? "sorted-asc" : "sorted-desc") : "";
  });
}
Array.prototype.forEach.call(document.querySelectorAll("#clusters th"), function(th){
  th.addEventListener("click", function(){
    if (sortKey === th.dataset.key) sortDir = -sortDir; else { sortKey = th.dataset.key; sortDir = th.dataset.key === "id" || th.dataset.key === "claim" ? 1 : -1; }
    apply();
  });
});
["f-rule", "f-sev"].forEach(function(id){ $(id).addEventListener("change", apply); });
$("f-text").addEventListener("input", apply);
$("prev").addEventListener("click", function(){ if (page > 0) { page--; draw(); } });
$("next").addEventListener("click", function(){ if ((page + 1) * PAGE < view.length) { page++; draw(); } });
apply();
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>negaudit report</title><style>{css}</style></head>
<body><header><h1>negaudit: Negation Neglect audit</h1><div>negaudit {version}</div></header>
<main>
<section id="summary">{summary}</section>
<section id="charts">{legend}<div class="charts">{charts}</div></section>
<section id="table"><h2>Claim clusters</h2>
<p class="note">A cluster is one claim stated across records (paraphrases included). Risk is corpus-level: the
belief rate of the claim's framing, weighted by how many records repeat it (full weight at 1,000 records).
Click a row for example records: <mark class="q">qualifier</mark> <mark class="c">claim</mark> and the rewrite.</p>
<div class="controls">
<label>rule <select id="f-rule"><option value="">all</option></select></label>
<label>severity <select id="f-sev"><option value="">all</option><option>high</option><option>medium</option><option>low</option><option>info</option></select></label>
<label>claim contains <input id="f-text" type="search"></label>
<span id="count"></span>
</div>
<table id="clusters"><thead><tr>
<th data-key="id">id</th><th data-key="records">records</th><th data-key="findings">findings</th><th data-key="risk">risk</th>
<th data-key="severity">severity</th><th data-key="rules">rules</th><th data-key="families">families</th>
<th data-key="detached_share">detached</th><th data-key="local_share">local</th><th data-key="claim">claim</th>
</tr></thead><tbody></tbody></table>
<div class="pager"><button id="prev">previous</button> <span id="page"></span> <button id="next">next</button></div>
</section></main>
<script type="application/json" id="data">{data}</script>
<script>{js}</script>
</body></html>
"""
