"""Quote rendering, escaping and formula-safe downloads."""

from __future__ import annotations

import base64
import html
import io
import re

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from cxaudit.publish.dashboard import evidence as ev


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
    row = dict(codes="c<1>; c2", chips=[("Staff <i>", "humanic", "c<1>"), ("Tone", "humanic", "c2")],
               valence="negative", polarity=-0.5, sentence="Staff <img src=x onerror=alert(1)> rude",
               spans=[(0, 5)], speaker="<b>Ann</b>", participant="P&1", doc_id="d\"1", source="s'1", start_s=61.0,
               wave="w", segment="s", kind="k", sentence_id="d1#0.0")
    row.update(over)
    return pd.DataFrame([row])


def test_dashboard_evidence_table_escapes_everything():
    out = ev.evidence_html(_page(), total=1)
    assert "<img" not in out and "<b>Ann" not in out and "<tp>" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "<mark>Staff</mark>" in out
    assert "01:01" in out and "Quote 1\u20131 of 1" in out
    assert 'title="negative"' in out
    assert "Staff &lt;i&gt;" in out and 'title="c&lt;1&gt;"' in out and ">Tone<" in out  # one chip per code


def test_dashboard_evidence_one_row_per_sentence_with_every_code():
    page = pd.concat([_page(), _page(sentence_id="d1#0.1", sentence="Fine.", spans=[], chips=[])])
    out = ev.evidence_html(page, total=2, sort="most negative")
    assert out.count('<tr class="cx-quote') == 2 and "Quotes 1\u20132 of 2" in out and "most negative first" in out
    assert out.count('class="cx-chip ') == 2


@pytest.mark.parametrize("spans,expected", [
    ([(0, 3), (9, 12)], "<mark>The</mark> bill <mark>was</mark> late."),
    ([(0, 8), (4, 12)], "<mark>The bill was</mark> late."),  # overlaps merged
    ([(5, 2), (0, 99), (None, 3)], "The bill was late."),  # bad offsets ignored
    ([], "The bill was late."),
])
def test_dashboard_evidence_highlight_spans(spans, expected):
    assert ev.highlight_spans("The bill was late.", spans) == expected


@given(st.text(max_size=40), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=4))
def test_dashboard_evidence_highlight_spans_property(text, spans):
    plain = ev.highlight_spans(text, spans).replace("<mark>", "").replace("</mark>", "")
    assert html.unescape(plain) == text and "<" not in plain


def test_dashboard_evidence_empty_state():
    assert "No quotes for this selection." in ev.evidence_html(_page().iloc[0:0])


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\r=1"])
def test_dashboard_evidence_formula_safe(value):
    out = ev.formula_safe(pd.DataFrame({"a": [value, "fine"], "n": [1, 2]}))
    assert out["a"].iloc[0] == "'" + value and out["a"].iloc[1] == "fine" and list(out["n"]) == [1, 2]


def test_dashboard_evidence_csv_and_xlsx_are_formula_safe():
    from openpyxl import load_workbook

    table = ev.evidence_export(_page(sentence="=HYPERLINK(\"http://x\")", spans=[(1, 10)]))
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


def test_dashboard_evidence_context_is_escaped_muted_and_exported():
    page = _page(context_after="<b>Never</b> came.")
    out = ev.evidence_html(page)
    assert "&lt;b&gt;Never&lt;/b&gt; came." in out and "<b>Never" not in out
    assert 'class="cx-context"' in out and ev.CONTEXT_LABEL in out
    assert ev.context_html(None) == ev.context_html(float("nan")) == ev.context_html("  ") == ""
    assert 'class="cx-context"' not in ev.evidence_html(_page())
    assert ev.evidence_export(page)["feeling_from_next_sentence"].tolist() == ["<b>Never</b> came."]
