"""Export the results store to CSV, XLSX or Parquet, safely for spreadsheets.

Text cells that begin with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) would run as formulas when a CSV or XLSX file is opened in a
spreadsheet; :func:`neutralise_formulas` prefixes them with an apostrophe,
which spreadsheets show as text. Parquet keeps values as they are; DuckDB writes
it (``COPY … TO … (FORMAT parquet)``), so exporting Parquet needs no pyarrow.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import duckdb
import pandas as pd

from cxaudit.store import atomic_write_bytes, list_tables, read_table

__all__ = ["FORMULA_PREFIXES", "neutralise_formulas", "neutralise_value", "export_store", "parquet_bytes", "EXPORT_FORMATS"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "xlsx", "parquet")
_INTERNAL_TABLES = {"doc_state", "file_state"}  # bookkeeping of incremental runs
_INTERNAL_PREFIXES = ("dash_",)    # the dashboard's precomputed tables


def neutralise_value(value):
    """Prefix a string that a spreadsheet would read as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells can never run as spreadsheet formulas."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_value, na_action="ignore")
    return out


def _tables(results_dir: Path, tables: list[str] | None) -> dict[str, pd.DataFrame]:
    names = tables or [t for t in list_tables(results_dir)
                       if t not in _INTERNAL_TABLES and not t.startswith(_INTERNAL_PREFIXES)]
    return {name: read_table(results_dir, name) for name in names}


def export_store(results_dir: str | Path, fmt: str, out: str | Path, *, tables: list[str] | None = None) -> Path:
    """Write the store's tables to ``out``.

    * ``csv``: a folder with one ``<table>.csv`` per table (or a ``.zip`` of them when ``out`` ends in .zip);
    * ``xlsx``: one workbook, a sheet per table (Excel's limit of 1,048,575 rows per sheet applies);
    * ``parquet``: a folder with one ``<table>.parquet`` per table.

    Every file is written atomically. Returns ``out``.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    results_dir, out = Path(results_dir), Path(out)
    data = _tables(results_dir, tables)
    if fmt == "xlsx":
        too_big = [n for n, df in data.items() if len(df) > 1_048_575]
        if too_big:
            raise ValueError(f"table(s) {too_big} have more rows than an Excel sheet holds; export csv or parquet")
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            for name, df in data.items():
                neutralise_formulas(df).to_excel(xl, sheet_name=name[:31], index=False)
        atomic_write_bytes(out, buf.getvalue())
        return out
    if fmt == "csv" and out.suffix == ".zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, df in data.items():
                zf.writestr(f"{name}.csv", neutralise_formulas(df).to_csv(index=False))
        atomic_write_bytes(out, buf.getvalue())
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, df in data.items():
        if fmt == "csv":
            atomic_write_bytes(out / f"{name}.csv", neutralise_formulas(df).to_csv(index=False).encode("utf-8"))
        else:
            atomic_write_bytes(out / f"{name}.parquet", parquet_bytes(df))
    return out


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """``df`` (without its index) as the bytes of a Parquet file, written by DuckDB's
    ``COPY … TO … (FORMAT parquet)`` from an in-memory database (no pyarrow needed)."""
    with tempfile.TemporaryDirectory(prefix="cxaudit-parquet-") as tmp:
        path = Path(tmp) / "table.parquet"
        con = duckdb.connect()
        try:
            con.register("export_frame", df.reset_index(drop=True))
            con.execute(f"COPY export_frame TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
        finally:
            con.close()
        return path.read_bytes()
