"""The dashboard's prepared tables: their names, the SQL that builds the mentions relation, its cube and
its sentences, and the readers the queries use (:func:`prepared_names`, :func:`create_temp` when a store
has none). Below :mod:`~cxaudit.publish.dashboard.queries`; :mod:`~cxaudit.publish.dashboard.precompute`
(above it) writes the tables, see its docstring for what each holds.
"""

from __future__ import annotations

import logging

import duckdb

__all__ = ["create_temp", "prepared_names", "FILTER_COLUMNS", "NO_TOUCHPOINT", "VERSION", "PREPARED_TABLES",
           "STATE_TABLES", "STATE_MIN_TAGS"]

log = logging.getLogger(__name__)

#: Bumped when the prepared tables change shape; older preparations are ignored.
VERSION = 6
#: Label used for mentions without a touchpoint.
NO_TOUCHPOINT = "unspecified"
#: Columns stored as ENUMs in the prepared table (the filters, the code, the valence and the mode).
FILTER_COLUMNS = ("wave", "segment", "kind", "touchpoint", "clue_type", "codebook", "code", "valence", "mode")
_CUBE_KEYS = ("wave", "segment", "kind", "touchpoint", "clue_type", "codebook", "code", "mode")
_REQUIRED = ("documents", "turns", "sentences", "tags")
#: Tables of precomputed filter states (:func:`_build_states`): the Summary's inputs per lens for no filter and
#: for each single filter value.
STATE_TABLES = ("dash_state_headline", "dash_state_gaps", "dash_state_quotes")
#: State tables earlier versions wrote (the Drivers and Waves views, now live): dropped when a store is prepared.
OLD_STATE_TABLES = ("dash_state_drivers", "dash_state_nps", "dash_state_waves")
#: Stores with at least this many tags get their filter states precomputed. Below it every live query of the
#: Summary takes a few ms (the sample's 2,900 tags: the Summary ~40 ms), and precomputing would only slow runs.
STATE_MIN_TAGS = 50_000
#: Quote candidates kept per lens, state, code and side (``AuditData.code_sentences``' default).
STATE_QUOTES = 200
#: A quote whose feeling toward its clue has at least this confidence (the tags' ``confidence``, mean over the
#: clue's mentions in the sentence) is "sure"; quotes are picked among sure sentences first. Rule tags reach it
#: when the clue's own clause or strong clause gives the feeling (0.72, 0.78), not when the feeling is the
#: sentence's, the opposite of a contrast, an absence, mixed, or in a question (0.27 … 0.55). On the hand-judged
#: held-out tags (benchmarks/tag_precision.py, session 9) 78 % of tags at 0.75 or more were right, 12.5 % of
#: those between 0.45 and 0.6 (docs/dashboard.md, "Quotes").
SURE_FEELING = 0.6
#: The tables :func:`prepare` writes (``cxaudit run`` copies them with the compare tables when nothing changed).
PREPARED_TABLES = ("dash_mentions", "dash_cube", "dash_sentences", "dash_info")


def _base_sql(*, keys: bool = False, date: bool = True, confidence: bool = True) -> str:
    """Tags joined with their documents' filter columns (text columns, unsorted).

    ``keys``: also ``doc_key`` and ``person_key``, integers numbering the documents and the
    participants in id order, computed on the documents table (far fewer rows than tags), and
    ``sentence_key`` numbering the sentences. ``date``: the documents table has a ``date`` column
    (else it is null); ``confidence``: the tags table has a ``confidence`` column (else it is null: tables
    written by hand)."""
    docs = "documents"
    key_cols, sentence_keys = "", ""
    if keys:
        docs = """(SELECT *, row_number() OVER (ORDER BY doc_id)::INTEGER AS doc_key,
                          dense_rank() OVER (ORDER BY coalesce(participant, doc_id))::INTEGER AS person_key
                   FROM documents)"""
        # the sentences' dense rank, numbered on the distinct sentences and joined (half the rows of the tags to
        # sort: ~40 % less CPU at 1M tags than a dense_rank over every tag)
        sentence_keys = """JOIN (SELECT sentence_id, row_number() OVER (ORDER BY sentence_id)::INTEGER AS sentence_key
                                 FROM (SELECT DISTINCT sentence_id FROM tags)) k USING (sentence_id) """
        key_cols = ", d.doc_key, d.person_key, k.sentence_key"
    conf = "t.confidence" if confidence else "NULL::DOUBLE AS confidence"
    day = "d.date" if date else "NULL::VARCHAR AS date"
    return f"""
        SELECT t.sentence_id, t.doc_id, coalesce(d.participant, d.doc_id) AS participant,
               t.codebook, t.code, t.clue_type, coalesce(t.touchpoint, '{NO_TOUCHPOINT}') AS touchpoint,
               t.valence, t.mode, d.wave, d.segment, d.kind,
               t.start_char, t.end_char, t.polarity, {conf}, d.score, {day}{key_cols}
        FROM tags t {sentence_keys}JOIN {docs} d USING (doc_id)"""


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
        SELECT row_number() OVER (ORDER BY polarity, sentence_id, code, start_char, codebook, end_char)::INTEGER AS ev_rank,
               sentence_id, doc_id, participant, {keys},
               {", ".join(col(c) for c in FILTER_COLUMNS)},
               start_char, end_char, polarity, confidence, score, date
        FROM {source}"""


def _cube_sql(mentions: str) -> str:
    keys = ", ".join(f'"{c}"' for c in _CUBE_KEYS)
    return f"""
        SELECT {keys}, count(*) AS n, count(polarity) AS n_polarity, sum(polarity) AS sum_polarity,
               count(*) FILTER (WHERE valence = 'negative') AS n_negative
        FROM {mentions} GROUP BY ALL"""


def _sentences_sql(mentions: str, *, follow: bool = True) -> str:
    """One row per sentence of ``mentions`` (a mentions relation): its key and what a quote shows.

    ``context_after``: the next sentence of the same turn when a tag of the sentence took its feeling from
    it (``tags.feeling_from = 'follow'``: "Promised a call back within 48 hours." is negative because of
    "Never came."), else null; the quote shows it so a reader sees why. ``follow``: the tags table has a
    ``feeling_from`` column (else the column is null: stores written before it was recorded). Only the few
    sentences with such a tag are looked up (a join on their turns, no window over every sentence)."""
    if follow:
        context = """
        , f AS (SELECT s.sentence_id, s.doc_id, s.turn_id, s.start_char FROM main.sentences s
                WHERE s.sentence_id IN (SELECT sentence_id FROM main.tags WHERE feeling_from = 'follow')),
        nx AS (SELECT f.sentence_id, arg_min(n.text, n.start_char) AS context_after
               FROM f JOIN main.sentences n ON n.doc_id = f.doc_id AND n.turn_id = f.turn_id
                                           AND n.start_char > f.start_char
               GROUP BY f.sentence_id)"""
        context_col, context_join = "nx.context_after", "LEFT JOIN nx ON nx.sentence_id = s.sentence_id"
    else:
        context, context_col, context_join = "", "NULL::VARCHAR AS context_after", ""
    return f"""
        WITH k AS (SELECT DISTINCT sentence_key, sentence_id FROM {mentions}){context}
        SELECT k.sentence_key, s.sentence_id, s.text AS sentence, s.n_words,
               coalesce(d.participant, s.doc_id) AS participant, s.doc_id, d.source, tr.speaker, tr.start_s,
               d.wave, d.segment, d.kind, {context_col}
        FROM k JOIN main.sentences s ON s.sentence_id = k.sentence_id
        LEFT JOIN main.documents d ON d.doc_id = s.doc_id
        LEFT JOIN main.turns tr ON tr.doc_id = s.doc_id AND tr.turn_id = s.turn_id
        {context_join}"""


def _tables(con: duckdb.DuckDBPyConnection, schema: str = "main") -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_catalog = current_database()",
        [schema]).fetchall()}


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    return tuple(int(con.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0]) for t in ("tags", "documents"))


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'main' "
                            "AND table_name = ? AND column_name = ?", [table, column]).fetchone()[0])


def _base_of(con: duckdb.DuckDBPyConnection, *, keys: bool = False) -> str:
    """:func:`_base_sql` for the store on ``con`` (its optional columns as they are)."""
    return _base_sql(keys=keys, date=_has_column(con, "documents", "date"),
                     confidence=_has_column(con, "tags", "confidence"))


def _sentences_of(con: duckdb.DuckDBPyConnection, mentions: str) -> str:
    """:func:`_sentences_sql` for the store on ``con`` (with ``context_after`` when its tags say where their
    feeling was read)."""
    return _sentences_sql(mentions, follow=_has_column(con, "tags", "feeling_from"))


def prepared_names(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str] | None:
    """``("main.dash_mentions", "main.dash_cube", "main.dash_sentences")`` when the store holds an up-to-date
    preparation, else None."""
    if not {*PREPARED_TABLES, *_REQUIRED} <= _tables(con):
        return None
    row = con.execute("SELECT version, n_tags, n_documents FROM main.dash_info LIMIT 1").fetchone()
    if row is None or int(row[0]) != VERSION or (int(row[1]), int(row[2])) != _counts(con):
        log.info("dashboard tables are stale (built for another version or another run): ignoring them")
        return None
    return "main.dash_mentions", "main.dash_cube", "main.dash_sentences"


def create_temp(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str]:
    """Build the mentions and cube relations as temporary tables (works on a read-only connection).

    Same rows and columns as the prepared tables, with text instead of ENUM
    columns and text document/participant keys. Returns their names.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dash_mentions AS {_mentions_sql(f'({_base_of(con)})', typed=False)} "
                "ORDER BY ev_rank")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dash_cube AS {_cube_sql('_dash_mentions')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dash_sentences AS {_sentences_of(con, 'temp._dash_mentions')} "
                "ORDER BY sentence_key")
    return "temp._dash_mentions", "temp._dash_cube", "temp._dash_sentences"
