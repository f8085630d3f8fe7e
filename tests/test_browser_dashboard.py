"""The dashboard served by Voila and driven by a real headless Chromium (Playwright).

One Voila server per module over a small store made here; each test opens a
fresh page (a fresh kernel). In CI (CI=true) these tests fail when Chromium
is missing; elsewhere they skip with the reason.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from _dashboard_helpers import PWN_COMMENT, PWN_SEGMENT, expected_mentions, make_store

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
    from cxaudit.dashboard.server import start

    out = tmp_path_factory.mktemp("results")
    tables = make_store(out)
    srv = start(out, host="127.0.0.1")
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


@pytest.fixture
def page(browser, server, tmp_path):
    srv, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 1300}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(srv.url)
    pg.wait_for_selector(".cx-heatmap .cx-cell", state="visible")
    yield pg
    pg.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    context.close()


def _card(pg, key: str) -> str:
    return pg.inner_text(f'.cx-card[data-key="{key}"] .cx-value').strip()


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


def test_browser_headline_matches_store(page, server):
    _, tables = server
    m = expected_mentions(tables)
    assert _card(page, "mentions") == str(len(m))
    assert _card(page, "documents") == str(m["doc_id"].nunique())
    assert _card(page, "negative") == f"{100 * (m['valence'] == 'negative').mean():.0f} %"
    title = page.inner_text(".cx-title")
    assert title == "Harbour <b>Bank</b> audit"  # markup in the audit name shows as text


def test_browser_filter_updates_numbers_and_evidence(page, server, tmp_path):
    _, tables = server
    m = expected_mentions(tables, wave="2026-Q2")
    _select(page, "cx-filter-wave", "2026-Q2")
    page.wait_for_function(
        "n => document.querySelector('.cx-card[data-key=\"mentions\"] .cx-value').textContent.trim() === n",
        arg=str(len(m)))
    assert _card(page, "documents") == str(m["doc_id"].nunique())
    _open_tab(page, "Evidence")
    page.wait_for_selector(".cx-evidence caption", state="visible")
    assert _quote_rows(page).count() == len(m)
    shown = set(page.locator(".cx-evidence tbody td:nth-child(6)").all_inner_texts())
    assert shown == set(m["doc_id"])
    page.screenshot(path=str(tmp_path / "evidence.png"), full_page=True)


def test_browser_drill_down_from_chart_to_evidence(page, server):
    _, tables = server
    dd = page.locator(".cx-drill-clue_map select")
    dd.select_option(index=next(i for i, t in enumerate(_option_texts(dd)) if t.startswith("functional \u00d7 pay")))
    page.wait_for_selector(".cx-drill-label:has-text('functional')", state="visible")
    expected = expected_mentions(tables, clue_type="functional", touchpoint="pay")
    assert _quote_rows(page).count() == len(expected)
    marks = set(page.locator(".cx-evidence mark").all_inner_texts())
    assert marks == set(expected["evidence"])


def test_browser_download_csv(page, server, tmp_path):
    _, tables = server
    _select(page, "cx-filter-segment", "business")
    page.wait_for_function(
        "n => document.querySelector('.cx-card[data-key=\"mentions\"] .cx-value').textContent.trim() === n",
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
    assert sorted(frame["clue"]) == sorted(expected["evidence"])


def test_browser_download_chart_png(page, tmp_path):
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
        "() => document.querySelector('.cx-card[data-key=\"mentions\"] .cx-value').textContent.trim() === '1'")
    _open_tab(page, "Evidence")
    page.wait_for_selector(".cx-evidence caption", state="visible")
    assert page.inner_text(".cx-evidence .cx-sentence") == PWN_COMMENT
    assert page.locator(".cx-evidence script, .cx-evidence img, .cx-app img[src='x']").count() == 0
    page.screenshot(path=str(tmp_path / "injection.png"), full_page=True)
    assert page.evaluate("() => window.__pwned") is None


def test_browser_heatmap_cell_click_drills_down(page, server, tmp_path):
    _, tables = server
    expected = expected_mentions(tables, clue_type="functional", touchpoint="pay")
    cell = page.locator(".cx-heatmap button.cx-cell[title^='functional \u00d7 pay:']")
    assert cell.inner_text().strip() == str(len(expected))
    cell.click()
    page.wait_for_selector(".cx-drill-label:has-text('functional')", state="visible")
    assert _quote_rows(page).count() == len(expected)
    assert set(page.locator(".cx-evidence mark").all_inner_texts()) == set(expected["evidence"])
    page.screenshot(path=str(tmp_path / "heatmap-drill.png"), full_page=True)


def test_browser_heatmap_redraws_on_filter_change(page, server):
    _, tables = server
    before = page.locator(".cx-heatmap button.cx-cell:not([disabled])").count()
    _select(page, "cx-filter-wave", "2026-Q1")
    m = expected_mentions(tables, wave="2026-Q1")
    page.wait_for_function(
        "n => document.querySelectorAll('.cx-heatmap button.cx-cell:not([disabled])').length === n",
        arg=m.groupby(["clue_type", "touchpoint"]).ngroups)
    assert page.locator(".cx-heatmap button.cx-cell:not([disabled])").count() != before
