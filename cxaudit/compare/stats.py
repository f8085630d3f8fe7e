"""Statistics for the comparison: cluster bootstrap, NPS, proportions, lift and log-odds.

The sampling unit of an audit is the *participant* (for comment tables each
comment is its own respondent), not the sentence: a talkative participant
contributes many mentions that are not independent of each other. Every
interval on a mean of mentions is therefore a **cluster bootstrap**: resample
participants with replacement and take all of their mentions
(:func:`cluster_bootstrap`).

All functions are vectorised with numpy and take plain arrays, so they work on
a million tags; nothing here knows about codebooks or tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxaudit.compare import _scipy_values

__all__ = [
    "Z95",
    "cluster_bootstrap",
    "percentile_interval",
    "bounded_t_interval",
    "nps_interval",
    "wilson_interval",
    "log_odds_ratio",
    "lift",
]

Z95 = _scipy_values.Z975

#: The tail probability of a 95 % interval as the functions below compute it from ``level``
_P95 = (1 - 0.95) / 2
_T975 = np.array(_scipy_values.T975)
_ALPHA95 = np.array(_scipy_values.ALPHA95)


def _special():
    """``scipy.special`` (not scipy.stats: ~1 s less to import, the same functions), imported only for a
    level or a number of participants that :mod:`cxaudit.compare._scipy_values` does not hold."""
    from scipy import special  # lazy: see the docstring

    return special


def _whole(x: np.ndarray, low: int, high: int) -> bool:
    """True when every value of ``x`` is a whole number in ``low … high``."""
    return bool(np.all((x >= low) & (x <= high) & (x == np.floor(x))))


def normal_quantile(p: float) -> float:
    """``scipy.special.ndtri(p)``: the standard normal quantile of ``p``."""
    return _scipy_values.Z975 if p == 1 - _P95 else float(_special().ndtri(p))


def t_quantile(df, p: float) -> np.ndarray:
    """``scipy.special.stdtrit(df, p)``: Student's t quantile of ``p`` on ``df`` degrees of freedom (NaN
    for NaN ``df``); from :mod:`~cxaudit.compare._scipy_values` for a 95 % interval's tails and whole
    ``df`` up to 1,000, the same numbers to the bit."""
    df = np.asarray(df, dtype=float)
    known = ~np.isnan(df)
    if p in (_P95, 1 - _P95) and _whole(df[known], 1, len(_T975)):
        out = np.full(df.shape, np.nan)
        out[known] = _T975[df[known].astype(np.int64) - 1] * (1.0 if p > 0.5 else -1.0)
        return out
    return _special().stdtrit(df, p)

#: Random numbers drawn per chunk of bootstrap replicates: few enough that a chunk's arrays stay in the
#: CPU's cache and their memory is reused from chunk to chunk (chunks of 4,000,000 touched fresh memory on
#: every call: the sample audit's six bootstraps took 0.088 s in a new process, 0.052 s in chunks of
#: 25,000). The draws, and so every replicate, are the same whatever the chunk (tests/test_stats.py).
_CHUNK = 32_768


def _aggregate(key: np.ndarray, cluster: np.ndarray, value: np.ndarray):
    """Sum and count of ``value`` per (key, cluster), sorted by key.

    Returns (pair_key, pair_sum, pair_count) arrays, one entry per distinct
    (key, cluster) pair, in (key, cluster) order. The sums are ``groupby(["k", "c"]).sum()``'s
    (Kahan-compensated, in row order), from two stable sorts instead of hashing millions of pairs; equal
    within rounding, not always to the bit: pandas 3.1 adds a group's values in another order
    (tests/test_stats.py).
    """
    cluster = np.asarray(cluster)
    if not len(key) or cluster.dtype.kind not in "iu" or cluster.min() < 0 or key.min() < 0:
        frame = pd.DataFrame({"k": key, "c": cluster, "v": value})
        agg = frame.groupby(["k", "c"], sort=True)["v"].agg(["sum", "count"])
        pair_key = agg.index.get_level_values("k").to_numpy()
        return pair_key, agg["sum"].to_numpy(float), agg["count"].to_numpy(float)
    n = len(key)
    order = np.argsort(cluster, kind="stable")
    small = key.astype(np.int16) if key.max() < 2**15 else key  # 16-bit keys sort by radix
    order = order[np.argsort(small[order], kind="stable")]  # by key, then cluster, then row
    del small
    if n < 2**31:
        order = order.astype(np.int32)
    sorted_key, sorted_cluster = key[order], cluster[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (sorted_key[1:] != sorted_key[:-1]) | (sorted_cluster[1:] != sorted_cluster[:-1])
    del sorted_cluster
    start = np.flatnonzero(new)
    del new
    pair_key = sorted_key[start].astype(np.int64)
    del sorted_key
    size = np.diff(start, append=n)
    return pair_key, _kahan_sums(value[order], start, size), size.astype(float)


def _kahan_sums(values: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Sum of each run ``values[start : start + size]``, Kahan-compensated in order exactly as
    pandas' groupby sum does it, vectorised over the runs (one step per position in a run; the
    first step of a compensated sum is exact, so it starts from the runs' first values)."""
    total = values[start]
    long = np.flatnonzero(size > 1)
    if not len(long):
        return total
    comp = np.zeros(len(long))
    first, length = start[long], size[long]
    sub = total[long]
    by_size = np.argsort(-length, kind="stable")  # runs longer than j are the first n_live[j]
    n_live = np.searchsorted(-length[by_size], -np.arange(1, int(length.max())), side="left")
    for j, k in enumerate(n_live, start=1):
        live = by_size[:k]
        y = values[first[live] + j] - comp[live]
        t = sub[live] + y
        c = t - sub[live] - y
        comp[live] = np.where(np.isnan(c), 0.0, c)
        sub[live] = t
    total[long] = sub
    return total


def cluster_bootstrap(
    key: np.ndarray,
    cluster: np.ndarray,
    value: np.ndarray,
    *,
    n_keys: int,
    n_boot: int = 1000,
    rng: np.random.Generator | None = None,
    max_exact: int = 1000,
    weight: str = "mention",
) -> tuple[pd.DataFrame, np.ndarray]:
    """Cluster-bootstrap the mean of ``value`` within each key.

    ``key`` (ints in ``0 … n_keys-1``: the dimension, possibly crossed with a
    group or wave), ``cluster`` (ints: the participant) and ``value`` (floats:
    the polarity of one mention) are parallel arrays, one entry per mention.

    Within each key the participants who mention it are resampled with
    replacement (as many as there are) and the replicate estimate is the ratio
    of resampled sums to resampled counts, i.e. the mean over all mentions of
    the drawn participants. Mentions are first summed per (key, participant),
    so the cost is ``n_boot × (distinct key-participant pairs)``, drawn in
    chunks. For keys with more than ``max_exact`` participants the resampled
    (sum, count) pair is drawn from its exact mean and covariance under
    multinomial resampling as a bivariate normal (the central-limit form the
    exact bootstrap converges to), which costs ``n_boot`` per key.

    ``weight="mention"`` (default) estimates the mean over mentions (a
    participant with many mentions weighs more, but the interval accounts for
    it); ``weight="participant"`` the mean of participant means (each
    participant weighs the same).

    Returns ``(estimates, replicates)``: ``estimates`` has one row per key
    (index 0 … n_keys-1) with columns ``n`` (mentions), ``n_clusters``,
    ``mean``; ``replicates`` is an ``(n_keys, n_boot)`` float array, NaN for
    keys with no mentions.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    key = np.asarray(key, dtype=np.int64)
    value = np.asarray(value, dtype=float)
    if len(key) and (key.min() < 0 or key.max() >= n_keys):
        raise ValueError(f"cluster_bootstrap: keys must lie in 0 … {n_keys - 1}; found {key.min()} … {key.max()}")
    if np.isnan(value).any():
        raise ValueError("cluster_bootstrap: value contains NaN; drop missing polarities first")
    if weight not in ("mention", "participant"):
        raise ValueError(f"weight must be 'mention' or 'participant'; found {weight!r}")
    pair_key, s, c = _aggregate(key, np.asarray(cluster), value)
    n_mentions = np.bincount(pair_key, weights=c, minlength=n_keys)
    if weight == "participant":
        s, c = s / c, np.ones_like(c)
    size = np.bincount(pair_key, minlength=n_keys)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    tot_s = np.bincount(pair_key, weights=s, minlength=n_keys)
    tot_c = np.bincount(pair_key, weights=c, minlength=n_keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(tot_c > 0, tot_s / np.where(tot_c > 0, tot_c, 1), np.nan)
    estimates = pd.DataFrame({"n": n_mentions.astype(np.int64), "n_clusters": size.astype(np.int64), "mean": mean})
    reps = np.full((n_keys, n_boot), np.nan)
    exact = (size > 0) & (size <= max_exact)
    large = size > max_exact
    if exact.any():
        reps[exact] = _exact_replicates(pair_key, s, c, size, start, exact, n_boot, rng)
    if large.any():
        reps[large] = _normal_replicates(pair_key, s, c, size, large, n_boot, rng)
    return estimates, reps


def _exact_replicates(pair_key, s, c, size, start, exact, n_boot, rng) -> np.ndarray:
    """Replicate ratios for the keys in ``exact`` by drawing participants."""
    keys = np.flatnonzero(exact)
    sel = exact[pair_key]
    s_e, c_e, k_e = s[sel], c[sel], pair_key[sel]
    # position of each selected key's block in the compacted arrays
    block_start = np.concatenate([[0], np.cumsum(size[keys])[:-1]])
    pos = np.zeros(len(size), dtype=np.int64)
    pos[keys] = block_start
    draw_from = pos[k_e]
    draw_n = size[k_e].astype(np.float64)
    out = np.empty((len(keys), n_boot))
    m = len(s_e)
    step = max(1, _CHUNK // max(m, 1))
    for b0 in range(0, n_boot, step):
        b1 = min(n_boot, b0 + step)
        u = rng.random((b1 - b0, m), dtype=np.float32)
        # the participant drawn within each key's block: floor(u * n) < n, since u < 1 is a multiple of
        # 2**-24 and u * n is exact in float64 (no clipping to n - 1 needed); in place, no temporaries
        pick = (u * draw_n).astype(np.int64)
        pick += draw_from
        sum_s = np.add.reduceat(s_e[pick], block_start, axis=1)
        sum_c = np.add.reduceat(c_e[pick], block_start, axis=1)
        out[:, b0:b1] = (sum_s / sum_c).T
    return out


def _normal_replicates(pair_key, s, c, size, large, n_boot, rng) -> np.ndarray:
    """Replicate ratios for many-participant keys from the bivariate-normal form.

    Under multinomial resampling of P participants, the resampled sums
    (Σw·s, Σw·c) have mean (S, C), variances Σs² − S²/P, Σc² − C²/P and
    covariance Σsc − SC/P.
    """
    n_keys = len(size)
    tot = lambda w: np.bincount(pair_key, weights=w, minlength=n_keys)[large]  # noqa: E731
    p = size[large].astype(float)
    S, C = tot(s), tot(c)
    var_s = np.maximum(tot(s * s) - S * S / p, 0.0)
    var_c = np.maximum(tot(c * c) - C * C / p, 0.0)
    cov = tot(s * c) - S * C / p
    sd_s = np.sqrt(var_s)
    safe = np.where(sd_s > 0, sd_s, 1.0)
    a = np.where(sd_s > 0, cov / safe, 0.0)
    resid = np.sqrt(np.maximum(var_c - a * a, 0.0))
    z1 = rng.standard_normal((len(p), n_boot))
    z2 = rng.standard_normal((len(p), n_boot))
    x = S[:, None] + sd_s[:, None] * z1
    y = C[:, None] + a[:, None] * z1 + resid[:, None] * z2
    y = np.maximum(y, 1.0)  # at least one mention is always drawn
    return x / y


def percentile_interval(
    replicates: np.ndarray, *, level: float = 0.95, n_clusters: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per row of ``replicates`` (NaN replicates ignored; all-NaN rows give NaN).

    With ``n_clusters`` (participants behind each row), the *expanded*
    percentile interval of Hesterberg (2015) is used: the tail probability
    α/2 is replaced by Φ(√(k/(k−1)) · t_{α/2, k−1}), which corrects the
    narrowness of the plain percentile interval with few participants
    (e.g. 1.9 % and 98.1 % instead of 2.5 % and 97.5 % for k = 30).
    """
    reps = np.atleast_2d(replicates)
    rows = reps.shape[0]
    alpha = np.full(rows, (1 - level) / 2)
    if n_clusters is not None:
        k = np.asarray(n_clusters, dtype=float)
        ok_k = k >= 2
        if (1 - level) / 2 == _P95 and _whole(k[ok_k], 2, len(_ALPHA95) + 1):
            alpha[ok_k] = _ALPHA95[k[ok_k].astype(np.int64) - 2]  # the values below, stored
        else:
            t = t_quantile(np.where(ok_k, k - 1, 1), (1 - level) / 2)
            alpha = np.where(ok_k, _special().ndtr(np.sqrt(np.where(ok_k, k / np.maximum(k - 1, 1), 1)) * t), alpha)
    low = np.full(rows, np.nan)
    high = np.full(rows, np.nan)
    ok = ~np.all(np.isnan(reps), axis=1)
    for a in np.unique(alpha[ok]):
        sel = ok & (alpha == a)
        block = reps[sel]
        # np.quantile of rows without NaN gives nanquantile's numbers to the bit (the same partition and
        # interpolation), in one call instead of one per row (np.apply_along_axis)
        quantile = np.nanquantile if np.isnan(block).any() else np.quantile
        q = quantile(block, [a, 1 - a], axis=1)
        low[sel], high[sel] = q[0], q[1]
    return low, high


def bounded_t_interval(
    mean: np.ndarray, k: np.ndarray, *, lower: float = -1.0, upper: float = 1.0, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """A deliberately conservative interval for a mean of values bounded in [lower, upper].

    Uses the largest standard deviation a bounded variable can have,
    ``(upper - lower) / 2``, with Student's t on ``k - 1`` degrees of freedom
    (``k`` participants), clipped to the bounds. Used for small samples, where a
    percentile bootstrap over two or three participants can look falsely narrow.
    Rows with ``k < 2`` give NaN.
    """
    mean = np.asarray(mean, dtype=float)
    k = np.asarray(k, dtype=float)
    df = np.where(k >= 2, k - 1, np.nan)
    t = t_quantile(df, 1 - (1 - level) / 2)
    half = t * (upper - lower) / 2 / np.sqrt(np.where(k >= 2, k, np.nan))
    return np.clip(mean - half, lower, upper), np.clip(mean + half, lower, upper)


def nps_interval(
    n_promoters: np.ndarray, n_passives: np.ndarray, n_detractors: np.ndarray, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald interval for NPS on the −100 … 100 scale (Rocks 2016).

    Adds 3/4 of an observation to promoters and to detractors and 3/2 to
    passives (n + 3 in all), then uses the trinomial variance of the
    difference of two proportions, ``(p_P + p_D − (p_P − p_D)²) / n``,
    centred on the adjusted estimate and clipped to [−100, 100].
    """
    z = normal_quantile(1 - (1 - level) / 2)
    pro = np.asarray(n_promoters, dtype=float) + 0.75
    det = np.asarray(n_detractors, dtype=float) + 0.75
    n = pro + det + np.asarray(n_passives, dtype=float) + 1.5
    p_p, p_d = pro / n, det / n
    centre = p_p - p_d
    se = np.sqrt(np.maximum(p_p + p_d - centre**2, 0.0) / n)
    return np.clip(100 * (centre - z * se), -100, 100), np.clip(100 * (centre + z * se), -100, 100)


def wilson_interval(k: np.ndarray, n: np.ndarray, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions k/n (NaN where n == 0)."""
    z = normal_quantile(1 - (1 - level) / 2)
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def log_odds_ratio(k1, n1, k2, n2, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log odds ratio of group 1 versus group 2 with a Woolf interval.

    ``k`` of ``n`` units in each group have the feature. 0.5 is added to every
    cell (Haldane–Anscombe), so zero cells give finite, wide intervals.
    Returns (lor, low, high).
    """
    z = normal_quantile(1 - (1 - level) / 2)
    a = np.asarray(k1, float) + 0.5
    b = np.asarray(n1, float) - np.asarray(k1, float) + 0.5
    c = np.asarray(k2, float) + 0.5
    d = np.asarray(n2, float) - np.asarray(k2, float) + 0.5
    lor = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return lor, lor - z * se, lor + z * se


def lift(k1, n1, k2, n2, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ratio (k1/n1) / (k2/n2) with a Katz log interval (0.5 added to each count).

    Returns (lift, low, high); ``lift`` itself is computed with the 0.5
    correction too, so it is finite when a group has no mention.
    """
    z = normal_quantile(1 - (1 - level) / 2)
    a = np.asarray(k1, float) + 0.5
    c = np.asarray(k2, float) + 0.5
    m1 = np.asarray(n1, float) + 0.5
    m2 = np.asarray(n2, float) + 0.5
    log_rr = np.log((a / m1) / (c / m2))
    se = np.sqrt(np.maximum(1 / a - 1 / m1 + 1 / c - 1 / m2, 0.0))
    return np.exp(log_rr), np.exp(log_rr - z * se), np.exp(log_rr + z * se)
