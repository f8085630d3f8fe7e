"""Manual-coding round trip: export, correct, import as manual tags and as training data."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _interop_helpers import CODEBOOK, sentences, tags
from cxaudit.clues.coding import (
    COLUMNS, CodingFileError, coded_for_training, export_for_coding, import_coding, neutralise, unneutralise,
)
from cxaudit.clues.learned import load_coded


def _sheet(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_coding_export_one_row_per_sentence(tmp_path):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.csv")
    sheet = _sheet(path)
    assert list(sheet.columns) == COLUMNS
    assert sheet["sentence_id"].tolist() == sentences()["sentence_id"].tolist()
    row = sheet.set_index("sentence_id").loc["int/alice#1.1"]
    # three price tags in one sentence (negative, positive, negative) -> one code, conflict
    assert row["codes"] == "functional.price" and row["polarity"] == "conflict"
    row = sheet.set_index("sentence_id").loc["int/alice#3.0"]
    assert row["codes"] == "mechanic.queue;humanic.courtesy;waiting"
    assert row["polarity"] == "negative;positive;neutral"
    assert row["corrected_codes"] == row["codes"] and row["note"] == ""


def test_coding_export_neutralises_formulas(tmp_path):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.csv")
    raw = (tmp_path / "coding.csv").read_text(encoding="utf-8-sig")
    assert "'=The queue was long" in raw
    back = import_coding(path)
    assert "=The queue was long but staff were kind." in set(back["evidence"])


@given(st.text(max_size=12))
def test_coding_neutralise_round_trips_any_text(text):
    safe = neutralise(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unneutralise(safe) == text


def test_coding_round_trip_without_changes(tmp_path):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.csv", codebook=CODEBOOK)
    back = import_coding(path, sentences=sentences(), codebook=CODEBOOK)
    exported = {(s, c) for s, c in zip(tags()["sentence_id"], tags()["code"]) if c != "waiting"}
    assert set(zip(back["sentence_id"], back["code"])) == exported
    assert (back["method"] == "manual").all() and (back["confidence"] == 1.0).all()
    assert back["start_char"].isna().all()
    row = back.set_index(["sentence_id", "code"]).loc[("int/alice#1.1", "functional.price")]
    assert row["valence"] == "mixed" and row["polarity"] == 0.0
    assert row["clue_type"] == "functional" and row["codebook"] == "mini"
    assert row["evidence"] == "The fee was too high, café prices 😬 really."


def test_coding_import_reads_corrections(tmp_path):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.csv")
    sheet = _sheet(path)
    sheet.loc[0, "corrected_codes"] = "humanic.courtesy; humanic.knowledge"
    sheet.loc[0, "corrected_polarity"] = "negative;neutral"
    sheet.loc[2, "corrected_codes"] = ""          # researcher removed every code
    sheet.loc[3, "corrected_polarity"] = "Positive"
    sheet.to_csv(path, index=False, encoding="utf-8-sig")
    back = import_coding(path, sentences=sentences())
    got = back.set_index(["sentence_id", "code"])
    assert set(back.loc[back["sentence_id"] == "int/alice#1.0", "code"]) == {"humanic.courtesy", "humanic.knowledge"}
    assert got.loc[("int/alice#1.0", "humanic.knowledge"), "valence"] == "neutral"
    assert got.loc[("int/alice#1.0", "humanic.courtesy"), "polarity"] == -1.0
    assert got.loc[("int/alice#1.0", "humanic.knowledge"), "codebook"] == "manual"  # no codebook given
    assert "int/alice#3.0" not in set(back["sentence_id"])
    assert got.loc[("survey/17#0.0", "mechanic.clean"), "polarity"] == 1.0


def test_coding_xlsx_round_trip(tmp_path):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.xlsx", codebook=CODEBOOK)
    book = pd.read_excel(path, sheet_name=None, dtype=str)
    assert list(book) == ["coding", "codebook", "how-to"]
    assert "mechanic.queue" in set(book["codebook"]["code"])
    assert book["coding"]["text"].iloc[2].startswith("'=")
    csv_back = import_coding(export_for_coding(sentences(), tags(), tmp_path / "c.csv", codebook=CODEBOOK),
                             codebook=CODEBOOK)
    xlsx_back = import_coding(path, codebook=CODEBOOK)
    pd.testing.assert_frame_equal(xlsx_back, csv_back)


def test_coding_for_training_feeds_load_coded(tmp_path):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.csv")
    coded = coded_for_training(path)
    assert list(coded.columns) == ["text", "code", "polarity"]
    assert len(coded) == 6  # 1 + 1 + 3 + 1 (text, code) pairs
    pd.testing.assert_frame_equal(load_coded(coded), coded)
    row = coded[coded["code"] == "waiting"].iloc[0]
    assert row["text"] == "=The queue was long but staff were kind." and row["polarity"] == "neutral"


@pytest.mark.parametrize("column, value, message", [
    ("corrected_polarity", "great", r"row 2: unknown polarity 'great'"),
    ("corrected_codes", "humanic.courtesy;nonsense", r"row 2: unknown code\(s\) \['nonsense'\]"),
    ("corrected_polarity", "negative;positive", r"row 2: 1 code\(s\) but 2 polarities"),
])
def test_coding_import_bad_values_name_the_row(tmp_path, column, value, message):
    path = export_for_coding(sentences(), tags(), tmp_path / "coding.csv", codebook=CODEBOOK)
    sheet = _sheet(path)
    sheet.loc[0, column] = value
    sheet.to_csv(path, index=False)
    with pytest.raises(CodingFileError, match=message):
        import_coding(path, codebook=CODEBOOK)


def test_coding_import_missing_column_and_bad_suffix(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"sentence_id": ["a"], "text": ["b"]}).to_csv(path, index=False)
    with pytest.raises(CodingFileError, match=r"missing column\(s\) \['corrected_codes'\]"):
        import_coding(path)
    with pytest.raises(ValueError, match="expected a .csv or .xlsx"):
        export_for_coding(sentences(), tags(), tmp_path / "x.ods")
