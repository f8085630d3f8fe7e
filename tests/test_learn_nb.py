"""Naive-Bayes-scaled n-grams of the code SVMs (NBSVM, ``LearnedTaggerConfig(nb_weight=...)``):
known ratios on hand-made matrices, the folded prediction equals the SVM it was fitted as, and a tagger
trained with it learns a hand-made coding and survives its model folder."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from cxaudit.clues.learned import LearnedTagger, LearnedTaggerConfig, TaggerConfigError
from cxaudit.clues.learned.classifiers import _fit_binary, fit_codes, nb_block, nb_margins, nb_ratios


def test_learn_nb_ratios_are_the_smoothed_log_count_ratios():
    B = sparse.csr_matrix(np.array([[1, 0], [1, 1], [0, 1]], dtype=float))
    r = nb_ratios(B, np.array([1, 1, 0]))
    # positives: counts 2, 1 (+1 each) → 3/5, 2/5; negatives: 0, 1 (+1 each) → 1/3, 2/3
    assert r == pytest.approx([math.log(0.6 / (1 / 3)), math.log(0.4 / (2 / 3))])
    assert r[0] > 0 > r[1]  # the first column goes with the code, the second against it


def test_learn_nb_block_is_binary_times_ratio_and_row_normalised():
    X = sparse.csr_matrix(np.array([[0.3, 0.0, 0.9], [0.0, 0.0, 0.5], [0.2, 0.7, 0.0]]))
    r = np.array([2.0, -1.0])  # only the first two columns are n-grams
    N = nb_block(X, r).toarray()
    assert N.shape == (3, 2)
    assert N[0] == pytest.approx([1.0, 0.0])            # binary 1 × 2, normalised
    assert N[1] == pytest.approx([0.0, 0.0])            # no n-gram: an empty row, not NaN
    assert N[2] == pytest.approx(np.array([2.0, -1.0]) / math.sqrt(5.0))


def test_learn_nb_folded_margins_equal_the_svm_fitted_on_the_stacked_features():
    rng = np.random.default_rng(0)
    X = sparse.random(60, 12, density=0.3, random_state=1, format="csr")
    y = (np.asarray(X[:, 0].todense()).ravel() + rng.normal(0, 0.1, 60) > 0.1).astype(int)
    model = fit_codes(X, y[:, None], c_grid=(0.5,), folds=1, seed=0, tune=False, default_threshold=0.5,
                      nb_columns=8, nb_weight=0.7)
    r = nb_ratios(nb_block(X, np.ones(8)).sign(), y)
    stacked = sparse.hstack([X, 0.7 * nb_block(X, r)]).tocsr()
    w, b = _fit_binary(stacked, y, 0.5)
    assert model.margins(X)[:, 0] == pytest.approx(stacked @ w + b, abs=1e-9)
    assert model.nb_num.shape == (1, 8) and not np.allclose(model.nb_num, 0)
    assert nb_margins(X, model.nb_num, model.nb_sq).shape == (60, 1)


def test_learn_nb_weight_zero_is_the_plain_svm():
    X = sparse.random(40, 10, density=0.4, random_state=2, format="csr")
    y = (np.asarray(X[:, 1].todense()).ravel() > 0).astype(int)[:, None]
    plain = fit_codes(X, y, c_grid=(0.5,), folds=1, seed=0, tune=False, default_threshold=0.5)
    zero = fit_codes(X, y, c_grid=(0.5,), folds=1, seed=0, tune=False, default_threshold=0.5, nb_columns=10, nb_weight=0.0)
    assert zero.nb_num is None and np.array_equal(plain.margins(X), zero.margins(X))


FOOD, STAFF = "food", "staff"
CODED = pd.DataFrame(
    [(f"The {w} was {a}.", FOOD) for w in ("pasta", "soup", "steak", "pizza", "salad") for a in ("tasty", "cold")]
    + [(f"The {w} was {a}.", STAFF) for w in ("waiter", "waitress", "host", "server", "manager") for a in ("kind", "rude")]
    + [(f"Our {w} and the {f} were fine.", FOOD) for w in ("soup", "steak") for f in ("bread", "fries")],
    columns=["text", "code"])
KNOWN = {"The steak was cold.": FOOD, "The waitress was rude.": STAFF, "The pizza was tasty.": FOOD,
         "Our host was kind.": STAFF}


def test_learn_nb_tagger_learns_the_coding_and_round_trips(tmp_path):
    tagger = LearnedTagger(LearnedTaggerConfig(nb_weight=1.0, folds=1)).fit(CODED)
    assert tagger.bundle_.code_model.nb_num is not None and tagger.meta_["config"]["nb_weight"] == 1.0
    proba = tagger.predict_proba(list(KNOWN))
    assert dict(zip(KNOWN, proba.idxmax(axis=1))) == KNOWN
    same = LearnedTagger.load(tagger.save(tmp_path / "model"))
    assert np.array_equal(same.predict_proba(list(KNOWN)).to_numpy(), proba.to_numpy())
    assert same.config.nb_weight == 1.0


def test_learn_nb_weight_must_be_a_number_at_least_zero():
    with pytest.raises(TaggerConfigError, match=r"nb_weight must be a number ≥ 0; found -0.5"):
        LearnedTaggerConfig(nb_weight=-0.5)


def test_learn_nb_folder_saved_before_nb_weight_keeps_its_model(tmp_path):
    """A folder whose config predates nb_weight was trained without the NB block: it loads as nb_weight 0."""
    import json

    from cxaudit.clues.learned import META_FILE

    tagger = LearnedTagger(LearnedTaggerConfig(nb_weight=0.0, folds=1)).fit(CODED)
    path = tagger.save(tmp_path / "model")
    meta = json.loads((path / META_FILE).read_text())
    del meta["config"]["nb_weight"]
    (path / META_FILE).write_text(json.dumps(meta))
    same = LearnedTagger.load(path)
    assert same.config.nb_weight == 0.0 and same.bundle_.code_model.nb_num is None
    assert np.array_equal(same.predict_proba(list(KNOWN)).to_numpy(), tagger.predict_proba(list(KNOWN)).to_numpy())
