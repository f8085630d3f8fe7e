"""Reading a results store: :func:`connect`, :func:`list_tables`, :func:`read_table`, the tables' schemas.

DuckDB and pandas load with this module; ``cxaudit.store`` imports it on first use of one of its names
(a rerun with nothing changed imports the package for its lock only, issue 20).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from cxaudit.schemas import SCHEMAS, Schema, conform

from .paths import store_path

__all__ = ["connect", "list_tables", "read_table", "COMPARE_TABLE_NAMES", "schema_for"]


def connect(out_dir: str | Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the results store of ``out_dir`` (read-only by default).

    Raises ``FileNotFoundError`` with a hint when the folder holds no results.
    """
    path = store_path(out_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `cxaudit run … --out {out_dir}` first")
    return duckdb.connect(str(path), read_only=read_only)


def list_tables(out_dir: str | Path) -> list[str]:
    """Names of the tables in the store."""
    with connect(out_dir) as con:
        return sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())


def read_table(out_dir: str | Path, name: str, *, where: str | None = None, params: list | None = None) -> pd.DataFrame:
    """Read one table into a DataFrame (optionally filtered by a parameterised WHERE clause)."""
    with connect(out_dir) as con:
        if name not in {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}:
            raise KeyError(f"table {name!r} is not in {store_path(out_dir)}")
        sql = f'SELECT * FROM "{name}"' + (f" WHERE {where}" if where else "")
        df = con.execute(sql, params or []).df()
    schema = schema_for(name)
    if schema is not None:
        df = conform(df, schema)
    return df


#: The names of :data:`cxaudit.compare.tables.COMPARE_TABLES` (tests/test_store.py checks they are the
#: same): asking for another table's schema does not import the compare stage (and SciPy), which a
#: run that reuses the previous compare tables never needs.
COMPARE_TABLE_NAMES = frozenset({"gaps", "motif", "scorecards", "nps", "drivers", "waves", "clue_map"})


def schema_for(name: str) -> Schema | None:
    """The schema of a stored table: the shared tables and the compare stage's tables."""
    if name in SCHEMAS:
        return SCHEMAS[name]
    if name not in COMPARE_TABLE_NAMES:
        return None
    from cxaudit.compare.tables import COMPARE_TABLES  # lazy: the compare stage loads SciPy (above)

    return COMPARE_TABLES.get(name)
