"""DOCX transcripts: prefixes, bold speakers, tables, and broken files."""

from __future__ import annotations

import pytest

from cxaudit.ingest import IngestError, InputSpec, read_path

from _ingest_helpers import docx_without_document_xml, ingest_one, make_docx, reasons, write


def _turns(path):
    doc = read_path(path, InputSpec(path=path.name, base_dir=str(path.parent)))[0]
    return [(t.speaker, t.role, t.text) for t in doc.turns], doc


def test_docx_speaker_prefix_paragraphs_and_continuations(tmp_path):
    path = make_docx(tmp_path / "a.docx", [
        ("heading", "Interview with Maria"),
        "Interviewer: How was the app?",
        "Maria Lopez: It crashed.",
        "Then it crashed again.",
        "Interviewer: And then?",
        "Maria Lopez: I gave up.",
    ])
    turns, doc = _turns(path)
    assert turns == [
        ("Interviewer", "interviewer", "How was the app?"),
        ("Maria Lopez", "participant", "It crashed. Then it crashed again."),
        ("Interviewer", "interviewer", "And then?"),
        ("Maria Lopez", "participant", "I gave up."),
    ]
    assert doc.participant == "Maria Lopez"
    assert doc.turns[0].line == 2  # paragraph 1 is the heading


def test_docx_bold_run_speakers_without_colon(tmp_path):
    path = make_docx(tmp_path / "b.docx", [
        ("bold", "Interviewer", "\tHow was the branch?"),
        ("bold", "Fatima Ali:", " Friendly staff."),
        ("bold", "Really", " friendly, I mean."),  # bold emphasis, not a speaker
        ("bold", "Interviewer", " Anything else?"),
        ("bold", "Fatima Ali", " No."),
    ])
    turns, _ = _turns(path)
    assert turns == [
        ("Interviewer", "interviewer", "How was the branch?"),
        ("Fatima Ali", "participant", "Friendly staff. Really friendly, I mean."),
        ("Interviewer", "interviewer", "Anything else?"),
        ("Fatima Ali", "participant", "No."),
    ]


def test_docx_bold_only_paragraph_names_the_speaker_of_what_follows(tmp_path):
    path = make_docx(tmp_path / "c.docx", [
        ("bold", "Interviewer", ""), "How was it?",
        ("bold", "Sam Patel 00:01:05", ""), "Slow.", "Very slow.",
        ("bold", "Interviewer", ""), "Why?",
        ("bold", "Sam Patel", ""), "No idea.",
    ])
    turns, doc = _turns(path)
    assert turns == [
        ("Interviewer", "interviewer", "How was it?"),
        ("Sam Patel", "participant", "Slow. Very slow."),
        ("Interviewer", "interviewer", "Why?"),
        ("Sam Patel", "participant", "No idea."),
    ]
    assert doc.turns[1].start_s == 65.0


@pytest.mark.parametrize("with_header", [True, False])
def test_docx_speaker_text_table(tmp_path, with_header):
    rows = [["Interviewer", "How was the mortgage renewal?"], ["George", "Late."], ["", "Very late."], ["Interviewer", "Thanks."]]
    if with_header:
        rows = [["Speaker", "Transcript"]] + rows
    path = make_docx(tmp_path / "t.docx", [("heading", "Interview 12"), ("table", rows)])
    turns, doc = _turns(path)
    assert turns == [
        ("Interviewer", "interviewer", "How was the mortgage renewal?"),
        ("George", "participant", "Late. Very late."),
        ("Interviewer", "interviewer", "Thanks."),
    ]
    assert doc.turns[0].line == 2 + int(with_header)


def test_docx_table_with_timestamp_column(tmp_path):
    rows = [["00:00:05", "Interviewer", "How was it?"], ["00:00:09", "Ann", "Fine."], ["00:00:20", "Interviewer", "Good."]]
    turns, doc = _turns(make_docx(tmp_path / "ts.docx", [("table", rows)]))
    assert [(t.speaker, t.start_s, t.end_s) for t in doc.turns] == [("Interviewer", 5.0, 9.0), ("Ann", 9.0, 20.0), ("Interviewer", 20.0, None)]


def test_docx_not_a_zip_is_rejected(tmp_path):
    result = ingest_one(write(tmp_path, "fake.docx", "Interviewer: this is plain text, not a docx"))
    assert result.documents.empty
    assert "corrupt .docx: not a zip archive" in reasons(result)[0]


def test_docx_zip_without_document_xml_is_rejected(tmp_path):
    path = docx_without_document_xml(tmp_path / "hollow.docx")
    with pytest.raises(IngestError, match="no word/document.xml") as info:
        read_path(path, InputSpec(path="hollow.docx", base_dir=str(tmp_path)))
    assert info.value.path.endswith("hollow.docx")


def test_docx_without_text_is_rejected(tmp_path):
    path = make_docx(tmp_path / "blank.docx", ["", "   ", ("heading", "Only a heading")])
    result = ingest_one(path)
    assert result.documents.empty
    assert reasons(result) == ["the document has no text (no paragraphs or table cells with text)"]


def test_docx_with_broken_xml_is_rejected(tmp_path):
    import zipfile

    good = make_docx(tmp_path / "good.docx", ["Interviewer: Hi?"])
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, b"<w:document><unclosed>" if item.filename == "word/document.xml" else data)
    result = ingest_one(broken)
    assert result.documents.empty
    assert reasons(result)[0].startswith("corrupt .docx: ")


# --------------------------------------------------------------------------- the reader against python-docx
# cxaudit reads .docx with the standard library (the core install has neither python-docx nor lxml); python-docx,
# in the test extra, is the oracle: on documents it writes, both must see the same paragraphs, runs, styles and cells.


def _oracle_view(path):
    import docx
    from docx.table import Table

    out = []
    for block in docx.Document(str(path)).iter_inner_content():
        if isinstance(block, Table):
            out.append(("table", [[cell.text for cell in row.cells] for row in block.rows]))
        else:
            style = block.style
            out.append(("p", style.name if style is not None else None, style.font.bold if style is not None else None,
                        block.text,
                        [(r.text, r.bold, r.style.font.bold if r.style is not None else None) for r in block.runs]))
    return out


def _own_view(path):
    from cxaudit.ingest.docx import _Table, _open

    out = []
    for block in _open(path):
        if isinstance(block, _Table):
            out.append(("table", block.rows))
        else:
            style = block.style
            out.append(("p", (style.name or None) if style is not None else None, style.bold if style is not None else None,
                        block.text, [(r.text, r.bold, r.style.bold if r.style is not None else None) for r in block.runs]))
    return out


def _rich_document(path):
    """Headings, a title, bold by run / by character style / by paragraph style / switched off, tabs, line and
    page breaks, a non-breaking hyphen, a hyperlink, and a table with horizontally and vertically merged cells."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_heading("Interview 7", 0)
    document.add_heading("Branch visit", 1)
    speaker = document.styles.add_style("Speaker Line", WD_STYLE_TYPE.PARAGRAPH)
    speaker.font.bold = True
    document.add_paragraph("Interviewer", style="Speaker Line")
    document.add_paragraph("How was the branch?")
    p = document.add_paragraph()
    p.add_run("Ann Lee").style = "Strong"
    p.add_run(" It was ")
    r = p.add_run("fine")
    r.bold = False
    r.add_tab()
    r.add_text("really")
    r.add_break()
    r.add_text("next line")
    r.add_break(WD_BREAK.PAGE)
    r.add_text("after the page")
    hyphen = OxmlElement("w:noBreakHyphen")
    r._r.append(hyphen)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), "rId99")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = " see the site"
    run.append(text)
    link.append(run)
    p._p.append(link)
    p.add_run(".").bold = True
    table = document.add_table(rows=4, cols=3)
    for i, row in enumerate([["Time", "Speaker", "Text"], ["00:01", "Interviewer", "Hello?"],
                             ["00:02", "Ann Lee", "Hi."], ["00:03", "", "Bye."]]):
        for j, value in enumerate(row):
            table.rows[i].cells[j].text = value
    table.cell(1, 1).merge(table.cell(1, 2))  # horizontal: one cell over two grid columns
    table.cell(2, 1).merge(table.cell(3, 1))  # vertical: the row below continues the cell above
    table.cell(3, 2).add_paragraph("Second paragraph.")
    document.add_paragraph("")
    document.save(str(path))
    return path


def test_docx_reader_sees_what_python_docx_sees(tmp_path):
    path = _rich_document(tmp_path / "rich.docx")
    own = _own_view(path)
    assert own == _oracle_view(path)
    # and the known answers, so that a change in python-docx cannot hide an error in both
    assert [b[1] for b in own if b[0] == "p"][:3] == ["Title", "Heading 1", "Speaker Line"]
    assert own[2][2] is True  # the paragraph style's bold
    runs = own[4][4]
    assert runs[0] == ("Ann Lee", None, True)  # bold through the Strong character style
    assert runs[2][:2] == ("fine\treally\nnext lineafter the page-", False)
    assert own[4][3] == "Ann Lee It was fine\treally\nnext lineafter the page- see the site."
    # python-docx's merge moves the merged cells' paragraphs into the first; the reader repeats a merged cell
    # once per grid column (horizontal) and in each row it continues into (vertical)
    assert own[5] == ("table", [["Time", "Speaker", "Text"], ["00:01", "Interviewer\nHello?", "Interviewer\nHello?"],
                                ["00:02", "Ann Lee\n", "Hi."], ["00:03", "Ann Lee\n", "Bye.\nSecond paragraph."]])


@pytest.mark.parametrize("sample", ["p10", "p11", "p12"])
def test_docx_reader_agrees_with_python_docx_on_the_sample_interviews(sample):
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "sample" / "interviews" / f"{sample}.docx"
    assert _own_view(path) == _oracle_view(path)


def test_docx_speakers_bold_by_character_or_paragraph_style(tmp_path):
    """A bold-only paragraph by its paragraph style, a label bold by the Strong character style; the
    hyperlink's text stays in the turn (the title and heading are not speech)."""
    turns, _ = _turns(_rich_document(tmp_path / "rich.docx"))
    assert [(speaker, text) for speaker, _, text in turns[:2]] == [
        ("Interviewer", "How was the branch?"),
        ("Ann Lee", "It was fine really next lineafter the page- see the site."),
    ]


def test_docx_zip_bomb_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    import zipfile

    from cxaudit.ingest import docx as docx_reader

    good = make_docx(tmp_path / "good.docx", ["Interviewer: Hi?", "Participant: Hello there."])
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":  # padded with 2 MB of blanks inside the body
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * 2_000_000, 1)
            dst.writestr(item.filename, data)
    monkeypatch.setattr(docx_reader, "MAX_PART_BYTES", 1_000_000)  # the limit, scaled down for the test
    result = ingest_one(bomb)
    assert result.documents.empty
    assert "larger than" in reasons(result)[0] and "decompressed" in reasons(result)[0]
    monkeypatch.setattr(docx_reader, "MAX_PART_BYTES", 4_000_000)
    assert not ingest_one(bomb).documents.empty  # under the limit the same file is read
