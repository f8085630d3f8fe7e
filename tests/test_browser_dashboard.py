"""The dashboard served by Voila and driven by a real headless Chromium (Playwright).

One Voila server per module over a small store made here (and, through
``?results=``, the summary store); each test opens a fresh page (a fresh
kernel). Every page runs offline: any request to a host other than 127.0.0.1
is blocked and recorded, and the module fails if there was one. In CI
(CI=true) these tests fail when Chromium is missing; elsewhere they skip with
the reason.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from urllib.parse import quote, urlparse

from _dashboard_helpers import (PWN_COMMENT, PWN_SEGMENT, expected_mentions, make_follow_store, make_store,
                                make_summary_store)

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CXAUDIT_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 90_000


def _require_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"playwright is not installed in CI: {exc}")
        pytest.skip("playwright is not installed")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM} in CI (apt-get install -y chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium to run the browser tests")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _require_browser()
    from cxaudit.publish.dashboard.server import start

    out = tmp_path_factory.mktemp("results")
    tables = make_store(out)
    summary = tmp_path_factory.mktemp("summary")
    make_summary_store(summary)
    srv = start(out, host="127.0.0.1")
    srv.summary_dir = summary
    srv.follow_dir = tmp_path_factory.mktemp("follow")
    make_follow_store(srv.follow_dir)
    try:
        yield srv, tables
    finally:
        srv.stop()
        assert srv.process.poll() is not None


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


def _local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname in ("127.0.0.1", "localhost")


def offline_context(browser, **kw):
    """A browser context in which every request to another host than 127.0.0.1 is aborted and recorded
    in ``context.blocked``."""
    context = browser.new_context(**kw)
    context.blocked = []

    def guard(route):
        if _local(route.request.url):
            route.continue_()
        else:
            context.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture
def page(browser, server, tmp_path):
    srv, _ = server
    context = offline_context(browser, viewport={"width": 1280, "height": 1300}, accept_downloads=True)
    pg = context.new_page()
    pg.errors, pg.warnings = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else
          pg.warnings.append(m.text) if m.type == "warning" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(srv.url, wait_until="commit")
    pg.wait_for_selector(".cx-app .cx-summary-box .cx-summary", state="visible")
    yield pg
    pg.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    blocked = context.blocked
    context.close()
    assert not blocked, f"the page tried to leave 127.0.0.1: {blocked}"


def _card(pg, key: str) -> str:
    return pg.inner_text(f'.cx-app .cx-card[data-key="{key}"] .cx-value').strip()


def _option_texts(select) -> list[str]:
    # ipywidgets shows option labels with non-breaking spaces
    return [t.replace("\u00a0", " ") for t in select.locator("option").all_inner_texts()]


def _select(pg, css_class: str, label: str) -> None:
    select = pg.locator(f".{css_class} select")
    select.select_option(index=_option_texts(select).index(label))


def _open_tab(pg, title: str) -> None:
    pg.click(f".lm-TabBar-tab:has-text('{title}')")


def _quote_rows(pg):
    return pg.locator(".cx-evidence tbody tr")


def _clue_map(pg) -> None:
    _open_tab(pg, "Clue map")
    pg.wait_for_selector(".cx-heatmap .cx-cell", state="visible")


def test_browser_headline_matches_store(page, server):
    _, tables = server
    m = expected_mentions(tables)
    assert _card(page, "mentions") == str(len(m))
    assert _card(page, "documents") == str(len(tables["documents"]))
    assert _card(page, "negative") == f"{100 * (m['valence'] == 'negative').mean():.0f} %"
    title = page.inner_text(".cx-title")
    assert title == "Harbour <b>Bank</b> audit"  # markup in the audit name shows as text


def test_browser_filter_updates_numbers_and_evidence(page, server, tmp_path):
    _, tables = server
    m = expected_mentions(tables, wave="2026-Q2")
    _select(page, "cx-filter-wave", "2026-Q2")
    page.wait_for_function(
        "n => document.querySelector('.cx-app .cx-card[data-key=\"mentions\"] .cx-value').textContent.trim() === n",
        arg=str(len(m)))
    docs = tables["documents"]
    assert _card(page, "documents") == str((docs["wave"] == "2026-Q2").sum())
    _open_tab(page, "Evidence")
    page.wait_for_selector(".cx-evidence caption", state="visible")
    assert _quote_rows(page).count() == len(m)
    shown = set(page.locator(".cx-evidence tbody td:nth-child(6)").all_inner_texts())
    assert shown == set(m["doc_id"])
    page.screenshot(path=str(tmp_path / "evidence.png"), full_page=True)


def test_browser_drill_down_from_chart_to_evidence(page, server):
    _, tables = server
    _clue_map(page)
    dd = page.locator(".cx-drill-clue_map select")
    page.wait_for_function("() => [...document.querySelectorAll('.cx-drill-clue_map option')]"
                           ".some(o => o.textContent.startsWith('Functional'))")
    dd.select_option(index=next(i for i, t in enumerate(_option_texts(dd)) if t.startswith("Functional \u00d7 Pay or bill")))
    page.wait_for_selector(".cx-drill-label:has-text('Functional')", state="visible")
    expected = expected_mentions(tables, clue_type="functional", touchpoint="pay")
    assert _quote_rows(page).count() == len(expected)
    marks = set(page.locator(".cx-evidence mark").all_inner_texts())
    assert marks == set(expected["evidence"])


def test_browser_download_csv(page, server, tmp_path):
    _, tables = server
    _select(page, "cx-filter-segment", "business")
    page.wait_for_function(
        "n => document.querySelector('.cx-app .cx-card[data-key=\"mentions\"] .cx-value').textContent.trim() === n",
        arg=str(len(expected_mentions(tables, segment="business"))))
    _open_tab(page, "Evidence")
    page.click("button.cx-csv")
    link = page.locator("a.cx-download[download$='.csv']")
    link.wait_for(state="visible")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    expected = expected_mentions(tables, segment="business")
    assert len(frame) == len(expected) and set(frame["segment"]) == {"business"}
    assert sorted(frame["clues"]) == sorted(expected["evidence"])


def test_browser_download_chart_png(page, tmp_path):
    _clue_map(page)
    page.click("button.cx-png-clue_map")  # the clue map's PNG is drawn only when asked for
    link = page.locator("a.cx-download[download$='clue_map.png']")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "chart.png"
    info.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_browser_injected_markup_is_text_and_never_runs(page, tmp_path):
    options = _option_texts(page.locator(".cx-filter-segment select"))
    assert PWN_SEGMENT in options  # the <img onerror> segment is a plain option label
    _select(page, "cx-filter-segment", PWN_SEGMENT)
    page.wait_for_function(
        "() => document.querySelector('.cx-app .cx-card[data-key=\"mentions\"] .cx-value').textContent.trim() === '1'")
    _open_tab(page, "Evidence")
    page.wait_for_selector(".cx-evidence caption", state="visible")
    assert page.inner_text(".cx-evidence .cx-sentence") == PWN_COMMENT
    assert page.locator(".cx-evidence script, .cx-evidence img, .cx-app img[src='x']").count() == 0
    page.screenshot(path=str(tmp_path / "injection.png"), full_page=True)
    assert page.evaluate("() => window.__pwned") is None


def test_browser_heatmap_cell_click_drills_down(page, server, tmp_path):
    _, tables = server
    expected = expected_mentions(tables, clue_type="functional", touchpoint="pay")
    _clue_map(page)
    cell = page.locator(".cx-heatmap button.cx-cell[title^='Functional \u00d7 Pay or bill:']")
    assert cell.inner_text().strip() == str(len(expected))
    cell.click()
    page.wait_for_selector(".cx-drill-label:has-text('Functional')", state="visible")
    assert _quote_rows(page).count() == len(expected)
    assert set(page.locator(".cx-evidence mark").all_inner_texts()) == set(expected["evidence"])
    page.screenshot(path=str(tmp_path / "heatmap-drill.png"), full_page=True)


def test_browser_heatmap_redraws_on_filter_change(page, server):
    _, tables = server
    _clue_map(page)
    before = page.locator(".cx-heatmap button.cx-cell:not([disabled])").count()
    _select(page, "cx-filter-wave", "2026-Q1")
    m = expected_mentions(tables, wave="2026-Q1")
    page.wait_for_function(
        "n => document.querySelectorAll('.cx-heatmap button.cx-cell:not([disabled])').length === n",
        arg=m.groupby(["clue_type", "touchpoint"]).ngroups)
    assert page.locator(".cx-heatmap button.cx-cell:not([disabled])").count() != before


def test_browser_no_request_leaves_loopback_and_console_is_clean(page):
    """The page fixture aborts any request to another host (and fails the test at teardown); here every
    tab is opened so every view's requests are seen. No console error or warning either."""
    for title in ("Clue map", "Current vs desired", "Drivers", "Waves", "Evidence", "Summary"):
        _open_tab(page, title)
        page.wait_for_timeout(300)
    page.wait_for_selector(".cx-chart-trend .cx-ic, .cx-chart-trend .cx-empty", state="attached")
    assert page.context.blocked == []
    assert page.errors == []
    # no warning either: in particular none of webpack's "Unsatisfied version … of shared singleton module"
    # (the widget extensions are served with ranges aligned to Voila's page: server.write_widget_extensions)
    assert page.warnings == []


def _text(pg, selector: str) -> str:
    return " ".join(pg.evaluate("s => document.querySelector(s).textContent", selector).split())


def test_browser_summary_shown_before_any_script_runs(browser, server):
    """The Summary is in the page Voila sends (pre-rendered): visible with Voila's scripts blocked, the
    same text as the app's Summary, hidden once the app is on the page, never shown for ?results=."""
    srv, _ = server
    context = offline_context(browser, viewport={"width": 1280, "height": 1000})
    context.route("**/voila/static/**", lambda route: route.abort())  # no Voila script, no kernel connection
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(srv.url, wait_until="domcontentloaded")
    pg.wait_for_selector(".cx-prerender .cx-summary", state="visible")
    assert pg.locator(".cx-app").count() == 0 and pg.locator("#loading").is_hidden()
    assert pg.locator(".cx-prerender .cx-card").count() >= 4
    pre = _text(pg, ".cx-prerender .cx-summary-box")
    pg.goto(f"{srv.url}?results={quote(str(srv.summary_dir))}", wait_until="domcontentloaded")
    pg.wait_for_timeout(500)
    assert pg.locator(".cx-prerender").count() == 1 and pg.locator(".cx-prerender").is_hidden()
    context.close()
    context = offline_context(browser, viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(srv.url, wait_until="commit")
    pg.wait_for_selector(".cx-app .cx-summary-box .cx-summary", state="visible")
    assert pg.locator(".cx-prerender").is_hidden()
    assert _text(pg, ".cx-app .cx-summary-box") == pre
    assert context.blocked == []
    context.close()


def test_browser_summary_first_with_ranked_priorities(browser, server):
    srv, _ = server
    context = offline_context(browser, viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(f"{srv.url}?results={quote(str(srv.summary_dir))}", wait_until="commit")
    pg.wait_for_selector(".cx-app .cx-summary .cx-finding", state="visible")
    assert pg.locator(".lm-TabBar-tab.lm-mod-current").inner_text().strip() == "Summary"
    titles = [t.strip() for t in pg.locator(".cx-app .cx-priority h4").all_inner_texts()]
    assert [t.split(" ", 1)[1] for t in titles] == ["Billing and charges", "Queues and waiting areas"]
    assert [t.strip() for t in pg.locator(".cx-app .cx-strength h4").all_inner_texts()] == ["1 App usability"]
    first = pg.locator(".cx-app .cx-priority").first
    assert first.locator(".cx-quote-row").count() == 3
    lens = pg.locator(".cx-lens select")
    assert _option_texts(lens)[0] == "Clue types (Carbone)"
    # minimum sample: raising it empties the priorities, the small-sample note says how many
    pg.fill(".cx-min-participants input", "20")
    pg.press(".cx-min-participants input", "Enter")
    pg.wait_for_selector(".cx-app .cx-summary:has-text('No dimension is surely short')", state="visible")
    # a filter change redraws the open view
    _select(pg, "cx-filter-wave", "2026-Q3")
    pg.wait_for_selector(".cx-app .cx-summary:has-text('Selection: wave: 2026-Q3')", state="visible")
    assert context.blocked == []
    context.close()


def _evidence_of(browser, srv, results, *, ready: str, height: int):
    """(context, page) on the Evidence tab of the dashboard of ``results``, once ``ready`` showed."""
    context = offline_context(browser, viewport={"width": 1400, "height": height})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(f"{srv.url}?results={quote(str(results))}", wait_until="commit")
    pg.wait_for_selector(ready, state="visible")
    _open_tab(pg, "Evidence")
    pg.wait_for_selector(".cx-evidence caption", state="visible")
    return context, pg


def test_browser_evidence_one_row_per_sentence_and_sorts(browser, server):
    srv, _ = server
    context, pg = _evidence_of(browser, srv, srv.summary_dir, ready=".cx-app .cx-summary .cx-finding", height=1600)
    assert "of 39 (quotes: one row per sentence" in pg.inner_text(".cx-evidence caption")  # 12 x 3 + 3 staff
    texts = pg.locator(".cx-evidence .cx-sentence").all_inner_texts()
    assert len(texts) == 20 and len(set(zip(texts, pg.locator(".cx-evidence td:nth-child(6)").all_inner_texts()))) == 20
    both = pg.locator(".cx-evidence tr:has-text('in the app was wrong') .cx-chip")
    assert sorted(both.all_inner_texts()) == ["App usability", "Billing and charges"]
    _select(pg, "cx-sort", "Most negative")
    pg.wait_for_selector(".cx-evidence caption:has-text('most negative first')", state="visible")
    assert "rude and dismissive" in pg.locator(".cx-evidence .cx-sentence").first.inner_text()
    context.close()


def test_browser_evidence_shows_the_next_sentence_a_feeling_was_read_in(browser, server, tmp_path):
    """"Promised a call back within 48 hours." is negative because of "Never came.": the quote shows that
    sentence after it, muted and as text (the turn's markup stays text); a quote judged in its own sentence
    shows none."""
    srv, _ = server
    context, pg = _evidence_of(browser, srv, srv.follow_dir, ready=".cx-app .cx-summary", height=1000)
    row = pg.locator(".cx-evidence tr:has-text('Promised a call back')")
    assert row.locator(".cx-context").inner_text() == "feeling from the next sentence: \u201cNever came.\u201d"
    assert row.locator(".cx-sentence mark").inner_text() == "call back"
    assert pg.locator(".cx-evidence tr:has-text('The staff were lovely') .cx-context").count() == 0
    assert pg.locator(".cx-evidence tr:has-text('The bill arrived') .cx-context").count() == 0
    pg.screenshot(path=str(tmp_path / "follow.png"), full_page=True)
    context.close()
    assert not context.blocked


def test_browser_heatmap_uses_the_panel_width_and_scrolls_when_narrow(browser, server):
    srv, _ = server
    for width, scrolls in ((1400, False), (560, True)):
        context = offline_context(browser, viewport={"width": width, "height": 1200})
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(srv.url, wait_until="commit")
        pg.wait_for_selector(".cx-app .cx-summary-box .cx-summary", state="visible")
        _clue_map(pg)
        box = pg.evaluate("""() => { const s = document.querySelector('.cx-heatmap-scroll');
            const panel = s.closest('.lm-TabPanel, .widget-tab-contents, .jupyter-widgets-tab-contents') || s.parentElement;
            return {sw: s.scrollWidth, cw: s.clientWidth, w: s.getBoundingClientRect().width,
                    pw: panel.getBoundingClientRect().width, overflow: getComputedStyle(s).overflowX}; }""")
        assert box["overflow"] == "auto"
        if scrolls:
            assert box["sw"] > box["cw"]  # every column kept, reachable with the visible scrollbar
        else:
            assert box["sw"] <= box["cw"] and box["w"] > 0.85 * box["pw"]  # fills the panel, nothing hidden
        context.close()


def test_browser_closed_pages_free_their_kernels(browser, tmp_path):
    """Open three pages one after the other, close them: within 60 s only the pre-heated pool is left."""
    import time

    from cxaudit.publish.dashboard.server import POOL_SIZE, kernel_pids, start

    out = tmp_path / "results"
    make_store(out)
    srv = start(out, host="127.0.0.1")
    try:
        for _ in range(3):
            context = offline_context(browser)
            pg = context.new_page()
            pg.set_default_timeout(TIMEOUT_MS)
            pg.goto(srv.url, wait_until="commit")
            pg.wait_for_selector(".cx-app .cx-summary-box .cx-summary", state="visible")
            context.close()
        open_count = len(kernel_pids(srv))
        assert open_count >= 2  # the pages' kernels (and the refilled pool) are still there
        closed_at, deadline = time.monotonic(), time.monotonic() + 75
        while time.monotonic() < deadline and len(kernel_pids(srv)) > POOL_SIZE:
            time.sleep(2)
        elapsed = time.monotonic() - closed_at
        assert len(kernel_pids(srv)) <= POOL_SIZE, srv.log_text()[-2000:]
        assert elapsed <= 60 + 10  # culled within a minute (plus one check interval of slack on a busy machine)
    finally:
        srv.stop()


def test_browser_token_required_when_set(browser, tmp_path):
    """With a token (what a host other than loopback gets), the page needs it; the printed URL carries it."""
    import urllib.request

    from cxaudit.publish.dashboard.server import start

    out = tmp_path / "results"
    make_store(out)
    srv = start(out, host="127.0.0.1", token="t0k3n-for-test", pool_size=0)
    try:
        assert srv.url.endswith("/?token=t0k3n-for-test")
        bare = srv.url.split("?")[0]
        for path in ("", "api/kernels"):  # without the token: Jupyter server's login page, nothing else
            with urllib.request.urlopen(bare + path, timeout=60) as r:
                assert "/login" in r.geturl() and b"cxaudit" not in r.read()
        context = offline_context(browser)
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(bare, wait_until="load")
        assert pg.locator(".cx-app").count() == 0  # the login page, not the dashboard
        pg.goto(srv.url, wait_until="commit")
        pg.wait_for_selector(".cx-app .cx-summary-box .cx-summary", state="visible")
        context.close()
    finally:
        srv.stop()
