"""Change between audit waves, per dimension, with an interval and a beyond-noise flag.

Participants are resampled *within each wave* (the waves are independent
samples), so the replicate change is the difference of two independent
cluster-bootstrap replicates and its percentile interval is the interval of
the change. ``beyond_noise`` is true when that interval excludes 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import CURRENT_MODES, MISSING, TOUCHPOINT_LENSES, group_mentions
from cxaudit.compare.gaps import boot_dimensions
from cxaudit.compare.stats import percentile_interval, t_quantile
from cxaudit.compare.tables import WAVES
from cxaudit.schemas import conform

__all__ = ["wave_change", "wave_pairs"]

_DIM = ["lens", "level", "dimension"]


def wave_pairs(documents: pd.DataFrame, waves=None) -> list[tuple[str, str]]:
    """Consecutive pairs of ``waves`` (default: the distinct non-null documents.wave values, sorted)."""
    if waves is None:
        waves = sorted(documents["wave"].dropna().astype(str).unique()) if "wave" in documents else []
    waves = [str(w) for w in waves]
    return list(zip(waves[:-1], waves[1:]))


def _half_width(k: np.ndarray) -> np.ndarray:
    """Worst-case 95 % t half-width of a mean of values in [-1, 1] over k participants (NaN for k < 2)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k >= 2, t_quantile(np.where(k >= 2, k - 1, 1), 0.975) / np.sqrt(k), np.nan)


def _warning(n_a, n_b, k_a, k_b, a, b, min_participants) -> str | None:
    if n_a == 0 or n_b == 0:
        return f"not mentioned in wave {a if n_a == 0 else b}"
    if min(k_a, k_b) < 2:
        return f"only {min(k_a, k_b)} participant in wave {a if k_a < 2 else b}: no interval"
    if min(k_a, k_b) < min_participants:
        return f"only {k_a} and {k_b} participants in waves {a} and {b}: interval widened"
    return None


def wave_change(
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    waves=None,
    lenses=None,
    n_boot: int = 1000,
    seed: int = 0,
    current_modes=CURRENT_MODES,
    min_participants: int = 5,
    touchpoint_lenses=TOUCHPOINT_LENSES,
) -> pd.DataFrame:
    """Change in current performance per dimension between consecutive waves.

    In: TAGS, DOCUMENTS (doc_id, participant, wave). ``waves``: the ordered
    waves to compare (default: every distinct wave, sorted, consecutive
    pairs; pass two to compare just those). Out: the
    :data:`~cxaudit.compare.tables.WAVES` schema. Dimensions missing from a
    wave get null change; waves with fewer than ``min_participants``
    participants get an interval widened by the worst-case t half-widths and a
    warning; fewer than two participants, no interval.
    """
    pairs = wave_pairs(documents, waves)
    if not pairs or "wave" not in documents:
        return conform(pd.DataFrame(columns=WAVES.names), WAVES)
    m = group_mentions(tags, documents, lenses=lenses, group_col="wave", touchpoint_lenses=touchpoint_lenses, overall=False)
    m = m[(m["group_by"] == "wave") & (m["group"] != MISSING) & m["mode"].isin(list(current_modes))]
    keys = m.groupby(_DIM + ["group"], sort=True)["clue_type"].first().reset_index()
    est, reps = boot_dimensions(m, keys, _DIM + ["group"], n_boot=n_boot, rng=np.random.default_rng(seed))
    keys = pd.concat([keys, est], axis=1)
    keys["row"] = np.arange(len(keys))
    frames = []
    for a, b in pairs:
        side = lambda w: keys[keys["group"] == w].set_index(_DIM)  # noqa: E731
        j = side(a).merge(side(b), how="outer", left_index=True, right_index=True, suffixes=("_a", "_b")).reset_index()
        frames.append(_pair_rows(j, reps, a, b, min_participants))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=WAVES.names)
    return conform(out, WAVES)


def _pair_rows(j: pd.DataFrame, reps: np.ndarray, a: str, b: str, min_participants: int) -> pd.DataFrame:
    """Rows of the waves table for one pair of waves from the outer join of both waves' estimates."""
    n_a, n_b = j["n_a"].fillna(0).astype(int).to_numpy(), j["n_b"].fillna(0).astype(int).to_numpy()
    k_a, k_b = j["n_clusters_a"].fillna(0).astype(int).to_numpy(), j["n_clusters_b"].fillna(0).astype(int).to_numpy()
    change = (j["mean_b"] - j["mean_a"]).to_numpy(float)
    both = (n_a > 0) & (n_b > 0)
    diff = np.full((len(j), reps.shape[1]), np.nan)
    ra, rb = j["row_a"].to_numpy(), j["row_b"].to_numpy()
    diff[both] = reps[rb[both].astype(int)] - reps[ra[both].astype(int)]
    low, high = percentile_interval(diff, n_clusters=np.minimum(k_a, k_b))
    half = np.sqrt(_half_width(k_a) ** 2 + _half_width(k_b) ** 2)
    small = np.minimum(k_a, k_b) < min_participants
    low = np.where(small, np.fmin(low, change - half), low)
    high = np.where(small, np.fmax(high, change + half), high)
    none = np.minimum(k_a, k_b) < 2
    low[none], high[none] = np.nan, np.nan
    return pd.DataFrame(
        {
            **{c: j[c] for c in _DIM},
            "clue_type": j["clue_type_a"].astype(object).fillna(j["clue_type_b"].astype(object)).fillna("none"),
            "wave_from": a, "wave_to": b,
            "n_from": n_a, "n_to": n_b, "participants_from": k_a, "participants_to": k_b,
            "current_from": j["mean_a"], "current_to": j["mean_b"], "change": change,
            "ci_low": low, "ci_high": high,
            "beyond_noise": ~np.isnan(low) & ((low > 0) | (high < 0)),
            "warning": [_warning(*v, a, b, min_participants) for v in zip(n_a, n_b, k_a, k_b)],
        }
    )
