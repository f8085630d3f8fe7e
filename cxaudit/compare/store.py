"""Compare straight from a results store, lean enough for a million comments.

:func:`read_compare_frames` reads the four tables :func:`~cxaudit.compare.compare`
needs from a DuckDB connection (:func:`cxaudit.compare.compare_store` compares them), in the same fixed row order as the pipeline
always used, but with the ids (``doc_id``, ``sentence_id``, ``participant``)
replaced by dense integer codes computed in SQL and the label columns
(codebook, code, clue type, …) read as categoricals, and only the columns and
rows the comparison uses. The codes keep the ids' sort order and equality, and
the comparison only ever compares, sorts or counts ids, so the tables come out
identical to ``compare()`` on the string frames; no output holds an id.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pandas as pd

from cxaudit.compare.dimensions import CURRENT_MODES

if TYPE_CHECKING:  # only the connection's type: the compare stage's functions need no DuckDB (a rerun's
    import duckdb  # compare helper, cxaudit/run/compare_helper.py, computes from frames and never loads it)

__all__ = ["read_compare_frames"]

_DOC_COLUMNS = ("kind", "segment", "channel", "wave", "score")
#: (table, label columns read as categoricals, other columns, ORDER BY after the sentence code)
_TAGS = ("tags", ("codebook", "code", "clue_type", "touchpoint", "valence", "mode"), ("polarity",),
         ("codebook", "code", "method", "start_char", "end_char"))
_FEELINGS = ("feelings", ("feeling", "axis"), ("pole", "negated"), ("start_char", "feeling"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _columns(con, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
        "AND database_name = current_database() ORDER BY column_index", [table]).fetchall()
    return [r[0] for r in rows]


def _label(con, table: str, col: str) -> str:
    """SQL casting ``col`` to an ENUM of its distinct values in sorted order (read back as a categorical)."""
    values = [r[0] for r in con.execute(f"SELECT DISTINCT {_q(col)} FROM {_q(table)} WHERE {_q(col)} IS NOT NULL ORDER BY 1").fetchall()]
    if not values:
        return f"CAST(t.{_q(col)} AS VARCHAR) AS {_q(col)}"
    return f"CAST(t.{_q(col)} AS ENUM({', '.join(map(_lit, values))})) AS {_q(col)}"


def _code_tables(con, names: dict[str, str]) -> None:
    """Temporary tables (id, code) of every doc_id (and participant) and every sentence_id, code =
    rank in sorted order from 0, so codes sort and compare as the ids do."""
    docs = " UNION ".join(["SELECT doc_id AS id FROM documents", "SELECT participant FROM documents",
                           "SELECT doc_id FROM sentences", "SELECT doc_id FROM tags", "SELECT doc_id FROM feelings"])
    sents = " UNION ".join(f"SELECT sentence_id AS id FROM {t}" for t in ("sentences", "tags", "feelings"))
    for key, union in (("doc", docs), ("sent", sents)):
        con.execute(f"CREATE TEMP TABLE {names[key]} AS SELECT id, (row_number() OVER (ORDER BY id) - 1)::INTEGER AS code "
                    f"FROM ({union}) WHERE id IS NOT NULL")


def read_compare_frames(con: duckdb.DuckDBPyConnection, *, group_col: str | None = None):
    """DOCUMENTS, SENTENCES, TAGS and FEELINGS as :func:`~cxaudit.compare.compare` needs them, with
    integer-coded ids, from a store connection (the pipeline's writer or ``cxaudit.store.connect``).

    Out, each in the pipeline's fixed order: documents (doc_id, participant = the participant's
    or else the document's own code, kind, segment, channel, wave, score and ``group_col``; ORDER
    BY doc_id), sentences of the current modes (sentence_id, doc_id, mode; ORDER BY sentence_id),
    tags (sentence_id, doc_id, codebook, code, clue_type, touchpoint, polarity, valence, mode;
    ORDER BY sentence_id, codebook, code, method, start_char, end_char) and feelings
    (sentence_id, doc_id, feeling, axis, pole, negated; ORDER BY sentence_id, start_char,
    feeling). Ids are INTEGER codes, label columns categoricals with sorted categories.
    """
    have = _columns(con, "documents")
    if group_col is not None and group_col not in have:
        raise KeyError(f"group_col {group_col!r} is not a documents column; found {have}")
    names = {k: f"_cx_{k}_codes_{uuid.uuid4().hex[:8]}" for k in ("doc", "sent")}
    _code_tables(con, names)
    d, s = names["doc"], names["sent"]
    try:
        extra = [c for c in dict.fromkeys([*_DOC_COLUMNS, group_col]) if c is not None and c in have]
        documents = con.execute(
            f"SELECT dc.code AS doc_id, pc.code AS participant{''.join(f', t.{_q(c)}' for c in extra)} "
            f"FROM documents t LEFT JOIN {d} dc ON dc.id = t.doc_id "
            f"LEFT JOIN {d} pc ON pc.id = coalesce(t.participant, t.doc_id) ORDER BY t.doc_id").df()
        modes = ", ".join(map(_lit, CURRENT_MODES))
        sentences = con.execute(
            f"SELECT sc.code AS sentence_id, dc.code AS doc_id, {_label(con, 'sentences', 'mode')} "
            f"FROM sentences t LEFT JOIN {s} sc ON sc.id = t.sentence_id LEFT JOIN {d} dc ON dc.id = t.doc_id "
            f"WHERE t.mode IN ({modes}) ORDER BY sc.code").df()
        tags, feelings = (_read_rows(con, spec, d, s) for spec in (_TAGS, _FEELINGS))
    finally:
        for name in names.values():
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return documents, sentences, tags, feelings


def _read_rows(con, spec, d: str, s: str) -> pd.DataFrame:
    """One of tags / feelings with coded ids and categorical labels, in the pipeline's order."""
    table, labels, plain, order = spec
    cols = ", ".join([*(_label(con, table, c) for c in labels), *(f"t.{_q(c)}" for c in plain)])
    return con.execute(
        f"SELECT sc.code AS sentence_id, dc.code AS doc_id, {cols} FROM {table} t "
        f"LEFT JOIN {s} sc ON sc.id = t.sentence_id LEFT JOIN {d} dc ON dc.id = t.doc_id "
        f"ORDER BY sc.code, {', '.join(f't.{_q(c)}' for c in order)}").df()
