"""The learned tagger's classifiers: codes (one linear SVM per code) and polarity (per code in its sentence).

* Codes: a linear SVM per code on the code features (one-vs-rest), its C
  chosen from a grid by k-fold cross-validation; the SVM margin is mapped to
  a probability by Platt scaling fitted on the out-of-fold margins; the
  per-code decision threshold maximises F1 on the out-of-fold probabilities.
* Optionally (``nb_weight`` > 0) each code's SVM also sees the sentence's
  n-gram features (word and character n-grams, word-cluster ids) as binary
  presence scaled by their naive-Bayes log-count ratio for that code
  (NBSVM, Wang & Manning 2012), L2-normalised per row:
  the ratios are learned inside each training fold, so cross-validation
  stays honest. :func:`nb_ratios` and :func:`nb_block` compute them.
* Polarity: a one-vs-rest linear SVM over (sentence, code) pairs, C chosen
  the same way (folds grouped by sentence); margins become probabilities by
  a softmax whose temperature minimises the out-of-fold log-loss.

Weights are plain arrays (saved with NumPy), so models load without pickles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

__all__ = ["CodeClassifier", "PolarityClassifier", "fit_codes", "fit_polarity", "best_f1_threshold", "nb_ratios",
           "nb_block", "nb_margins"]

log = logging.getLogger(__name__)

_DEFAULT_PLATT = (2.0, 0.0)  # sigmoid(2·margin) when there is too little data to fit Platt scaling
_MIN_CV = 20                   # fewer sentences (or pairs) than this: no cross-validation
_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


@dataclass
class CodeClassifier:
    """Per-code linear scorer: margin = X @ W.T + b (+ the naive-Bayes block's margin, :func:`nb_margins`,
    when :attr:`nb_num` is set); P = sigmoid(platt_a · margin + platt_b)."""

    W: np.ndarray       # codes × features
    b: np.ndarray       # codes
    platt: np.ndarray   # codes × 2
    thresholds: np.ndarray
    C: float
    cv: dict
    nb_num: np.ndarray | None = None  # codes × n-gram columns: nb_weight · ratio · weight of the NB block
    nb_sq: np.ndarray | None = None   # codes × n-gram columns: ratio², for the row norms

    def margins(self, X) -> np.ndarray:
        """SVM margin of each code (columns) for each row of ``X``."""
        m = np.asarray(X @ self.W.T + self.b)
        if self.nb_num is not None:
            m = m + nb_margins(X, self.nb_num, self.nb_sq)
        return m

    def proba(self, X) -> np.ndarray:
        """Probability of each code (columns) for each row of ``X``."""
        return _sigmoid(self.platt[:, 0] * self.margins(X) + self.platt[:, 1])


@dataclass
class PolarityClassifier:
    """Linear scores per polarity class; P = softmax(temperature · scores) over :attr:`classes`."""

    W: np.ndarray       # classes × features
    b: np.ndarray
    classes: list
    temperature: float
    C: float
    cv: dict

    def proba(self, X) -> np.ndarray:
        """Probability of each class in :attr:`classes` (columns) for each row of ``X``."""
        return _softmax(self.temperature * np.asarray(X @ self.W.T + self.b))


def fit_codes(X, Y: np.ndarray, *, c_grid, folds: int, seed: int, tune: bool, default_threshold: float,
              nb_columns: int = 0, nb_weight: float = 0.0) -> CodeClassifier:
    """Fit one SVM per column of the 0/1 matrix ``Y`` (sentences × codes) on features ``X``.

    With ``nb_weight`` > 0, each code's SVM also gets ``nb_weight`` × :func:`nb_block` of the
    first ``nb_columns`` columns of ``X`` (the sparse n-gram features) with that code's ratios, learned on
    the rows it is trained on.

    With at least 20 sentences and ``folds`` ≥ 2: C = the grid value with the
    best out-of-fold micro-F1, Platt scaling on out-of-fold margins, and (when
    ``tune``, ≥ 100 sentences and ≥ 3 positives) a per-code F1-best threshold;
    ``cv`` holds the out-of-fold micro-F1 (optimistic: thresholds tuned on
    the same predictions). Otherwise C = the middle grid value, a fixed margin
    → probability map and ``default_threshold``.
    """
    n, k = Y.shape
    grid = sorted(float(c) for c in c_grid)
    thresholds = np.full(k, float(default_threshold))
    nb = (int(nb_columns), float(nb_weight)) if nb_weight > 0 and nb_columns > 0 else None
    if n < _MIN_CV or folds < 2:
        C = grid[len(grid) // 2]
        model = _fit_codes_at(X, Y, C, nb)
        model.platt, model.thresholds = np.tile(_DEFAULT_PLATT, (k, 1)), thresholds
        return model
    splits = _kfold(n, folds, seed)
    oof = {C: _oof_margins(X, Y, C, splits, nb) for C in grid}
    f1 = {C: _micro_f1(m >= np.array([best_f1_threshold(m[:, j], Y[:, j], grid=None)[0] for j in range(k)]), Y)
          for C, m in oof.items()}
    C = max(grid, key=lambda c: (f1[c], -c))
    margins = oof[C]
    platt = np.array([_fit_platt(margins[:, j], Y[:, j]) for j in range(k)])
    probs = _sigmoid(platt[:, 0] * margins + platt[:, 1])
    if tune and n >= 100:
        for j in range(k):
            if Y[:, j].sum() >= 3:
                thresholds[j] = best_f1_threshold(probs[:, j], Y[:, j], grid=_GRID)[0]
    model = _fit_codes_at(X, Y, C, nb)
    model.platt, model.thresholds = platt, thresholds
    model.cv = {"micro_f1": _micro_f1(probs >= thresholds, Y), "C": C, "folds": len(splits),
                "micro_f1_by_C": {str(c): round(v, 4) for c, v in f1.items()}}
    return model


def nb_ratios(B, y: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    """Naive-Bayes log-count ratio of each column of the 0/1 matrix ``B`` for the 0/1 labels ``y``:
    log((α + Σ positives) / ‖·‖₁) − log((α + Σ negatives) / ‖·‖₁) (Wang & Manning 2012)."""
    y = np.asarray(y) > 0
    p = alpha + np.asarray(B[y].sum(axis=0)).ravel()
    q = alpha + np.asarray(B[~y].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def nb_block(X, r: np.ndarray):
    """Rows of ``X[:, :len(r)]`` as binary presence scaled by the ratios ``r``, L2-normalised per row."""
    # lazy: SciPy only for fitting; a saved tagger predicts with NumPy
    from scipy import sparse

    B = _binary(X, len(r))
    N = B.multiply(r[None, :]).tocsr()
    norm = np.sqrt(np.asarray(B @ (r * r))).ravel()
    norm[norm == 0] = 1.0
    return (sparse.diags(1.0 / norm) @ N).tocsr()


def nb_margins(X, num: np.ndarray, sq: np.ndarray) -> np.ndarray:
    """The NB block's margin of each code: (B @ num) / ‖B ∘ r‖ with B the binary first columns of ``X``."""
    B = _binary(X, num.shape[1])
    norm = np.sqrt(np.asarray(B @ sq.T))
    norm[norm == 0] = 1.0
    return np.asarray(B @ num.T) / norm


def fit_polarity(X, labels: list[str], groups: list[str], *, c_grid, folds: int) -> PolarityClassifier:
    """Fit the polarity SVM on pair features ``X`` with labels; folds never split a sentence (``groups``).

    ``cv`` holds the out-of-fold accuracy of the chosen C. Without enough
    pairs for cross-validation the temperature is 1 and C the middle grid value.
    """
    classes = sorted(set(labels))
    y = np.array([classes.index(p) for p in labels])
    grid = sorted(float(c) for c in c_grid)
    if len(y) < _MIN_CV or folds < 2 or len(set(groups)) < 2:
        C = grid[len(grid) // 2]
        W, b = _fit_multiclass(X, y, len(classes), C)
        return PolarityClassifier(W, b, classes, 1.0, C, {})
    splits = _group_kfold(groups, folds)
    oof = {}
    for C in grid:
        scores = np.zeros((len(y), len(classes)))
        for train_i, test_i in splits:
            W, b = _fit_multiclass(X[train_i], y[train_i], len(classes), C)
            scores[test_i] = X[test_i] @ W.T + b
        oof[C] = scores
    acc = {C: float((s.argmax(axis=1) == y).mean()) for C, s in oof.items()}
    C = max(grid, key=lambda c: (acc[c], -c))
    temperature = _fit_temperature(oof[C], y)
    W, b = _fit_multiclass(X, y, len(classes), C)
    cv = {"accuracy": acc[C], "C": C, "folds": len(splits), "temperature": temperature,
          "accuracy_by_C": {str(c): round(v, 4) for c, v in acc.items()}}
    return PolarityClassifier(W, b, classes, temperature, C, cv)


def best_f1_threshold(scores: np.ndarray, y: np.ndarray, *, grid: np.ndarray | None) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of ``scores >= threshold`` against 0/1 ``y``.

    ``grid=None`` tries every distinct score (and one above the maximum); the
    lowest of equally good thresholds wins.
    """
    y = np.asarray(y) > 0
    cands = np.unique(np.append(scores, np.inf)) if grid is None else np.asarray(grid)
    best = (float(cands[0]), -1.0)
    for t in cands:
        pred = scores >= t
        f1 = 2 * float((pred & y).sum()) / max(float(pred.sum() + y.sum()), 1.0)
        if f1 > best[1]:
            best = (float(t), f1)
    return best


# --------------------------------------------------------------------------- helpers


def _fit_binary(X, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """(w, b) of a linear SVM on 0/1 ``y`` (:func:`~cxaudit.clues.learned.solvers.linear_svm`: one minimum,
    nothing drawn at random); a constant ±1 scorer when ``y`` has one class."""
    if y.min() == y.max():
        return np.zeros(X.shape[1]), 1.0 if y[0] > 0 else -1.0
    # lazy: SciPy's optimisers only for fitting; a saved tagger predicts with NumPy
    from cxaudit.clues.learned import solvers

    return solvers.linear_svm(X, y, C)


def _fit_columns(X, Y: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray]:
    """One binary SVM per column of ``Y``: (W codes × features, b)."""
    fits = [_fit_binary(X, Y[:, j], C) for j in range(Y.shape[1])]
    return np.array([w for w, _ in fits]).reshape(Y.shape[1], X.shape[1]), np.array([b for _, b in fits])


def _fit_multiclass(X, y: np.ndarray, k: int, C: float) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest SVMs for classes 0…k-1 (absent classes score -1 everywhere)."""
    return _fit_columns(X, (y[:, None] == np.arange(k)[None, :]).astype(int), C)


def _oof_margins(X, Y: np.ndarray, C: float, splits, nb=None) -> np.ndarray:
    margins = np.zeros(Y.shape)
    for train_i, test_i in splits:
        margins[test_i] = _fit_codes_at(X[train_i], Y[train_i], C, nb).margins(X[test_i])
    return margins


def _fit_codes_at(X, Y: np.ndarray, C: float, nb) -> CodeClassifier:
    """The code SVMs at one C (no calibration): plain, or with the NB block (``nb`` = (columns, weight))."""
    k = Y.shape[1]
    if nb is None:
        W, b = _fit_columns(X, Y, C)
        return CodeClassifier(W, b, np.tile(_DEFAULT_PLATT, (k, 1)), np.full(k, 0.5), C, {})
    # lazy: SciPy only for fitting; a saved tagger predicts with NumPy
    from scipy import sparse

    n_cols, weight = nb
    B = _binary(X, n_cols)
    W, b = np.zeros((k, X.shape[1])), np.zeros(k)
    num, sq = np.zeros((k, n_cols)), np.zeros((k, n_cols))
    for j in range(k):
        r = nb_ratios(B, Y[:, j])
        w, b[j] = _fit_binary(sparse.hstack([X, weight * nb_block(X, r)]).tocsr(), Y[:, j], C)
        W[j], num[j], sq[j] = w[:X.shape[1]], weight * r * w[X.shape[1]:], r * r
    return CodeClassifier(W, b, np.tile(_DEFAULT_PLATT, (k, 1)), np.full(k, 0.5), C, {}, num, sq)


def _binary(X, n_cols: int):
    """0/1 presence of the first ``n_cols`` columns of the sparse ``X``."""
    B = X[:, :n_cols].tocsr(copy=True)
    B.data = (B.data != 0).astype(float)
    return B


def _kfold(n: int, folds: int, seed: int) -> list:
    # lazy: SciPy's optimisers only for fitting; a saved tagger predicts with NumPy
    from cxaudit.clues.learned import solvers

    return solvers.kfold(n, min(folds, n), seed)


def _group_kfold(groups: list[str], folds: int) -> list:
    # lazy: SciPy's optimisers only for fitting; a saved tagger predicts with NumPy
    from cxaudit.clues.learned import solvers

    return solvers.group_kfold(groups, min(folds, len(set(groups))))


def _fit_platt(margin: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of P(y=1) = sigmoid(a·margin + b) by maximum likelihood; the default map without both classes."""
    if y.min() == y.max():
        return _DEFAULT_PLATT
    # lazy: SciPy's optimisers only for fitting; a saved tagger predicts with NumPy
    from cxaudit.clues.learned import solvers

    return solvers.platt(margin, y)


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Temperature T minimising the log-loss of softmax(T · scores) against class indices ``y``."""
    # lazy: SciPy only for fitting; a saved tagger predicts with NumPy
    from scipy.optimize import minimize_scalar

    def loss(t):
        p = _softmax(t * scores)
        return -float(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())

    return float(minimize_scalar(loss, bounds=(0.05, 50.0), method="bounded").x)


def _micro_f1(pred: np.ndarray, Y: np.ndarray) -> float:
    gold = Y > 0
    return 2 * float((pred & gold).sum()) / max(float(pred.sum() + gold.sum()), 1.0)


def _sigmoid(z) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -50, 50)))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)
