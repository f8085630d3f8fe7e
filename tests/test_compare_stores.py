"""benchmarks/compare_stores.py (the before/after check of a move that must not change behaviour, issue 19)
finds every kind of difference between two stores, and none between two runs' volatile columns."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from compare_stores import compare_stores, main  # noqa: E402


def _store(path: Path, *, tags=(("s1", "functional", 0.5), ("s2", "humanic", -0.25)), run_id="r1",
           tag_type="DOUBLE", extra_table=False) -> Path:
    path.mkdir()
    con = duckdb.connect(str(path / "cxaudit.duckdb"))
    con.execute(f"CREATE TABLE tags (sentence_id VARCHAR, clue_type VARCHAR, valence {tag_type})")
    con.executemany("INSERT INTO tags VALUES (?, ?, ?)", list(tags))
    con.execute("CREATE TABLE runs (run_id VARCHAR, seconds DOUBLE, n_tags INTEGER)")
    con.execute("INSERT INTO runs VALUES (?, ?, ?)", [run_id, 1.5 if run_id == "r1" else 9.0, len(tags)])
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [("name", "audit"), ("last_run", run_id)])
    if extra_table:
        con.execute("CREATE TABLE extra (x INTEGER)")
    con.close()
    return path


def test_identical_stores_and_volatile_columns(tmp_path, capsys):
    a = _store(tmp_path / "a")
    # another run of the same code: another id and duration, rows stored in another order
    b = _store(tmp_path / "b", run_id="r2", tags=(("s2", "humanic", -0.25), ("s1", "functional", 0.5)))
    assert compare_stores(a, b) == []
    assert main([str(a), str(b / "cxaudit.duckdb")]) == 0
    assert "identical" in capsys.readouterr().out


@pytest.mark.parametrize("change, expected", [
    (dict(tags=(("s1", "functional", 0.5), ("s2", "humanic", -0.2500001))),
     "table tags, column valence: 1 rows differ"),
    (dict(tags=(("s1", "functional", 0.5),)), "table tags: 2 rows != 1 rows"),
    (dict(tags=(("s1", "functional", 0.5), ("s2", "mechanic", -0.25))), "table tags, column clue_type"),
    (dict(tag_type="FLOAT"), "table tags: columns"),
    (dict(extra_table=True), "table extra: only in"),
])
def test_every_kind_of_difference_is_found(tmp_path, change, expected):
    a = _store(tmp_path / "a")
    b = _store(tmp_path / "b", **change)
    problems = compare_stores(a, b)
    assert any(p.startswith(expected) for p in problems), problems
    assert main([str(a), str(b)]) == 1
