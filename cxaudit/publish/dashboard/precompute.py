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
* ``dash_sentences``: one row per tagged sentence, keyed by the mentions'
  integer ``sentence_key`` and sorted by it: the sentence's text, word count,
  who said it and where (document, participant, source, speaker, time, wave,
  segment, kind), so the quotes of a page or of the Summary are looked up by
  integer key instead of by a text id over the sentences, documents and
  turns tables (~70 ms -> ~10 ms per Summary at 1M tags);
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

from .filters import FILTER_LABELS, Filters, state_key, summary_level
from .prepared import (FILTER_COLUMNS, NO_TOUCHPOINT, PREPARED_TABLES, STATE_MIN_TAGS, STATE_QUOTES, STATE_TABLES,
                        STATE_WAVES_LEVEL, VERSION, create_temp, prepared_names, _REQUIRED, _base_sql, _counts,
                        _cube_sql, _has_date, _mentions_sql, _sentences_sql, _tables)  # noqa: F401 - handed on
from .queries import AuditData

__all__ = ["prepare", "create_temp", "prepared_names", "FILTER_COLUMNS", "NO_TOUCHPOINT", "VERSION",
           "PREPARED_TABLES", "STATE_TABLES", "STATE_MIN_TAGS"]

log = logging.getLogger(__name__)


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for table in (*STATE_TABLES, "dash_cube", "dash_sentences", "dash_mentions", "dash_info"):
        con.execute(f"DROP TABLE IF EXISTS main.{table}")
    for name in FILTER_COLUMNS:
        con.execute(f"DROP TYPE IF EXISTS dash_{name}")


def _build_states(con: duckdb.DuckDBPyConnection) -> None:
    """Precompute the Summary's inputs for every lens and every filter state with at most one filter set
    (the states a filter change from "All" reaches): the headline figures, the gaps at the Summary's level and
    the quote candidates of every code; and the Drivers (drivers, NPS) and Waves views' tables
    (:data:`STATE_TABLES`).

    Each is computed by the same :class:`~cxaudit.publish.dashboard.queries.AuditData` method the dashboard calls
    live (over the tables just built), so a precomputed state equals the live one. Two filters or more are
    computed live (over fewer rows).
    """
    import json

    import pandas as pd

    from cxaudit.compare.tables import DRIVERS, GAP_TABLE, NPS, WAVES
    from cxaudit.schemas import conform

    data = AuditData(".", con=con)
    states = [Filters()] + [Filters(**{name: value}) for name in FILTER_LABELS for value in data.options(name)]
    heads, gaps, quotes, drivers, nps, waves = [], [], [], [], [], []
    for lens in data.options("codebook"):
        codes = [r[0] for r in con.execute(f"SELECT DISTINCT code::VARCHAR FROM {data.cube} WHERE codebook = ? "
                                           "ORDER BY 1", [lens]).fetchall()]
        for state in states:
            f = state.set(codebook=lens)
            key = {"state": state_key(f), "state_lens": lens}
            heads.append({**key, "headline": json.dumps(data.headline(f)),
                          "audit_headline": json.dumps(data.audit_headline(f))})
            gaps.append(conform(data.gaps(f, level=summary_level(lens)), GAP_TABLE).assign(**key))
            quotes.append(data.code_sentences(f, lens, codes, per_side=STATE_QUOTES).assign(**key))
            drivers.append(conform(data.drivers(f), DRIVERS).assign(**key))
            nps.append(conform(data.nps(f), NPS).assign(**key))
            waves.append(conform(data.waves(f, level=STATE_WAVES_LEVEL), WAVES).assign(**key))
    frames = {"dash_state_headline": pd.DataFrame(heads), "dash_state_gaps": pd.concat(gaps, ignore_index=True),
              "dash_state_quotes": pd.concat(quotes, ignore_index=True),
              "dash_state_drivers": pd.concat(drivers, ignore_index=True),
              "dash_state_nps": pd.concat(nps, ignore_index=True),
              "dash_state_waves": pd.concat(waves, ignore_index=True)}
    for name, frame in frames.items():
        if not len(frame) and name in ("dash_state_drivers", "dash_state_nps", "dash_state_waves"):
            continue  # nothing to store (no scores, one wave): those views are computed live (and fast)
        con.register("_dash_state", frame)
        try:
            con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM _dash_state")
        finally:
            con.unregister("_dash_state")


def _build(con: duckdb.DuckDBPyConnection, *, state_min_tags: int = STATE_MIN_TAGS) -> dict[str, int]:
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
    con.execute(f"CREATE TABLE main.dash_sentences AS {_sentences_sql('main.dash_mentions')} ORDER BY sentence_key")
    n_tags, n_docs = _counts(con)
    con.execute("CREATE TABLE main.dash_info AS SELECT ?::INTEGER AS version, ?::BIGINT AS n_tags, "
                "?::BIGINT AS n_documents", [VERSION, n_tags, n_docs])
    names = ["dash_mentions", "dash_cube", "dash_sentences"]
    if n_tags >= state_min_tags:
        _build_states(con)
        names.append("dash_state_headline")
    return {name: int(con.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]) for name in names}


def prepare(target: duckdb.DuckDBPyConnection | str | os.PathLike, *,
            state_min_tags: int = STATE_MIN_TAGS) -> dict[str, int]:
    """Create (or rebuild) the dashboard's tables (:data:`PREPARED_TABLES`) in a results store, and the
    precomputed filter states (:data:`STATE_TABLES`) when it has at least ``state_min_tags`` tags.

    ``target``: a writable DuckDB connection to the store (e.g. the new
    store's connection inside ``cxaudit run``, before it is committed), or a
    results folder (opened read-write: no dashboard may have it open).
    Everything happens in one transaction. Returns the row counts
    ``{"dash_mentions": …, "dash_cube": …, "dash_sentences": …}`` (and ``"dash_state_headline"``: the
    states precomputed, per lens). Raises ``ValueError`` when the store lacks documents, turns, sentences
    or tags.
    """
    if isinstance(target, duckdb.DuckDBPyConnection):
        return _transaction(target, state_min_tags)
    from cxaudit import store

    with store.connect(Path(target), read_only=False) as con:
        counts = _transaction(con, state_min_tags)
        con.execute("CHECKPOINT")
    return counts


def _transaction(con: duckdb.DuckDBPyConnection, state_min_tags: int = STATE_MIN_TAGS) -> dict[str, int]:
    con.execute("SET enable_progress_bar = false")  # library code prints nothing
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _build(con, state_min_tags=state_min_tags)
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    log.info("dashboard tables prepared: %s", counts)
    return counts
