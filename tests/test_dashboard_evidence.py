"""Quote rendering, escaping and formula-safe downloads."""

from __future__ import annotations

import base64
import html
import io
import re

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from cxaudit.dashboard import evidence as ev


def test_dashboard_evidence_highlight_marks_the_clue():
    assert ev.highlight("The queue was long.", 4, 9) == "The <mark>queue</mark> was long."


def test_dashboard_evidence_highlight_escapes_each_part():
    s = "<b>x</b> <script>alert(1)</script> & more"
    start = s.index("<script>")
    out = ev.highlight(s, start, start + len("<script>alert(1)</script>"))
    assert "<script>" not in out and "<b>" not in out
    assert out == (html.escape(s[:start]) + "<mark>" + html.escape("<script>alert(1)</script>") + "</mark>"
                   + html.escape(" & more"))


@pytest.mark.parametrize("start,end", [(None, None), (5, 2), (-1, 3), (0, 999), (float("nan"), 3)])
def test_dashboard_evidence_highlight_bad_offsets_leave_text_unmarked(start, end):
    assert ev.highlight("a <i>b</i> c", start, end) == html.escape("a <i>b</i> c")


@given(st.text(max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_dashboard_evidence_highlight_property(text, a, b):
    out = ev.highlight(text, a, b)
    # Removing our own markup and unescaping gives back the sentence exactly.
    plain = out.replace("<mark>", "").replace("</mark>", "")
    assert html.unescape(plain) == text
    assert "<" not in plain and ">" not in plain
    assert out.count("<mark>") == (1 if 0 <= a < b <= len(text) else 0)


@pytest.mark.parametrize("seconds,expected", [(None, ""), (0, "00:00"), (65, "01:05"), (3725.9, "1:02:05"),
                                              (float("nan"), ""), (-3, "")])
def test_dashboard_evidence_format_timestamp(seconds, expected):
    assert ev.format_timestamp(seconds) == expected


def _page(**over):
    row = dict(code="c<1>", clue_type="humanic", touchpoint="<tp>", codebook="cb", valence="negative",
               polarity=-0.5, sentence="Staff <img src=x onerror=alert(1)> rude", start_char=0, end_char=5,
               speaker="<b>Ann</b>", participant="P&1", doc_id="d\"1", source="s'1", start_s=61.0,
               wave="w", segment="s", kind="k", sentence_id="d1#0.0")
    row.update(over)
    return pd.DataFrame([row])


def test_dashboard_evidence_table_escapes_everything():
    out = ev.evidence_html(_page(), total=1)
    assert "<img" not in out and "<b>Ann" not in out and "<tp>" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "<mark>Staff</mark>" in out
    assert "01:01" in out and "Quotes 1\u20131 of 1" in out
    assert 'title="negative"' in out


def test_dashboard_evidence_empty_state():
    assert "No mentions for this filter." in ev.evidence_html(_page().iloc[0:0])


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\r=1"])
def test_dashboard_evidence_formula_safe(value):
    out = ev.formula_safe(pd.DataFrame({"a": [value, "fine"], "n": [1, 2]}))
    assert out["a"].iloc[0] == "'" + value and out["a"].iloc[1] == "fine" and list(out["n"]) == [1, 2]


def test_dashboard_evidence_csv_and_xlsx_are_formula_safe():
    from openpyxl import load_workbook

    table = ev.evidence_export(_page(sentence="=HYPERLINK(\"http://x\")", start_char=1, end_char=10))
    csv = ev.to_csv_bytes(table).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(csv))
    assert back["quote"].iloc[0].startswith("'=")
    wb = load_workbook(io.BytesIO(ev.to_xlsx_bytes(table)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    quote = ws.cell(row=2, column=header.index("quote") + 1)
    assert quote.data_type == "s" and quote.value.startswith("'=")
    assert ws.cell(row=2, column=header.index("timestamp") + 1).value == "01:01"


@pytest.mark.parametrize("name,expected", [("../../etc/passwd", "etc-passwd"), ("<b>a</b>.csv", "b-a-b-.csv"),
                                           ("", "download"), ("Harbour Bank evidence.csv", "Harbour-Bank-evidence.csv")])
def test_dashboard_evidence_safe_filename(name, expected):
    assert ev.safe_filename(name) == expected


def test_dashboard_evidence_download_link_round_trips():
    link = ev.download_link(b"a,b\n1,2\n", 'x"><script>.csv', "text/csv", "<Save>")
    m = re.match(r'<a class="cx-download" download="([^"]*)" href="data:text/csv;base64,([^"]*)">(.*)</a>$', link)
    assert m, link
    assert m.group(1) == "x-script-.csv" and base64.b64decode(m.group(2)) == b"a,b\n1,2\n"
    assert m.group(3) == "&lt;Save&gt;"
