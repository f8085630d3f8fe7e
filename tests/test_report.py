"""The static HTML report: self-contained, escaped, with the headline figures and charts."""

from __future__ import annotations

import base64
import re

import pytest

from cxaudit.report import write_report

from _dashboard_helpers import expected_mentions, make_store


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
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([^"]+)">', text)
    assert len(images) == 7
    assert all(base64.b64decode(b)[:4] == b"\x89PNG" for b in images)


def test_report_headline_figures(report):
    _, text, tables = report
    m = expected_mentions(tables)
    assert re.search(rf'data-key="mentions"><div class="cx-value">{len(m)}<', text)
    assert re.search(rf'data-key="documents"><div class="cx-value">{m["doc_id"].nunique()}<', text)
    assert re.search(r'data-key="nps"><div class="cx-value">\+0<', text)


def test_report_escapes_data(report):
    _, text, _ = report
    assert "<title>Harbour &lt;b&gt;Bank&lt;/b&gt; audit</title>" in text
    assert "<b>Bank</b>" not in text
    assert "window.__pwned" not in text.replace("&lt;script&gt;window.__pwned=1&lt;/script&gt;", "")


def test_report_top_gaps_have_quotes(report):
    _, text, _ = report
    sections = re.findall(r'<section class="cx-gap">(.*?)</section>', text, re.S)
    assert sections and all("<mark>" in s for s in sections)
    assert "functional.billing" in sections[0] or "functional" in sections[0]


def test_report_missing_store(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_report_lists_only_shortfalls(report):
    _, text, tables = report
    gaps = tables["gaps"]
    level = gaps[(gaps["level"] == "code") & (gaps["group_by"] == "all")]
    shown = re.findall(r'<section class="cx-gap"><h3>([^ <]+) ', text)
    assert shown and set(shown) == set(level[level["gap"] < 0]["dimension"])
