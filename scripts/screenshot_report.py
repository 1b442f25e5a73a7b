"""Make the HTML report of examples/ and a screenshot of it in headless Chromium.

    .venv/bin/python scripts/screenshot_report.py [OUT.png]   (default: docs/html-report.png)

The screenshot shows the page with the first cluster opened (its example records, the qualifier and the
claim marked, the rewrite beside them)."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chromium_cdp import Chromium  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "html-report.png")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "report.html"
        # from the checkout, so the page names examples/... and not this machine's paths
        subprocess.run([sys.executable, "-m", "negaudit", "check", "examples", "--output-format", "html",
                        "--output", str(page_file), "--no-progress", "--quiet"], check=False, stdout=subprocess.DEVNULL,
                       cwd=ROOT)
        with Chromium() as browser:
            page = browser.open(page_file.as_uri())
            page.evaluate("document.querySelector('#clusters tbody tr.cluster').click()")
            height = page.evaluate("document.documentElement.scrollHeight")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(str(out), width=1280, height=min(int(height), 2400))
            if browser.errors:
                print("console errors:", *browser.errors, sep="\n", file=sys.stderr)
                return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
