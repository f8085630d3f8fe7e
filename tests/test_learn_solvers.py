"""cxaudit.clues.learned.solvers: each fit solves the same problem as the scikit-learn call it replaced.

scikit-learn is a test-only dependency (the core installs without it): here it is the reference. The
problems are small but of the learned tagger's shape: sparse, more features than rows, a few rows with
no feature at all, classes of unequal size.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from cxaudit.clues.learned import solvers


def _problem(seed: int, n: int = 120, d: int = 400, density: float = 0.03):
    rng = np.random.default_rng(seed)
    X = sparse.random(n, d, density=density, format="csr", random_state=seed)
    X.data = np.round(X.data * 3, 2)  # tf-idf-like weights
    X = (sparse.diags((np.arange(n) >= 3).astype(float)) @ X).tocsr()  # rows 0-2 have no feature: only the
    X.eliminate_zeros()                                                 # intercept scores them
    truth = rng.normal(size=d)
    y = (np.asarray(X @ truth).ravel() + rng.normal(scale=0.5, size=n) > 0.3).astype(int)
    return X, y


def _objective(X, y, C, w, b):
    s = np.where(y > 0, 1.0, -1.0)
    m = np.asarray(X @ w).ravel() + b
    return 0.5 * (w @ w + b * b) + C * float((np.maximum(0.0, 1.0 - s * m) ** 2).sum())


@pytest.mark.parametrize("C,tol,gap", [(0.05, None, 1e-5), (0.2, None, 1e-5), (0.5, None, 1e-5),  # the tagger's grid
                                        (5.0, 1e-8, 1e-7)])                                         # asked for more
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_svm_reaches_the_minimum_liblinear_approaches(C, tol, gap, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    X, y = _problem(seed)
    w, b = solvers.linear_svm(X, y, C) if tol is None else solvers.linear_svm(X, y, C, tol=tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = LinearSVC(C=C, tol=1e-8, max_iter=100_000).fit(X, y)
    ours, theirs = _objective(X, y, C, w, b), _objective(X, y, C, ref.coef_[0], ref.intercept_[0])
    assert ours <= theirs * (1 + gap)  # the same strongly convex problem: no worse a point
    np.testing.assert_allclose(w, ref.coef_[0], atol=2e-3 * max(1.0, np.abs(w).max()))
    assert b == pytest.approx(ref.intercept_[0], abs=2e-3 * max(1.0, abs(b)))
    assert ((np.asarray(X @ w).ravel() + b > 0) == (ref.decision_function(X) > 0)).mean() >= 0.99


def test_linear_svm_gradient_vanishes_at_its_answer_and_dense_input_gives_the_same():
    X, y = _problem(7)
    C = 0.3
    w, b = solvers.linear_svm(X, y, C)
    s = np.where(y > 0, 1.0, -1.0)
    m = np.asarray(X @ w).ravel() + b
    r = np.where(1 - s * m > 0, m - s, 0.0)
    grad = np.append(w + 2 * C * np.asarray(X.T @ r).ravel(), b + 2 * C * r.sum())
    assert np.abs(grad).max() < 1e-4
    wd, bd = solvers.linear_svm(X.toarray(), y, C)
    np.testing.assert_allclose(wd, w, atol=1e-6)
    assert bd == pytest.approx(b, abs=1e-6)


def test_linear_svm_separates_a_separable_toy_problem():
    X = sparse.csr_matrix(np.array([[1, 0], [2, 0], [0, 1], [0, 2.0]]))
    w, b = solvers.linear_svm(X, np.array([1, 1, 0, 0]), 10.0)
    assert (np.asarray(X @ w).ravel() + b > 0).tolist() == [True, True, False, False]
    assert w[0] > 0 > w[1]


@pytest.mark.parametrize("seed", [0, 3])
def test_platt_matches_logistic_regression_at_c_100(seed):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    margin = rng.normal(size=300)
    y = (rng.random(300) < 1 / (1 + np.exp(-(1.7 * margin - 0.4)))).astype(int)
    a, b = solvers.platt(margin, y)
    ref = LogisticRegression(C=100.0, tol=1e-10, max_iter=10_000).fit(margin.reshape(-1, 1), y)
    assert a == pytest.approx(ref.coef_[0, 0], abs=1e-4)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-4)
    assert 1.0 < a < 2.5  # and it recovers the slope the labels were drawn with


@pytest.mark.parametrize("n,folds,seed", [(10, 5, 0), (23, 5, 1), (101, 3, 42), (5, 5, 7)])
def test_kfold_gives_scikit_learns_shuffled_splits(n, folds, seed):
    from sklearn.model_selection import KFold

    ours = solvers.kfold(n, folds, seed)
    theirs = list(KFold(folds, shuffle=True, random_state=seed).split(np.zeros(n)))
    assert len(ours) == len(theirs) == folds
    for (tr, te), (rtr, rte) in zip(ours, theirs):
        assert tr.tolist() == rtr.tolist() and te.tolist() == rte.tolist()


@given(st.lists(st.sampled_from("abcdefghij"), min_size=4, max_size=60), st.integers(2, 4))
@settings(max_examples=60, deadline=None)
def test_group_kfold_never_splits_a_group_and_covers_every_row_once(groups, folds):
    folds = min(folds, len(set(groups)))
    if folds < 2:
        return
    splits = solvers.group_kfold(groups, folds)
    tests = np.concatenate([te for _, te in splits])
    assert sorted(tests.tolist()) == list(range(len(groups)))
    for train, test in splits:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(groups)))


def test_group_kfold_gives_scikit_learns_folds():
    from sklearn.model_selection import GroupKFold

    rng = np.random.default_rng(5)
    groups = [f"s{int(g)}" for g in rng.integers(0, 40, size=200)]
    ours = solvers.group_kfold(groups, 5)
    theirs = list(GroupKFold(5).split(np.zeros(len(groups)), groups=groups))
    assert sorted(sorted(te.tolist()) for _, te in ours) == sorted(sorted(te.tolist()) for _, te in theirs)


def test_group_kfold_refuses_more_folds_than_groups():
    with pytest.raises(ValueError, match="3 folds but only 2 groups"):
        solvers.group_kfold(["a", "b", "a"], 3)


def test_randomized_svd_finds_the_leading_singular_triplets():
    from sklearn.utils.extmath import randomized_svd

    # a symmetric matrix with a decaying spectrum (as PPMI has) plus sparse noise, stored sparse
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(300, 30)))
    noise = sparse.random(300, 300, density=0.02, random_state=1, format="csr") * 0.01
    M = sparse.csr_matrix(Q * (10 * 0.8 ** np.arange(30)) @ Q.T) + noise + noise.T
    U, S, Vt = solvers.randomized_svd(M, 10, seed=3)
    exact = np.linalg.svd(M.toarray(), compute_uv=False)[:10]
    np.testing.assert_allclose(S, exact, rtol=1e-3)
    assert np.allclose(U.T @ U, np.eye(10), atol=1e-8) and np.allclose(Vt @ Vt.T, np.eye(10), atol=1e-8)
    assert np.abs(U).max(axis=0).tolist() == U[np.abs(U).argmax(axis=0), np.arange(10)].tolist()  # signs fixed
    rU, rS, rVt = randomized_svd(M, 10, n_iter=5, random_state=3)
    np.testing.assert_allclose(S, rS, rtol=1e-10)
    np.testing.assert_allclose(U, rU, atol=1e-8)  # the same draws, normalisation and signs
    np.testing.assert_allclose(Vt, rVt, atol=1e-8)


def test_fitting_the_ngram_tagger_imports_no_scikit_learn(tmp_path):
    """The core installs without scikit-learn: a fit with cross-validation, Platt scaling, thresholds and a
    word space (unlabelled text) runs with it blocked, and predicts what it learned."""
    code = r"""
import sys
for name in ("sklearn", "joblib", "narwhals"):
    sys.modules[name] = None
import itertools
import pandas as pd
from cxaudit.clues.learned import LearnedTagger, LearnedTaggerConfig

who = ["The waiter", "Our server", "The staff", "The host", "The barman"]
good, bad = ["was friendly", "was kind and polite", "was helpful"], ["was rude", "was unhelpful", "ignored us"]
cost = ["The bill", "The prices", "The wine list", "The menu"]
cheap, dear = ["was cheap", "was fair value"], ["was expensive", "was overpriced", "cost far too much"]
rows = [(f"{a} {v}.", "staff", "positive") for a, v in itertools.product(who, good)]
rows += [(f"{a} {v}.", "staff", "negative") for a, v in itertools.product(who, bad)]
rows += [(f"{a} {v}.", "price", "positive") for a, v in itertools.product(cost, cheap)]
rows += [(f"{a} {v}.", "price", "negative") for a, v in itertools.product(cost, dear)]
coded = pd.DataFrame(rows * 3, columns=["text", "code", "polarity"])
unlabelled = [t for t, _, _ in rows] * 2
tagger = LearnedTagger(LearnedTaggerConfig(seed=0)).fit(coded, unlabelled=unlabelled)
texts = ["The waiter was rude.", "The prices were cheap."]
codes = tagger.predict_proba(texts).idxmax(axis=1).tolist()
feel = tagger.polarity_proba(texts, codes).idxmax(axis=1).tolist()
print(sorted(m for m in ("sklearn", "joblib", "narwhals") if sys.modules.get(m) is not None))
print(codes, feel)
print(tagger.report_.n_sentences, sorted(tagger.bundle_.code_model.cv))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "[]"
    assert lines[1] == "['staff', 'price'] ['negative', 'positive']"
    assert lines[2].startswith("50 ") and "'micro_f1'" in lines[2]  # repeated rows counted once; cross-validated
