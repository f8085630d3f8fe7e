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
