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

import json
import logging
import os
from pathlib import Path

import duckdb
import pandas as pd

from cxaudit import store
from cxaudit.compare.tables import GAP_TABLE
from cxaudit.schemas import conform

from .filters import FILTER_LABELS, Filters, state_key, summary_level
from .prepared import (FILTER_COLUMNS, NO_TOUCHPOINT, OLD_STATE_TABLES, PREPARED_TABLES, STATE_MIN_TAGS,
                        STATE_QUOTES, STATE_TABLES, VERSION, create_temp, prepared_names, _REQUIRED, _base_of,
                        _counts, _cube_sql, _mentions_sql, _sentences_of, _sentences_sql, _tables)  # noqa: F401 - handed on
from .queries import AuditData

__all__ = ["prepare", "create_temp", "prepared_names", "FILTER_COLUMNS", "NO_TOUCHPOINT", "VERSION",
           "PREPARED_TABLES", "STATE_TABLES", "STATE_MIN_TAGS"]

log = logging.getLogger(__name__)


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for table in (*STATE_TABLES, *OLD_STATE_TABLES, "dash_cube", "dash_sentences", "dash_mentions", "dash_info"):
        con.execute(f"DROP TABLE IF EXISTS main.{table}")
    for name in FILTER_COLUMNS:
        con.execute(f"DROP TYPE IF EXISTS dash_{name}")


def _build_states(con: duckdb.DuckDBPyConnection) -> None:
    """Precompute the Summary's inputs for the states a manager reaches first: every lens without a filter,
    and the lens the dashboard opens on (:meth:`~cxaudit.publish.dashboard.queries.AuditData.lenses`' first)
    with one filter set to each of its values (the states a filter change from "All" reaches): the headline
    figures, the gaps at the Summary's level and the quote candidates of every code (:data:`STATE_TABLES`).

    The state without a filter is computed by the :class:`~cxaudit.publish.dashboard.queries.AuditData`
    methods the dashboard calls live; the states of one filter are computed per filter column at once, by
    the same methods' ``…_by`` forms (the same SQL grouped by the column: a few queries per lens and column
    instead of several per state), so a precomputed state equals the live one (a test compares them all).
    Any other state (another lens with a filter, two filters or more) and the Drivers and Waves views are
    computed live when asked for, and kept in the app's cache.
    """
    data = AuditData(".", con=con)
    heads, gaps, quotes = [], [], []
    lenses = data.lenses()  # the lens the dashboard opens on first
    for lens in lenses:
        codes = [r[0] for r in con.execute(f"SELECT DISTINCT code::VARCHAR FROM {data.cube} WHERE codebook = ? "
                                           "ORDER BY 1", [lens]).fetchall()]
        base = Filters(codebook=lens)
        level = summary_level(lens)
        groups = [(None, {"": base},
                   {"": data.headline_by(base)[""]}, {"": data.audit_headline_by(base)[""]},
                   {"": conform(data.gaps(base, level=level), GAP_TABLE)},
                   data.code_sentences_by(base, lens, codes, per_side=STATE_QUOTES))]
        for column in FILTER_LABELS if lens == lenses[0] else ():  # other lenses: only "no filter"
            states = {value: base.set(**{column: value}) for value in data.options(column)}
            if not states:
                continue
            groups.append((column, states, data.headline_by(base, column), data.audit_headline_by(base, column),
                           data.gaps_by(base, column, level=level),
                           data.code_sentences_by(base, lens, codes, column, per_side=STATE_QUOTES)))
        for _, states, head, audit, gap, quote in groups:
            for value, f in states.items():
                key = {"state": state_key(f), "state_lens": lens}
                heads.append({**key, "headline": json.dumps(head[value]), "audit_headline": json.dumps(audit[value])})
                gaps.append(gap[value].assign(**key))  # conformed (GAP_TABLE) by the methods
                quotes.append(quote[value].assign(**key))
    frames = {"dash_state_headline": (pd.DataFrame(heads), "state_lens, state"),
              "dash_state_gaps": (pd.concat(gaps, ignore_index=True), "state_lens, state, level, priority, dimension"),
              "dash_state_quotes": (pd.concat(quotes, ignore_index=True),
                                    "state_lens, state, code, side, dist, sentence_id")}
    for name, (frame, order) in frames.items():
        con.register("_dash_state", frame)
        try:  # rows in a stable order (the same store gives the same table, row for row)
            con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM _dash_state ORDER BY {order}")
        finally:
            con.unregister("_dash_state")


def _build(con: duckdb.DuckDBPyConnection, *, state_min_tags: int = STATE_MIN_TAGS) -> dict[str, int]:
    """Create the prepared tables on ``con`` (inside the caller's transaction)."""
    missing = [t for t in _REQUIRED if t not in _tables(con)]
    if missing:
        raise ValueError(f"cannot prepare the dashboard tables: the store lacks table(s) {missing}")
    _drop(con)
    con.execute(f"CREATE TEMP TABLE _dash_base AS {_base_of(con, keys=True)}")
    try:
        for name in FILTER_COLUMNS:
            con.execute(f'CREATE TYPE dash_{name} AS ENUM (SELECT DISTINCT "{name}" FROM _dash_base '
                        f'WHERE "{name}" IS NOT NULL ORDER BY 1)')
        con.execute(f"CREATE TABLE main.dash_mentions AS {_mentions_sql('_dash_base', typed=True)} ORDER BY ev_rank")
    finally:
        con.execute("DROP TABLE IF EXISTS _dash_base")
    con.execute(f"CREATE TABLE main.dash_cube AS {_cube_sql('main.dash_mentions')}")
    con.execute(f"CREATE TABLE main.dash_sentences AS {_sentences_of(con, 'main.dash_mentions')} ORDER BY sentence_key")
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
