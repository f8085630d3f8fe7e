"""DuckDB queries behind the dashboard and the report.

One :class:`AuditData` per app holds one read-only connection to the results
store (``DIR/cxaudit.duckdb``). Every query reads the mentions relation (tags
joined with the document columns the filters need) or its pre-aggregated
cube, built by :func:`cxaudit.publish.dashboard.precompute.prepare` at ``cxaudit run``
time (ENUM filter columns, integer keys, sorted in evidence order) or, when
the store lacks them, as temporary tables when the app opens. Filters are
pushed down as a parameterised ``WHERE`` clause: user values are always bound
as parameters, never formatted into SQL. Nothing is re-analysed: the charts are
aggregations of stored rows, and the precomputed compare tables (``gaps``,
``motif``, ``drivers``, ``waves``, ``nps``) are used as they are when no filter
is set.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Mapping

import duckdb
import pandas as pd

from cxaudit import store

from .aggregates import filtered_drivers, filtered_gaps, filtered_motif, filtered_nps, filtered_waves
from .filters import (DRILL_COLUMNS, FILTER_LABELS, Filters, gap_drill,  # noqa: F401 - handed on
                      state_key, summary_level, where_clause)
from .prepared import NO_TOUCHPOINT, STATE_QUOTES, STATE_TABLES, create_temp, prepared_names

__all__ = [
    "AuditData",
    "Filters",
    "FILTER_LABELS",
    "NO_TOUCHPOINT",
]

log = logging.getLogger(__name__)

#: Lens shown first when the store has it (the issue's default); else the first codebook.
DEFAULT_LENS = "carbone-clues"
#: Sorts of the evidence list: key -> label.
EVIDENCE_SORTS = {"typical": "most typical", "negative": "most negative", "recent": "most recent"}
_REQUIRED = ("documents", "turns", "sentences", "tags")
_CLUE = "clue_type <> 'none'"
_CURRENT = "mode IN ('current', 'other')"


class AuditData:
    """Read-only query layer over one results folder.

    Raises ``FileNotFoundError`` when the folder has no store and
    ``ValueError`` naming the missing tables when it is incomplete.
    """

    def __init__(self, results_dir: str | Path, *, con: duckdb.DuckDBPyConnection | None = None):
        self.results_dir = Path(results_dir)
        self._own = con is None  # a connection passed in (prepare's) is its owner's to close
        self.con: duckdb.DuckDBPyConnection = store.connect(self.results_dir, read_only=True) if con is None else con
        self.con.execute("SET enable_progress_bar = false")  # a library prints nothing
        self.tables = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database()").fetchall()}
        missing = [t for t in _REQUIRED if t not in self.tables]
        if missing:
            if self._own:
                self.con.close()
            raise ValueError(f"{store.store_path(self.results_dir)}: missing table(s) {missing}; "
                             f"found {sorted(self.tables)} (was `cxaudit run` completed?)")
        prepared = prepared_names(self.con)
        self.prepared = prepared is not None
        self.m, self.cube, self.sents = prepared or create_temp(self.con)
        self.states = self.prepared and STATE_TABLES[0] in self.tables  # see :func:`state_key`
        self._known_states: set | None = None
        self._options: dict[str, list[str]] = {}
        self._precomputed: dict[str, pd.DataFrame] = {}
        self._labels = None

    def state(self, table: str, filters: Filters, cols: str = "* EXCLUDE (state, state_lens)", *, cond: str = "",
              tail: str = "", params: list | None = None) -> pd.DataFrame | None:
        """Rows of precomputed state table ``table`` (``dash_state_…``, see :func:`state_key`) for ``filters``
        (its lens and its one filter or none), or None when that state was not precomputed (two filters or
        more, no lens, or a store below :data:`~cxaudit.publish.dashboard.precompute.STATE_MIN_TAGS` tags).
        ``cols``: what to select; ``cond``: more conditions (`` AND …``); ``tail``: QUALIFY/ORDER BY;
        ``params`` bind their placeholders (after the state's)."""
        key = state_key(filters) if self.states and filters.codebook else None
        if key is None:
            return None
        if self._known_states is None:
            self._known_states = set(self.con.execute(
                "SELECT state, state_lens FROM main.dash_state_headline").fetchall())
        if (key, filters.codebook) not in self._known_states:
            return None
        return self.df(f"SELECT {cols} FROM main.{table} WHERE state = ? AND state_lens = ?{cond}{tail}",
                       [key, filters.codebook] + list(params or []))

    def close(self) -> None:
        """Close the connection (unless it was passed in)."""
        if self._own:
            self.con.close()

    def __enter__(self) -> "AuditData":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run a query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    # -- cached metadata -------------------------------------------------
    @property
    def title(self) -> str:
        """The audit's name (``meta`` table key ``name``), else the folder name (read once)."""
        if getattr(self, "_title", None) is None:
            self._title = self._read_title()
        return self._title

    def _read_title(self) -> str:
        if "meta" in self.tables:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'name' LIMIT 1").fetchone()
            if row and row[0]:
                return str(row[0])
        return f"Experience audit: {self.results_dir.resolve().name}"

    def options(self, name: str) -> list[str]:
        """Sorted distinct values of a filter column or of ``codebook`` (cached for the app's life).

        ``clue_type`` never lists ``none`` (a touchpoint mention is not a clue type)."""
        if name not in DRILL_COLUMNS[:-1]:
            raise ValueError(f"unknown filter {name!r}; expected one of {list(DRILL_COLUMNS[:-1])}")
        if name not in self._options:
            rows = self.con.execute(f'SELECT DISTINCT "{name}"::VARCHAR FROM {self.cube} '
                                    f'WHERE "{name}" IS NOT NULL ORDER BY 1').fetchall()
            values = [str(r[0]) for r in rows]
            self._options[name] = [v for v in values if v != "none"] if name == "clue_type" else values
        return self._options[name]

    def lenses(self) -> list[str]:
        """The codebooks tagged in the store, :data:`DEFAULT_LENS` first, then those with stored gaps."""
        books = self.options("codebook")
        stored = self.precomputed("gaps")
        with_gaps = set(stored["lens"].astype(str)) if len(stored) else set()
        return sorted(books, key=lambda b: (b != DEFAULT_LENS, b not in with_gaps, b))

    @property
    def min_participants(self) -> int | None:
        """``min_participants`` the store's last run used (``meta`` key ``min_participants``, written by
        ``cxaudit run``); for a store written before that key existed, read from the run's audit.yml;
        None when unknown."""
        if "meta" in self.tables:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'min_participants' LIMIT 1").fetchone()
            if row and str(row[0]).strip().isdigit() and int(row[0]) >= 1:
                return int(row[0])
        if "runs" not in self.tables:
            return None
        try:
            row = self.con.execute("SELECT config FROM runs ORDER BY finished_at DESC NULLS LAST LIMIT 1").fetchone()
            if not row or not row[0] or not Path(row[0]).is_file():
                return None
            from cxaudit.config import ConfigError, load_audit

            return int(getattr(load_audit(row[0]), "min_participants", 0)) or None
        except (duckdb.Error, OSError, ValueError, ConfigError) as exc:  # the audit file moved or changed
            log.info("min_participants not read from the audit file: %s", exc)
            return None

    @property
    def labels(self):
        """Human labels of codes, touchpoints and clue types (:class:`~cxaudit.publish.labels.Labels`)."""
        if self._labels is None:
            from cxaudit.publish.labels import Labels

            self._labels = Labels.from_store(self.con) if "runs" in self.tables else Labels()
        return self._labels

    def precomputed(self, name: str) -> pd.DataFrame:
        """A compare table as ``cxaudit run`` stored it (empty frame when absent; cached)."""
        if name not in self._precomputed:
            self._precomputed[name] = (self.df(f'SELECT * FROM "{name}"')
                                       if name in self.tables else pd.DataFrame())
        return self._precomputed[name]

    # -- aggregations ------------------------------------------------------
    def _mention_where(self, filters: Filters, drill: Mapping[str, str] | None = None,
                       extra: tuple[str, ...] = ()) -> tuple[str, list]:
        """WHERE clause over the mentions: without a lens, touchpoint mentions (clue type none) are left out."""
        cond = extra if filters.codebook else (_CLUE, *extra)
        return where_clause(filters, drill, extra=cond)

    def headline(self, filters: Filters) -> dict:
        """Mentions of the lens in the selection: documents and participants with one, mentions, share negative, NPS.

        NPS is over every scored document matching the document filters
        (wave, segment, kind), as in the NPS chart; with a mention-level
        filter (touchpoint, clue type) over the scored documents that have
        such a mention (mentions are grouped per document first, then the
        documents counted: ~3x faster than several distinct counts).
        """
        stored = self.state("dash_state_headline", filters, "headline")
        if stored is not None and len(stored):
            return json.loads(stored.iloc[0, 0])
        return self.headline_by(filters)[""]

    def headline_by(self, filters: Filters, by: str | None = None) -> dict[str, dict]:
        """:meth:`headline` (never a precomputed state) of ``filters``, or of ``filters`` plus each value of the
        filter column ``by`` (one query grouped by it, for :func:`~.precompute.prepare`): ``{value: headline}``,
        ``""`` the key without ``by``. Values of ``by`` without a mention get the empty headline (and the
        NPS of their documents), as the live query would."""
        where, params = self._mention_where(filters)
        key = self._by(by)
        rows = {r[0]: r[1:] for r in self.con.execute(f"""
            WITH d AS (SELECT {key} AS v, doc_key, any_value(person_key) AS person_key, any_value(score) AS score,
                              count(*) AS n, count(*) FILTER (WHERE valence = 'negative') AS n_negative
                       FROM {self.m}{where} GROUP BY v, doc_key)
            SELECT v, count(*), count(DISTINCT person_key), coalesce(sum(n), 0), sum(n_negative) / sum(n),
                   count(score), count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score <= 6)
            FROM d GROUP BY v""", params).fetchall()}
        values = self._by_values(by)
        document_level = not (filters.touchpoint or filters.clue_type or by in ("touchpoint", "clue_type"))
        scores = self._document_scores_by(filters, by) if document_level else {}
        out = {}
        for value in values:
            docs, people, n, neg, n_scored, promoters, detractors = rows.get(value, (0, 0, 0, None, 0, 0, 0))
            if document_level:
                n_scored, promoters, detractors = scores.get(value, (0, 0, 0))
            nps = 100.0 * (promoters - detractors) / n_scored if n_scored else None
            out[value] = {"documents": int(docs), "participants": int(people), "mentions": int(n),
                          "share_negative": None if neg is None else float(neg), "n_scored": int(n_scored),
                          "nps": nps}
        return out

    @staticmethod
    def _by(by: str | None) -> str:
        """SQL of the grouping key of the ``…_by`` queries: a filter column as text, else ``''``."""
        if by is None:
            return "''"
        if by not in FILTER_LABELS:
            raise ValueError(f"unknown filter {by!r}; expected one of {list(FILTER_LABELS)}")
        return f'"{by}"::VARCHAR'

    def _by_values(self, by: str | None) -> list[str]:
        return [""] if by is None else self.options(by)

    def audit_headline(self, filters: Filters) -> dict:
        """The audit in the selection: documents, interviews, other documents, participants, NPS with its
        95 % interval (adjusted Wald), promoters and detractors.

        Document filters (wave, segment, kind) select documents; with a
        mention-level filter (touchpoint, clue type) only documents with such
        a mention of the lens count. Documents without text (empty survey
        answers) count, and so do their scores.
        """
        from cxaudit.compare.stats import nps_interval

        stored = self.state("dash_state_headline", filters, "audit_headline")
        if stored is not None and len(stored):
            return json.loads(stored.iloc[0, 0])
        return self.audit_headline_by(filters)[""]

    def audit_headline_by(self, filters: Filters, by: str | None = None) -> dict[str, dict]:
        """:meth:`audit_headline` (never a precomputed state) of ``filters``, or of ``filters`` plus each value
        of the filter column ``by`` (one query grouped by it): ``{value: audit headline}``, ``""`` without
        ``by``."""
        from cxaudit.compare.stats import nps_interval

        key = self._by(by)
        if filters.touchpoint or filters.clue_type or by in ("touchpoint", "clue_type"):
            where, params = self._mention_where(filters)
            docs = f"(SELECT DISTINCT {key} AS v, doc_id FROM {self.m}{where})"
            rows = self.con.execute(f"""
                SELECT x.v, count(*), count(*) FILTER (WHERE d.kind = 'interview'),
                       count(DISTINCT coalesce(d.participant, d.doc_id)), count(d.score),
                       count(*) FILTER (WHERE d.score >= 9), count(*) FILTER (WHERE d.score <= 6)
                FROM main.documents d JOIN {docs} x USING (doc_id) GROUP BY x.v""", params).fetchall()
        else:
            conds, params = self._document_conds(filters)
            rows = self.con.execute(f"""
                SELECT {key} AS v, count(*), count(*) FILTER (WHERE kind = 'interview'),
                       count(DISTINCT coalesce(participant, doc_id)), count(score),
                       count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score <= 6)
                FROM main.documents WHERE {conds} GROUP BY v""", params).fetchall()
        found = {r[0]: r[1:] for r in rows}
        out = {}
        for value in self._by_values(by):
            n_docs, n_int, people, n_scored, pro, det = (int(x or 0) for x in found.get(value, (0,) * 6))
            head = {"documents": n_docs, "interviews": n_int, "comments": n_docs - n_int, "participants": people,
                    "n_scored": n_scored, "promoters": pro, "detractors": det, "nps": None, "nps_low": None,
                    "nps_high": None}
            if n_scored:
                lo, hi = nps_interval([pro], [n_scored - pro - det], [det])
                head.update(nps=100.0 * (pro - det) / n_scored, nps_low=float(lo[0]), nps_high=float(hi[0]))
            out[value] = head
        return out

    @staticmethod
    def _document_conds(filters: Filters) -> tuple[str, list]:
        conds, params = ["TRUE"], []
        for col in ("wave", "segment", "kind"):  # fixed column names; values bound as parameters
            value = getattr(filters, col)
            if value is not None:
                conds.append(f'"{col}" = ?')
                params.append(str(value))
        return " AND ".join(conds), params

    def _document_scores_by(self, filters: Filters, by: str | None = None) -> dict[str, tuple[int, int, int]]:
        """(scored documents, promoters, detractors) of the documents matching the document-level filters,
        per value of the document column ``by`` (wave, segment or kind; ``""`` without)."""
        conds, params = self._document_conds(filters)
        rows = self.con.execute(
            f"SELECT {self._by(by)} AS v, count(*), count(*) FILTER (WHERE score >= 9), "
            f"count(*) FILTER (WHERE score <= 6) FROM main.documents WHERE score IS NOT NULL AND {conds} "
            "GROUP BY v", params).fetchall()
        return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def clue_cells(self, filters: Filters) -> pd.DataFrame:
        """Clue type × touchpoint cells of the lens (never clue type ``none``).

        Out: clue_type, touchpoint, n, polarity (mean), share_negative. Read
        from the pre-aggregated cube (a few thousand rows, not one per tag).
        """
        where, params = where_clause(filters, extra=(_CLUE,))
        return self.df(f"""
            SELECT clue_type::VARCHAR AS clue_type, touchpoint::VARCHAR AS touchpoint, sum(n)::BIGINT AS n,
                   sum(sum_polarity) / nullif(sum(n_polarity), 0) AS polarity,
                   sum(n_negative) / sum(n) AS share_negative
            FROM {self.cube}{where} GROUP BY 1, 2 ORDER BY 1, 2""", params)

    def _stored_or(self, name: str, filters: Filters, recompute, *, level: str | None = None):
        """The stored compare table when no filter but the lens is set and it holds rows of the lens
        (overall rows, of ``level`` when given), else ``recompute(self, filters)``."""
        stored = self.precomputed(name)
        if len(stored) and "group_by" in stored.columns and name != "nps":
            stored = stored[stored["group_by"].astype(str) == "all"]
        if len(stored) and filters.codebook and "lens" in stored.columns:
            stored = stored[stored["lens"].astype(str) == filters.codebook]
        if filters.narrowed or not len(stored):
            return recompute(self, filters)
        if level is not None and "level" in stored.columns:
            stored = stored[stored["level"].astype(str) == level]
        return stored.reset_index(drop=True)

    def gaps(self, filters: Filters, *, level: str | None = None) -> pd.DataFrame:
        """Current-versus-desired gaps of the lens (cxaudit.compare GAP_TABLE columns, overall rows).

        Without filters: the stored ``gaps`` table (with bootstrap intervals).
        With filters, or for a lens ``cxaudit run`` did not compare:
        :func:`cxaudit.publish.dashboard.aggregates.filtered_gaps` (cluster-robust intervals).
        ``level`` keeps one level (and computes only that one).
        """
        if level is not None and level == summary_level(filters.codebook):
            stored = self.state("dash_state_gaps", filters)
            if stored is not None:
                from cxaudit.compare.tables import GAP_TABLE
                from cxaudit.schemas import conform

                return conform(stored, GAP_TABLE)
        return self._stored_or("gaps", filters, lambda d, f: filtered_gaps(d, f, self.precomputed("gaps"),
                                                                           level=level), level=level)

    def gaps_by(self, filters: Filters, by: str, *, level: str) -> dict[str, pd.DataFrame]:
        """The recomputed gaps (:func:`~.aggregates.filtered_gaps`) of ``filters`` plus each value of the filter
        column ``by`` (one aggregation grouped by it): ``{value: gap table}``."""
        from cxaudit.compare.tables import GAP_TABLE
        from cxaudit.schemas import empty

        from .aggregates import filtered_gaps_by

        found = filtered_gaps_by(self, filters, self.precomputed("gaps"), by, level=level)
        return {value: found[value] if value in found else empty(GAP_TABLE) for value in self.options(by)}

    def motif(self, filters: Filters) -> pd.DataFrame:
        """Motif alignment (MOTIF columns); recomputed overall rows under filters."""
        return self._stored_or("motif", filters.set(codebook=None),
                               lambda d, f: filtered_motif(d, f, self.precomputed("motif")))

    def nps(self, filters: Filters) -> pd.DataFrame:
        """NPS overall and per group (NPS columns); the lens does not change it."""
        return self._stored_or("nps", filters.set(codebook=None), filtered_nps)

    def drivers(self, filters: Filters) -> pd.DataFrame:
        """Detractor versus promoter drivers of the lens (DRIVERS columns); codes no detractor or
        promoter mentions are left out."""
        d = self._stored_or("drivers", filters, filtered_drivers)
        if len(d):
            d = d[(d["k_detractors"].astype(int) + d["k_promoters"].astype(int)) > 0].reset_index(drop=True)
        return d

    def waves(self, filters: Filters, *, level: str | None = None) -> pd.DataFrame:
        """Change per dimension between consecutive waves (WAVES columns); ``level`` keeps one level."""
        return self._stored_or("waves", filters, lambda d, f: filtered_waves(d, f, level=level), level=level)

    # -- evidence: one row per sentence ----------------------------------------------
    def _sentences_sql(self, filters: Filters, drill: Mapping[str, str] | None) -> tuple[str, list]:
        """The sentences with at least one mention matching filters and drill, one row each: sentence_key,
        polarity (mean over those mentions), min polarity, document."""
        where, params = self._mention_where(filters, drill)
        return (f"SELECT sentence_key, any_value(sentence_id) AS sentence_id, any_value(doc_id) AS doc_id, "
                f"avg(polarity) AS polarity, min(polarity) AS min_polarity, any_value(wave::VARCHAR) AS wave, "
                f"any_value(date) AS date FROM {self.m}{where} GROUP BY sentence_key"), params

    def evidence_count(self, filters: Filters, drill: Mapping[str, str] | None = None) -> int:
        """Number of sentences (quotes) with a mention matching the filters and the drill-down."""
        where, params = self._mention_where(filters, drill)
        return int(self.con.execute(f"SELECT count(DISTINCT sentence_key) FROM {self.m}{where}",
                                    params).fetchone()[0])

    def evidence(self, filters: Filters, drill: Mapping[str, str] | None = None, *,
                 offset: int = 0, limit: int | None = 20, sort: str = "typical") -> pd.DataFrame:
        """One page of quotes, one row per sentence, in ``sort`` order (:data:`EVIDENCE_SORTS`).

        "typical": negative, neutral and positive sentences interleaved in
        proportion to their numbers, each side closest to its own median
        first (a page is a fair sample of the selection, not its extremes);
        "negative": lowest polarity first; "recent": latest document
        date (then wave) first. Out: sentence_id, sentence, polarity, valence,
        participant, doc_id, source, speaker, start_s, wave, segment, kind,
        chips (list of (label, clue_type, code)), spans (list of (start, end)),
        codes ("; "-joined code ids of the lens).
        """
        if sort not in EVIDENCE_SORTS:
            raise ValueError(f"unknown sort {sort!r}; expected one of {list(EVIDENCE_SORTS)}")
        sel, params = self._sentences_sql(filters, drill)
        page = "" if limit is None else " LIMIT ? OFFSET ?"
        page_params = [] if limit is None else [int(limit), int(offset)]
        if sort == "typical" and limit is not None:
            # the same order as below for one page: no side can place more than offset + limit sentences
            # before the page ends, so each side's offset + limit closest (a top-n aggregate, ties by id)
            # replace a sort of every sentence. Narrow: only the integer key and the mean polarity are
            # aggregated per sentence (the key orders as the id: the ids' dense rank, or the id itself in the
            # fallback); the page's ids are looked up in the sentences relation afterwards.
            where, params = self._mention_where(filters, drill)
            sql = f"""
                WITH t AS (SELECT sentence_key, avg(polarity) AS polarity, sign(avg(polarity)) AS side
                           FROM {self.m}{where} GROUP BY sentence_key),
                m AS (SELECT side, median(polarity) AS med, count(*) AS cnt FROM t GROUP BY side),
                k AS (SELECT t.side, any_value(m.cnt) AS cnt,
                             min_by({{'sentence_key': t.sentence_key, 'polarity': t.polarity}},
                                    {{'d': coalesce(abs(t.polarity - m.med), 1e300), 'id': t.sentence_key}}, ?) AS xs
                      FROM t JOIN m ON t.side IS NOT DISTINCT FROM m.side GROUP BY t.side),
                u AS (SELECT side, cnt, unnest(xs) AS x, generate_subscripts(xs, 1) AS rn FROM k),
                p AS (SELECT x.sentence_key AS sentence_key, x.polarity AS polarity, rn, cnt, side FROM u
                      ORDER BY (rn - 0.5) / cnt, side, x.sentence_key{page})
                SELECT p.sentence_key, s.sentence_id, p.polarity FROM p JOIN {self.sents} s USING (sentence_key)
                ORDER BY (p.rn - 0.5) / p.cnt, p.side, p.sentence_key"""
            params = params + [int(offset) + int(limit)]
        elif sort == "typical":
            # negative, neutral and positive sentences interleaved in proportion to their numbers, each side
            # in order of closeness to its own median (the Summary's quote rule, for a whole list)
            sql = f"""
                WITH s AS ({sel}),
                t AS (SELECT *, sign(polarity) AS side FROM s),
                m AS (SELECT side, median(polarity) AS med, count(*) AS cnt FROM t GROUP BY side),
                r AS (SELECT t.sentence_key, t.sentence_id, t.polarity, t.side, m.cnt, row_number() OVER (
                          PARTITION BY t.side ORDER BY abs(t.polarity - m.med), t.sentence_id) AS rn
                      FROM t JOIN m ON t.side IS NOT DISTINCT FROM m.side)
                SELECT sentence_key, sentence_id, polarity FROM r ORDER BY (rn - 0.5) / cnt, side, sentence_id{page}"""
        else:
            order = {"negative": "min_polarity, sentence_id",
                     "recent": "date DESC NULLS LAST, wave DESC NULLS LAST, sentence_id"}[sort]
            sql = f"WITH s AS ({sel}) SELECT sentence_key, sentence_id, polarity FROM s ORDER BY {order}{page}"
        rows = self.df(sql, params + page_params)
        return self.with_chips(filters, rows, focus=self._focus(filters, drill))

    @staticmethod
    def _focus(filters: Filters, drill: Mapping[str, str] | None) -> dict | None:
        focus = {k: v for k, v in {**dict(filters.items()), **dict(drill or {})}.items()
                 if k in ("code", "clue_type", "touchpoint")}
        return focus or None

    def with_chips(self, filters: Filters, rows: pd.DataFrame, *, focus: Mapping[str, str] | None = None) -> pd.DataFrame:
        """``rows`` (with ``sentence_id``, in the order wanted) plus the sentence, who said it and where,
        and the lens's codes of each sentence (chips) and the spans to highlight: the mentions matching
        ``focus`` (tag column -> value: code, clue_type or touchpoint) when given, else all of the lens's."""
        cols = ["sentence_id", "sentence", "polarity", "valence", "participant", "doc_id", "source", "speaker",
                "start_s", "wave", "segment", "kind", "chips", "spans", "codes", "tag_spans"]
        if rows is None or not len(rows):
            return pd.DataFrame(columns=cols)
        key_type = "INTEGER" if self.prepared else "VARCHAR"
        if "sentence_key" in rows:
            keys = rows["sentence_key"].tolist()
        else:  # rows from elsewhere: their keys looked up by id (one scan of the sentences relation)
            keys = [r[0] for r in self.con.execute(
                f"SELECT sentence_key FROM {self.sents} WHERE sentence_id IN (SELECT unnest(?::VARCHAR[]))",
                [[str(x) for x in rows["sentence_id"]]]).fetchall()]
        # both looked up by the integer sentence key in the prepared relations (no scan of text ids)
        lens_cond = "" if not filters.codebook else " AND t.codebook = ?"
        lens_params = [filters.codebook] if filters.codebook else []
        info = self.df(f"""
            SELECT sentence_id, sentence, participant, doc_id, source, speaker, start_s, wave::VARCHAR AS wave,
                   segment::VARCHAR AS segment, kind::VARCHAR AS kind
            FROM {self.sents} WHERE sentence_key IN (SELECT unnest(?::{key_type}[]))""", [keys])
        tags = self.df(f"""
            SELECT t.sentence_id, t.codebook::VARCHAR AS codebook, t.code::VARCHAR AS code,
                   t.clue_type::VARCHAR AS clue_type, t.touchpoint::VARCHAR AS touchpoint,
                   t.start_char, t.end_char, t.polarity, t.valence::VARCHAR AS valence
            FROM {self.m} t WHERE t.sentence_key IN (SELECT unnest(?::{key_type}[])){lens_cond}
            ORDER BY t.sentence_id, t.start_char, t.code""", [keys] + lens_params)
        out = rows[["sentence_id"] + (["polarity"] if "polarity" in rows else [])].copy()
        out["sentence_id"] = out["sentence_id"].astype(str)
        extra = [c for c in rows.columns if c not in ("sentence_id", "polarity", "sentence_key") and c not in cols]
        out = out.join(rows[extra].reset_index(drop=True)) if extra else out
        out = out.merge(info, on="sentence_id", how="left")
        chips, spans, codes, valence, tag_spans = [], [], [], [], []
        by_sentence: dict[str, list[tuple]] = {}  # plain tuples: a page or a Summary has a few dozen sentences
        for row in zip(tags["sentence_id"], tags["codebook"], tags["code"], tags["clue_type"], tags["touchpoint"],
                       tags["start_char"], tags["end_char"], tags["polarity"]):
            by_sentence.setdefault(row[0], []).append(row)
        where = [({"code": 2, "clue_type": 3, "touchpoint": 4}[col], str(value)) for col, value in (focus or {}).items()
                 if col in ("code", "clue_type", "touchpoint")]
        labels = self.labels
        for sid, pol in zip(out["sentence_id"], out.get("polarity", pd.Series([None] * len(out)))):
            g = by_sentence.get(sid)
            if g is None:
                chips.append([]), spans.append([]), codes.append(""), tag_spans.append([])
                valence.append(None)
                continue
            tag_spans.append([(str(t[2]), t[5], t[6]) for t in g])
            seen = list(dict.fromkeys((str(t[1]), str(t[2]), str(t[3])) for t in g))
            chips.append([(labels.code(b, c), t, c) for b, c, t in seen])
            spans.append([(t[5], t[6]) for t in g if all(str(t[i]) == v for i, v in where)])
            codes.append("; ".join(c for _, c, _ in seen))
            if pol is not None and not pd.isna(pol):
                p = float(pol)
            else:
                known = [float(t[7]) for t in g if t[7] is not None and not pd.isna(t[7])]
                p = sum(known) / len(known) if known else float("nan")
            valence.append("negative" if p < -0.05 else "positive" if p > 0.05 else "neutral")
        out["chips"], out["spans"], out["codes"], out["valence"] = chips, spans, codes, valence
        out["tag_spans"] = tag_spans
        if "polarity" not in out:
            out["polarity"] = None
        return out[cols + [c for c in extra if c not in cols]]

    def code_sentences(self, filters: Filters, lens: str, codes: list[str], *, per_side: int = 200) -> pd.DataFrame:
        """Quote candidates of several codes of ``lens`` at once (current-mode sentences), computed in DuckDB.

        Per (code, sentence): polarity = mean of the code's mentions in the sentence. Per code and side
        (sign of the polarity): the ``per_side`` sentences closest to the side's median (``min_by``, a
        top-n aggregate: no sort of every sentence). Out: code, sentence_id, sentence_key, participant, polarity,
        dist (to the side's median), n_words, side (-1, 0, 1), n_side (sentences on that side).
        """
        cols = ["code", "sentence_id", "sentence_key", "participant", "polarity", "dist", "n_words", "side", "n_side"]
        if not codes:
            return pd.DataFrame(columns=cols)
        if per_side <= STATE_QUOTES:
            marks = ", ".join("?" for _ in codes)
            stored = self.state(
                "dash_state_quotes", filters.set(codebook=lens), cond=f" AND code IN ({marks})",
                tail=" QUALIFY row_number() OVER (PARTITION BY code, side ORDER BY dist, sentence_id) <= ? "
                     "ORDER BY code, side, dist, sentence_id", params=[str(c) for c in codes] + [int(per_side)])
            if stored is not None:
                return stored[cols]
        return self.code_sentences_by(filters, lens, codes, per_side=per_side)[""]

    def code_sentences_by(self, filters: Filters, lens: str, codes: list[str], by: str | None = None, *,
                          per_side: int = 200) -> dict[str, pd.DataFrame]:
        """:meth:`code_sentences` (never a precomputed state) of ``filters``, or of ``filters`` plus each value
        of the filter column ``by`` (one query grouped by it): ``{value: candidates}``, ``""`` without ``by``.

        Rows come in a stable, documented order: code, side, distance to the median, sentence id; the
        polarity of a sentence is rounded to 12 decimals (a mean summed in a different order by DuckDB's
        threads could otherwise differ in the last bit and reorder ties between builds).
        """
        cols = ["code", "sentence_id", "sentence_key", "participant", "polarity", "dist", "n_words", "side", "n_side"]
        where, params = where_clause(filters.set(codebook=lens), extra=(_CURRENT,))
        marks = ", ".join("?" for _ in codes)
        where = f"{where} AND code IN ({marks})" if where else f" WHERE code IN ({marks})"
        # narrow until the end: integer keys and numbers are aggregated; the per_side closest sentences of each
        # (code, side) are picked as keys (a scalar top-n, ties by key = by sentence id), and only those are
        # joined to their polarity and to the sentences relation (~2x faster at 1M tags than carrying texts)
        out = self.df(f"""
            WITH f AS (SELECT {self._by(by)} AS v, code, sentence_key, round(avg(polarity), 12) AS polarity
                       FROM {self.m}{where} GROUP BY v, code, sentence_key),
            g AS (SELECT f.*, sign(f.polarity)::INTEGER AS side FROM f WHERE f.polarity IS NOT NULL),
            med AS (SELECT v, code, side, median(polarity) AS med, count(*) AS n_side FROM g GROUP BY v, code, side),
            t AS (SELECT g.v, g.code, g.side, any_value(med.n_side) AS n_side, any_value(med.med) AS med,
                         min_by(g.sentence_key, {{'d': abs(g.polarity - med.med), 'k': g.sentence_key}}, ?) AS ks
                  FROM g JOIN med ON g.v = med.v AND g.code = med.code AND g.side = med.side
                  GROUP BY g.v, g.code, g.side),
            u AS (SELECT v, code, side, n_side, med, unnest(ks) AS sentence_key FROM t)
            SELECT u.v AS _by, u.code::VARCHAR AS code, s.sentence_id, u.sentence_key, s.participant, g.polarity,
                   abs(g.polarity - u.med) AS dist, s.n_words, u.side, u.n_side
            FROM u JOIN g ON g.v = u.v AND g.code = u.code AND g.sentence_key = u.sentence_key
            JOIN {self.sents} s ON s.sentence_key = u.sentence_key
            ORDER BY u.v, u.code, u.side, dist, s.sentence_id""",
                      params + [str(c) for c in codes] + [int(per_side)]) if codes else pd.DataFrame(
            columns=["_by", *cols])
        parts = {str(v): g for v, g in out.groupby("_by", sort=False)} if len(out) else {}
        return {value: parts[value][cols].reset_index(drop=True) if value in parts else pd.DataFrame(columns=cols)
                for value in self._by_values(by)}

    def finding_sentences(self, filters: Filters, lens: str, level: str, dimension: str) -> pd.DataFrame:
        """Current-mode sentences of one gaps dimension, one row each: sentence_id, participant, polarity
        (mean over the dimension's mentions in the sentence), n_words (for :func:`~.summary.pick_quotes`)."""
        drill = gap_drill(SimpleNamespace(level=level, dimension=dimension, lens=lens))
        drill = {k: v for k, v in drill.items() if k != "codebook"}
        where, params = where_clause(filters.set(codebook=lens), drill, extra=(_CURRENT,))
        return self.df(f"""
            WITH f AS (SELECT sentence_key, any_value(sentence_id) AS sentence_id,
                              any_value(participant) AS participant, avg(polarity) AS polarity
                       FROM {self.m}{where} GROUP BY sentence_key)
            SELECT f.sentence_id, f.participant, f.polarity, s.n_words
            FROM f JOIN sentences s ON s.sentence_id = f.sentence_id ORDER BY f.sentence_id""", params)
