import zipfile

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from cxaudit.publish.export import export_store, neutralise_formulas, neutralise_value
from cxaudit.store import write_tables

DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+44 7700 900123", "-1+1", "@SUM(A1)", "\tcmd"]


@given(st.text())
def test_export_neutralised_never_starts_with_formula(text):
    out = neutralise_value(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out.endswith(text)


def test_export_neutralise_leaves_numbers_and_nulls():
    df = pd.DataFrame({"t": ["=1+1", "fine", None], "n": [-1, 2, 3]})
    out = neutralise_formulas(df)
    assert out["t"].tolist()[:2] == ["'=1+1", "fine"] and pd.isna(out["t"].iloc[2])
    assert out["n"].tolist() == [-1, 2, 3]


@pytest.fixture
def store(tmp_path):
    d = tmp_path / "res"
    write_tables(d, {"documents": pd.DataFrame({"doc_id": ["a"], "source": ["s"], "kind": ["comment"], "content_hash": ["h"]}),
                     "turns": pd.DataFrame({"doc_id": ["a"] * 5, "turn_id": range(5), "role": "participant", "text": DANGEROUS})})
    return d


def test_export_csv_folder(store, tmp_path):
    out = export_store(store, "csv", tmp_path / "csv")
    text = pd.read_csv(out / "turns.csv")["text"].tolist()
    assert text == ["'" + t for t in DANGEROUS]


def test_export_csv_zip_and_parquet(store, tmp_path):
    z = export_store(store, "csv", tmp_path / "t.zip")
    assert {"documents.csv", "turns.csv"} <= set(zipfile.ZipFile(z).namelist())
    pq = export_store(store, "parquet", tmp_path / "pq")
    assert pd.read_parquet(pq / "turns.parquet")["text"].tolist() == DANGEROUS  # parquet keeps values


def test_export_parquet_is_written_by_duckdb_with_the_stores_rows_and_types(store, tmp_path):
    """DuckDB writes the Parquet files (no pyarrow needed): every row and column type of the store, read back."""
    import duckdb

    from cxaudit.store import read_table

    pq = export_store(store, "parquet", tmp_path / "pq")
    con = duckdb.connect()
    for name in ("documents", "turns"):
        back = con.execute(f"SELECT * FROM read_parquet('{pq / (name + '.parquet')}')").df()
        table = read_table(store, name)
        assert list(back.columns) == list(table.columns)
        assert back.astype(object).where(back.notna(), None).values.tolist() == \
            table.astype(object).where(table.notna(), None).values.tolist()
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{pq / 'turns.parquet'}')").fetchall()}
    assert types["text"] == "VARCHAR" and types["turn_id"] in ("BIGINT", "INTEGER") and types["start_s"] == "DOUBLE"


def test_export_xlsx_is_formula_safe(store, tmp_path):
    import openpyxl

    path = export_store(store, "xlsx", tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["turns"]
    col = [c.value for c in ws[1]].index("text")
    cells = [row[col] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["'" + t for t in DANGEROUS]
    assert all(c.data_type == "s" for c in cells)  # stored as text, never as a formula


def test_export_unknown_format(store, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export_store(store, "pdf", tmp_path / "x")
