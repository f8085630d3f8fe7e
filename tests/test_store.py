import pandas as pd
import pytest

from cxaudit.schemas import DOCUMENTS, TURNS, empty
from cxaudit.store import StoreWriter, list_tables, read_table, store_path, write_tables


def docs(ids):
    return pd.DataFrame({"doc_id": ids, "source": "s.txt", "kind": "interview", "content_hash": "h"})


def turns(ids):
    return pd.DataFrame({"doc_id": ids, "turn_id": 0, "role": "participant", "text": [f"text of {i}" for i in ids]})


def test_store_round_trip_keeps_schema_types(tmp_path):
    write_tables(tmp_path, {"documents": docs(["a", "b"]), "turns": turns(["a", "b"]), "extra": pd.DataFrame({"x": [1]})})
    assert {"documents", "turns", "extra"} <= set(list_tables(tmp_path))
    back = read_table(tmp_path, "turns")
    assert list(back.columns) == TURNS.names
    assert back["turn_id"].dtype == "Int64" and back["text"].tolist() == ["text of a", "text of b"]


def test_store_empty_tables_keep_columns(tmp_path):
    with StoreWriter(tmp_path) as w:
        w.ensure_tables(["documents"])
    assert list(read_table(tmp_path, "documents").columns) == DOCUMENTS.names


def test_store_failed_write_leaves_previous_intact(tmp_path):
    write_tables(tmp_path, {"documents": docs(["a"])})
    with pytest.raises(RuntimeError):
        with StoreWriter(tmp_path) as w:
            w.replace("documents", docs(["x", "y", "z"]))
            raise RuntimeError("killed half way")
    assert read_table(tmp_path, "documents")["doc_id"].tolist() == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == [store_path(tmp_path).name]  # no temp files left


def test_store_copy_previous_rows(tmp_path):
    write_tables(tmp_path, {"turns": turns(["a", "b", "c"])})
    with StoreWriter(tmp_path) as w:
        assert w.copy_previous("turns", ["a", "c", "zzz"]) == 2
        w.append("turns", turns(["d"]))
    assert sorted(read_table(tmp_path, "turns")["doc_id"]) == ["a", "c", "d"]


def test_store_read_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="cxaudit run"):
        read_table(tmp_path, "documents")
    write_tables(tmp_path, {"documents": empty(DOCUMENTS)})
    with pytest.raises(KeyError, match="nope"):
        read_table(tmp_path, "nope")


def test_store_atomic_files_get_ordinary_permissions(tmp_path):
    import os

    from cxaudit.store import atomic_write_text

    path = atomic_write_text(tmp_path / "report.html", "<p>hi</p>")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert path.read_text() == "<p>hi</p>" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("flush_rows", [1, 3, 1000])
def test_store_buffered_appends_are_seen_by_every_reader(tmp_path, monkeypatch, flush_rows):
    """Appends are inserted in chunks, but counts, reads, SQL and the committed store see every row."""
    import cxaudit.store as store

    monkeypatch.setattr(store, "FLUSH_ROWS", flush_rows)
    frames = [pd.DataFrame({"k": list(range(i, i + 2)), "v": [f"r{i}", None]}) for i in range(0, 10, 2)]
    with StoreWriter(tmp_path) as w:
        for df in frames:
            w.append("extra", df)
        assert w.count("extra") == 10
        assert w.con.execute("SELECT sum(k) FROM extra").fetchall()[0][0] == sum(range(10))
        w.append("extra", frames[0])
        assert w.table("extra", order_by=("k",))["k"].tolist() == sorted(list(range(10)) + [0, 1])
        w.append("extra", frames[1])
        w.replace("other", frames[2])
    back = read_table(tmp_path, "extra").sort_values(["k", "v"], na_position="last").reset_index(drop=True)
    expected = pd.concat(frames + [frames[0], frames[1]]).sort_values(["k", "v"], na_position="last")
    assert back["k"].tolist() == expected["k"].tolist()
    assert back["v"].isna().sum() == 7
    assert read_table(tmp_path, "other")["k"].tolist() == [4, 5]
