"""Comment tables: CSV, XLSX, JSON, JSONL; row problems and column options."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import unicodedata

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cxaudit import schemas
from cxaudit.ingest import IngestError, InputSpec, frames, ingest, normalize_text, tables
from cxaudit.ingest.tables import parse_score, read_table, sniff_delimiter

from _ingest_helpers import assert_same_result, ingest_one, reasons, reference_ingest, reference_table, write

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
        ["1", 10.0], ["2", 5.0], ["3", None], ["4", None], ["5", 0.0], ["6", 7.5],
    ]
    # row 3 is an answer without a comment: a document whose turn has no text, its score kept
    assert result.turns.loc[result.turns["doc_id"] == "2", "text"].tolist() == [""]
    rejected = result.rejected[["line", "reason"]].values.tolist()
    assert [line for line, _ in rejected] == [4, 5, 6, 7]
    assert "duplicate id '1'" in rejected[0][1] and "first on row 2" in rejected[0][1]
    assert "score 'abc' is not a number" in rejected[1][1] and "comment kept" in rejected[1][1]
    assert "outside 0–10" in rejected[2][1]
    assert "empty id" in rejected[3][1]
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
    assert named.documents["doc_id"].tolist() == ["101", "102", "103"]  # 102: an answer without a comment
    assert named.documents["score"].tolist()[1] == 5.0
    assert named.documents["date"].tolist()[0] == "2026-03-12"
    assert named.rejected["line"].tolist() == [4]
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


# --- The columnar path (issue 8) gives exactly what one Parsed per row gave -----------------------------

_PIECES = st.sampled_from(["great", "slow", "Café", "e\u0301", "e\ufeff\u0301", "naïve", "😀", "a,b", 'say "hi"', "x;y", "p|q",
                           "t\tu", "line\nbreak", "cr\rend", "crlf\r\nend", "\u2028", "\x0b", "\x85", "\x1c", "\ufeff", "  ", " ",
                           "", "\u00a0", "in/0"])
_TEXT = st.lists(_PIECES, max_size=4).map(" ".join) | st.text(max_size=10)
_ID = st.sampled_from(["a1", "a2", "a3", " a1 ", "", "  ", "7", "07", "in/0"])
_SCORE = st.sampled_from(["", " ", "5", "7,5", " 10 ", "0", "abc", "11", "-1", "nan", "1e1", "inf", "٣", "1_0"])
_META = st.sampled_from(["", " ", "gold", " Gold ", "web", "2026-03-12", "12 March 2026", "March 12, 2026", "2026/03/12",
                         "2026-03-12T10:30", "junk", "Ké\u0301"])
HEADER = ["id", "comment", "nps", "segment", "store", "date", "Wave", "participant"]


@st.composite
def _rows(draw):
    """CSV records: full, short, with blank or non-blank extra cells, empty and all-blank."""
    rows = []
    for _ in range(draw(st.integers(0, 9))):
        row = [draw(_ID), draw(_TEXT), draw(_SCORE)] + [draw(_META) for _ in range(5)]
        shape = draw(st.sampled_from(["full"] * 5 + ["short", "extra blank", "wide", "empty", "blank"]))
        if shape == "short":
            row = row[:draw(st.integers(1, 7))]
        elif shape == "extra blank":
            row += ["", " "]
        elif shape == "wide":
            row += ["extra"]
        elif shape in ("empty", "blank"):
            row = [] if shape == "empty" else [" "] * draw(st.integers(1, 9))
        rows.append(row)
    return rows


_OPTIONS = st.fixed_dictionaries({
    "id_column": st.sampled_from([None, "id", "ID"]),
    "score_column": st.sampled_from([None, "nps"]),
    "meta_columns": st.lists(st.sampled_from(["segment", "store", "date", "wave", "SEGMENT", "participant"]), max_size=4),
    "segment": st.sampled_from([None, "", "Default"]),
    "channel": st.sampled_from([None, "Phone"]),
    "wave": st.sampled_from([None, "W-spec"]),
})


def _csv_text(rows, delimiter, terminator):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator).writerows(rows)
    return buf.getvalue()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tables_rows=st.lists(_rows(), min_size=1, max_size=3), options=_OPTIONS, delimiter=st.sampled_from([",", ";", "\t", "|"]),
       terminator=st.sampled_from(["\n", "\r\n", "\r"]), leading=st.sampled_from(["", "\n", " , \n"]),
       batch_rows=st.sampled_from([1, 2, 3, 50_000]), run_wave=st.sampled_from([None, "W-run"]), transcript=st.booleans(),
       sniff=st.booleans())
def test_tables_columnar_path_equals_per_row_path(tmp_path, monkeypatch, tables_rows, options, delimiter, terminator, leading,
                                                  batch_rows, run_wave, transcript, sniff):
    """Random CSV tables (blank rows, multi-line quoted cells, duplicate and empty ids, bad scores,
    unicode and odd whitespace, meta columns, cross-file duplicate ids) plus transcripts, through
    ingest(): the same three tables as the per-row path, in any batch size."""
    monkeypatch.setattr(tables, "BATCH_ROWS", batch_rows)
    given_delimiter = None if sniff else delimiter
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for i, rows in enumerate(tables_rows):
        write(folder, f"t{i}.csv", leading + _csv_text([HEADER] + rows, delimiter, terminator))
    if transcript:
        write(folder, "0.txt", "Interviewer: How was it?\nMaria: Slow.\n")  # doc_id in/0, also an id in the tables
        write(tmp_path, "z.txt", "Just one comment from a7.\n")
    specs = [InputSpec(path="in", base_dir=str(tmp_path), kind="comment", text_column="comment", delimiter=given_delimiter, **options),
             InputSpec(path="in/t0.csv", base_dir=str(tmp_path), kind="survey", text_column="Comment", id_column="id")]
    if transcript:
        specs.append(InputSpec(path="z.txt", base_dir=str(tmp_path)))
    result = ingest(specs, wave=run_wave)
    event(f"documents kept: {min(len(result.documents), 5)}, rejected: {min(len(result.rejected), 3)}")
    assert_same_result(result, reference_ingest(specs, wave=run_wave))
    path = folder / "t0.csv"
    got, want = (_outcome(read, path, specs[0]) for read in (read_table, reference_table))
    if isinstance(want, str):
        assert got == want
    else:
        assert_same_result(got, want)


def _outcome(read, path, spec):
    """frames() of read(path, spec) and its issues, or the IngestError message."""
    issues = []
    try:
        return frames(read(path, spec, doc_stem="t0", source=str(path), issues=issues), issues)
    except IngestError as e:
        return e.message


_VALUE = st.one_of(st.none(), st.integers(-3, 12), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), _TEXT,
                   st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from(["k", "é"]), st.integers(0, 3), max_size=2))


@st.composite
def _records(draw):
    """JSON records with any value types and missing keys, and now and then something that is not an object."""
    keys = ["id", "comment", "nps", "segment", "store", "date", "Wave"]
    out = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from([[1, 2], "text", 3, None])))
        else:
            out.append({k: draw(_VALUE) for k in keys if draw(st.integers(0, 5))})
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=_records(), options=_OPTIONS, lines=st.booleans(), batch_rows=st.sampled_from([1, 3, 50_000]))
def test_tables_columnar_path_equals_per_row_path_json(tmp_path, monkeypatch, records, options, lines, batch_rows):
    """JSON and JSON Lines records with numbers, booleans, NaN, objects, lists and nulls: same tables."""
    monkeypatch.setattr(tables, "BATCH_ROWS", batch_rows)
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) if lines else json.dumps({"records": records})
    name = "c.jsonl" if lines else "c.json"
    write(tmp_path, name, text or "\n")
    spec = InputSpec(path=name, base_dir=str(tmp_path), kind="review", text_column="comment", **options)
    assert_same_result(ingest([spec], wave="W"), reference_ingest([spec], wave="W"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.one_of(st.none(), st.integers(-2, 12), st.floats(-1, 11), st.booleans(), _META,
                                        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
                                        st.sampled_from(["Great app", "slow  queue ", "", "  "])), min_size=1, max_size=7), max_size=6),
       options=_OPTIONS)
def test_tables_columnar_path_equals_per_row_path_xlsx(tmp_path, rows, options):
    """XLSX cells of every type (numbers, dates, booleans, blanks), short rows: same tables."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "comment", "nps", "segment", "store", "date", "Wave"])
    for row in rows:
        wb.active.append(row)
    wb.save(tmp_path / "c.xlsx")
    spec = InputSpec(path="c.xlsx", base_dir=str(tmp_path), kind="comment", text_column="comment", **options)
    assert_same_result(ingest([spec]), reference_ingest([spec]))


@given(text=st.lists(st.sampled_from(["a", "é", " ", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028",
                                      "\u2029", '"', ","]), max_size=40).map("".join),
       size=st.integers(1, 8))
def test_tables_physical_lines_match_stringio(text, size):
    """CSV lines are split on \\n, \\r\\n and \\r only, as io.StringIO(newline="") splits them, in any piece size."""
    want = list(io.StringIO(text, newline=""))
    assert [line for piece in tables._pieces(text, size) for line in tables._piece_lines(piece)] == want
    assert list(tables._physical_lines(text)) == want


@given(text=st.text(max_size=30) | st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\ufeffab", max_size=12))
def test_tables_normalize_text_fast_path_matches_definition(text):
    """normalize_text's shortcut for clean printable ASCII gives what NFC + split/join gives."""
    full = " ".join((text if text.isascii() else unicodedata.normalize("NFC", text).replace("\ufeff", "")).split())
    assert normalize_text(text) == full


def test_tables_duplicate_ids_across_batches_name_the_first_row(tmp_path, monkeypatch):
    """Batches of 2 rows: duplicates of ids kept in earlier batches are found and name their first row."""
    monkeypatch.setattr(tables, "BATCH_ROWS", 2)
    rows = [["id", "comment"], ["a", "one"], ["b", "two"], ["c", "three"], ["", "no id"], ["a", "again"], ["d", ""], ["c", "dup"], ["e", "ok"]]
    result = ingest_one(write(tmp_path, "d.csv", _csv(rows)), kind="comment", text_column="comment", id_column="id")
    assert result.documents["doc_id"].tolist() == ["a", "b", "c", "d", "e"]
    assert result.rejected[["line", "reason"]].values.tolist() == [
        [5, "empty id in column 'id'; row skipped"],
        [6, "duplicate id 'a' in column 'id' (first on row 2); row skipped"],
        [8, "duplicate id 'c' in column 'id' (first on row 4); row skipped"],
    ]


def test_tables_frames_have_schema_dtypes_and_hashes(tmp_path):
    """Frames built column by column have the schema dtypes, and content_hash is Parsed.content_hash."""
    rows = [["id", "comment", "nps", "segment", "store"], ["1", "Café  was\tslow", "7,5", "gold", "Quay"], ["2", "Fine", "", "", ""]]
    result = ingest_one(write(tmp_path, "h.csv", _csv(rows)), kind="comment", text_column="comment", id_column="id",
                        score_column="nps", meta_columns=["segment", "store"], channel="web")
    docs = result.documents
    assert docs.dtypes.astype(str).tolist() == [c.dtype for c in schemas.DOCUMENTS.columns]
    assert result.turns.dtypes.astype(str).tolist() == [c.dtype for c in schemas.TURNS.columns]
    assert docs["content_hash"].tolist() == [
        frames([p]).documents["content_hash"][0] for p in reference_table(tmp_path / "h.csv", InputSpec(
            path="h.csv", kind="comment", text_column="comment", id_column="id"), doc_stem="h", source="h")]
    assert docs["content_hash"][0] == hashlib.sha256("\x1fparticipant\x1fCafé was slow\x1e".encode()).hexdigest()
    assert docs["content_hash"][0] != docs["content_hash"][1]
    assert docs[["score", "segment", "channel", "meta"]].astype(object).where(docs[["score", "segment", "channel", "meta"]].notna(), None).values.tolist() == [
        [7.5, "gold", "web", '{"store": "Quay"}'], [None, None, "web", None]]
    assert result.turns["text"].tolist() == ["Café was slow", "Fine"]
    assert result.documents.index.tolist() == result.turns.index.tolist() == [0, 1]


def test_tables_malformed_csv_is_rejected_even_with_a_missing_column(tmp_path, monkeypatch):
    """The CSV is parsed lazily, but a parse error still wins over a missing column, as before."""
    monkeypatch.setattr(tables, "_FIELD_LIMIT", 20)  # the reader lifts the csv module's limit up to this
    old = csv.field_size_limit(20)
    try:
        text = "id,comment\n1,short\n2," + "x" * 50 + "\n"
        missing = ingest_one(write(tmp_path, "m.csv", text), kind="comment", text_column="nope")
        present = ingest_one(write(tmp_path, "m.csv", text), kind="comment", text_column="comment")
    finally:
        csv.field_size_limit(old)
    assert reasons(missing) == reasons(present) and reasons(present)[0].startswith("malformed CSV: field larger than field limit")
    assert present.documents.empty
