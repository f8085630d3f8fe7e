"""Screenshots of every dashboard view and of the static report, as a stakeholder sees them.

Serves the dashboard (Voila) over a results folder, opens it in headless
Chromium at 1400 px, and writes one full-page PNG per view to
``benchmarks/results/screens/``: the Summary, the clue map, Current vs desired
(codes, then clue type x touchpoint with a segment filter), Drivers, Waves,
Evidence (most typical, then most negative after a drill-down), the Summary
through the touchpoints lens, and the report. Every request that would leave
127.0.0.1 is blocked and counted (the run fails if there is one). Usage::

    .venv/bin/python benchmarks/screens_dashboard.py [--results DIR]

Without ``--results`` the bundled sample is run first (``cxaudit demo --no-serve``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "screens"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 180_000


def _loopback(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about", "file") or parsed.hostname in ("127.0.0.1", "localhost", "::1")


def _select(page, css_class: str, label: str) -> None:
    select = page.locator(f".{css_class} select")
    labels = [t.replace("\u00a0", " ") for t in select.locator("option").all_inner_texts()]
    select.select_option(index=labels.index(label))


def _tab(page, title: str) -> None:
    page.click(f".lm-TabBar-tab:has-text('{title}')")


def _settle(page, seconds: float = 1.5) -> None:
    page.wait_for_timeout(seconds * 1000)


def shoot(results: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from cxaudit.publish.dashboard.server import start
    from cxaudit.publish.report import write_report

    OUT.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    written: list[Path] = []
    report = OUT.parent / "screens-report.html"
    write_report(results, report)
    srv = start(results)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            # Voila scrolls inside the page, so a full-page shot is the viewport: snap() grows it to the view's height
            ctx = browser.new_context(viewport={"width": 1400, "height": 2400})

            def guard(route):
                if _loopback(route.request.url):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            ctx.route("**/*", guard)
            page = ctx.new_page()
            page.set_default_timeout(TIMEOUT_MS)

            def snap(name: str) -> None:
                _settle(page)
                # Voila scrolls inside the page: grow the viewport to the tallest scrolling content, so a long
                # view (the Summary with its strengths) is shot whole instead of cut at the viewport's bottom
                tall = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
                height = 2400 if tall <= 2400 else min(int(tall) + 40, 12_000)
                page.set_viewport_size({"width": 1400, "height": height})
                _settle(page, 0.5)
                path = OUT / f"{name}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
                page.set_viewport_size({"width": 1400, "height": 2400})

            t0 = time.perf_counter()
            page.goto(srv.url, wait_until="commit")
            page.wait_for_selector(".cx-app .cx-summary .cx-finding", state="visible")
            print(f"first render: {time.perf_counter() - t0:.1f} s")
            snap("01-summary")
            _tab(page, "Clue map")
            page.wait_for_selector(".cx-heatmap .cx-cell", state="visible")
            snap("02-clue-map")
            _tab(page, "Current vs desired")
            page.wait_for_selector(".cx-ipa-plot", state="visible")
            snap("03-current-vs-desired-codes")
            _select(page, "cx-filter-segment", "Everyday banking")
            page.locator(".widget-dropdown:has-text('Level') select").select_option(value=None, index=3)
            snap("04-current-vs-desired-clue-type-x-touchpoint-filtered")
            _select(page, "cx-filter-segment", "All")
            _tab(page, "Drivers")
            page.wait_for_selector(".cx-chart-drivers .cx-ic-row", state="visible")
            snap("05-drivers")
            _tab(page, "Waves")
            page.wait_for_selector(".cx-chart-trend .cx-ic-row", state="visible")
            snap("06-waves")
            _tab(page, "Evidence")
            page.wait_for_selector(".cx-evidence tbody tr", state="visible")
            snap("07-evidence-typical")
            _tab(page, "Current vs desired")
            drill = page.locator(".cx-drill-compare select")
            drill.select_option(index=1)
            page.wait_for_selector(".cx-drill-label b", state="visible")
            _select(page, "cx-sort", "Most negative")
            snap("08-evidence-drilled-most-negative")
            _select(page, "cx-lens", "Touchpoints")
            _tab(page, "Summary")
            page.wait_for_selector(".cx-app .cx-summary .cx-finding", state="visible")
            snap("09-summary-touchpoints-lens")
            rpage = ctx.new_page()
            rpage.set_viewport_size({"width": 1400, "height": 1200})
            rpage.goto(report.resolve().as_uri())
            _settle(rpage, 0.5)
            path = OUT / "10-report.png"
            rpage.screenshot(path=str(path), full_page=True)
            written.append(path)
            browser.close()
    finally:
        srv.stop()
        report.unlink(missing_ok=True)
    if blocked:
        raise SystemExit(f"requests that would have left 127.0.0.1: {blocked}")
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", type=Path, help="results folder (default: run the bundled sample first)")
    args = ap.parse_args()
    if args.results:
        paths = shoot(args.results)
    else:
        with tempfile.TemporaryDirectory(prefix="cxaudit-screens-") as tmp:
            subprocess.run([sys.executable, "-m", "cxaudit", "demo", "--no-serve", "--out", tmp], check=False,
                           stdout=subprocess.DEVNULL)
            paths = shoot(Path(tmp))
    for p in paths:
        print(p.relative_to(ROOT))


if __name__ == "__main__":
    main()
