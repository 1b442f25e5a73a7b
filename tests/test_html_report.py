"""The HTML report: self-contained, and in headless Chromium it renders without console errors, shows
its charts and cluster table, and filters the table by rule."""
import json
import re

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from negaudit.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    r = runner.invoke(app, ["check", str(ROOT / "examples"), "--output-format", "html", "--output", str(out),
                            "--no-progress"], catch_exceptions=False)
    assert r.exit_code == 1 and out.exists()
    return out


def test_html_report_is_self_contained(page_file):
    page = page_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "default-src 'none'" in page
    # no fetch of any kind: no external script, style, image or link
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S).group(1))
    assert data["clusters"] and {"NN101", "NN102"} <= set(data["rules"])
    # record text is data, never markup: a "<" in a claim is escaped inside the JSON block
    assert "</" not in re.search(r'id="data">(.*?)</script>', page, re.S).group(1)


def test_html_report_in_headless_chromium(page_file):
    from chromium_cdp import Chromium, find_chromium

    if find_chromium() is None:
        pytest.skip("chromium not found on PATH (.ci/run installs Debian's chromium)")
    with Chromium() as browser:
        page = browser.open(page_file.as_uri())
        assert page.evaluate("document.querySelectorAll('svg.chart').length") == 4
        assert page.evaluate("document.querySelectorAll('svg.chart rect').length") > 10
        total = page.evaluate("document.querySelectorAll('#clusters tbody tr.cluster').length")
        assert total >= 10
        # filter by rule: only clusters with an NN102 finding stay, and there are fewer of them
        rules = page.evaluate("""(function(){
            var s = document.getElementById('f-rule'); s.value = 'NN102'; s.dispatchEvent(new Event('change'));
            return Array.from(document.querySelectorAll('#clusters tbody tr.cluster'), function(t){
                return t.querySelector('td.rules').textContent; });
        })()""")
        assert 0 < len(rules) < total and all("NN102" in r for r in rules)
        assert "of %d clusters" % total in page.evaluate("document.getElementById('count').textContent")
        # a row opens its examples: the qualifier and the claim marked, the rewrite beside them
        detail = page.evaluate("""(function(){
            document.querySelector('#clusters tbody tr.cluster').click();
            var d = document.querySelector('#clusters tr.detail');
            return {q: d.querySelectorAll('mark.q').length, c: d.querySelectorAll('mark.c').length,
                    rewrite: d.querySelector('.rewrite').textContent};
        })()""")
        assert detail["q"] >= 1 and detail["c"] >= 1 and detail["rewrite"].startswith("Rewrite: ")
        # sorting by a header reorders the rows
        page.evaluate("document.getElementById('f-rule').value=''; document.getElementById('f-rule').dispatchEvent(new Event('change'))")
        page.evaluate("document.querySelector('th[data-key=risk]').click()")
        risks = page.evaluate("Array.from(document.querySelectorAll('#clusters tbody tr.cluster td:nth-child(4)'), function(t){ return +t.textContent; })")
        assert risks == sorted(risks, reverse=True)
        assert browser.errors == []
