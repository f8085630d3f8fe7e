"""The ipywidgets app in-process: filters, drill-down, downloads, escaping, the notebook."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import cxaudit.dashboard as dashboard
from cxaudit.dashboard.app import TABS

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
            png = app.charts[chart].image.value
            assert png[:8] == b"\x89PNG\r\n\x1a\n", chart
            assert "download=" in app.charts[chart].link.value


def test_dashboard_app_drill_down_switches_to_evidence(results):
    out, tables = results
    app = dashboard.build_app(out)
    options = dict(app.drills["clue_map"].options)
    label = next(lbl for lbl in options if lbl.startswith("functional \u00d7 pay"))
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
    assert "No mentions for this filter." in app.table.value


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
    from cxaudit.dashboard.server import notebook_path

    packaged = notebook_path().read_bytes()
    assert packaged == (ROOT / "notebooks" / "dashboard.ipynb").read_bytes()
    nb = json.loads(packaged)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["metadata"].get("tags") for c in code] == [["parameters"], None]
    assert "".join(code[0]["source"]).startswith("results_dir = None")
    assert "cxaudit.dashboard.show(results_dir)" in "".join(code[1]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown"
