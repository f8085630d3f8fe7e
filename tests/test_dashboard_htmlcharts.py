"""The dashboard's HTML charts, heatmap widget and palette (no browser)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxaudit.publish.charts import html as htmlcharts
from cxaudit.publish.charts import palette
from cxaudit.publish.charts.heatmap import ClueHeatmap, cell_tooltip, order_axes


def _styles(html_text: str, cls: str) -> list[dict]:
    out = []
    for style in re.findall(rf'class="{cls}" style="([^"]*)"', html_text):
        out.append({k.strip(): v.strip() for k, v in (p.split(":", 1) for p in style.split(";") if p)})
    return out


def test_dashboard_htmlcharts_palette_equals_plots():
    from cxaudit.publish.charts import plots

    assert palette.PALETTE is plots.PALETTE and palette.VALENCE_COLORS is plots.VALENCE_COLORS  # one definition
    assert "--cx-functional: #0072b2;" in palette.palette_css()


def test_dashboard_htmlcharts_colour_helpers():
    assert palette.mix("#000000", 0.0) == "#ffffff" and palette.mix("#000000", 1.0) == "#000000"
    assert palette.mix("#000000", 0.5) == "#808080" and palette.mix("#000000", 7) == "#000000"
    assert palette.text_color("#ffffff") != palette.text_color("#000000")
    with pytest.raises(ValueError, match="#rrggbb"):
        palette.mix("red", 0.5)


def test_dashboard_htmlcharts_bar_geometry_known_values():
    rows = [{"label": "a", "value": 50.0, "low": 20.0, "high": 80.0, "color": "#009E73"},
            {"label": "b", "value": -100.0, "low": None, "high": None, "color": "#D55E00"}]
    out = htmlcharts.interval_chart_html(rows, lo=-100, hi=100, xlabel="x", fmt="{:+.0f}")
    bars = _styles(out, "cx-ic-bar")
    assert bars[0]["left"] == "50.0%" and bars[0]["width"] == "25.0%"  # from zero (50 %) to 75 %
    assert bars[1]["left"] == "0.0%" and bars[1]["width"] == "50.0%"
    whiskers = _styles(out, "cx-ic-whisker")
    assert len(whiskers) == 1 and whiskers[0]["left"] == "60.0%" and whiskers[0]["width"] == "30.0%"
    assert ">+50<" in out and ">-100<" in out


def test_dashboard_htmlcharts_escape_labels_and_empty_state():
    rows = [{"label": "<script>window.__pwned=1</script>", "value": 0.1, "color": "#000000"}]
    out = htmlcharts.interval_chart_html(rows, lo=-1, hi=1, xlabel="<b>x</b>")
    assert "<script>" not in out and "&lt;script&gt;" in out and "<b>x</b>" not in out
    assert "No data" in htmlcharts.interval_chart_html([], lo=-1, hi=1, xlabel="")
    assert "No data" in htmlcharts.nps_html(pd.DataFrame()) and "No data" in htmlcharts.drivers_html(None)
    with pytest.raises(ValueError, match="lo < hi"):
        htmlcharts.interval_chart_html(rows, lo=1, hi=1, xlabel="")


@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=8))
def test_dashboard_htmlcharts_positions_stay_on_the_axis(values):
    rows = [{"label": str(i), "value": v, "low": a, "high": b, "color": "#000000"} for i, (v, a, b) in enumerate(values)]
    out = htmlcharts.interval_chart_html(rows, lo=-1, hi=1, xlabel="")
    for cls in ("cx-ic-bar", "cx-ic-whisker"):
        for s in _styles(out, cls):
            left, width = float(s["left"].rstrip("%")), float(s["width"].rstrip("%"))
            assert 0 <= left <= 100 and 0 <= width and left + width <= 100.0001


def test_dashboard_htmlcharts_nps_drivers_rows_and_order():
    nps = pd.DataFrame({"group_by": ["all", "segment"], "group": ["all", "retail"], "n": [10, 4],
                        "nps": [20.0, -25.0], "ci_low": [-10.0, -70.0], "ci_high": [45.0, 30.0]})
    out = htmlcharts.nps_html(nps)
    assert out.index("all respondents (n=10)") < out.index("segment: retail (n=4)")
    assert out.count('class="cx-ic-row"') == 2
    drivers = pd.DataFrame({"code": ["a", "b", "c", "d", "e"], "clue_type": ["functional", "humanic", "mechanic",
                                                                            "mechanic", "humanic"],
                            "n_detractors": 20, "n_promoters": 30,
                            "k_detractors": [5, 1, 2, 3, 0], "k_promoters": [1, 6, 2, 0, 0],
                            "log_odds": [1.5, -2.0, 0.1, 3.0, 0.0],
                            "ci_low": [0.2, -3.5, -1.0, 0.5, -4.0], "ci_high": [2.8, -0.5, 1.2, 5.0, 4.0],
                            "significant": [True, True, False, True, False]})
    out = htmlcharts.drivers_html(drivers, top=3, names={"a": "Alpha <x>"}, min_participants=5)
    labels = re.findall(r'class="cx-ic-label" title="([^"]*)"', out)
    # adequate rows (5+ documents) by log odds, then the small one (d: 3 documents, largest effect) greyed; the
    # 0/0 row (e) is never shown
    assert labels == ["Alpha &lt;x&gt;", "b", "d \u00b7 small sample"]
    assert "5 of 20 detractors \u00b7 1 of 30 promoters" in out and 'class="cx-ic-row cx-small"' in out
    dots = _styles(out, "cx-ic-dot")
    assert dots[0]["background"] == palette.PALETTE["functional"] and float(dots[0]["left"].rstrip("%")) > 50


def test_dashboard_htmlcharts_clue_map_table_matches_the_heatmap():
    """The report's clue map (a table, no widgets): the heatmap's axes, counts, shades and words, labels escaped."""
    cells = pd.DataFrame({"clue_type": ["humanic", "functional", "functional"], "touchpoint": ["unspecified", "web", "app"],
                          "n": [3, 1, 1200], "polarity": [0.5, -0.25, None], "share_negative": [0.0, 1.0, 0.5]})
    out = htmlcharts.clue_map_html(cells, touchpoint_labels={"web": "Web <site>"})
    assert re.findall(r'<th class="cx-cm-col" scope="col">([^<]*)</th>', out) == ["app", "Web &lt;site&gt;", "unspecified"]
    assert re.findall(r'<span class="cx-chip"[^>]*>([^<]*)</span>', out) == ["Functional", "Humanic"]
    counts = re.findall(r'<td class="cx-cm-cell"[^>]*>([^<]*)</td>', out)
    assert counts == ["1,200", "1", "", "", "", "3"]  # row by row; a cell without mentions is empty
    shades = [s["background"] for s in _styles(out, "cx-cm-cell")]
    assert shades[0] == palette.mix(palette.PALETTE["functional"], 1.0) and shades[2] == htmlcharts.EMPTY_CELL
    assert 'title="Functional \u00d7 Web &lt;site&gt;: 1 mention, mean polarity -0.25, 100 % negative."' in out
    assert "click" not in out.lower() and "<script" not in out
    assert htmlcharts.clue_map_html(cells.iloc[0:0]) == f'<div class="cx-empty">{htmlcharts.NO_DATA}</div>'


def test_dashboard_htmlcharts_heatmap_axes_and_tooltip():
    cells = pd.DataFrame({"clue_type": ["humanic", "functional", "functional"], "touchpoint": ["unspecified", "web", "app"],
                          "n": [3, 1, 2], "polarity": [0.5, -0.25, None], "share_negative": [0.0, 1.0, 0.5]})
    assert order_axes(cells) == (["functional", "humanic"], ["app", "web", "unspecified"])
    assert cell_tooltip("functional", "web", 1200, -0.25, 1.0).startswith(
        "functional \u00d7 web: 1,200 mentions, mean polarity -0.25, 100 % negative")
    hm = ClueHeatmap()
    clicked = []
    hm.on_cell(lambda ct, tp: clicked.append((ct, tp)))
    hm.update(cells)
    assert hm.version == 1 and "cx-v1" in hm._dom_classes
    assert hm.cells[("functional", "app")].description == "2" and hm.cells[("humanic", "app")].disabled
    darker = hm.cells[("functional", "app")].style.button_color
    lighter = hm.cells[("functional", "web")].style.button_color
    assert sum(int(darker[i:i + 2], 16) for i in (1, 3, 5)) < sum(int(lighter[i:i + 2], 16) for i in (1, 3, 5))
    hm.click("humanic", "unspecified")
    assert clicked == [("humanic", "unspecified")]
    hm.update(cells.iloc[0:0])
    assert hm.children[0] is hm.empty and "cx-v2" in hm._dom_classes and "cx-v1" not in hm._dom_classes


def test_dashboard_htmlcharts_gaps_priority_order_and_marks():
    gaps = pd.DataFrame({"dimension": ["<b>web</b>", "billing", "staff"], "clue_type": ["mechanic", "functional", "humanic"],
                         "current": [-0.5, -0.6, 0.4], "desired": [0.5, 0.6, 0.7], "gap": [-1.0, -1.2, -0.3],
                         "priority": [2, 1, 3], "warning": [None, "fewer than 5 participants", None]})
    out = htmlcharts.gaps_html(gaps, top=2, names={"billing": "Billing"})
    labels = re.findall(r'class="cx-ic-label" title="([^"]*)"', out)
    # priority order, top 2, small sample greyed and marked, labels used, escaped
    assert labels == ["Billing \u00b7 small sample", "&lt;b&gt;web&lt;/b&gt;"]
    dots = _styles(out, "cx-ic-dot")
    assert dots[0]["background"] == "#ffffff" and dots[1]["background"] == palette.PALETTE["mechanic"]
    ticks = _styles(out, "cx-ic-target")
    assert float(ticks[0]["left"].rstrip("%")) == pytest.approx((0.6 + 1.05) / 2.1 * 100, abs=0.01)
    assert ">-1.20<" in out and "No data" in htmlcharts.gaps_html(gaps.iloc[0:0])


def test_dashboard_htmlcharts_ipa_quadrant_in_the_page():
    gaps = pd.DataFrame({"dimension": ["a", "b", "c"], "clue_type": ["functional", "mechanic", "humanic"],
                         "importance": [0.5, 0.3, 0.2], "current": [-0.5, 0.5, 0.0], "priority": [1, 2, 3],
                         "n_participants": [10, 8, 2], "small": [False, False, True],
                         "crosshair_importance": 1 / 3, "crosshair_performance": 0.0})
    out = htmlcharts.ipa_html(gaps, names={"a": "Alpha"})
    pts = _styles(out, "cx-ipa-pt")
    assert len(pts) == 2 and out.count('class="cx-ipa-pt cx-small"') == 1
    # x = importance on 0 .. 1.1 * max; y = feeling today (top = better)
    assert float(pts[0]["left"].rstrip("%")) == pytest.approx(0.5 / 0.55 * 100, abs=0.01)
    assert float(pts[0]["top"].rstrip("%")) > float(pts[1]["top"].rstrip("%"))  # a feels worse than b: lower
    assert ">Alpha<" in out and out.count('class="cx-ipa-label"') == 2  # the small sample has no label
    for quadrant in ("concentrate here", "keep up the good work", "low priority", "possible overkill"):
        assert quadrant in out
    assert "No data" in htmlcharts.ipa_html(gaps.iloc[0:0])


def test_dashboard_htmlcharts_ipa_labels_stay_in_the_plot():
    """A label that would run past the plot's right edge is put left of its point (the static report has no
    room to spare); others stay right of theirs."""
    gaps = pd.DataFrame({"dimension": ["far", "near"], "clue_type": ["functional", "mechanic"],
                         "importance": [0.6, 0.1], "current": [-0.4, 0.4], "priority": [1, 2],
                         "n_participants": [10, 8], "small": [False, False]})
    out = htmlcharts.ipa_html(gaps, names={"far": "Speed and timeliness of replies", "near": "Near"})
    pts = re.findall(r'class="cx-ipa-pt" style="left:([\d.]+)%.*?</div>', out)
    assert float(pts[0]) > 85  # the most important point sits near the right edge
    assert out.count('class="cx-ipa-label cx-ipa-label-left">Speed and timeliness of replies<') == 1
    assert out.count('class="cx-ipa-label">Near<') == 1
    # a second point beside the first, as important and felt the same: its label moves down rather than overlap
    gaps = pd.concat([gaps, pd.DataFrame({"dimension": ["next"], "clue_type": ["functional"], "importance": [0.55],
                                          "current": [-0.4], "priority": [3], "n_participants": [9],
                                          "small": [False]})], ignore_index=True)
    out = htmlcharts.ipa_html(gaps, names={"far": "Speed and timeliness of replies", "near": "Near",
                                           "next": "Billing and charges"})
    assert out.count('<span class="cx-ipa-label') == 3 and 'style="top:14px">Billing and charges<' in out
    assert out.count('class="cx-ipa-lead" style="top:0px;height:22px"') == 1  # its leader line to the point


def test_dashboard_htmlcharts_axis_spans_the_track_with_or_without_notes():
    """The axis under an interval chart leaves room for the note column only when the rows have one (NPS has
    none: its "+100" sits at the track's right end), and then every row has the column (tracks aligned)."""
    nps = pd.DataFrame({"group_by": ["all", "segment"], "group": ["all", "retail"], "n": [40, 20],
                        "nps": [10.0, -5.0], "ci_low": [-10.0, -30.0], "ci_high": [30.0, 20.0]})
    out = htmlcharts.nps_html(nps)
    assert '<div class="cx-ic">' in out and "cx-ic-note" not in out and ">+100<" in out
    rows = [{"label": "a", "value": 0.5, "color": "#000000", "note": "3 of 9"},
            {"label": "b", "value": -0.5, "color": "#000000"}]
    out = htmlcharts.interval_chart_html(rows, lo=-1, hi=1, xlabel="x")
    assert '<div class="cx-ic cx-ic-noted">' in out and out.count('class="cx-ic-note"') == 2
    css = (__import__("pathlib").Path(htmlcharts.__file__).parents[2] / "templates" / "dashboard.css").read_text()
    assert ".cx-ic-noted .cx-ic-axis { margin-right: 314px; }" in css


def test_dashboard_htmlcharts_motif_small_sample_and_counts():
    motif = pd.DataFrame({"level": "overall", "motif": ["effortless", "valued"], "net_alignment": [0.7, -0.2],
                          "n_motif": [43, 1], "n_opposite": [7, 1], "n_sentences": 1495, "n_participants": [41, 2],
                          "ci_low": [0.4, -1.0], "ci_high": [0.9, 1.0]})
    out = htmlcharts.motif_html(motif, min_participants=5)
    assert "voiced in 50 of 1,495 sentences" in out and "valued \u00b7 small sample" in out


def _waves_frame():
    rows = [  # dimension, wave_from, wave_to, from, to, change, ci_low, ci_high, beyond, k_from, k_to
        ("mechanic", "2026-Q2", "2026-Q3", 0.10, -0.30, -0.40, -0.60, -0.20, True, 30, 40),
        ("functional", "2026-Q1", "2026-Q2", -0.20, -0.10, 0.10, -0.10, 0.30, False, 12, 20),
        ("humanic", "2026-Q1", "2026-Q2", 0.30, 0.50, 0.20, -0.70, 1.10, False, 3, 25),  # 3 participants: small
        ("<script>x</script>", "2026-Q2", "2026-Q3", 0.0, 0.1, 0.1, 0.0, 0.2, False, 9, 9),
        ("functional", "2026-Q2", "2026-Q3", None, -0.2, None, None, None, None, 0, 8),  # missing from Q2
    ]
    cols = ["dimension", "wave_from", "wave_to", "current_from", "current_to", "change", "ci_low", "ci_high",
            "beyond_noise", "participants_from", "participants_to"]
    d = pd.DataFrame(rows, columns=cols)
    return d.assign(lens="carbone-clues", level="clue_type", clue_type=d["dimension"])


def test_htmlcharts_trend_rows_order_marks_and_escaping():
    out = htmlcharts.trend_html(_waves_frame(), names={"mechanic": "Mechanic"}, min_participants=5)
    labels = re.findall(r'class="cx-ic-label" title="[^"]*">([^<]*)</div>', out)
    # pairs in wave order, then labels; the small sample last; the row missing a wave left out
    assert labels == ["functional \u00b7 2026-Q1 \u2192 2026-Q2", "&lt;script&gt;x&lt;/script&gt; \u00b7 2026-Q2 \u2192 2026-Q3",
                      "Mechanic \u00b7 2026-Q2 \u2192 2026-Q3",
                      "humanic \u00b7 2026-Q1 \u2192 2026-Q2 \u00b7 small sample"]
    assert "<script>" not in out
    dots = _styles(out, "cx-ic-dot")
    # axis symmetric around zero: -1.25..1.25 (largest end 1.10 x 1.1, rounded up to 0.05)
    assert "-1.25" in out and "+1.25" in out
    assert [float(d["left"].rstrip("%")) for d in dots] == pytest.approx(
        [50 + 0.10 / 1.25 * 50, 50 + 0.10 / 1.25 * 50, 50 - 0.40 / 1.25 * 50, 50 + 0.20 / 1.25 * 50])
    # filled only when beyond noise; the small sample grey
    assert [d["background"] for d in dots] == ["#ffffff", "#ffffff", palette.PALETTE["mechanic"], "#ffffff"]
    assert dots[3]["border-color"] == htmlcharts._SMALL_COLOR
    notes = re.findall(r'class="cx-ic-note">([^<]*)<', out)
    assert notes[2] == "+0.10 \u2192 -0.30 \u00b7 30 \u2192 40 participants"
    assert out.count("cx-ic-row cx-small") == 1
    assert "Beyond noise (filled dots): Mechanic 2026-Q2 \u2192 2026-Q3 (-0.40)." in out
    within = htmlcharts.trend_html(_waves_frame().iloc[[1, 2]], min_participants=5)  # no change beyond noise
    assert "No change is beyond noise" in within


def test_htmlcharts_trend_without_two_waves_says_so():
    only_missing = _waves_frame().iloc[[4]]
    assert "No data for this selection" in htmlcharts.trend_html(only_missing)
    assert "No data for this selection" in htmlcharts.trend_html(pd.DataFrame())
