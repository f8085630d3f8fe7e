"""Tests of cxaudit.compare.stats: cluster bootstrap, NPS, proportions, lift and log odds.

``python tests/test_stats.py --write-scipy-values`` regenerates cxaudit/compare/_scipy_values.py with the
installed SciPy.
"""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pandas as pd

from cxaudit.compare.drivers import nps
from cxaudit.compare.stats import (
    Z95,
    bounded_t_interval,
    cluster_bootstrap,
    lift,
    log_odds_ratio,
    nps_interval,
    percentile_interval,
    wilson_interval,
)
from cxaudit.compare.stats import _aggregate, normal_quantile, t_quantile
from cxaudit.compare import _scipy_values
from _compare_helpers import documents


def _talkative():
    """20 participants with one +0.5 mention each, one participant with 100 mentions at -0.5."""
    cluster = np.r_[np.arange(20), np.full(100, 20)]
    value = np.r_[np.full(20, 0.5), np.full(100, -0.5)]
    return np.zeros(len(value), int), cluster, value


def test_stats_bootstrap_resamples_participants_not_mentions():
    key, cluster, value = _talkative()
    est, reps = cluster_bootstrap(key, cluster, value, n_keys=1, n_boot=2000, rng=np.random.default_rng(1))
    assert est.loc[0, "n"] == 120 and est.loc[0, "n_clusters"] == 21
    assert est.loc[0, "mean"] == pytest.approx((20 * 0.5 - 100 * 0.5) / 120)
    low, high = percentile_interval(reps)
    # resampling sentences (each mention its own cluster) treats the 100 mentions as independent
    _, naive = cluster_bootstrap(key, np.arange(len(value)), value, n_keys=1, n_boot=2000, rng=np.random.default_rng(1))
    n_low, n_high = percentile_interval(naive)
    assert (high - low)[0] > 5 * (n_high - n_low)[0]
    # the talkative participant is absent from ~36 % of participant resamples: the interval reaches
    # the mean of the others (+0.5), which sentence resampling never does
    assert high[0] == pytest.approx(0.5) and n_high[0] < 0


def test_stats_bootstrap_participant_weight_gives_each_participant_one_vote():
    key, cluster, value = _talkative()
    est, reps = cluster_bootstrap(key, cluster, value, n_keys=1, n_boot=500, weight="participant")
    assert est.loc[0, "mean"] == pytest.approx((20 * 0.5 - 0.5) / 21)
    assert est.loc[0, "n"] == 120
    low, high = percentile_interval(reps)
    assert low[0] < est.loc[0, "mean"] < high[0]


def test_stats_bootstrap_normal_form_matches_exact_for_many_participants():
    rng = np.random.default_rng(3)
    n = 1500
    cluster = np.repeat(np.arange(n), 2)
    value = np.clip(rng.normal(0.1, 0.5, 2 * n), -1, 1)
    key = np.zeros(2 * n, int)
    _, exact = cluster_bootstrap(key, cluster, value, n_keys=1, n_boot=3000, rng=np.random.default_rng(0), max_exact=10**6)
    _, approx = cluster_bootstrap(key, cluster, value, n_keys=1, n_boot=3000, rng=np.random.default_rng(0), max_exact=100)
    (el, eh), (al, ah) = percentile_interval(exact), percentile_interval(approx)
    assert abs(el[0] - al[0]) < 0.006 and abs(eh[0] - ah[0]) < 0.006


def test_stats_bootstrap_keys_are_independent_and_empty_keys_are_nan():
    key = np.array([0, 0, 0, 2, 2, 2])
    cluster = np.array([0, 1, 2, 0, 1, 2])
    value = np.array([0.1, 0.2, 0.3, -0.5, -0.5, -0.5])
    est, reps = cluster_bootstrap(key, cluster, value, n_keys=3, n_boot=200)
    assert est["n"].tolist() == [3, 0, 3]
    assert np.isnan(est.loc[1, "mean"]) and np.isnan(reps[1]).all()
    assert np.allclose(reps[2], -0.5)
    assert reps[0].min() >= 0.1 and reps[0].max() <= 0.3


def test_stats_bootstrap_is_reproducible_with_a_seed():
    key, cluster, value = _talkative()
    a = cluster_bootstrap(key, cluster, value, n_keys=1, n_boot=100, rng=np.random.default_rng(7))[1]
    b = cluster_bootstrap(key, cluster, value, n_keys=1, n_boot=100, rng=np.random.default_rng(7))[1]
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"value": np.array([np.nan])}, "NaN"),
        ({"key": np.array([3])}, "keys must lie"),
        ({"weight": "sentence"}, "weight must be"),
    ],
)
def test_stats_bootstrap_rejects_bad_input(kwargs, message):
    args = {"key": np.array([0]), "cluster": np.array([0]), "value": np.array([0.1])} | kwargs
    weight = args.pop("weight", "mention")
    with pytest.raises(ValueError, match=message):
        cluster_bootstrap(args["key"], args["cluster"], args["value"], n_keys=1, weight=weight)


def test_stats_bounded_t_interval_is_wide_for_few_participants():
    low, high = bounded_t_interval(np.array([0.2, 0.2, 0.2]), np.array([1, 2, 50]))
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert low[1] == -1 and high[1] == 1  # t(1) = 12.7: the whole scale
    assert high[2] - low[2] == pytest.approx(2 * 2.0096 / math.sqrt(50), abs=1e-3)


def test_stats_nps_matches_hand_computed_values():
    scores = [10, 9, 9, 8, 7, 6, 0, 3, 10, 5, 9, 9]  # 6 promoters, 2 passives, 4 detractors
    table = nps(documents([f"d{i}" for i in range(len(scores))], score=scores, segment=["a"] * 6 + ["b"] * 6), group_col="segment")
    overall = table[table["group"] == "all"].iloc[0]
    assert (overall["n_promoters"], overall["n_passives"], overall["n_detractors"]) == (6, 2, 4)
    assert overall["nps"] == pytest.approx(100 * (6 - 4) / 12)
    seg_a = table[table["group"] == "a"].iloc[0]  # 10 9 9 8 7 6 -> 3 promoters, 2 passives, 1 detractor
    assert seg_a["nps"] == pytest.approx(100 * (3 - 1) / 6)
    assert overall["warning"] == "only 12 scores: wide interval"


def test_stats_nps_interval_is_adjusted_wald():
    low, high = nps_interval(np.array([4]), np.array([2]), np.array([4]))
    half = 100 * Z95 * math.sqrt((9.5 / 13) / 13)  # 4.75 + 4.75 of 13: centre 0
    assert low[0] == pytest.approx(-half) and high[0] == pytest.approx(half)


def test_stats_nps_rejects_scores_outside_0_to_10():
    with pytest.raises(ValueError, match="0 … 10"):
        nps(documents(["a", "b"], score=[3, 11]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=80))
def test_stats_nps_bounds_property(scores):
    row = nps(documents([f"d{i}" for i in range(len(scores))], score=scores)).iloc[0]
    pro = sum(s >= 9 for s in scores)
    det = sum(s <= 6 for s in scores)
    assert -100 <= row["nps"] <= 100
    assert row["nps"] == pytest.approx(100 * (pro - det) / len(scores))
    assert -100 <= row["ci_low"] <= row["ci_high"] <= 100
    assert row["ci_high"] - row["ci_low"] > 0  # never a zero-width interval, even for 1 score


def test_stats_log_odds_and_lift_match_hand_values():
    lor, low, high = log_odds_ratio(10, 20, 5, 25)
    assert lor == pytest.approx(math.log(10.5 * 20.5 / (10.5 * 5.5)))
    se = math.sqrt(1 / 10.5 + 1 / 10.5 + 1 / 5.5 + 1 / 20.5)
    assert (low, high) == (pytest.approx(lor - Z95 * se), pytest.approx(lor + Z95 * se))
    rr, rl, rh = lift(10, 20, 5, 25)
    assert rr == pytest.approx((10.5 / 20.5) / (5.5 / 25.5))
    assert rl < rr < rh


def test_stats_wilson_interval_known_value():
    low, high = wilson_interval(np.array([5]), np.array([10]))
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[0] == pytest.approx(0.7634, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6), st.sampled_from([0.1, -0.7, 1e16, -1e16, 3.0, 1e-9])),
                min_size=1, max_size=200))
def test_stats_pair_sums_equal_pandas_groupby(rows):
    """The sort-based (key, cluster) sums are pandas' groupby sums, in the same order: the same pairs and counts
    exactly, and sums within rounding even where values of 1e16 and 0.1 cancel. Not to the bit: pandas 3.1 adds a
    group's values in another order than row order ([-0.7, -0.7, 1e16] gives 1e16 there and 9999999999999998, the
    correctly rounded sum, here; [-0.0001, 0.0001, 0.0002] differs in the last bit)."""
    _assert_pair_sums_close(rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6),
                          st.integers(-10_000, 10_000).map(lambda x: x / 10_000)), min_size=1, max_size=300))
def test_stats_pair_sums_of_polarities_equal_pandas_groupby(rows):
    """The same on what the function is given: polarities in [-1, 1] with four decimals, as the tagger rounds them."""
    _assert_pair_sums_close(rows)


def _assert_pair_sums_close(rows) -> None:
    key, cluster, value = (np.array(c) for c in zip(*rows))
    cluster = pd.factorize(cluster)[0]
    agg = pd.DataFrame({"k": key, "c": cluster, "v": value}).groupby(["k", "c"], sort=True)["v"].agg(["sum", "count"])
    pair_key, s, c = _aggregate(key, cluster, value)
    assert np.array_equal(pair_key, agg.index.get_level_values("k").to_numpy())
    assert np.array_equal(c, agg["count"].to_numpy(float))
    step = np.spacing(np.abs(value).max()) * len(value)  # a rounding step of the largest value, per addition
    assert np.all(np.abs(s - agg["sum"].to_numpy(float)) <= step), (s, agg["sum"].to_numpy(float))


# -- SciPy's values, stored (no SciPy import in the compare stage) ------------------------------

#: degrees of freedom and participants stored in cxaudit/compare/_scipy_values.py
N_STORED = 1000
P_LOW = (1 - 0.95) / 2


def scipy_values_source() -> str:
    """The text of cxaudit/compare/_scipy_values.py, computed with the installed SciPy."""
    import scipy
    from scipy import special

    df = np.arange(1, N_STORED + 1, dtype=float)
    k = np.arange(2, N_STORED + 2, dtype=float)
    t975 = special.stdtrit(df, 1 - P_LOW)
    alpha = special.ndtr(np.sqrt(k / np.maximum(k - 1, 1)) * special.stdtrit(k - 1, P_LOW))  # as percentile_interval

    def block(name, values, comment):
        rows = [" ".join(f"{float(v)!r}," for v in values[i:i + 4]) for i in range(0, len(values), 4)]
        return "\n".join([f"#: {comment}", f"{name} = (", *("    " + r for r in rows), ")"])

    doc = _scipy_values.__doc__.split("\n", 1)[1].split("\n", 3)[3]  # the docstring after its first three lines
    return "\n".join([
        '"""Values of SciPy\'s special functions that the compare stage uses, stored so that it does not import SciPy.',
        "",
        f"Generated with SciPy {scipy.__version__} by ``python tests/test_stats.py --write-scipy-values``; "
        "``tests/test_stats.py``",
        "checks every value against the installed SciPy, to the bit." + "\n" + doc.rstrip("\n"),
        '"""', "", "from __future__ import annotations", "",
        "#: ``scipy.special.ndtri(0.975)``: the normal quantile of a 95 % interval",
        f"Z975 = {float(special.ndtri(0.975))!r}", "",
        block("T975", t975, f"``scipy.special.stdtrit(df, 0.975)`` for df = 1 … {N_STORED}; "
                            "``stdtrit(df, 0.025…)`` is its negation, to the bit"), "",
        block("ALPHA95", alpha, f"``ndtr(sqrt(k / (k - 1)) * stdtrit(k - 1, (1 - 0.95) / 2))`` for k = 2 … "
                                f"{N_STORED + 1} (:func:`~cxaudit.compare.stats.percentile_interval`)"), ""])


def _bits(x) -> np.ndarray:
    return np.nan_to_num(np.asarray(x, dtype=float), nan=7.0).view(np.int64)


def test_stats_stored_scipy_values_are_scipys_to_the_bit():
    special = pytest.importorskip("scipy.special")
    df = np.arange(1, N_STORED + 1, dtype=float)
    k = df + 1
    assert _scipy_values.Z975 == float(special.ndtri(0.975)) == Z95
    assert np.array_equal(_bits(_scipy_values.T975), _bits(special.stdtrit(df, 0.975)))
    assert np.array_equal(_bits(-np.array(_scipy_values.T975)), _bits(special.stdtrit(df, P_LOW)))
    alpha = special.ndtr(np.sqrt(k / np.maximum(k - 1, 1)) * special.stdtrit(k - 1, P_LOW))
    assert np.array_equal(_bits(_scipy_values.ALPHA95), _bits(alpha))


@pytest.mark.parametrize("p", [P_LOW, 1 - P_LOW, 0.975, 0.05, 0.995])
def test_stats_t_and_normal_quantiles_are_scipys_to_the_bit(p):
    """Stored values where they exist (whole df up to 1,000 at a 95 % interval's tails), SciPy elsewhere."""
    special = pytest.importorskip("scipy.special")
    for df in (np.arange(1, N_STORED + 1, dtype=float), np.r_[np.nan, 1.0, 7.0, np.nan],
               np.r_[1.0, 2.5, 40.0], np.arange(1, 3 * N_STORED, 7, dtype=float), np.array(12.0)):
        assert np.array_equal(_bits(t_quantile(df, p)), _bits(special.stdtrit(df, p))), (p, df)
    assert normal_quantile(p) == float(special.ndtri(p))


def _percentile_interval_with_scipy(reps, level, k):
    """percentile_interval as it was written before the stored values: SciPy's tails, nanquantile per row."""
    special = pytest.importorskip("scipy.special")
    alpha = np.full(reps.shape[0], (1 - level) / 2)
    ok_k = k >= 2
    t = special.stdtrit(np.where(ok_k, k - 1, 1), (1 - level) / 2)
    alpha = np.where(ok_k, special.ndtr(np.sqrt(np.where(ok_k, k / np.maximum(k - 1, 1), 1)) * t), alpha)
    low, high = np.full(reps.shape[0], np.nan), np.full(reps.shape[0], np.nan)
    ok = ~np.all(np.isnan(reps), axis=1)
    for a in np.unique(alpha[ok]):
        sel = ok & (alpha == a)
        q = np.nanquantile(reps[sel], [a, 1 - a], axis=1)
        low[sel], high[sel] = q[0], q[1]
    return low, high


def test_stats_percentile_interval_is_the_same_to_the_bit_as_with_scipy_and_nanquantile():
    rng = np.random.default_rng(11)
    for trial in range(120):
        rows = int(rng.integers(1, 40))
        reps = rng.normal(size=(rows, 300))
        if trial % 3 == 0:
            reps[rng.integers(0, rows)] = np.nan  # a key with no mention
        if trial % 4 == 0:
            reps[0, : rng.integers(1, 250)] = np.nan  # NaN replicates in a row: nanquantile's path
        k = rng.integers(0, 1400 if trial % 2 else 300, size=rows).astype(float)
        for level in (0.95, 0.9):
            got = percentile_interval(reps, level=level, n_clusters=k)
            want = _percentile_interval_with_scipy(reps, level, k)
            for g, w in zip(got, want):
                assert np.array_equal(_bits(g), _bits(w)), (trial, level)
        got = percentile_interval(reps)
        assert np.array_equal(_bits(got[0]), _bits(np.where(np.all(np.isnan(reps), axis=1), np.nan,
                                                            np.nanquantile(reps, P_LOW, axis=1))))


def test_stats_compare_stage_imports_no_scipy():
    code = ("import sys, warnings; warnings.simplefilter('ignore')\n"
            "sys.path.insert(0, 'tests')\n"
            "from _compare_helpers import simulate_audit, sentences_for, feelings\n"
            "from cxaudit.compare import compare\n"
            "docs, t = simulate_audit({'humanic.staff': 0.5, 'functional.billing': -0.4}, n_participants=30, seed=2)\n"
            "out = compare(docs, sentences_for(t), t, feelings([]), n_boot=50)\n"
            "assert len(out['gaps']) and out['gaps']['ci_low'].notna().any()\n"
            "print(sorted(m for m in ('scipy', 'duckdb') if m in sys.modules))")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"



@pytest.mark.parametrize("chunk", [1, 7, 1000, 4_000_000])
def test_stats_bootstrap_replicates_do_not_depend_on_the_chunk_size(monkeypatch, chunk):
    """The draws are taken chunk by chunk from one stream: any chunk size gives the same replicates."""
    from cxaudit.compare import stats

    rng = np.random.default_rng(3)
    key = rng.integers(0, 6, size=900)
    cluster = rng.integers(0, 120, size=900)
    value = rng.uniform(-1, 1, size=900)
    _, want = cluster_bootstrap(key, cluster, value, n_keys=7, n_boot=301, rng=np.random.default_rng(9))
    monkeypatch.setattr(stats, "_CHUNK", chunk)
    _, got = cluster_bootstrap(key, cluster, value, n_keys=7, n_boot=301, rng=np.random.default_rng(9))
    assert np.array_equal(_bits(got), _bits(want))

if __name__ == "__main__" and "--write-scipy-values" in sys.argv:
    target = Path(__file__).resolve().parent.parent / "cxaudit" / "compare" / "_scipy_values.py"
    target.write_text(scipy_values_source(), encoding="utf-8")
    print(f"written {target}")
