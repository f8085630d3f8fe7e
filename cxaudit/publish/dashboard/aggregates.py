"""Compare tables recomputed in DuckDB for a filtered view.

The stored ``gaps``, ``motif``, ``nps``, ``drivers`` and ``waves`` tables
describe the whole audit (with bootstrap intervals). When the dashboard is
filtered, the same tables (same columns, see :mod:`cxaudit.compare.tables`)
are recomputed here as aggregations of the stored mentions: no re-analysis
and no bootstrap, so bootstrap intervals are null; closed-form intervals
(NPS adjusted Wald, lift, log odds) are computed with
:mod:`cxaudit.compare.stats`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import TOUCHPOINT_LENSES
from cxaudit.compare.gaps import quadrant
from cxaudit.compare.stats import lift, log_odds_ratio, nps_interval, t_quantile
from cxaudit.compare.tables import DRIVERS, GAP_TABLE, MOTIF, NPS, WAVES
from cxaudit.schemas import conform, empty

from .filters import FILTER_LABELS, Filters, where_clause
from .prepared import NO_TOUCHPOINT
from .summary import SMALL_SAMPLE, rank_rows

DEFAULT_MIN_PARTICIPANTS = 5

__all__ = ["filtered_gaps", "filtered_gaps_by", "gaps_from_aggregate", "filtered_motif", "filtered_nps", "filtered_drivers", "filtered_waves",
           "LEVEL_SQL", "DEFAULT_TARGET"]

#: Level name -> SQL expression of the dimension label over the mentions relation (as cxaudit.compare names them).
LEVEL_SQL = {
    "clue_type": "clue_type::VARCHAR",
    "code": "code::VARCHAR",
    "touchpoint": "touchpoint::VARCHAR",
    "clue_type x touchpoint": "clue_type::VARCHAR || ' x ' || touchpoint::VARCHAR",
}
#: Desired level used when the stored gaps give none for a dimension.
DEFAULT_TARGET = 0.5
#: Codebooks whose tags are touchpoint mentions (level touchpoint, dimension = code).
_CURRENT = "mode IN ('current', 'other')"
_PANEL = ["lens", "level"]


def _aggregate(data, filters: Filters, *, by: str | None = None, level: str | None = None,
               by_alias: str | None = None) -> pd.DataFrame:
    """Current-mode mentions per (lens, level, dimension), following cxaudit.compare's levels.

    Out: lens, level, dimension, clue_type, touchpoint, n, n_participants,
    current, share_negative, n_desired, current_low, current_high (and
    ``by``, a mentions column named in this module, when given). The
    interval of ``current`` is cluster-robust (participants are the
    clusters): the ratio-mean variance ``k/(k-1) * sum_i (S_i - mean N_i)^2 / N^2``
    with a t quantile on k-1 degrees of freedom, clipped to -1…1; none
    below two participants. ``level`` computes one level only (each level is
    a separate panel, so its rows do not depend on the others). ``by_alias``
    names the ``by`` column in the output (default: ``by``; needed when ``by``
    is ``clue_type`` or ``touchpoint``, which are output columns already).
    """
    if level is not None and level not in LEVEL_SQL:
        raise ValueError(f"unknown level {level!r}; expected one of {list(LEVEL_SQL)}")
    if by is not None and by not in FILTER_LABELS:
        raise ValueError(f"unknown grouping column {by!r}; expected one of {list(FILTER_LABELS)}")
    alias = by_alias or by
    extra = f', "{by}"::VARCHAR AS {alias}' if by else ""
    group = f", {alias}" if by else ""
    where, params = where_clause(filters)
    tp_lenses = ", ".join("'" + lens.replace("'", "''") + "'" for lens in TOUCHPOINT_LENSES)
    clue, has_tp = "clue_type <> 'none'", f"touchpoint <> '{NO_TOUCHPOINT}'"
    specs = [
        ("clue_type", f"codebook NOT IN ({tp_lenses}) AND {clue}", LEVEL_SQL["clue_type"], "clue_type::VARCHAR", "NULL"),
        ("code", f"codebook NOT IN ({tp_lenses})", LEVEL_SQL["code"], "clue_type::VARCHAR", "NULL"),
        ("touchpoint", f"codebook NOT IN ({tp_lenses}) AND {has_tp}", LEVEL_SQL["touchpoint"], "NULL",
         "touchpoint::VARCHAR"),
        ("clue_type x touchpoint", f"codebook NOT IN ({tp_lenses}) AND {clue} AND {has_tp}",
         LEVEL_SQL["clue_type x touchpoint"], "clue_type::VARCHAR", "touchpoint::VARCHAR"),
        ("touchpoint", f"codebook IN ({tp_lenses})", "code::VARCHAR", "NULL", "code::VARCHAR"),
    ]
    def raw(expr: str) -> str:
        # one level: group on the ENUM codes themselves (text only after aggregation: ~2x faster at 1M tags);
        # several levels are stacked with UNION ALL, which needs one type per column: text
        return expr.replace("::VARCHAR", "") if level is not None and " || " not in expr else expr

    parts = [
        f"SELECT {raw('codebook::VARCHAR')} AS lens, '{lvl}' AS level, {raw(dim)} AS dimension, "
        f"{raw(ctype)} AS clue_type, {raw(tp)} AS touchpoint, person_key, polarity, mode, valence{extra} "
        f"FROM m WHERE {cond}"
        for lvl, cond, dim, ctype, tp in specs if level in (None, lvl)
    ]
    sql = f"""
        WITH m AS (SELECT * FROM {data.m}{where}),
        x AS ({" UNION ALL ".join(parts)}),
        p AS (SELECT lens, level, dimension{group}, any_value(clue_type) AS clue_type,
                     any_value(touchpoint) AS touchpoint,
                     count(*) FILTER (WHERE {_CURRENT}) AS n,
                     count(polarity) FILTER (WHERE {_CURRENT}) AS n_pol,
                     coalesce(fsum(polarity) FILTER (WHERE {_CURRENT}), 0) AS s,
                     count(*) FILTER (WHERE {_CURRENT} AND valence = 'negative') AS n_neg,
                     count(*) FILTER (WHERE mode = 'desired') AS n_desired
              FROM x GROUP BY lens, level, dimension{group}, person_key)
        SELECT lens::VARCHAR AS lens, level, dimension::VARCHAR AS dimension{group},
               any_value(clue_type)::VARCHAR AS clue_type, any_value(touchpoint)::VARCHAR AS touchpoint,
               sum(n)::BIGINT AS n, count(*) FILTER (WHERE n > 0) AS n_participants,
               fsum(s) / nullif(sum(n_pol), 0) AS current, sum(n_neg) / nullif(sum(n), 0) AS share_negative,
               sum(n_desired)::BIGINT AS n_desired, fsum(s * s) AS ss, fsum(s * n_pol) AS sn,
               sum(n_pol::DOUBLE * n_pol) AS nn, sum(n_pol) AS npol
        FROM p GROUP BY lens, level, dimension{group}"""
    # sums of doubles: fsum (compensated: the same result whatever order DuckDB's threads add the rows in)
    out = data.df(sql, params)
    lo, hi = cluster_interval(out)
    out["current_low"], out["current_high"] = lo, hi
    return out.drop(columns=["ss", "sn", "nn", "npol"])


def cluster_interval(agg: pd.DataFrame, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """95 % cluster-robust interval of each row's mean (``current``) from per-cluster sums.

    ``agg``: current, n_participants (k), ss = sum S_i^2, sn = sum S_i N_i,
    nn = sum N_i^2, npol = sum N_i. NaN where k < 2.
    """
    k = agg["n_participants"].to_numpy(float)
    mean = agg["current"].to_numpy(float)
    big_n = agg["npol"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = agg["ss"].to_numpy(float) - 2 * mean * agg["sn"].to_numpy(float) + mean**2 * agg["nn"].to_numpy(float)
        var = k / (k - 1) * np.maximum(resid, 0.0) / big_n**2
        # scipy.special.stdtrit's numbers, without importing SciPy into the dashboard's kernel for a 95 %
        # interval (cxaudit.compare.stats.t_quantile)
        t = t_quantile(np.maximum(k - 1, 1), 1 - (1 - level) / 2)
        half = t * np.sqrt(var)
    low, high = np.clip(mean - half, -1, 1), np.clip(mean + half, -1, 1)
    bad = (k < 2) | np.isnan(mean)
    low[bad], high[bad] = np.nan, np.nan
    return low, high


#: (stored gaps table, its targets per dimension, their median) of the last :func:`_desired` call.
_TARGETS: list = [None, None, None]


def _desired(agg: pd.DataFrame, stored: pd.DataFrame) -> pd.Series:
    """Target per row: the stored gaps' desired for the same dimension, else their median, else 0.5."""
    if stored is None or not len(stored) or "desired" not in stored:
        return pd.Series([DEFAULT_TARGET] * len(agg), index=agg.index, dtype="Float64")
    if _TARGETS[0] is not stored:  # the app passes the same stored table on every redraw: its targets once
        keys = stored[["lens", "level", "dimension", "desired"]].astype({"desired": float})
        keys = keys.groupby(["lens", "level", "dimension"], as_index=False)["desired"].median()
        _TARGETS[:] = [stored, keys, float(stored["desired"].astype(float).median())]
    keys, fallback = _TARGETS[1], _TARGETS[2]
    merged = agg[["lens", "level", "dimension"]].merge(keys, how="left", on=["lens", "level", "dimension"])
    return pd.Series(merged["desired"].fillna(fallback).to_numpy(), index=agg.index, dtype="Float64")


def filtered_gaps(data, filters: Filters, stored: pd.DataFrame, *, level: str | None = None,
                  min_participants: int = DEFAULT_MIN_PARTICIPANTS) -> pd.DataFrame:
    """Gap table (GAP_TABLE columns of cxaudit.compare) for the filtered mentions.

    In: ``data`` (:class:`~cxaudit.publish.dashboard.queries.AuditData`), filters and
    the stored ``gaps`` table (for targets). Importance = share of the
    panel's current-mode mentions; crosshairs = the panel's means; intervals
    cluster-robust (:func:`cluster_interval`, no bootstrap on a click);
    priority = :func:`cxaudit.publish.dashboard.summary.rank_rows` order (small
    samples last, marked in ``warning``).
    ``level``: compute only that level's rows.
    """
    return gaps_from_aggregate(_aggregate(data, filters, level=level), stored, min_participants=min_participants)


def filtered_gaps_by(data, filters: Filters, stored: pd.DataFrame, by: str, *, level: str | None = None,
                     min_participants: int = DEFAULT_MIN_PARTICIPANTS) -> dict[str, pd.DataFrame]:
    """:func:`filtered_gaps` for ``filters`` plus each value of the filter column ``by`` at once:
    ``{value: gap table}``, each equal to ``filtered_gaps(data, filters.set(**{by: value}), …)`` (one
    aggregation grouped by the column, and one pass of the table's arithmetic with the value as one more
    panel key, instead of one of each per value). Values with no mention are absent."""
    agg = _aggregate(data, filters, by=by, level=level, by_alias="_by")
    out = gaps_from_aggregate(agg[agg["_by"].notna()], stored, min_participants=min_participants, by="_by")
    return {str(value): part.drop(columns="_by").reset_index(drop=True)
            for value, part in out.groupby("_by", sort=True)}


def gaps_from_aggregate(agg: pd.DataFrame, stored: pd.DataFrame, *, min_participants: int = DEFAULT_MIN_PARTICIPANTS,
                        by: str | None = None) -> pd.DataFrame:
    """The gap table of :func:`filtered_gaps` from the mentions aggregated by :func:`_aggregate`.

    ``by``: a column of ``agg`` whose values are separate selections (a panel is then (value, lens, level));
    kept as the output's first column."""
    keys = ([by] if by else []) + _PANEL
    # rows in a fixed order (DuckDB returns groups in any order): the panel means below add them in this order
    agg = agg[agg["n"] > 0].sort_values([*keys, "dimension"], kind="stable").reset_index(drop=True)
    if not len(agg):
        out = empty(GAP_TABLE)
        if by:
            out.insert(0, by, pd.Series([], dtype=object))
        return out
    agg["group_by"], agg["group"] = "all", "all"
    agg["desired"] = _desired(agg, stored)
    agg["gap"] = agg["current"] - agg["desired"]
    agg["ci_low"] = agg["current_low"] - agg["desired"]
    agg["ci_high"] = agg["current_high"] - agg["desired"]
    agg["importance"] = agg["n"] / agg.groupby(keys)["n"].transform("sum")
    panels = agg.groupby(keys)
    agg["crosshair_importance"] = panels["importance"].transform("mean")
    agg["crosshair_performance"] = panels["current"].transform("mean")
    agg["quadrant"] = quadrant(agg["importance"], agg["current"], importance_cross=agg["crosshair_importance"],
                               performance_cross=agg["crosshair_performance"])
    agg["warning"] = [None if p >= 2 else f"only {p} participant: no interval" for p in agg["n_participants"]]
    ranked = rank_rows(agg, min_participants, within=keys)  # panels in (by,) lens, level order, each ranked
    ranked["priority"] = ranked["rank"]
    ranked["warning"] = [f"{SMALL_SAMPLE}: fewer than {min_participants} participants" if small and pd.isna(w)
                         else w for small, w in zip(ranked["small"], ranked["warning"])]
    out = conform(ranked, GAP_TABLE)
    if by:
        out.insert(0, by, ranked[by].to_numpy())
    return out


def _overall(**cols) -> dict:
    return {"lens": "all", "level": "overall", "dimension": "overall", **cols}


def filtered_motif(data, filters: Filters, stored: pd.DataFrame) -> pd.DataFrame:
    """MOTIF-shaped overall rows for the filtered mentions' current-mode sentences.

    The motif words and their axes come from the stored table's overall rows
    (a motif word sits on the +1 pole of its axis). Out: MOTIF columns; one
    row per motif word plus ``all``; intervals null.
    """
    if stored is None or not len(stored) or "feelings" not in data.tables:
        return empty(MOTIF)
    words = stored[(stored["level"] == "overall") & (stored["motif"] != "all")][["motif", "axis"]].drop_duplicates()
    where, params = where_clause(filters, extra=(_CURRENT,))
    scope = f"SELECT DISTINCT sentence_id, person_key FROM {data.m}{where}"
    n_sent = int(data.con.execute(f"SELECT count(DISTINCT sentence_id) FROM ({scope})", params).fetchone()[0])
    counts = data.df(f"""
        WITH s AS ({scope})
        SELECT f.axis, count(*) FILTER (WHERE f.pole > 0) AS n_motif,
               count(*) FILTER (WHERE f.pole < 0) AS n_opposite, count(DISTINCT s.person_key) AS n_participants
        FROM feelings f JOIN s ON s.sentence_id = f.sentence_id GROUP BY f.axis""", params)
    rows = words.merge(counts, on="axis", how="left").fillna({"n_motif": 0, "n_opposite": 0, "n_participants": 0})
    total = dict(motif="all", axis=None, n_motif=rows["n_motif"].sum(), n_opposite=rows["n_opposite"].sum(),
                 n_participants=rows["n_participants"].max() if len(rows) else 0)
    out = pd.DataFrame([_overall(**r) for r in rows.to_dict("records")] + [_overall(**total)])
    out["n_sentences"] = n_sent
    both = (out["n_motif"] + out["n_opposite"]).astype(float)
    out["share_motif"] = out["n_motif"] / n_sent if n_sent else None
    out["share_opposite"] = out["n_opposite"] / n_sent if n_sent else None
    out["net_alignment"] = ((out["n_motif"] - out["n_opposite"]) / both).where(both > 0)
    return conform(out, MOTIF)


def filtered_nps(data, filters: Filters) -> pd.DataFrame:
    """NPS-shaped rows (overall and per segment) of the filtered documents that carry a score."""
    where, params = where_clause(filters, extra=("clue_type <> 'none'", "score IS NOT NULL"))
    df = data.df(f"""
        WITH d AS (SELECT DISTINCT doc_key, score, coalesce(segment::VARCHAR, '(missing)') AS segment
                   FROM {data.m}{where})
        SELECT 'all' AS group_by, 'all' AS "group", count(*) AS n,
               count(*) FILTER (WHERE score >= 9) AS n_promoters,
               count(*) FILTER (WHERE score > 6 AND score < 9) AS n_passives,
               count(*) FILTER (WHERE score <= 6) AS n_detractors FROM d HAVING count(*) > 0
        UNION ALL
        SELECT 'segment', segment, count(*), count(*) FILTER (WHERE score >= 9),
               count(*) FILTER (WHERE score > 6 AND score < 9), count(*) FILTER (WHERE score <= 6)
        FROM d GROUP BY segment ORDER BY 1, 2""", params)
    if not len(df):
        return empty(NPS)
    if len(df):
        df["nps"] = 100.0 * (df["n_promoters"] - df["n_detractors"]) / df["n"]
        df["ci_low"], df["ci_high"] = nps_interval(df["n_promoters"], df["n_passives"], df["n_detractors"])
    return conform(df, NPS)


def filtered_drivers(data, filters: Filters) -> pd.DataFrame:
    """DRIVERS-shaped rows: codes over-represented among detractors versus promoters.

    Documents with a score in the filter; a document "mentions" a code when
    one of its current-mode sentences is tagged with it. Sorted by log odds,
    detractor drivers first.
    """
    where, params = where_clause(filters, extra=(_CURRENT, "score IS NOT NULL"))
    df = data.df(f"""
        WITH m AS (SELECT * FROM {data.m}{where}),
        d AS (SELECT DISTINCT doc_key, score FROM m),
        tot AS (SELECT count(*) FILTER (WHERE score <= 6) AS n_det, count(*) FILTER (WHERE score >= 9) AS n_pro FROM d),
        per AS (SELECT DISTINCT codebook, code, clue_type, doc_key, score FROM m)
        SELECT codebook::VARCHAR AS lens, code::VARCHAR AS code, any_value(clue_type::VARCHAR) AS clue_type,
               any_value(tot.n_det) AS n_detractors, any_value(tot.n_pro) AS n_promoters,
               count(*) FILTER (WHERE score <= 6) AS k_detractors, count(*) FILTER (WHERE score >= 9) AS k_promoters
        FROM per, tot GROUP BY codebook, code""", params)
    df = df[(df["n_detractors"] > 0) & (df["n_promoters"] > 0)].reset_index(drop=True)
    if not len(df):
        return empty(DRIVERS)
    df["rate_detractors"] = df["k_detractors"] / df["n_detractors"]
    df["rate_promoters"] = df["k_promoters"] / df["n_promoters"]
    args = (df["k_detractors"], df["n_detractors"], df["k_promoters"], df["n_promoters"])
    df["lift"], df["lift_low"], df["lift_high"] = lift(*args)
    df["log_odds"], df["ci_low"], df["ci_high"] = log_odds_ratio(*args)
    df["significant"] = (df["ci_low"] > 0) | (df["ci_high"] < 0)
    df["warning"] = [("fewer than 5 documents mention it" if k < 5 else None)
                     for k in df["k_detractors"] + df["k_promoters"]]
    return conform(df.sort_values(["log_odds", "code"], ascending=[False, True]).reset_index(drop=True), DRIVERS)


def filtered_waves(data, filters: Filters, *, level: str | None = None) -> pd.DataFrame:
    """WAVES-shaped rows: change of current performance per dimension between consecutive waves
    (of one ``level`` when given)."""
    per = _aggregate(data, filters, by="wave", level=level)
    per = per[per["wave"].notna() & (per["n"] > 0)]
    waves = sorted(per["wave"].astype(str).unique())
    pairs = []
    for a, b in zip(waves, waves[1:]):
        left = per[per["wave"] == a].drop(columns="wave")
        right = per[per["wave"] == b].drop(columns="wave")
        j = left.merge(right, on=["lens", "level", "dimension"], how="outer", suffixes=("_from", "_to"))
        if len(j):
            n_from, n_to = j["n_from"].fillna(0), j["n_to"].fillna(0)
            warn = [f"not mentioned in wave {a}" if x == 0 else f"not mentioned in wave {b}" if y == 0 else None
                    for x, y in zip(n_from, n_to)]
            pairs.append(pd.DataFrame({
                "lens": j["lens"], "level": j["level"], "dimension": j["dimension"],
                "clue_type": j["clue_type_from"].fillna(j["clue_type_to"]), "wave_from": a, "wave_to": b,
                "n_from": n_from, "n_to": n_to, "participants_from": j["n_participants_from"].fillna(0),
                "participants_to": j["n_participants_to"].fillna(0), "current_from": j["current_from"],
                "current_to": j["current_to"], "change": j["current_to"] - j["current_from"],
                "beyond_noise": False, "warning": warn}))
    return conform(pd.concat(pairs, ignore_index=True), WAVES) if pairs else empty(WAVES)
