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
is set. The queries that return sentences (the evidence list, the Summary's
quote candidates) are in :mod:`cxaudit.publish.dashboard.quotes`;
:class:`AuditData` inherits them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Mapping

import duckdb
import pandas as pd

from cxaudit import store
from cxaudit.compare.stats import nps_interval
from cxaudit.compare.tables import GAP_TABLE
from cxaudit.publish.labels import Labels
from cxaudit.schemas import conform, empty

from .aggregates import (filtered_drivers, filtered_gaps, filtered_gaps_by, filtered_motif, filtered_nps,
                         filtered_waves)
from .filters import (DRILL_COLUMNS, FILTER_LABELS, Filters, gap_drill,  # noqa: F401 - handed on
                      state_key, summary_level, where_clause)
from .prepared import NO_TOUCHPOINT, STATE_TABLES, create_temp, prepared_names
from .quotes import EVIDENCE_SORTS, QuoteQueries  # noqa: F401 - EVIDENCE_SORTS handed on (app, views)

__all__ = [
    "AuditData",
    "Filters",
    "FILTER_LABELS",
    "NO_TOUCHPOINT",
]

log = logging.getLogger(__name__)

#: Lens shown first when the store has it (the issue's default); else the first codebook.
DEFAULT_LENS = "carbone-clues"
_REQUIRED = ("documents", "turns", "sentences", "tags")
_CLUE = "clue_type <> 'none'"


class AuditData(QuoteQueries):
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
            # late: cxaudit.config loads the ingest stage (~15 modules, 60-130 ms), only for a store older than the key
            from cxaudit.config import ConfigError, load_audit

            return int(getattr(load_audit(row[0]), "min_participants", 0)) or None
        except (duckdb.Error, OSError, ValueError, ConfigError) as exc:  # the audit file moved or changed
            log.info("min_participants not read from the audit file: %s", exc)
            return None

    @property
    def labels(self):
        """Human labels of codes, touchpoints and clue types (:class:`~cxaudit.publish.labels.Labels`)."""
        if self._labels is None:
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
        stored = self.state("dash_state_headline", filters, "audit_headline")
        if stored is not None and len(stored):
            return json.loads(stored.iloc[0, 0])
        return self.audit_headline_by(filters)[""]

    def audit_headline_by(self, filters: Filters, by: str | None = None) -> dict[str, dict]:
        """:meth:`audit_headline` (never a precomputed state) of ``filters``, or of ``filters`` plus each value
        of the filter column ``by`` (one query grouped by it): ``{value: audit headline}``, ``""`` without
        ``by``."""
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
                return conform(stored, GAP_TABLE)
        return self._stored_or("gaps", filters, lambda d, f: filtered_gaps(d, f, self.precomputed("gaps"),
                                                                           level=level), level=level)

    def gaps_by(self, filters: Filters, by: str, *, level: str) -> dict[str, pd.DataFrame]:
        """The recomputed gaps (:func:`~.aggregates.filtered_gaps`) of ``filters`` plus each value of the filter
        column ``by`` (one aggregation grouped by it): ``{value: gap table}``."""
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
