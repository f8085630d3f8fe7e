"""The dashboard's quote queries: the evidence list and the Summary's quote candidates.

One page of quotes in an order (:data:`EVIDENCE_SORTS`), the chips and highlighted spans of each quote
(:meth:`QuoteQueries.with_chips`), and the sentences closest to each code's median feeling that the
Summary quotes (:meth:`QuoteQueries.code_sentences`, :meth:`QuoteQueries.finding_sentences`). Split
out of :mod:`cxaudit.publish.dashboard.queries` (aggregations and metadata stay there);
:class:`~cxaudit.publish.dashboard.queries.AuditData` inherits these methods, so they are called on it
as before, and they use its connection and relations (``con``, ``df``, ``m``, ``sents``, ``prepared``,
``labels``, ``state``, ``_mention_where``, ``_by``, ``_by_values``). User values are bound as parameters.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Mapping

import pandas as pd

from .filters import Filters, gap_drill, where_clause
from .prepared import STATE_QUOTES, SURE_FEELING

__all__ = ["QuoteQueries", "EVIDENCE_SORTS"]

#: Sorts of the evidence list: key -> label.
EVIDENCE_SORTS = {"typical": "most typical", "negative": "most negative", "recent": "most recent"}
_CURRENT = "mode IN ('current', 'other')"


def _unsure(column: str = "confidence") -> str:
    """SQL: the sentence's feeling toward the code is not sure (false sorts first; an unknown confidence is unsure)."""
    return f"coalesce({column}, 0) < {SURE_FEELING}"


#: The columns of a quote candidate (:meth:`QuoteQueries.code_sentences`).
QUOTE_CANDIDATE_COLUMNS = ["code", "sentence_id", "sentence_key", "participant", "polarity", "confidence", "dist",
                           "n_words", "side", "n_side"]


class QuoteQueries:
    """The queries of :class:`~cxaudit.publish.dashboard.queries.AuditData` that return sentences, one row each."""

    def _sentences_sql(self, filters: Filters, drill: Mapping[str, str] | None) -> tuple[str, list]:
        """The sentences with at least one mention matching filters and drill, one row each: sentence_key,
        polarity (mean over those mentions), min polarity, document."""
        where, params = self._mention_where(filters, drill)
        return (f"SELECT sentence_key, any_value(sentence_id) AS sentence_id, any_value(doc_id) AS doc_id, "
                f"avg(polarity) AS polarity, min(polarity) AS min_polarity, avg(confidence) AS confidence, "
                f"any_value(wave::VARCHAR) AS wave, "
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
        proportion to their numbers, each side's sentences whose feeling is
        sure first (mean confidence >= :data:`~.prepared.SURE_FEELING`, as the
        Summary's quotes), each group closest to the side's median first (a
        page is a fair sample of the selection, not its extremes);
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
                WITH t AS (SELECT sentence_key, avg(polarity) AS polarity, sign(avg(polarity)) AS side,
                                  avg(confidence) AS confidence
                           FROM {self.m}{where} GROUP BY sentence_key),
                m AS (SELECT side, median(polarity) AS med, count(*) AS cnt FROM t GROUP BY side),
                k AS (SELECT t.side, any_value(m.cnt) AS cnt,
                             min_by({{'sentence_key': t.sentence_key, 'polarity': t.polarity}},
                                    {{'u': {_unsure("t.confidence")}, 'd': coalesce(abs(t.polarity - m.med), 1e300),
                                      'id': t.sentence_key}}, ?) AS xs
                      FROM t JOIN m ON t.side IS NOT DISTINCT FROM m.side GROUP BY t.side),
                u AS (SELECT side, cnt, unnest(xs) AS x, generate_subscripts(xs, 1) AS rn FROM k),
                p AS (SELECT x.sentence_key AS sentence_key, x.polarity AS polarity, rn, cnt, side FROM u
                      ORDER BY (rn - 0.5) / cnt, side, x.sentence_key{page})
                SELECT p.sentence_key, s.sentence_id, p.polarity FROM p JOIN {self.sents} s USING (sentence_key)
                ORDER BY (p.rn - 0.5) / p.cnt, p.side, p.sentence_key"""
            params = params + [int(offset) + int(limit)]
        elif sort == "typical":
            # negative, neutral and positive sentences interleaved in proportion to their numbers, each side
            # sure feelings first, then in order of closeness to its own median (the Summary's quote rule, for a
            # whole list)
            sql = f"""
                WITH s AS ({sel}),
                t AS (SELECT *, sign(polarity) AS side FROM s),
                m AS (SELECT side, median(polarity) AS med, count(*) AS cnt FROM t GROUP BY side),
                r AS (SELECT t.sentence_key, t.sentence_id, t.polarity, t.side, m.cnt, row_number() OVER (
                          PARTITION BY t.side ORDER BY {_unsure("t.confidence")}, abs(t.polarity - m.med),
                          t.sentence_id) AS rn
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
                "start_s", "wave", "segment", "kind", "chips", "spans", "codes", "tag_spans", "context_after"]
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
                   segment::VARCHAR AS segment, kind::VARCHAR AS kind, context_after
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

        Per (code, sentence): polarity and confidence = means over the code's mentions in the sentence. Per code
        and side (sign of the polarity): the ``per_side`` sentences whose feeling is sure (confidence >=
        :data:`~.prepared.SURE_FEELING`) first, each group closest to the side's median first (``min_by``, a
        top-n aggregate: no sort of every sentence). Out: code, sentence_id, sentence_key, participant, polarity,
        confidence, dist (to the side's median), n_words, side (-1, 0, 1), n_side (sentences on that side).
        """
        cols = QUOTE_CANDIDATE_COLUMNS
        if not codes:
            return pd.DataFrame(columns=cols)
        if per_side <= STATE_QUOTES:
            marks = ", ".join("?" for _ in codes)
            stored = self.state(
                "dash_state_quotes", filters.set(codebook=lens), cond=f" AND code IN ({marks})",
                tail=f" QUALIFY row_number() OVER (PARTITION BY code, side ORDER BY {_unsure()}, dist, sentence_id) "
                     f"<= ? ORDER BY code, side, {_unsure()}, dist, sentence_id",
                params=[str(c) for c in codes] + [int(per_side)])
            if stored is not None:
                return stored[cols]
        return self.code_sentences_by(filters, lens, codes, per_side=per_side)[""]

    def code_sentences_by(self, filters: Filters, lens: str, codes: list[str], by: str | None = None, *,
                          per_side: int = 200) -> dict[str, pd.DataFrame]:
        """:meth:`code_sentences` (never a precomputed state) of ``filters``, or of ``filters`` plus each value
        of the filter column ``by`` (one query grouped by it): ``{value: candidates}``, ``""`` without ``by``.

        Rows come in a stable, documented order: code, side, sure feelings first, distance to the median,
        sentence id; the polarity of a sentence is rounded to 12 decimals (a mean summed in a different order by DuckDB's
        threads could otherwise differ in the last bit and reorder ties between builds).
        """
        cols = QUOTE_CANDIDATE_COLUMNS
        where, params = where_clause(filters.set(codebook=lens), extra=(_CURRENT,))
        marks = ", ".join("?" for _ in codes)
        where = f"{where} AND code IN ({marks})" if where else f" WHERE code IN ({marks})"
        # narrow until the end: integer keys and numbers are aggregated; the per_side closest sentences of each
        # (code, side) are picked as keys (a scalar top-n, ties by key = by sentence id), and only those are
        # joined to their polarity and to the sentences relation (~2x faster at 1M tags than carrying texts)
        out = self.df(f"""
            WITH f AS (SELECT {self._by(by)} AS v, code, sentence_key, round(avg(polarity), 12) AS polarity,
                              round(avg(confidence), 6) AS confidence
                       FROM {self.m}{where} GROUP BY v, code, sentence_key),
            g AS (SELECT f.*, sign(f.polarity)::INTEGER AS side FROM f WHERE f.polarity IS NOT NULL),
            med AS (SELECT v, code, side, median(polarity) AS med, count(*) AS n_side FROM g GROUP BY v, code, side),
            t AS (SELECT g.v, g.code, g.side, any_value(med.n_side) AS n_side, any_value(med.med) AS med,
                         min_by(g.sentence_key, {{'u': {_unsure("g.confidence")},
                                                 'd': abs(g.polarity - med.med), 'k': g.sentence_key}}, ?) AS ks
                  FROM g JOIN med ON g.v = med.v AND g.code = med.code AND g.side = med.side
                  GROUP BY g.v, g.code, g.side),
            u AS (SELECT v, code, side, n_side, med, unnest(ks) AS sentence_key FROM t)
            SELECT u.v AS _by, u.code::VARCHAR AS code, s.sentence_id, u.sentence_key, s.participant, g.polarity,
                   g.confidence, abs(g.polarity - u.med) AS dist, s.n_words, u.side, u.n_side
            FROM u JOIN g ON g.v = u.v AND g.code = u.code AND g.sentence_key = u.sentence_key
            JOIN {self.sents} s ON s.sentence_key = u.sentence_key
            ORDER BY u.v, u.code, u.side, {_unsure("g.confidence")}, dist, s.sentence_id""",
                      params + [str(c) for c in codes] + [int(per_side)]) if codes else pd.DataFrame(
            columns=["_by", *cols])
        parts = {str(v): g for v, g in out.groupby("_by", sort=False)} if len(out) else {}
        return {value: parts[value][cols].reset_index(drop=True) if value in parts else pd.DataFrame(columns=cols)
                for value in self._by_values(by)}

    def finding_sentences(self, filters: Filters, lens: str, level: str, dimension: str) -> pd.DataFrame:
        """Current-mode sentences of one gaps dimension, one row each: sentence_id, participant, polarity and
        confidence (means over the dimension's mentions in the sentence), n_words (for :func:`~.summary.pick_quotes`)."""
        drill = gap_drill(SimpleNamespace(level=level, dimension=dimension, lens=lens))
        drill = {k: v for k, v in drill.items() if k != "codebook"}
        where, params = where_clause(filters.set(codebook=lens), drill, extra=(_CURRENT,))
        return self.df(f"""
            WITH f AS (SELECT sentence_key, any_value(sentence_id) AS sentence_id,
                              any_value(participant) AS participant, avg(polarity) AS polarity,
                              avg(confidence) AS confidence
                       FROM {self.m}{where} GROUP BY sentence_key)
            SELECT f.sentence_id, f.participant, f.polarity, f.confidence, s.n_words
            FROM f JOIN sentences s ON s.sentence_id = f.sentence_id ORDER BY f.sentence_id""", params)
