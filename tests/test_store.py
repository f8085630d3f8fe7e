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
    import cxaudit.store.writer as store

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


def _store_md5(out):
    import hashlib

    return hashlib.md5(store_path(out).read_bytes()).hexdigest()


def _all_tables(out):
    return {name: read_table(out, name).astype("string").fillna("<NA>").sort_values(
        list(read_table(out, name).columns)).reset_index(drop=True) for name in list_tables(out)}


def _rerun(w):
    """What a rerun does to the store: keeps some documents' rows, appends new ones, replaces a table,
    keeps a whole table as it was, and does not write "extra" (so the new store has no such table)."""
    assert w.copy_previous("turns", ["a", "c", "zzz"]) == 2
    w.append("turns", turns(["d"]))
    w.replace("documents", docs(["a", "c", "d"]))
    assert w.copy_previous_table("kept")


@pytest.mark.parametrize("from_previous", [True, False])
def test_store_from_previous_gives_the_tables_of_a_store_written_anew(tmp_path, from_previous):
    first = {"turns": turns(["a", "b", "c"]), "documents": docs(["a", "b", "c"]),
             "kept": pd.DataFrame({"x": [1, 2]}), "extra": pd.DataFrame({"y": ["gone"]})}
    copied, anew = tmp_path / "copied", tmp_path / "anew"
    for out in (copied, anew):
        write_tables(out, first)
    with StoreWriter(copied, from_previous=from_previous) as w:
        assert w.from_previous is from_previous
        _rerun(w)
    with StoreWriter(anew) as w:
        assert not w.from_previous
        _rerun(w)
    assert sorted(list_tables(copied)) == ["documents", "kept", "turns"]
    a, b = _all_tables(copied), _all_tables(anew)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    assert sorted(read_table(copied, "turns")["doc_id"]) == ["a", "c", "d"]
    assert sorted(p.name for p in copied.iterdir()) == [store_path(copied).name]


def test_store_from_previous_never_writes_the_live_file(tmp_path):
    write_tables(tmp_path, {"turns": turns(["a", "b", "c"])})
    before = _store_md5(tmp_path)
    with pytest.raises(RuntimeError):
        with StoreWriter(tmp_path, from_previous=True) as w:
            assert w.from_previous
            w.copy_previous("turns", ["a"])
            w.append("turns", turns(["x"]))
            w.con.execute("CHECKPOINT")  # the copy's changes are on disk, in the copy
            raise RuntimeError("killed half way")
    assert _store_md5(tmp_path) == before
    assert sorted(read_table(tmp_path, "turns")["doc_id"]) == ["a", "b", "c"]
    assert [p.name for p in tmp_path.iterdir()] == [store_path(tmp_path).name]


def test_store_from_previous_not_used_for_a_store_it_cannot_vouch_for(tmp_path, monkeypatch):
    import duckdb

    import cxaudit.store.writer as store

    # a table of an older version (a column fewer than its schema): written anew
    write_tables(tmp_path, {"turns": turns(["a"])})
    con = duckdb.connect(str(store_path(tmp_path)))
    con.execute('ALTER TABLE turns DROP COLUMN "text"')
    con.close()
    with StoreWriter(tmp_path, from_previous=True) as w:
        assert not w.from_previous
        w.replace("turns", turns(["b"]))
    assert read_table(tmp_path, "turns")["doc_id"].tolist() == ["b"]
    assert [p.name for p in tmp_path.iterdir()] == [store_path(tmp_path).name]
    # committed changes in a write-ahead log beside the live file: written anew
    wal = tmp_path / (store_path(tmp_path).name + ".wal")
    wal.write_bytes(b"")
    with StoreWriter(tmp_path, from_previous=True) as w:
        assert not w.from_previous
    wal.unlink()
    # free blocks (deleted rows of earlier reruns) beyond the limit: written anew, which compacts
    con = duckdb.connect(str(store_path(tmp_path)))
    con.execute("CREATE TABLE big AS SELECT repeat('x', 100) || i AS s FROM range(200000) t(i)")
    con.execute("CHECKPOINT")
    con.execute("DROP TABLE big")
    con.execute("CHECKPOINT")
    free = con.execute("PRAGMA database_size").fetchone()[5]
    con.close()
    assert free > 0
    monkeypatch.setattr(store, "MAX_FREE_SHARE", 0.0)
    with StoreWriter(tmp_path, from_previous=True) as w:
        assert not w.from_previous
    monkeypatch.setattr(store, "MAX_FREE_SHARE", 1.0)
    with StoreWriter(tmp_path, from_previous=True) as w:
        assert w.from_previous


def test_store_knows_the_compare_tables_without_importing_them():
    from cxaudit.compare.tables import COMPARE_TABLES
    from cxaudit.store import COMPARE_TABLE_NAMES, schema_for

    assert COMPARE_TABLE_NAMES == set(COMPARE_TABLES)
    assert all(schema_for(name) is COMPARE_TABLES[name] for name in COMPARE_TABLES)
    assert schema_for("runs") is None and schema_for("dash_cube") is None


def test_store_from_previous_copy_that_fails_leaves_nothing_behind(tmp_path, monkeypatch):
    import errno

    import cxaudit.store.writer as store

    write_tables(tmp_path, {"turns": turns(["a"])})
    before = _store_md5(tmp_path)

    def full_disk(src, dst):
        with open(dst, "wb") as fh:
            fh.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfile", full_disk)
    with pytest.raises(OSError, match="No space left"):
        StoreWriter(tmp_path, from_previous=True)
    assert _store_md5(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir()] == [store_path(tmp_path).name]
