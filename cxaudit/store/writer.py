"""Writing a whole new store beside the live one and swapping it in: :class:`StoreWriter`.

A run never writes into the live file: the new database is built beside it and renamed over the old
one only when everything is written, so a run killed at any moment leaves the previous results intact.
A rerun that changes a few documents starts the new database from a byte copy of the live one and
changes only their rows (``from_previous=True``).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd

from cxaudit.schemas import SCHEMAS, Schema

from .files import _fsync_dir, _fsync_file
from .paths import store_path
from .read import schema_for

__all__ = ["StoreWriter", "write_tables", "FLUSH_ROWS", "MAX_FREE_SHARE"]

log = logging.getLogger(__name__)

MEMORY_LIMIT = os.environ.get("CXAUDIT_DUCKDB_MEMORY", "1GB")
#: Rows :meth:`StoreWriter.append` buffers per table before inserting them (about two DuckDB row groups).
FLUSH_ROWS = 250_000
_SQL_TYPES = {"string": "VARCHAR", "Int64": "BIGINT", "Float64": "DOUBLE", "boolean": "BOOLEAN"}
#: A copy of the live store whose free blocks exceed this share of its blocks is not used: the store is
#: written anew instead (which also gives the space of rows deleted by earlier reruns back).
MAX_FREE_SHARE = 0.5


def _ddl(schema: Schema) -> str:
    cols = ", ".join(f'"{c.name}" {_SQL_TYPES[c.dtype]}' for c in schema.columns)
    return f'CREATE TABLE "{schema.name}" ({cols})'


class StoreWriter:
    """Write a complete new store for ``out_dir`` and swap it in atomically.

    Use as a context manager::

        with StoreWriter(out_dir) as w:
            w.append("documents", docs)
            ...
        # on a clean exit the new file replaces DIR/cxaudit.duckdb;
        # on an exception it is deleted and the old store is untouched.

    ``previous`` (when an old store exists) is attached read-only as
    ``prev`` so unchanged rows can be copied with :meth:`copy_previous`.

    ``from_previous=True``: the new database starts as a byte copy of the live store (``from_previous``
    is then True after construction), so that :meth:`copy_previous` deletes the rows not kept instead
    of inserting the kept ones and :meth:`copy_previous_table` has nothing to do; tables of the copy
    that the run neither keeps nor writes are dropped on commit, so the new store holds the same tables
    as one built from scratch. The live file itself is never opened for writing. The copy is not used
    (the store is built from scratch, ``from_previous`` False) when the live store has a write-ahead log
    beside it, when a table's columns differ from its schema (an older version's store), or when more
    than :data:`MAX_FREE_SHARE` of its blocks are free (space of earlier reruns' deleted rows).
    """

    def __init__(self, out_dir: str | Path, *, from_previous: bool = False):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_files(self.out_dir)
        fd, tmp = tempfile.mkstemp(prefix=f".cxaudit-{os.getpid()}-", suffix=".duckdb.tmp", dir=self.out_dir)
        os.close(fd)
        os.unlink(tmp)  # DuckDB must create the file itself (or it is copied from the live store)
        self.tmp_path = Path(tmp)
        self._created: set[str] = set()
        #: rows appended but not yet inserted, per table (inserted in chunks of FLUSH_ROWS)
        self._pending: dict[str, list[pd.DataFrame]] = {}
        self._pending_rows: dict[str, int] = {}
        self.has_previous = store_path(self.out_dir).is_file()
        #: tables of the copied store (name -> table oid) not yet kept or written by this run
        self._inherited: dict[str, int] = {}
        self.from_previous = False
        self._con = None
        try:
            if from_previous and self.has_previous:
                self.from_previous = self._open_copy()
            if not self.from_previous:
                self._con = self._connect()
            if self.has_previous:
                self._con.execute(f"ATTACH '{_sql_str(store_path(self.out_dir))}' AS prev (READ_ONLY)")
        except BaseException:  # e.g. the disk filled up while copying: leave no half-written file behind
            self.abort()
            raise

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # DuckDB's default memory limit is 80 % of RAM: cap it so a big run stays within a laptop's
        # memory beside the analysis workers (DuckDB spills to disk past the limit)
        return duckdb.connect(str(self.tmp_path), config={"memory_limit": MEMORY_LIMIT,
                                                          "preserve_insertion_order": False})

    def _open_copy(self) -> bool:
        """Open a byte copy of the live store as the new database; False (nothing left behind) when
        it cannot be used: a write-ahead log beside the live file, a table unlike its schema, too
        much free space."""
        live = store_path(self.out_dir)
        if Path(str(live) + ".wal").exists():  # committed changes not in the file itself
            return False
        shutil.copyfile(live, self.tmp_path)
        self._con = self._connect()
        try:
            reason = _unusable_copy(self._con)
        except Exception as exc:  # noqa: BLE001 - any doubt about the copy: build the store from scratch
            reason = f"cannot inspect it ({exc})"
        if reason is None:
            self._inherited = dict(self._con.execute(
                "SELECT table_name, table_oid FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND NOT temporary").fetchall())
            self._created = set(self._inherited)
            return True
        log.info("writing the store anew, not from a copy of the previous one: %s", reason)
        self._con.close()
        for p in (self.tmp_path, Path(str(self.tmp_path) + ".wal")):
            p.unlink(missing_ok=True)
        return False

    # -- writing -------------------------------------------------------
    def _ensure(self, name: str, df: pd.DataFrame | None = None) -> None:
        self._inherited.pop(name, None)  # written (or kept) by this run: not dropped on commit
        if name in self._created:
            return
        schema = schema_for(name)
        if schema is not None:
            self._con.execute(_ddl(schema))
        elif df is not None:
            self._con.register("_cx_new", df)
            self._con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _cx_new LIMIT 0')
            self._con.unregister("_cx_new")
        else:
            raise ValueError(f"cannot create table {name!r} without a schema or a DataFrame")
        self._created.add(name)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The new store's connection, with every appended row inserted (for direct SQL)."""
        self.flush()
        return self._con

    def append(self, name: str, df: pd.DataFrame) -> None:
        """Append rows (columns matched by name) to table ``name``, creating it if needed.

        Rows are buffered and inserted :data:`FLUSH_ROWS` at a time (DuckDB spends ~40 % less CPU
        on a few large inserts than on many batch-sized ones); every other method, and
        :attr:`con`, inserts what is pending first, so readers always see every appended row.
        """
        self._ensure(name, df)
        if df is None or len(df) == 0:
            return
        schema = schema_for(name)
        if schema is not None:
            df = df[[c for c in schema.names if c in df.columns]]
        self._pending.setdefault(name, []).append(df)
        self._pending_rows[name] = self._pending_rows.get(name, 0) + len(df)
        if self._pending_rows[name] >= FLUSH_ROWS:
            self._flush_table(name)

    def flush(self) -> None:
        """Insert every buffered row."""
        for name in list(self._pending):
            self._flush_table(name)

    def _flush_table(self, name: str) -> None:
        frames = self._pending.pop(name, [])
        self._pending_rows.pop(name, None)
        if not frames:
            return
        df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        self._con.register("_cx_new", df)
        try:
            self._con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _cx_new')
        finally:
            self._con.unregister("_cx_new")

    def replace(self, name: str, df: pd.DataFrame) -> None:
        """Create table ``name`` holding exactly ``df`` (dropping what was there)."""
        self.flush()
        if name in self._created:
            self._con.execute(f'DROP TABLE "{name}"')
            self._created.discard(name)
        self.append(name, df)

    def ensure_tables(self, names: Iterable[str]) -> None:
        """Create the (schema-known) tables that received no rows, so readers always find them."""
        for name in names:
            self._ensure(name)

    def previous_tables(self) -> set[str]:
        if not self.has_previous:
            return set()
        rows = self._con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'prev'"
        ).fetchall()
        return {r[0] for r in rows}

    def read_previous(self, name: str) -> pd.DataFrame | None:
        """The previous store's table, or None."""
        if name not in self.previous_tables():
            return None
        return self._con.execute(f'SELECT * FROM prev."{name}"').df()

    def copy_previous(self, name: str, doc_ids: list[str]) -> int:
        """Copy the previous store's rows of ``name`` whose doc_id is in ``doc_ids``; returns the count.

        In a store started from a copy of the previous one (:attr:`from_previous`), a table not yet
        written by this run already holds the previous rows: the others are deleted instead."""
        self.flush()
        inherited = name in self._inherited
        self._ensure(name)
        if inherited:
            return self._keep_rows(name, doc_ids)
        if not doc_ids or name not in self.previous_tables():
            return 0
        keep = pd.DataFrame({"doc_id": pd.Series(doc_ids, dtype="string")})
        self._con.register("_cx_keep", keep)
        try:
            cols = ", ".join(f'"{c}"' for c in SCHEMAS[name].names) if name in SCHEMAS else "*"
            prev_cols = {r[0] for r in self._con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog='prev' AND table_name=?",
                [name]).fetchall()}
            if name in SCHEMAS and not set(SCHEMAS[name].names) <= prev_cols:
                return 0  # the old store predates a schema change: re-analyse instead
            before = self._con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            self._con.execute(
                f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM prev."{name}" '
                f"WHERE doc_id IN (SELECT doc_id FROM _cx_keep)"
            )
            after = self._con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
        finally:
            self._con.unregister("_cx_keep")
        return after - before

    def _keep_rows(self, name: str, doc_ids: list[str]) -> int:
        """Delete the rows of copied table ``name`` whose doc_id is not in ``doc_ids`` (or is null, as
        :meth:`copy_previous` would not copy them); returns the rows left."""
        keep = pd.DataFrame({"doc_id": pd.Series(doc_ids, dtype="string")})
        self._con.register("_cx_keep", keep)
        try:
            self._con.execute(f'DELETE FROM "{name}" WHERE NOT coalesce(doc_id IN (SELECT doc_id FROM _cx_keep), false)')
            return self._con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
        finally:
            self._con.unregister("_cx_keep")

    def copy_previous_table(self, name: str) -> bool:
        """Copy a whole table of the previous store unchanged; False when it has none."""
        self.flush()
        if name in self._inherited:  # the copy holds it as it was
            del self._inherited[name]
            return True
        if name not in self.previous_tables():
            return False
        if name in self._created:
            self._con.execute(f'DROP TABLE "{name}"')
        self._con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM prev."{name}"')
        self._created.add(name)
        return True

    def count(self, name: str) -> int:
        self.flush()
        if name not in self._created:
            return 0
        return self._con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]

    def table(self, name: str, *, columns: tuple[str, ...] = (), order_by: tuple[str, ...] = ()) -> pd.DataFrame:
        """Read back a table written so far (e.g. for the compare stage): only ``columns`` when given
        (big text columns cost memory), in a fixed row order when ``order_by`` names columns (rows
        copied from an earlier run and fresh rows interleave otherwise)."""
        self.flush()
        self._ensure(name)
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        order = (" ORDER BY " + ", ".join(f'"{c}"' for c in order_by)) if order_by else ""
        return self._con.execute(f'SELECT {cols} FROM "{name}"{order}').df()

    # -- finishing -----------------------------------------------------
    def commit(self) -> Path:
        """Close the new database and move it over the live one."""
        self.flush()
        if self.has_previous:
            self._con.execute("DETACH prev")
        self._drop_unwritten()
        self._con.execute("CHECKPOINT")
        self._con.close()
        _fsync_file(self.tmp_path)  # a copied store's bytes, as well as DuckDB's own writes
        final = store_path(self.out_dir)
        os.replace(self.tmp_path, final)
        _fsync_dir(self.out_dir)
        return final

    def _drop_unwritten(self) -> None:
        """Drop the copied tables this run neither kept nor wrote (same name and oid as in the copy:
        a table dropped and created again, e.g. by the dashboard's preparation, has a new oid)."""
        if not self._inherited:
            return
        now = dict(self._con.execute(
            "SELECT table_name, table_oid FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary").fetchall())
        for name, oid in self._inherited.items():
            if now.get(name) == oid:
                log.info("dropping table %s of the previous store: this run did not write it", name)
                self._con.execute(f'DROP TABLE "{name}"')
        self._inherited = {}

    def abort(self) -> None:
        """Drop the half-written database (and DuckDB's spill folder); the live store is untouched."""
        try:
            if self._con is not None:
                self._con.close()
        except Exception:  # noqa: BLE001 - already closed or broken: nothing to save
            pass
        for p in (self.tmp_path, Path(str(self.tmp_path) + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(str(self.tmp_path) + ".tmp", ignore_errors=True)  # DuckDB's temp_directory

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def write_tables(out_dir: str | Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` as a complete new store of ``out_dir`` (atomically); returns its path."""
    with StoreWriter(out_dir) as w:
        for name, df in tables.items():
            w.replace(name, df)
    return store_path(out_dir)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temp_files(out_dir: Path) -> None:
    """Delete half-written stores left by runs that were killed (their process is gone)."""
    for tmp in out_dir.glob(".cxaudit-*.duckdb.tmp*"):
        try:
            pid = int(tmp.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            log.info("removing %s left by an interrupted run", tmp)
            tmp.unlink(missing_ok=True)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def _unusable_copy(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why a copy of the live store cannot be the start of the new one (None: it can): a table whose
    columns (names, order, types) differ from its schema, or too many free blocks."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = 'main' "
            "ORDER BY table_name, ordinal_position").fetchall():
        columns.setdefault(table, []).append((column, dtype))
    # the shared tables, whose rows a rerun keeps in part (the compare stage's are replaced or kept whole,
    # as a store written anew would have them)
    for table, have in columns.items():
        schema = SCHEMAS.get(table)
        if schema is not None and have != [(c.name, _SQL_TYPES[c.dtype]) for c in schema.columns]:
            return f"table {table} has other columns than this version writes"
    size = con.execute("PRAGMA database_size").fetchone()
    total, free = int(size[3]), int(size[5])  # total_blocks, free_blocks
    if total and free > MAX_FREE_SHARE * total:
        return f"{free} of its {total} blocks are free"
    return None
