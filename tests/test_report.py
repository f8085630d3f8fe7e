"""The static HTML report: self-contained, escaped, with the headline figures and charts."""

from __future__ import annotations

import re

import pytest

from cxaudit.publish.report import write_report

from _dashboard_helpers import make_store


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    tables = make_store(out)
    path = write_report(out, out / "report <x>.html")
    return path, path.read_text(encoding="utf-8"), tables


def test_report_is_self_contained(report):
    path, text, _ = report
    assert path.is_file() and not list(path.parent.glob("*.tmp"))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    # the charts are HTML from the dashboard's own chart functions: no image, so no matplotlib in the core
    assert "<img" not in text and "data:image" not in text
    charts = re.findall(r'<figure class="cx-figure" data-chart="([a-z_]+)">', text)
    assert charts == ["clue_map", "gaps", "ipa", "motif", "drivers", "nps", "trend"]


def test_report_charts_show_the_stores_figures(report):
    """The clue map's cells are the store's mention counts; the NPS chart has the whole audit's row."""
    _, text, tables = report
    from _dashboard_helpers import expected_mentions

    figures = dict(re.findall(r'<figure class="cx-figure" data-chart="([a-z_]+)">(.*?)</figure>', text, re.S))
    m = expected_mentions(tables)
    lens = sorted(m["codebook"].unique())[0] if "codebook" in m else None
    m = m[m["codebook"] == lens] if lens is not None else m
    cells = [int(n.replace(",", "")) for n in re.findall(r'<td class="cx-cm-cell"[^>]*>([\d,]+)</td>', figures["clue_map"])]
    assert cells and sorted(cells) == sorted(m.groupby(["clue_type", "touchpoint"]).size().tolist())
    assert "all respondents" in figures["nps"] and "cx-ic-row" in figures["gaps"]


def test_report_headline_figures(report):
    _, text, tables = report
    docs = tables["documents"]
    assert re.search(rf'data-key="documents"><div class="cx-value">{len(docs)}<', text)
    people = docs["participant"].fillna(docs["doc_id"]).nunique()
    assert re.search(rf'data-key="participants"><div class="cx-value">{people}<', text)
    assert re.search(r'data-key="nps"><div class="cx-value">\+0<', text)
    assert "95 % interval" in text.split('data-key="nps"><div')[1][:300]


def test_report_escapes_data(report):
    _, text, _ = report
    assert "<title>Harbour &lt;b&gt;Bank&lt;/b&gt; audit</title>" in text
    assert "<b>Bank</b>" not in text
    assert "window.__pwned" not in text.replace("&lt;script&gt;window.__pwned=1&lt;/script&gt;", "")


def test_report_opens_with_the_summary_and_no_interactive_wording(report):
    _, text, _ = report
    assert text.index("<h2>Summary</h2>") < text.index('class="cx-summary"') < text.index("<figure")
    body = re.sub(r"<style>.*?</style>", "", text, flags=re.S).lower()
    assert "click" not in body and "drill" not in body
    text_only = re.sub(r"<[^>]+>", " ", body)  # words a reader sees (tooltips aside)
    for word in ("on the image", "the png", "hover", "tooltip", "button", "download", "select ", "scroll"):
        assert word not in text_only, word
    # every dimension of this tiny store has fewer than 5 participants: nothing is ranked, and it says so
    assert "No dimension is surely short" in text and "small sample" in text


def test_report_priorities_have_quotes(tmp_path):
    from _dashboard_helpers import make_summary_store

    make_summary_store(tmp_path)
    text = write_report(tmp_path, tmp_path / "r.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section class="cx-finding cx-priority" data-rank="\d">(.*?)</section>', text, re.S)
    assert len(sections) == 2 and all(s.count('<li class="cx-quote-row">') == 3 for s in sections)
    assert "Billing and charges" in sections[0] and "<mark>bill</mark>" in sections[0]


def test_report_missing_store(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_report_min_participants_option(tmp_path):
    from _dashboard_helpers import make_summary_store

    make_summary_store(tmp_path)
    text = write_report(tmp_path, tmp_path / "r.html", min_participants=50).read_text(encoding="utf-8")
    assert "No dimension is surely short" in text and "4 dimensions of 4 had fewer than 50 participants" in text
