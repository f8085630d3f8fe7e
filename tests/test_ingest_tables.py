"""Comment tables: CSV, XLSX, JSON, JSONL; row problems and column options."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxaudit import schemas
from cxaudit.ingest import normalize_text
from cxaudit.ingest.tables import parse_score, sniff_delimiter

from _ingest_helpers import ingest_one, reasons, write

OPTS = dict(kind="comment", text_column="comment", id_column="id", score_column="nps", meta_columns=["segment", "store", "date"])


def _csv(rows, delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


ROWS = [
    ["id", "comment", "nps", "segment", "store", "date"],
    ["007", "Great staff, very kind", "9", "gold", "Quay St", "2026-03-12"],
    ["008", "App crashed; twice", "3", "", "Online", "12 March 2026"],
]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_tables_csv_any_delimiter(tmp_path, delimiter):
    result = ingest_one(write(tmp_path, "c.csv", _csv(ROWS, delimiter)), **OPTS)
    docs = result.documents
    assert list(docs["doc_id"]) == ["007", "008"]
    assert list(docs["score"]) == [9.0, 3.0]
    assert docs["segment"][0] == "gold" and docs["segment"].isna().tolist() == [False, True]
    assert docs["date"].tolist() == ["2026-03-12", "2026-03-12"]
    assert [json.loads(m) for m in docs["meta"]] == [{"store": "Quay St"}, {"store": "Online"}]
    assert result.turns[["doc_id", "turn_id", "role", "line", "text"]].values.tolist() == [
        ["007", 0, "participant", 2, "Great staff, very kind"],
        ["008", 0, "participant", 3, "App crashed; twice"],
    ]
    assert result.rejected.empty


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_tables_csv_encodings(tmp_path, encoding):
    rows = [["id", "comment"], ["1", "Café “great” — 5 €"]]
    result = ingest_one(write(tmp_path, "e.csv", _csv(rows, ";"), encoding=encoding), kind="comment", text_column="comment", id_column="id")
    assert result.turns["text"].tolist() == ["Café “great” — 5 €"]


def test_tables_csv_row_problems_are_rejected_rows(tmp_path):
    rows = [
        ["id", "comment", "nps"],
        ["1", "Good", "10"],
        ["2", "   ", "5"],
        ["1", "Duplicate id", "4"],
        ["3", "Bad score", "abc"],
        ["4", "Too high", "11"],
        ["", "No id", "2"],
        ["5", "Multi\nline", "0"],
        ["6", "After the multi-line row", "7,5"],
    ]
    result = ingest_one(write(tmp_path, "p.csv", _csv(rows)), kind="comment", text_column="comment", id_column="id", score_column="nps")
    assert result.documents[["doc_id", "score"]].astype(object).where(result.documents[["doc_id", "score"]].notna(), None).values.tolist() == [
        ["1", 10.0], ["3", None], ["4", None], ["5", 0.0], ["6", 7.5],
    ]
    rejected = result.rejected[["line", "reason"]].values.tolist()
    assert [line for line, _ in rejected] == [3, 4, 5, 6, 7]
    assert "empty text in column 'comment'" in rejected[0][1]
    assert "duplicate id '1'" in rejected[1][1] and "first on row 2" in rejected[1][1]
    assert "score 'abc' is not a number" in rejected[2][1] and "comment kept" in rejected[2][1]
    assert "outside 0–10" in rejected[3][1]
    assert "empty id" in rejected[4][1]
    assert result.turns.loc[result.turns["doc_id"] == "6", "line"].tolist() == [9]


def test_tables_csv_missing_text_column(tmp_path):
    result = ingest_one(write(tmp_path, "m.csv", _csv(ROWS)), kind="comment", text_column="feedback")
    assert result.documents.empty
    assert reasons(result) == ["missing text column 'feedback'; columns are: id, comment, nps, segment, store, date"]


def test_tables_csv_text_column_case_insensitive_and_no_id_column(tmp_path):
    result = ingest_one(write(tmp_path, "sub/survey.csv", _csv(ROWS)).parent, kind="comment", text_column="COMMENT")
    assert result.documents["doc_id"].tolist() == ["sub/survey:2", "sub/survey:3"]


def test_tables_csv_without_text_column_option_is_rejected(tmp_path):
    result = ingest_one(write(tmp_path, "n.csv", _csv(ROWS)))
    assert "no text_column set" in reasons(result)[0] and "comment" in reasons(result)[0]


def test_tables_xlsx_first_sheet_and_named_sheet(tmp_path):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Other"
    ws.append(["id", "comment"])
    ws.append([1, "wrong sheet"])
    ws2 = wb.create_sheet("Survey")
    ws2.append(["id", "comment", "nps", "date"])
    ws2.append([101, "Lovely branch", 10, dt.datetime(2026, 3, 12)])
    ws2.append([102.0, None, 5, None])
    ws2.append([103, "Slow app", "n/a", None])
    path = tmp_path / "s.xlsx"
    wb.save(path)
    first = ingest_one(path, kind="comment", text_column="comment", id_column="id")
    assert first.turns["text"].tolist() == ["wrong sheet"]
    named = ingest_one(path, kind="comment", text_column="comment", id_column="id", score_column="nps", meta_columns=["date"], sheet="Survey")
    assert named.documents["doc_id"].tolist() == ["101", "103"]
    assert named.documents["date"].tolist()[0] == "2026-03-12"
    assert named.rejected["line"].tolist() == [3, 4]
    missing = ingest_one(path, kind="comment", text_column="comment", sheet="Nope")
    assert "no sheet named 'Nope'; sheets are: Other, Survey" in reasons(missing)[0]


def test_tables_xlsx_corrupt_is_rejected(tmp_path):
    result = ingest_one(write(tmp_path, "bad.xlsx", b"not a zip at all"), kind="comment", text_column="comment")
    assert "not a readable .xlsx file" in reasons(result)[0]


@pytest.mark.parametrize("wrap", [None, "records", "data", "comments"])
def test_tables_json_list_or_wrapped(tmp_path, wrap):
    records = [{"id": 1, "comment": "Fine", "nps": 8, "extra": {"a": 1}}, {"id": 2, "comment": "Meh"}]
    data = records if wrap is None else {wrap: records, "meta": "x"}
    result = ingest_one(write(tmp_path, "j.json", json.dumps(data)), kind="review", text_column="comment", id_column="id", score_column="nps", meta_columns=["extra"])
    docs = result.documents
    assert docs["doc_id"].tolist() == ["1", "2"] and docs["kind"].tolist() == ["review", "review"]
    assert json.loads(docs["meta"][0]) == {"extra": '{"a": 1}'}
    assert result.turns["line"].tolist() == [1, 2]


def test_tables_malformed_json_reports_line_and_column(tmp_path):
    result = ingest_one(write(tmp_path, "bad.json", '[\n {"id": 1, "comment": "ok"},\n {"id": 2 "comment": "x"}\n]'), kind="comment", text_column="comment")
    [(line, reason)] = result.rejected[["line", "reason"]].values.tolist()
    assert line == 3
    assert reason.startswith("malformed JSON at line 3, column 11:")


def test_tables_json_object_without_list(tmp_path):
    result = ingest_one(write(tmp_path, "o.json", '{"rows": [1, 2]}'), kind="comment", text_column="comment")
    assert "expected a list of objects" in reasons(result)[0] and "rows" in reasons(result)[0]


def test_tables_jsonl_bad_line_is_rejected_others_kept(tmp_path):
    text = '{"id": "a", "comment": "one"}\n{"id": "b", "comment": \n\n{"id": "c", "comment": "three"}\n"just a string"\n'
    result = ingest_one(write(tmp_path, "l.jsonl", text), kind="chat", text_column="comment", id_column="id")
    assert result.documents["doc_id"].tolist() == ["a", "c"]
    assert result.turns["line"].tolist() == [1, 4]
    assert result.rejected["line"].tolist() == [2, 5]
    assert "malformed JSON line" in reasons(result)[0]
    assert "expected an object" in reasons(result)[1]


@pytest.mark.parametrize(
    "value, score, problem",
    [("9", 9.0, None), (" 7,5 ", 7.5, None), (0, 0.0, None), ("", None, None), (None, None, None),
     ("ten", None, "is not a number"), ("-1", None, "outside 0–10"), ("nan", None, "outside 0–10"), (10.5, None, "outside 0–10")],
)
def test_tables_parse_score(value, score, problem):
    got_score, got_problem = parse_score(value)
    assert got_score == score
    assert (got_problem is None) if problem is None else (problem in got_problem)


def test_tables_sniff_delimiter_prefers_consistent_split():
    assert sniff_delimiter("a;b;c\n1;2,5;3\n4;5,5;6\n") == ";"
    assert sniff_delimiter("a,b\n\"x;y\",2\n") == ","
    assert sniff_delimiter("just one column\nvalue\n") == ","


_CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(lambda s: s.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comments=st.lists(_CELL, min_size=1, max_size=15), delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_tables_csv_roundtrip_keeps_every_comment(tmp_path, comments, delimiter):
    rows = [["id", "comment", "x"]] + [[f"r{i}", c, "1"] for i, c in enumerate(comments)]
    result = ingest_one(write(tmp_path, "rt.csv", _csv(rows, delimiter)), kind="comment", text_column="comment", id_column="id", delimiter=delimiter)
    kept = [(i + 2, normalize_text(c)) for i, c in enumerate(comments) if normalize_text(c)]
    assert list(zip(result.turns["line"], result.turns["text"])) == kept
    assert len(result.rejected) == len(comments) - len(kept)  # texts that normalise to nothing (e.g. a lone BOM)
    schemas.validate(result.documents, schemas.DOCUMENTS)
