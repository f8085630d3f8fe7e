"""The numerical fits of the n-gram learned tagger, on NumPy and SciPy alone.

scikit-learn was the core's only user of four of its functions, and with narwhals and joblib it put
77 MB on every install (`benchmarks/bench_install_size.py`; docs/clues-learned.md, "Why the fits are
written here"). Each function below solves the same problem as the scikit-learn call it replaces, with
SciPy's optimisers and linear algebra doing the numerical work; ``tests/test_learn_solvers.py`` checks
each against scikit-learn (a test-only dependency):

* :func:`linear_svm` — ``LinearSVC(C)`` (L2-regularised squared hinge, the intercept an extra feature of
  value 1 that is regularised too, as liblinear does), solved in the primal by Newton-CG;
* :func:`platt` — ``LogisticRegression(C=100)`` on one feature (intercept not regularised);
* :func:`kfold`, :func:`group_kfold` — ``KFold(shuffle=True, random_state=seed)`` and ``GroupKFold``,
  the same splits;
* :func:`randomized_svd` — ``sklearn.utils.extmath.randomized_svd`` (Halko, Martinsson & Tropp 2011:
  range finder with LU-normalised power iterations, then an exact SVD of the small projection).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

__all__ = ["linear_svm", "platt", "kfold", "group_kfold", "randomized_svd"]


def linear_svm(X, y: np.ndarray, C: float, *, tol: float = 1e-5) -> tuple[np.ndarray, float]:
    """(w, b) minimising ½(‖w‖² + b²) + C Σᵢ max(0, 1 − yᵢ(xᵢ·w + b))² for 0/1 labels ``y`` (as ±1).

    ``X`` is a SciPy sparse matrix or an array. The objective is strongly convex and once differentiable,
    with a generalised Hessian I + 2C·X_Aᵀ X_A over the rows A inside the margin, so Newton-CG reaches
    the unique minimum in a few dozen Hessian products (liblinear's primal solver does the same). A column
    no row uses has weight 0 at the minimum: the problem is solved on the used columns only (a fold of the
    tagger's features uses about half of them).
    """
    s = np.where(np.asarray(y) > 0, 1.0, -1.0)
    full = X.shape[1]
    used = None
    if hasattr(X, "tocsc"):
        X = X.tocsc()
        used = np.flatnonzero(np.diff(X.indptr))
        X = X[:, used].tocsr()
    d = X.shape[1]
    at: dict = {}  # the point of the last gradient, its active rows and (once asked) those rows of X

    def loss_grad(wb):
        w, b = wb[:d], wb[d]
        m = np.asarray(X @ w).ravel() + b
        slack = 1.0 - s * m
        act = slack > 0
        r = np.where(act, m - s, 0.0)  # ∂/∂m of (1 − s·m)² is 2(m − s) on the active rows
        at.clear()
        at.update(key=wb.tobytes(), act=act)
        grad = np.empty(d + 1)
        grad[:d] = w + 2 * C * np.asarray(X.T @ r).ravel()
        grad[d] = b + 2 * C * r.sum()
        return 0.5 * (w @ w + b * b) + C * float(slack[act] @ slack[act]), grad

    def hessp(wb, v):
        # Newton-CG asks for Hessian products at the point of its last gradient: the active rows are sliced
        # once per Newton step, and each product reads only them (a third of the time of the whole X)
        if at.get("key") != wb.tobytes():
            loss_grad(wb)
        if "XA" not in at:
            at["XA"] = X[at["act"]]
        XA = at["XA"]
        xv = np.asarray(XA @ v[:d]).ravel() + v[d]
        out = v.copy()
        out[:d] += 2 * C * np.asarray(XA.T @ xv).ravel()
        out[d] += 2 * C * xv.sum()
        return out

    res = optimize.minimize(loss_grad, np.zeros(d + 1), jac=True, hessp=hessp, method="Newton-CG",
                            options={"xtol": tol, "maxiter": 200})
    if used is None:
        return res.x[:d].copy(), float(res.x[d])
    w = np.zeros(full)
    w[used] = res.x[:d]
    return w, float(res.x[d])


def platt(margin: np.ndarray, y: np.ndarray, *, C: float = 100.0) -> tuple[float, float]:
    """(a, b) of P(y = 1) = sigmoid(a·margin + b) minimising ½a² + C Σ log-loss (b not regularised)."""
    m = np.asarray(margin, dtype=float).ravel()
    s = np.where(np.asarray(y) > 0, 1.0, -1.0)

    def loss_grad(ab):
        z = s * (ab[0] * m + ab[1])
        loss = 0.5 * ab[0] ** 2 + C * float(np.logaddexp(0.0, -z).sum())
        g = -s * C * _sigmoid(-z)  # ∂/∂(a·m + b) of C·log(1 + e^(−z))
        return loss, np.array([ab[0] + float(g @ m), float(g.sum())])

    res = optimize.minimize(loss_grad, np.zeros(2), jac=True, method="L-BFGS-B", options={"gtol": 1e-8})
    return float(res.x[0]), float(res.x[1])


def kfold(n: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs, each sorted, of ``folds`` folds cut from a shuffled 0…n−1; the first n mod folds
    are one longer."""
    order = np.arange(n)
    np.random.RandomState(seed).shuffle(order)
    sizes = np.full(folds, n // folds)
    sizes[: n % folds] += 1
    out, start = [], 0
    for size in sizes:
        mask = np.zeros(n, dtype=bool)
        mask[order[start:start + size]] = True
        out.append((np.flatnonzero(~mask), np.flatnonzero(mask)))
        start += size
    return out


def group_kfold(groups, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs in which no group is split: the largest groups first, each to the fold
    with the fewest rows so far."""
    names, inverse = np.unique(np.asarray(groups), return_inverse=True)
    if folds > len(names):
        raise ValueError(f"{folds} folds but only {len(names)} groups")
    size = np.bincount(inverse)
    fold_rows = np.zeros(folds)
    fold_of = np.zeros(len(names), dtype=int)
    for g in np.argsort(size, kind="stable")[::-1]:
        f = int(np.argmin(fold_rows))
        fold_rows[f] += size[g]
        fold_of[g] = f
    row_fold = fold_of[inverse]
    return [(np.flatnonzero(row_fold != f), np.flatnonzero(row_fold == f)) for f in range(folds)]


def randomized_svd(M, k: int, *, n_iter: int = 5, n_oversamples: int = 10,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(U, S, Vt) of the ``k`` largest singular triplets of ``M`` (sparse or dense), signs fixed so that each
    column of U has its largest absolute entry positive."""
    rng = np.random.RandomState(seed)
    Q = rng.normal(size=(M.shape[1], k + n_oversamples))
    if M.dtype.kind == "f":
        Q = Q.astype(M.dtype, copy=False)
    for _ in range(n_iter):
        Q, _ = linalg.lu(M @ Q, permute_l=True)
        Q, _ = linalg.lu(M.T @ Q, permute_l=True)
    Q, _ = linalg.qr(M @ Q, mode="economic")
    Uhat, S, Vt = linalg.svd(np.asarray(Q.T @ M), full_matrices=False)
    U = Q @ Uhat
    signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
    return U[:, :k] * signs[:k], S[:k], Vt[:k] * signs[:k, None]


def _sigmoid(z) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -50, 50)))
