"""The ipywidgets app in-process: filters, drill-down, downloads, escaping, the notebook."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import cxaudit.publish.dashboard as dashboard
from cxaudit.publish.dashboard.app import TABS

from _dashboard_helpers import AUDIT_NAME, PWN_SEGMENT, expected_mentions, make_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    return out, make_store(out)


def _card(app, key: str) -> str:
    m = re.search(rf'data-key="{key}"><div class="cx-value">([^<]*)<', app.headline.value)
    return m.group(1) if m else ""


def _select(dropdown, label: str) -> None:
    dropdown.value = dict(dropdown.options)[label]


def test_dashboard_app_headline_and_filter_change(results):
    out, tables = results
    app = dashboard.build_app(out)
    assert _card(app, "mentions") == str(len(expected_mentions(tables)))
    _select(app.filter_widgets["wave"], "2026-Q2")
    m = expected_mentions(tables, wave="2026-Q2")
    assert _card(app, "mentions") == str(len(m))
    assert _card(app, "documents") == str(m["doc_id"].nunique())
    assert app.last_redraw_s > 0
    _select(app.filter_widgets["wave"], "All")
    assert _card(app, "mentions") == str(len(expected_mentions(tables)))


def test_dashboard_app_every_tab_draws_pngs(results):
    out, _ = results
    app = dashboard.build_app(out)
    for i, key in enumerate(TABS):
        app.tabs.selected_index = i
        for chart in TABS[key][1]:
            if chart in app.lazy:  # HTML on screen; the PNG is drawn when its download is asked for
                assert app.lazy[chart].link.value == ""
                app.lazy[chart].png_btn.click()
                m = re.search(r'href="data:image/png;base64,([^"]+)"', app.lazy[chart].link.value)
                assert m and base64.b64decode(m.group(1))[:8] == b"\x89PNG\r\n\x1a\n", chart
                continue
            png = app.charts[chart].image.value
            assert png[:8] == b"\x89PNG\r\n\x1a\n", chart
            assert "download=" in app.charts[chart].link.value


def test_dashboard_app_clue_map_png_only_on_request(results):
    out, _ = results
    app = dashboard.build_app(out)
    assert app.clue_map.link.value == ""  # nothing drawn with matplotlib for the screen
    app.clue_map.png_btn.click()
    m = re.search(r'download="([^"]+)" href="data:image/png;base64,([^"]+)"', app.clue_map.link.value)
    assert m and m.group(1).endswith("-clue_map.png")
    assert base64.b64decode(m.group(2))[:8] == b"\x89PNG\r\n\x1a\n"
    _select(app.filter_widgets["wave"], "2026-Q2")
    assert app.clue_map.link.value == ""  # a download of the old selection is withdrawn


def _open(app, key: str) -> None:
    app.tabs.selected_index = list(TABS).index(key)


def test_dashboard_app_heatmap_cells_match_store(results):
    out, tables = results
    app = dashboard.build_app(out)
    _open(app, "clue_map")
    m = expected_mentions(tables)
    expected = m.groupby(["clue_type", "touchpoint"]).size()
    shown = {k: int(b.description.replace(",", "")) for k, b in app.heatmap.cells.items() if not b.disabled}
    assert shown == {k: int(v) for k, v in expected.items()}
    empty = [b for b in app.heatmap.cells.values() if b.disabled]
    assert empty and all(b.description == "" for b in empty)  # e.g. humanic x pay: no mentions
    # darker = more mentions, within a row's clue-type colour
    staff, web = app.heatmap.cells[("humanic", "branch")], app.heatmap.cells[("mechanic", "web")]
    assert staff.style.button_color != web.style.button_color
    _select(app.filter_widgets["wave"], "2026-Q1")
    m1 = expected_mentions(tables, wave="2026-Q1")
    grid = [c for c in app.heatmap.grid.children if c in app.heatmap.cells.values()]
    assert len(grid) == m1["clue_type"].nunique() * m1["touchpoint"].nunique()
    assert {k for k, b in app.heatmap.cells.items() if b in grid and not b.disabled} == \
        set(m1.groupby(["clue_type", "touchpoint"]).size().index)


def test_dashboard_app_heatmap_click_drills_down(results):
    out, tables = results
    app = dashboard.build_app(out)
    _open(app, "clue_map")
    app.heatmap.click("functional", "pay")
    assert app.current_tab == "evidence"
    assert app.drill == {"clue_type": "functional", "touchpoint": "pay"}
    expected = expected_mentions(tables, clue_type="functional", touchpoint="pay")
    assert app.table.value.count('class="cx-quote') == len(expected)
    assert "<mark>charged</mark>" in app.table.value and "<mark>bill</mark>" in app.table.value
    with pytest.raises(KeyError):
        app.heatmap.click("functional", "nowhere")


def test_dashboard_app_stale_tabs_redraw_on_switch(results):
    out, _ = results
    app = dashboard.build_app(out)
    assert app.draw_counts == {"summary": 1}  # the Summary opens first
    _select(app.filter_widgets["segment"], "retail")
    assert app.draw_counts == {"summary": 2}  # only the visible tab was redrawn
    assert app.stale_tabs == set(TABS) - {"summary"}
    app.tabs.selected_index = list(TABS).index("drivers")
    assert app.draw_counts["drivers"] == 1 and "drivers" not in app.stale_tabs
    before = app.lazy["nps"].body.value
    app.tabs.selected_index = 0
    assert app.draw_counts["summary"] == 2  # not stale: not redrawn
    _select(app.filter_widgets["segment"], "business")
    app.tabs.selected_index = list(TABS).index("drivers")
    assert app.draw_counts["drivers"] == 2 and app.lazy["nps"].body.value != before


def test_dashboard_app_cache_gives_same_views(results):
    out, _ = results
    app = dashboard.build_app(out)
    app.tabs.selected_index = list(TABS).index("waves")
    first = app.lazy["trend"].body.value
    _select(app.filter_widgets["wave"], "2026-Q2")
    _select(app.filter_widgets["wave"], "All")
    assert app.lazy["trend"].body.value == first  # served from the cache
    fresh = dashboard.build_app(out)
    fresh.cache_enabled = False
    fresh.tabs.selected_index = list(TABS).index("waves")
    assert fresh.lazy["trend"].body.value == first
    assert len(app._cache) > 0
    app.clear_cache()
    assert len(app._cache) == 0


def test_dashboard_app_drill_down_switches_to_evidence(results):
    out, tables = results
    app = dashboard.build_app(out)
    _open(app, "clue_map")
    options = dict(app.drills["clue_map"].options)
    label = next(lbl for lbl in options if lbl.startswith("Functional \u00d7 Pay or bill"))
    app.drills["clue_map"].value = options[label]
    assert app.current_tab == "evidence"
    assert app.drill == {"clue_type": "functional", "touchpoint": "pay"}
    assert app.drills["clue_map"].value == 0  # the list is ready for the next pick
    expected = expected_mentions(tables, clue_type="functional", touchpoint="pay")
    assert app.table.value.count('class="cx-quote') == len(expected)
    assert "charged" in app.table.value and "bill" in app.table.value
    app.clear_drill.click()
    assert app.drill == {} and app.table.value.count('class="cx-quote') == len(expected_mentions(tables))


def test_dashboard_app_evidence_download_csv(results):
    out, tables = results
    app = dashboard.build_app(out)
    _select(app.filter_widgets["segment"], "business")
    app.csv_btn.click()
    m = re.search(r'download="([^"]+)" href="data:text/csv;base64,([^"]+)"', app.export_link.value)
    assert m and m.group(1).endswith("-evidence.csv") and "<" not in m.group(1)
    frame = pd.read_csv(io.BytesIO(base64.b64decode(m.group(2))), encoding="utf-8-sig")
    assert len(frame) == len(expected_mentions(tables, segment="business"))
    assert set(frame["segment"]) == {"business"}
    app.xlsx_btn.click()
    assert "spreadsheetml" in app.export_link.value


def test_dashboard_app_escapes_title_and_keeps_option_labels_text(results):
    out, _ = results
    app = dashboard.build_app(out)
    html_title = app.children[0].value
    assert "<b>Bank</b>" not in html_title and "Harbour &lt;b&gt;Bank&lt;/b&gt; audit" in html_title
    labels = [lbl for lbl, _ in app.filter_widgets["segment"].options]
    assert PWN_SEGMENT in labels  # Dropdown labels are rendered as text by the widget, not as HTML
    _select(app.filter_widgets["segment"], PWN_SEGMENT)
    app.tabs.selected_index = list(TABS).index("evidence")
    assert "<script>" not in app.table.value and "&lt;script&gt;" in app.table.value


def test_dashboard_app_empty_filter_state(results):
    out, _ = results
    app = dashboard.build_app(out)
    _select(app.filter_widgets["wave"], "2026-Q1")
    _select(app.filter_widgets["kind"], "comment")
    _select(app.filter_widgets["clue_type"], "mechanic")
    assert "No mentions for this filter." in app.headline.value
    app.tabs.selected_index = list(TABS).index("evidence")
    assert "No quotes for this selection." in app.table.value


def test_dashboard_app_resolve_results_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv(dashboard.ENV_VAR, raising=False)
    with pytest.raises(ValueError, match="no results folder"):
        dashboard.resolve_results_dir()
    monkeypatch.setenv(dashboard.ENV_VAR, "/from/env")
    assert dashboard.resolve_results_dir() == Path("/from/env")
    monkeypatch.setenv("QUERY_STRING", "results=%2Ffrom%2Fquery&x=1")
    assert dashboard.resolve_results_dir() == Path("/from/query")
    assert dashboard.resolve_results_dir(tmp_path) == tmp_path


def test_dashboard_app_show_reports_missing_store(tmp_path, monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    widget = dashboard.show(tmp_path / "<nowhere>")
    assert "No audit to show" in widget.value and "&lt;nowhere&gt;" in widget.value


def test_dashboard_app_notebook_is_thin_and_packaged_copy_identical():
    from cxaudit.publish.dashboard.server import notebook_path

    packaged = notebook_path().read_bytes()
    assert packaged == (ROOT / "notebooks" / "dashboard.ipynb").read_bytes()
    nb = json.loads(packaged)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["metadata"].get("tags") for c in code] == [["parameters"], None]
    assert "".join(code[0]["source"]).startswith("results_dir = None")
    assert "cxaudit.publish.dashboard.show(results_dir)" in "".join(code[1]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown"


def test_dashboard_app_html_charts_show_the_filtered_tables(results):
    out, _ = results
    app = dashboard.build_app(out)
    _select(app.filter_widgets["segment"], "business")
    app.tabs.selected_index = list(TABS).index("drivers")
    nps = app.data.nps(app.filters)
    shown = app.lazy["nps"].body.value
    assert shown.count('class="cx-ic-row"') == int(nps["nps"].notna().sum())
    overall = nps[nps["group_by"] == "all"].iloc[0]
    assert f"all respondents (n={int(overall['n'])})" in shown and f"{float(overall['nps']):+.0f}" in shown
    app.tabs.selected_index = list(TABS).index("compare")
    assert 'class="cx-ic' in app.lazy["motif"].body.value or "No data" in app.lazy["motif"].body.value


def test_dashboard_app_waves_chart_skips_dimensions_missing_from_a_wave(results, caplog):
    out, _ = results
    app = dashboard.build_app(out)
    _select(app.filter_widgets["kind"], "interview")  # interviews: P1 in 2026-Q1, P2 in 2026-Q2, no shared clue type
    waves = app.data.waves(app.filters, level="clue_type")
    assert waves["current_from"].isna().any() or waves["current_to"].isna().any()
    with caplog.at_level("WARNING", logger="cxaudit.publish.charts.png"):
        app.tabs.selected_index = list(TABS).index("waves")
        app.lazy["trend"].png_btn.click()
    assert "No data for this selection" in app.lazy["trend"].body.value  # no clue type in both waves
    assert "data:image/png;base64," in app.lazy["trend"].link.value
    assert "could not be drawn" not in caplog.text
