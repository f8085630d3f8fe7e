"""Compare every table of two results stores (``cxaudit.duckdb``): identical, or what differs.

Made for moves that must not change behaviour (issue 19's layout move): run the sample audit before
and after, then compare::

    cxaudit run data/sample/audit.yml --out /tmp/before      # on the old code
    cxaudit run data/sample/audit.yml --out /tmp/after       # on the new code
    .venv/bin/python benchmarks/compare_stores.py /tmp/before /tmp/after

Exit status 0 when every table holds the same columns (names and types) and the same rows in the same
order, 1 when something differs (each difference printed, one line each). Either argument is a results
folder or the ``.duckdb`` file itself.

Only what says *when* and *how long* a run took differs between two runs of the same code on the same
inputs; those columns are left out (``VOLATILE``) and listed in the output, nothing else is:
``runs``' id, clock times and durations, and the ``meta`` row that names the last run's id. Run both
audits from the same checkout path: the ``runs`` table and ``file_state`` record the input paths.
Rows are compared in the order the store returns them (``ORDER BY`` every column, so the physical order
of a table does not count), values exactly (floats included: the same code on the same machine gives
the same bits).

The test ``tests/test_compare_stores.py`` checks that a changed value, a missing row, a missing table
and a changed column type are all reported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import pandas as pd

STORE_FILE = "cxaudit.duckdb"
#: table -> columns that differ between two runs of the same code (clock time, run id)
VOLATILE: dict[str, set[str]] = {
    "runs": {"run_id", "started_at", "finished_at", "seconds", "stage_seconds"},
}
#: key/value tables: table -> (key column, keys whose value is volatile)
VOLATILE_ROWS: dict[str, tuple[str, set[str]]] = {
    "meta": ("key", {"last_run"}),
}


def store_file(path: str | Path) -> Path:
    path = Path(path)
    return path / STORE_FILE if path.is_dir() else path


def read_store(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of the store, volatile columns and rows dropped, rows in a canonical order."""
    con = duckdb.connect(str(store_file(path)), read_only=True)
    try:
        names = [n for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        tables = {}
        for name in names:
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
                "ORDER BY ordinal_position", [name]).fetchall()]
            keep = [c for c in cols if c not in VOLATILE.get(name, set())]
            quoted = ", ".join(f'"{c}"' for c in keep)
            sql = f'SELECT {quoted} FROM "{name}"'
            if name in VOLATILE_ROWS:
                key, skip = VOLATILE_ROWS[name]
                sql += f' WHERE "{key}" NOT IN ({", ".join("?" for _ in skip)})'
                frame = con.execute(sql + f" ORDER BY {quoted}", sorted(skip)).df() if keep else pd.DataFrame()
            else:
                frame = con.execute(sql + f" ORDER BY {quoted}").df() if keep else pd.DataFrame()
            types = dict(con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = ?", [name]).fetchall())
            frame.attrs["types"] = {c: types[c] for c in keep}
            tables[name] = frame
        return tables
    finally:
        con.close()


def compare_stores(before: str | Path, after: str | Path) -> list[str]:
    """The differences between two stores, one readable line each; ``[]`` when they are identical."""
    a, b = read_store(before), read_store(after)
    problems = [f"table {t}: only in {before}" for t in sorted(set(a) - set(b))]
    problems += [f"table {t}: only in {after}" for t in sorted(set(b) - set(a))]
    for name in sorted(set(a) & set(b)):
        x, y = a[name], b[name]
        if x.attrs["types"] != y.attrs["types"]:
            problems.append(f"table {name}: columns {x.attrs['types']} != {y.attrs['types']}")
            continue
        if len(x) != len(y):
            problems.append(f"table {name}: {len(x)} rows != {len(y)} rows")
            continue
        for col in x.columns:
            left, right = x[col].reset_index(drop=True), y[col].reset_index(drop=True)
            same = (left == right) | (left.isna() & right.isna())
            if not bool(same.all()):
                i = int((~same).to_numpy().nonzero()[0][0])
                problems.append(f"table {name}, column {col}: {int((~same).sum())} rows differ "
                                f"(first: row {i}, {left[i]!r} != {right[i]!r})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="results folder or .duckdb file")
    parser.add_argument("after", help="results folder or .duckdb file")
    args = parser.parse_args(argv)
    problems = compare_stores(args.before, args.after)
    tables = read_store(args.before)
    left_out = "; ".join(f"{t}: {', '.join(sorted(c))}" for t, c in VOLATILE.items())
    left_out += "; " + "; ".join(f"{t} rows {k} in {sorted(s)}" for t, (k, s) in VOLATILE_ROWS.items())
    print(f"{len(tables)} tables, {sum(len(f) for f in tables.values())} rows compared (left out: {left_out})")
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} difference(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
