"""The gap table: current versus desired per dimension, with intervals, importance and priority.

Method (see ``docs/compare.md``): per dimension, ``current`` is the mean
clause-scoped polarity of its current-mode mentions (modes in
:data:`~cxaudit.compare.dimensions.CURRENT_MODES`), ``gap = current −
desired`` (SERVQUAL's sign: negative is a shortfall), and the 95 % interval
of the gap comes from a cluster bootstrap over participants. Importance,
the Importance–Performance quadrant (Martilla & James 1977) and a priority
rank follow.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import CURRENT_MODES, TOUCHPOINT_LENSES, distinct, harmonise_ids, id_values, mentions
from cxaudit.compare.stats import bounded_t_interval, cluster_bootstrap, percentile_interval
from cxaudit.compare.tables import GAP_TABLE, QUADRANTS
from cxaudit.compare.desired import Desired
from cxaudit.schemas import conform

__all__ = ["gap_table", "boot_dimensions", "careful_interval", "quadrant", "lenses_of", "small_sample_warning", "KEY", "PANEL"]

KEY = ["lens", "level", "dimension", "group_by", "group"]
PANEL = ["lens", "level", "group_by", "group"]  # rows compared with each other (crosshairs, ranks)


def lenses_of(tags: pd.DataFrame, desired: Desired) -> list[str]:
    """The desired lenses present in ``tags`` (warns about absent ones); all codebooks when none is."""
    present = distinct(tags["codebook"])
    wanted = [lens for lens in desired.lenses if lens in present]
    missing = [lens for lens in desired.lenses if lens not in present]
    if missing and present:
        warnings.warn(f"lens(es) {missing} of desired.yml have no tags; tagged codebooks: {present}", stacklevel=3)
    return wanted or present


def small_sample_warning(n: int, k: int, *, min_mentions: int, min_participants: int) -> str | None:
    """The warning text for a dimension with ``n`` mentions from ``k`` participants, else None."""
    if n == 0:
        return "no current-mode mentions"
    ment = f"{n} mention{'s' if n != 1 else ''}"
    if k < 2:
        return f"only {ment} from {k} participant: no interval"
    if n < min_mentions or k < min_participants:
        return f"only {ment} from {k} participants: interval widened"
    return None


def careful_interval(
    est: pd.DataFrame, reps: np.ndarray, *, min_mentions: int = 10, min_participants: int = 5
) -> tuple[np.ndarray, np.ndarray, list]:
    """95 % interval of each key's mean polarity from its bootstrap replicates, made careful.

    ``est`` has n, n_clusters, mean (from :func:`boot_dimensions`). Small
    samples (n < ``min_mentions`` or fewer than ``min_participants``
    participants) get the union of the (expanded) percentile interval and the worst-case
    :func:`~cxaudit.compare.stats.bounded_t_interval`; keys with fewer than two
    participants get no interval (NaN). Returns (low, high, warnings).
    """
    n, k = est["n"].to_numpy(), est["n_clusters"].to_numpy()
    low, high = percentile_interval(reps, n_clusters=k)
    small = (n < min_mentions) | (k < min_participants)
    t_low, t_high = bounded_t_interval(est["mean"].to_numpy(float), k.astype(float))
    low = np.where(small, np.fmin(low, t_low), low)
    high = np.where(small, np.fmax(high, t_high), high)
    low[k < 2], high[k < 2] = np.nan, np.nan
    warn = [small_sample_warning(int(a), int(b), min_mentions=min_mentions, min_participants=min_participants) for a, b in zip(n, k)]
    return low, high, warn


def boot_dimensions(
    mentions_df: pd.DataFrame,
    keys: pd.DataFrame,
    key_cols: list[str],
    *,
    n_boot: int,
    rng,
    max_exact: int = 1000,
    value_col: str = "polarity",
    weight: str = "mention",
) -> tuple[pd.DataFrame, np.ndarray]:
    """Cluster-bootstrap the mean polarity of each row of ``keys``.

    ``mentions_df`` has ``key_cols``, participant and ``value_col``; ``keys`` lists
    the distinct keys (rows of the result, in order). Returns (estimates with
    n, n_clusters, mean; replicates (len(keys), n_boot)).
    """
    code = key_rows(keys, mentions_df, key_cols)
    if (code < 0).any():
        raise ValueError("boot_dimensions: some mentions have a key that is not in keys")
    who = _cluster_codes(mentions_df["participant"])
    return cluster_bootstrap(
        code, who, mentions_df[value_col].to_numpy(float), n_keys=len(keys), n_boot=n_boot, rng=rng,
        max_exact=max_exact, weight=weight,
    )


def _column_codes(labels: pd.Index, column: pd.Series) -> np.ndarray:
    """1 + position in ``labels`` of each value of ``column`` (compared as strings), 0 for null, -1 when absent."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lut = labels.get_indexer(column.cat.categories.astype(str))
        lut = np.where(lut >= 0, lut + 1, -1)
        codes = column.cat.codes.to_numpy()
        return np.where(codes >= 0, lut[codes] if len(lut) else -1, 0)
    values = column.astype("string")
    pos = labels.get_indexer(values)
    return np.where(values.isna().to_numpy(), 0, np.where(pos >= 0, pos + 1, -1))


def key_rows(keys: pd.DataFrame, frame: pd.DataFrame, key_cols: list[str]) -> np.ndarray:
    """Row number in ``keys`` (distinct rows) of every row of ``frame`` on ``key_cols``, -1 when absent.

    Values are compared as strings (null matches null), computed per category for categorical
    columns, so millions of rows cost no string work.
    """
    kcode = np.zeros(len(keys), dtype=np.int64)
    fcode = np.zeros(len(frame), dtype=np.int64)
    absent = np.zeros(len(frame), dtype=bool)
    radix = 1
    for c in key_cols:
        k_codes, labels = pd.factorize(keys[c].astype("string"))
        labels = pd.Index(np.asarray(labels, dtype=object).astype(str), dtype=object)
        f = _column_codes(labels, frame[c])
        absent |= f < 0
        size = len(labels) + 1
        radix *= size
        if radix >= 2**62:
            raise ValueError(f"key_rows: too many distinct keys in {key_cols}")
        kcode = kcode * size + (k_codes + 1)
        fcode = fcode * size + np.maximum(f, 0)
    code = pd.Index(kcode).get_indexer(fcode)
    code[absent] = -1
    return code


def _cluster_codes(participant) -> np.ndarray:
    """Participants numbered in order of first appearance (what the bootstrap resamples), compact."""
    codes = pd.factorize(participant)[0]
    return codes.astype(np.int32) if len(codes) and codes.max() < 2**31 else codes


def quadrant(importance, performance, *, importance_cross, performance_cross) -> np.ndarray:
    """Martilla & James quadrant of each point; values on a crosshair count as high. Null inputs give None."""
    imp = np.asarray(importance, dtype=float)
    perf = np.asarray(performance, dtype=float)
    hi_i = imp >= np.asarray(importance_cross, dtype=float)
    hi_p = perf >= np.asarray(performance_cross, dtype=float)
    out = np.where(hi_i, np.where(hi_p, QUADRANTS[1], QUADRANTS[0]), np.where(hi_p, QUADRANTS[3], QUADRANTS[2]))
    out = out.astype(object)
    out[np.isnan(imp) | np.isnan(perf)] = None
    return out


def _dimension_rows(m: pd.DataFrame, current_modes) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct keys (sorted) with clue_type, touchpoint, code, n_desired and the share negative of
    current mentions; and the key number of every mention (index into the rows)."""
    kid = group_numbers(m, KEY)
    n_keys = int(kid.max()) + 1 if len(kid) else 0
    first = pd.Series(np.arange(len(m))).groupby(kid).min().to_numpy() if len(kid) else np.array([], dtype=np.int64)
    rows = m.iloc[first][KEY + ["clue_type", "touchpoint", "code"]].reset_index(drop=True)
    is_cur = m["mode"].isin(list(current_modes)).to_numpy()
    rows["n_desired"] = np.bincount(kid[(m["mode"] == "desired").to_numpy()], minlength=n_keys)
    n_cur = np.bincount(kid[is_cur], minlength=n_keys)
    neg = np.bincount(kid[is_cur], weights=m["negative"].to_numpy(float)[is_cur], minlength=n_keys)
    rows["share_negative"] = np.where(n_cur > 0, neg / np.maximum(n_cur, 1), np.nan)
    return rows, kid


def group_numbers(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """``frame.groupby(cols, sort=True, observed=True).ngroup()`` as an array, computed from the category
    codes when every column is categorical without nulls (no multi-key groupby on millions of rows)."""
    codes, radix = np.zeros(len(frame), dtype=np.int64), 1
    for c in cols:
        col = frame[c]
        if not isinstance(col.dtype, pd.CategoricalDtype) or (col.cat.codes.to_numpy() < 0).any():
            return frame.groupby(cols, sort=True, observed=True).ngroup().to_numpy()
        size = max(len(col.cat.categories), 1)
        radix *= size
        if radix >= 2**62:
            return frame.groupby(cols, sort=True, observed=True).ngroup().to_numpy()
        codes = codes * size + col.cat.codes.to_numpy()
    inverse, uniques = pd.factorize(codes)
    rank = np.empty(len(uniques), dtype=np.int32 if len(uniques) < 2**31 else np.int64)
    rank[np.argsort(uniques)] = np.arange(len(uniques))
    return rank[inverse]


def _targets(rows: pd.DataFrame, desired: Desired) -> np.ndarray:
    """Desired level per row: the most specific matching target."""
    out = []
    for r in rows.itertuples(index=False):
        na = lambda v: None if pd.isna(v) else str(v)  # noqa: E731
        out.append(desired.target_for(clue_type=na(r.clue_type), code=na(r.code), touchpoint=na(r.touchpoint)))
    return np.asarray(out, dtype=float)


def _share(values: pd.Series, rows: pd.DataFrame) -> pd.Series:
    total = values.groupby([rows[c] for c in PANEL]).transform("sum")
    return (values / total.where(total > 0)).astype(float)


def _driver_importance(cur: pd.DataFrame, rows: pd.DataFrame, documents: pd.DataFrame) -> pd.Series | None:
    """|Pearson r| across scored documents between a document's mean polarity on the dimension (0 when
    not mentioned) and its score, within the row's group. None when fewer than 10 documents have a score."""
    if "score" not in documents or documents["score"].notna().sum() < 10:
        return None
    score = pd.Series(documents["score"].astype(float).to_numpy(), index=id_values(documents["doc_id"]).to_numpy()).dropna()
    per_doc = cur[cur["doc_id"].isin(score.index)].groupby(KEY + ["doc_id"])["polarity"].mean().rename("x").reset_index()
    per_doc["y"] = per_doc["doc_id"].map(score).to_numpy(float)
    per_doc["xx"], per_doc["xy"] = per_doc["x"] ** 2, per_doc["x"] * per_doc["y"]
    sums = per_doc.groupby(KEY)[["x", "xx", "xy"]].sum()
    docs = cur[["group_by", "group", "doc_id"]].drop_duplicates()
    docs = docs[docs["doc_id"].isin(score.index)].assign(y=lambda d: d["doc_id"].map(score).to_numpy(float))
    gsum = docs.groupby(["group_by", "group"])["y"].agg(N="count", Y="sum", YY=lambda s: (s**2).sum())
    j = rows[KEY].join(sums, on=KEY).join(gsum, on=["group_by", "group"]).fillna(0.0)
    num = j["N"] * j["xy"] - j["x"] * j["Y"]
    den = np.sqrt((j["N"] * j["xx"] - j["x"] ** 2) * (j["N"] * j["YY"] - j["Y"] ** 2))
    return (num.abs() / den.where(den > 0)).astype(float).fillna(0.0)


def _importance(rows, current, documents, desired: Desired) -> pd.Series:
    """Importance per row by ``desired.importance``, times ``desired.weights`` of the dimension.
    ``current()`` gives the current-mode mentions (built only when needed)."""
    method = desired.importance
    imp = None
    if method == "driver":
        imp = _driver_importance(current(), rows, documents)
        if imp is None:
            warnings.warn("importance 'driver' needs 10+ documents with a score; using share_of_mentions", stacklevel=3)
    elif method == "share_of_desired":
        if rows["n_desired"].sum() == 0:
            warnings.warn("importance 'share_of_desired': no desired-mode mentions; using share_of_mentions", stacklevel=3)
        else:
            imp = _share(rows["n_desired"].astype(float), rows)
    if imp is None:
        imp = _share(rows["n"].astype(float), rows)
    weight = rows["dimension"].map(desired.weights).astype(float).fillna(1.0)
    return imp * weight


def _crosshairs(rows: pd.DataFrame, desired: Desired) -> tuple[pd.Series, pd.Series]:
    """Crosshairs per row: user-set values, or the panel's means over rows with a current value."""
    if isinstance(desired.crosshairs, dict):
        n = len(rows)
        return pd.Series([desired.crosshairs["importance"]] * n), pd.Series([desired.crosshairs["performance"]] * n)
    has = rows["current"].notna()
    grp = [rows[c] for c in PANEL]
    imp = rows["importance"].where(has).groupby(grp).transform("mean")
    perf = rows["current"].groupby(grp).transform("mean")
    return imp, perf


def _priority(rows: pd.DataFrame) -> pd.Series:
    """1 = fix first within each panel: confident rows, then small samples, then rows without an
    interval; within a tier by gap × importance, most negative first."""
    tier = np.where(rows["ci_low"].isna(), 2, np.where(rows["warning"].notna(), 1, 0))
    score = (rows["gap"] * rows["importance"]).fillna(np.inf)
    order = pd.DataFrame({"tier": tier, "score": score, "dim": rows["dimension"]}).sort_values(["tier", "score", "dim"])
    rank = order.groupby([rows.loc[order.index, c] for c in PANEL]).cumcount() + 1
    return rank.reindex(rows.index)


def gap_table(
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    desired: Desired | None = None,
    *,
    group_col: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    current_modes=CURRENT_MODES,
    min_mentions: int = 10,
    min_participants: int = 5,
    touchpoint_lenses=TOUCHPOINT_LENSES,
    max_exact: int = 1000,
    weight: str = "mention",
) -> pd.DataFrame:
    """Current versus desired per dimension of each lens (and per group of ``group_col``).

    In: TAGS and DOCUMENTS (participant, score, ``group_col``). Out: the
    :data:`~cxaudit.compare.tables.GAP_TABLE` schema: lens, level, dimension,
    n, n_participants, current, share_negative, desired, gap, ci_low,
    ci_high, importance, quadrant, priority, warning, group_by, group,
    clue_type, touchpoint, n_desired, crosshair_importance,
    crosshair_performance.

    Small samples (fewer than ``min_mentions`` mentions or ``min_participants``
    participants) get the union of the bootstrap interval and a worst-case
    bounded t interval, and a warning; with one participant the interval is
    null and the row is ranked last. ``weight="participant"`` makes
    ``current`` the mean of participant means instead of the mean over
    mentions (see :func:`~cxaudit.compare.stats.cluster_bootstrap`).
    """
    desired = desired or Desired.default()
    tags, documents = harmonise_ids(tags, documents)
    m = mentions(tags, documents, lenses=lenses_of(tags, desired), group_col=group_col, touchpoint_lenses=touchpoint_lenses)
    if m.empty:
        return conform(pd.DataFrame(columns=GAP_TABLE.names), GAP_TABLE)
    rows, kid = _dimension_rows(m, current_modes)
    is_cur = m["mode"].isin(list(current_modes)).to_numpy()
    est, reps = cluster_bootstrap(
        kid[is_cur], _cluster_codes(m["participant"].array[is_cur]), m["polarity"].to_numpy(float)[is_cur], n_keys=len(rows),
        n_boot=n_boot, rng=np.random.default_rng(seed), max_exact=max_exact, weight=weight,
    )
    rows["n"], rows["n_participants"] = est["n"].to_numpy(), est["n_clusters"].to_numpy()
    rows["current"] = est["mean"].to_numpy()
    rows["desired"] = _targets(rows, desired)
    rows["gap"] = rows["current"] - rows["desired"]
    low, high, rows["warning"] = careful_interval(est, reps, min_mentions=min_mentions, min_participants=min_participants)
    rows["ci_low"], rows["ci_high"] = low - rows["desired"], high - rows["desired"]
    rows["importance"] = _importance(rows, lambda: m[is_cur], documents, desired).to_numpy()
    ci, cp = _crosshairs(rows, desired)
    rows["crosshair_importance"], rows["crosshair_performance"] = ci.to_numpy(), cp.to_numpy()
    rows["quadrant"] = quadrant(rows["importance"], rows["current"], importance_cross=ci, performance_cross=cp)
    rows["priority"] = _priority(rows)
    rows["clue_type"] = pd.Series([c if isinstance(c, str) else "none" for c in rows["clue_type"]], index=rows.index, dtype="string")
    rows = rows.sort_values(["lens", "level", "group_by", "group", "priority"], kind="stable")
    return conform(rows, GAP_TABLE)
