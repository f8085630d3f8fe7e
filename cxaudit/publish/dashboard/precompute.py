"""Tables the dashboard reads, precomputed once per run.

:func:`prepare` adds three tables to a results store (in one transaction,
so a failure leaves the store as it was):

* ``dash_mentions``: one row per tag with the document columns the filters
  use, the filter columns as DuckDB ``ENUM`` types (dictionary codes),
  documents and participants as integer keys (fast distinct counts), and the
  rows physically sorted by ``ev_rank``, the evidence order (most negative
  first), so a page of quotes is a top-N read that skips most row groups;
* ``dash_cube``: mentions pre-aggregated by every filter column plus code and
  mode (a few thousand rows at 1M tags), for the clue map;
* ``dash_info``: the row counts of ``tags`` and ``documents`` it was built
  from, so a stale preparation (the store was rewritten) is ignored.

Call it from ``cxaudit run`` on the new store's writable connection before
the store is committed. A store without these tables still works: the
dashboard builds the same relations as temporary tables when it opens
(:func:`create_temp`), with plain text columns, which costs a few seconds at
1M tags.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

__all__ = ["prepare", "create_temp", "prepared_names", "FILTER_COLUMNS", "NO_TOUCHPOINT", "VERSION"]

log = logging.getLogger(__name__)

#: Bumped when the prepared tables change shape; older preparations are ignored.
VERSION = 2
#: Label used for mentions without a touchpoint.
NO_TOUCHPOINT = "unspecified"
#: Columns stored as ENUMs in the prepared table (the filters, the code, the valence and the mode).
FILTER_COLUMNS = ("wave", "segment", "kind", "touchpoint", "clue_type", "codebook", "code", "valence", "mode")
_CUBE_KEYS = ("wave", "segment", "kind", "touchpoint", "clue_type", "codebook", "code", "mode")
_REQUIRED = ("documents", "tags")


def _base_sql(*, keys: bool = False, date: bool = True) -> str:
    """Tags joined with their documents' filter columns (text columns, unsorted).

    ``keys``: also ``doc_key`` and ``person_key``, integers numbering the documents and the
    participants in id order, computed on the documents table (far fewer rows than tags), and
    ``sentence_key`` numbering the sentences. ``date``: the documents table has a ``date`` column
    (else it is null)."""
    docs = "documents"
    key_cols = ""
    if keys:
        docs = """(SELECT *, row_number() OVER (ORDER BY doc_id)::INTEGER AS doc_key,
                          dense_rank() OVER (ORDER BY coalesce(participant, doc_id))::INTEGER AS person_key
                   FROM documents)"""
        key_cols = ", d.doc_key, d.person_key, dense_rank() OVER (ORDER BY t.sentence_id)::INTEGER AS sentence_key"
    return f"""
        SELECT t.sentence_id, t.doc_id, coalesce(d.participant, d.doc_id) AS participant,
               t.codebook, t.code, t.clue_type, coalesce(t.touchpoint, '{NO_TOUCHPOINT}') AS touchpoint,
               t.valence, t.mode, d.wave, d.segment, d.kind,
               t.start_char, t.end_char, t.polarity, d.score, {"d.date" if date else "NULL::VARCHAR AS date"}{key_cols}
        FROM tags t JOIN {docs} d USING (doc_id)"""


def _mentions_sql(source: str, *, typed: bool) -> str:
    """SELECT of the mentions relation from ``source`` (a relation of :func:`_base_sql`'s columns).

    ``typed``: ENUM filter columns and the integer document/participant keys of
    ``_base_sql(keys=True)``; else the keys are the text ids themselves.
    """
    def col(name: str) -> str:
        return f'"{name}"::dash_{name} AS "{name}"' if typed else f'"{name}"'

    keys = ("doc_key, person_key, sentence_key" if typed
            else "doc_id AS doc_key, participant AS person_key, sentence_id AS sentence_key")
    return f"""
        SELECT row_number() OVER (ORDER BY polarity, sentence_id, code, start_char)::INTEGER AS ev_rank,
               sentence_id, doc_id, participant, {keys},
               {", ".join(col(c) for c in FILTER_COLUMNS)},
               start_char, end_char, polarity, score, date
        FROM {source}"""


def _cube_sql(mentions: str) -> str:
    keys = ", ".join(f'"{c}"' for c in _CUBE_KEYS)
    return f"""
        SELECT {keys}, count(*) AS n, count(polarity) AS n_polarity, sum(polarity) AS sum_polarity,
               count(*) FILTER (WHERE valence = 'negative') AS n_negative
        FROM {mentions} GROUP BY ALL"""


def _tables(con: duckdb.DuckDBPyConnection, schema: str = "main") -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_catalog = current_database()",
        [schema]).fetchall()}


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    return tuple(int(con.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0]) for t in ("tags", "documents"))


def _has_date(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'main' "
                            "AND table_name = 'documents' AND column_name = 'date'").fetchone()[0])


def prepared_names(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """``("dash_mentions", "dash_cube")`` when the store holds an up-to-date preparation, else None."""
    if not {"dash_mentions", "dash_cube", "dash_info", *_REQUIRED} <= _tables(con):
        return None
    row = con.execute("SELECT version, n_tags, n_documents FROM main.dash_info LIMIT 1").fetchone()
    if row is None or int(row[0]) != VERSION or (int(row[1]), int(row[2])) != _counts(con):
        log.info("dashboard tables are stale (built for another version or another run): ignoring them")
        return None
    return "main.dash_mentions", "main.dash_cube"


def create_temp(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Build the mentions and cube relations as temporary tables (works on a read-only connection).

    Same rows and columns as the prepared tables, with text instead of ENUM
    columns and text document/participant keys. Returns their names.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dash_mentions AS {_mentions_sql(f'({_base_sql(date=_has_date(con))})', typed=False)} "
                "ORDER BY ev_rank")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dash_cube AS {_cube_sql('_dash_mentions')}")
    return "temp._dash_mentions", "temp._dash_cube"


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("dash_cube", "dash_mentions", "dash_info"):
        con.execute(f"DROP TABLE IF EXISTS main.{table}")
    for name in FILTER_COLUMNS:
        con.execute(f"DROP TYPE IF EXISTS dash_{name}")


def _build(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Create the prepared tables on ``con`` (inside the caller's transaction)."""
    missing = [t for t in _REQUIRED if t not in _tables(con)]
    if missing:
        raise ValueError(f"cannot prepare the dashboard tables: the store lacks table(s) {missing}")
    _drop(con)
    con.execute(f"CREATE TEMP TABLE _dash_base AS {_base_sql(keys=True, date=_has_date(con))}")
    try:
        for name in FILTER_COLUMNS:
            con.execute(f'CREATE TYPE dash_{name} AS ENUM (SELECT DISTINCT "{name}" FROM _dash_base '
                        f'WHERE "{name}" IS NOT NULL ORDER BY 1)')
        con.execute(f"CREATE TABLE main.dash_mentions AS {_mentions_sql('_dash_base', typed=True)} ORDER BY ev_rank")
    finally:
        con.execute("DROP TABLE IF EXISTS _dash_base")
    con.execute(f"CREATE TABLE main.dash_cube AS {_cube_sql('main.dash_mentions')}")
    n_tags, n_docs = _counts(con)
    con.execute("CREATE TABLE main.dash_info AS SELECT ?::INTEGER AS version, ?::BIGINT AS n_tags, "
                "?::BIGINT AS n_documents", [VERSION, n_tags, n_docs])
    return {name: int(con.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0])
            for name in ("dash_mentions", "dash_cube")}


def prepare(target: duckdb.DuckDBPyConnection | str | os.PathLike) -> dict[str, int]:
    """Create (or rebuild) ``dash_mentions``, ``dash_cube`` and ``dash_info`` in a results store.

    ``target``: a writable DuckDB connection to the store (e.g. the new
    store's connection inside ``cxaudit run``, before it is committed), or a
    results folder (opened read-write: no dashboard may have it open).
    Everything happens in one transaction. Returns the row counts
    ``{"dash_mentions": …, "dash_cube": …}``. Raises ``ValueError`` when
    the store has no ``tags``/``documents`` table.
    """
    if isinstance(target, duckdb.DuckDBPyConnection):
        return _transaction(target)
    from cxaudit import store

    with store.connect(Path(target), read_only=False) as con:
        counts = _transaction(con)
        con.execute("CHECKPOINT")
    return counts


def _transaction(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    con.execute("SET enable_progress_bar = false")  # library code prints nothing
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _build(con)
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    log.info("dashboard tables prepared: %s", counts)
    return counts
