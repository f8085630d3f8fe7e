"""Agreement statistics checked against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.clues.agree import agreement, cohen_kappa, krippendorff_alpha, read_coding

UNITS = ["s1", "s2", "s3", "s4", "s5", "s6"]


def _coding(pairs):
    return pd.DataFrame(pairs, columns=["sentence_id", "code"])


@pytest.fixture()
def table():
    # reference a: X on s1 s2 s3 (s1 twice: two spans count once), Y on s5
    a = _coding([("s1", "X"), ("s1", "X"), ("s2", "X"), ("s3", "X"), ("s5", "Y")])
    # coder b: X on s1 s2 s4, no Y
    b = _coding([("s1", "X"), ("s2", "X"), ("s4", "X")])
    return agreement(a, b, codes=["X", "Y", "Z"], units=UNITS).set_index("code")


def test_agree_code_x_matches_hand_computation(table):
    row = table.loc["X"]
    # tp = s1,s2 ; fp = s4 ; fn = s3 ; tn = s5,s6 ; n = 6
    assert (row.tp, row.fp, row.fn, row.tn, row.n_units) == (2, 1, 1, 2, 6)
    assert (row.support, row.predicted) == (3, 3)
    # p_o = 4/6 ; p_a = p_b = 3/6 ; p_e = .5*.5 + .5*.5 = .5 ; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert row.observed_agreement == pytest.approx(4 / 6)
    assert row.kappa == pytest.approx(1 / 3)
    # coincidences (2 coders, weight 1 per unit): (1,1)x2 -> o11 = 4 ; (0,0)x2 -> o00 = 4 ;
    # (1,0),(0,1) -> o01 = o10 = 2 ; n1 = n0 = 6, n = 12
    # alpha = 1 - (n-1) * sum_{c!=k} o / sum_{c!=k} n_c n_k = 1 - 11*4 / (2*36) = 28/72
    assert row.alpha == pytest.approx(28 / 72)
    # precision = 2/3, recall = 2/3, f1 = 2*2 / (2*2 + 1 + 1) = 2/3
    assert row.precision == pytest.approx(2 / 3)
    assert row.recall == pytest.approx(2 / 3)
    assert row.f1 == pytest.approx(2 / 3)


def test_agree_code_never_predicted_matches_hand_computation(table):
    row = table.loc["Y"]
    # tp 0, fp 0, fn 1 (s5), tn 5
    assert (row.tp, row.fp, row.fn, row.tn) == (0, 0, 1, 5)
    # p_o = 5/6 ; p_a = 1/6, p_b = 0 ; p_e = 0 + 5/6 * 1 = 5/6 ; kappa = 0 / (1/6) = 0
    assert row.kappa == pytest.approx(0.0)
    # o00 = 10, o01 = o10 = 1 ; n0 = 11, n1 = 1, n = 12 ; alpha = 1 - 11*2 / (2*11*1) = 0
    assert row.alpha == pytest.approx(0.0)
    assert math.isnan(row.precision)  # 0 / 0: b never used the code
    assert row.recall == 0.0 and row.f1 == 0.0


def test_agree_unused_code_is_undefined_not_perfect(table):
    row = table.loc["Z"]
    # nobody used Z: every unit is an agreement on absence, p_e = 1, kappa = 0/0
    assert row.tn == 6 and row.observed_agreement == 1.0
    assert math.isnan(row.kappa) and math.isnan(row.alpha)
    assert math.isnan(row.precision) and math.isnan(row.recall) and math.isnan(row.f1)


def test_agree_overall_row_pools_decisions(table):
    row = table.loc["overall"]
    assert row.level == "overall"
    # 3 codes x 6 units = 18 decisions: tp 2, fp 1, fn 2, tn 13
    assert (row.tp, row.fp, row.fn, row.tn, row.n_units) == (2, 1, 2, 13, 18)
    # p_o = 15/18 ; p_a = 4/18 ; p_b = 3/18 ; p_e = (4*3 + 14*15) / 324 = 222/324
    # kappa = (270 - 222) / (324 - 222) = 48/102
    assert row.kappa == pytest.approx(48 / 102)
    # o11 = 4, o01 = o10 = 3, o00 = 26 ; n1 = 7, n0 = 29, n = 36
    # alpha = 1 - 35*6 / (2*7*29) = 1 - 210/406
    assert row.alpha == pytest.approx(1 - 210 / 406)
    # micro P = 2/3, R = 2/4, F1 = 4 / (4 + 1 + 2)
    assert row.precision == pytest.approx(2 / 3)
    assert row.recall == pytest.approx(0.5)
    assert row.f1 == pytest.approx(4 / 7)


def test_agree_universe_defaults_to_union_of_units():
    a = _coding([("s1", "X"), ("s2", "X")])
    b = _coding([("s1", "X"), ("s3", "X")])
    row = agreement(a, b).set_index("code").loc["X"]
    # universe s1 s2 s3: tp s1, fn s2, fp s3, tn none
    assert (row.tp, row.fp, row.fn, row.tn) == (1, 1, 1, 0)
    # p_o = 1/3 ; p_a = p_b = 2/3 ; p_e = 4/9 + 1/9 = 5/9 ; kappa = (3/9 - 5/9) / (4/9) = -1/2
    assert row.kappa == pytest.approx(-0.5)


def test_agree_identical_codings_with_variance_are_perfect():
    a = _coding([("s1", "X"), ("s2", "Y"), ("s3", "X")])
    row = agreement(a, a.copy(), units=UNITS).set_index("code")
    assert row.loc["X", "kappa"] == pytest.approx(1.0)
    assert row.loc["X", "alpha"] == pytest.approx(1.0)
    assert row.loc["overall", "f1"] == pytest.approx(1.0)


def test_agree_both_coders_always_present_is_nan():
    a = _coding([("s1", "X"), ("s2", "X")])
    row = agreement(a, a.copy()).set_index("code").loc["X"]
    assert row.observed_agreement == 1.0
    assert math.isnan(row.kappa)  # no variance: undefined, not 1


def test_agree_missing_column_is_a_clear_error():
    a = _coding([("s1", "X")])
    b = pd.DataFrame({"sentence_id": ["s1"], "label": ["X"]})
    with pytest.raises(ValueError, match=r"coding 'b' lacks column\(s\) \['code'\]"):
        agreement(a, b)


def test_agree_reads_paths(tmp_path):
    a = _coding([("s1", "X"), ("s2", "X")])
    b = _coding([("s1", "X")])
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_json(tmp_path / "b.jsonl", orient="records", lines=True)
    from_files = agreement(tmp_path / "a.csv", tmp_path / "b.jsonl")
    in_memory = agreement(a, b)
    pd.testing.assert_frame_equal(from_files, in_memory)
    with pytest.raises(ValueError, match="expected a .csv"):
        read_coding(tmp_path / "a.txt")


def test_agree_krippendorff_published_nominal_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    # 4 observers x 12 units, nominal data with missing values; alpha = 0.743
    n = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert round(krippendorff_alpha(data), 3) == 0.743


def test_agree_krippendorff_small_hand_example():
    # 2 coders, 4 units: (a,a) (a,b) (b,b) (b,None)
    # o_aa = 2, o_ab = o_ba = 1, o_bb = 2 (last unit unpairable) ; n_a = n_b = 3, n = 6
    # alpha = 1 - 5 * 2 / (2 * 9) = 8/18
    data = [["a", "a", "b", "b"], ["a", "b", "b", None]]
    assert krippendorff_alpha(data) == pytest.approx(8 / 18)
    assert math.isnan(krippendorff_alpha([["a", "a"], ["a", "a"]]))
    assert math.isnan(krippendorff_alpha([["a", None], [None, "b"]]))
    with pytest.raises(ValueError, match="nominal"):
        krippendorff_alpha(data, level="interval")


def test_agree_cohen_kappa_degenerate():
    assert math.isnan(cohen_kappa(0, 0, 0, 0))
    assert math.isnan(cohen_kappa(5, 0, 0, 0))
    assert cohen_kappa(0, 3, 3, 0) == pytest.approx(-1.0)


pairs = st.sets(st.tuples(st.sampled_from(UNITS), st.sampled_from(["X", "Y", "Z"])), max_size=12)


@settings(max_examples=60, deadline=None)
@given(pairs, pairs)
def test_agree_properties(pa, pb):
    a, b = _coding(sorted(pa)), _coding(sorted(pb))
    ab = agreement(a, b, codes=["X", "Y", "Z"], units=UNITS).set_index("code")
    ba = agreement(b, a, codes=["X", "Y", "Z"], units=UNITS).set_index("code")
    # kappa and alpha are symmetric; precision of b against a is recall of a against b
    pd.testing.assert_series_equal(ab.kappa, ba.kappa)
    pd.testing.assert_series_equal(ab.alpha, ba.alpha)
    pd.testing.assert_series_equal(ab.precision, ba.recall, check_names=False)
    assert (ab.tp + ab.fp + ab.fn + ab.tn == ab.n_units).all()
    assert ((ab.kappa.dropna() <= 1 + 1e-12) & (ab.kappa.dropna() >= -1 - 1e-12)).all()
    # self-agreement is perfect wherever it is defined
    aa = agreement(a, a, codes=["X", "Y", "Z"], units=UNITS)
    assert np.allclose(aa.kappa.dropna(), 1.0) and np.allclose(aa.alpha.dropna(), 1.0)
